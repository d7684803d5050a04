package output

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/pkg/finding"
)

// ToolInfo names the tool in machine-readable logs (SARIF's driver).
type ToolInfo struct {
	Name           string // "vouch"
	Version        string // vouch's version
	InformationURI string // the project's page
}

// VouchTool is ToolInfo for vouch at version.
func VouchTool(version string) ToolInfo {
	return ToolInfo{Name: "vouch", Version: version, InformationURI: "https://github.com/vouchdev/vouch"}
}

// FindingsSchema is the versioned media type of the JSON envelope
// [NewJSONHandler] writes (schemas/findings.schema.json).
const FindingsSchema = "https://vouch.dev/schemas/findings/v1"

// collector is what every handler keeps of a run: the rules announced,
// then resolved from the catalogue for findings that name another, and
// the findings in the order emitted.
type collector struct {
	cat      *finding.Catalogue
	rules    map[string]finding.Rule
	findings []finding.Finding
	counts   Counts
	stream   bool // findings are rendered as they come, not kept
}

func newCollector() collector {
	return collector{cat: finding.Default, rules: map[string]finding.Rule{}}
}

// Rule records an announced rule; an invalid one is an error (a
// programming error in the engine, not something to render).
func (c *collector) Rule(r finding.Rule) error {
	if r.ID == "" || !r.Level.Valid() {
		return fmt.Errorf("output: rule %q: expected an id and a level error, warning or note, found level %q", r.ID, r.Level)
	}
	c.rules[r.ID] = r
	return nil
}

// add records a finding and returns the rule it names and its level.
func (c *collector) add(f finding.Finding) (finding.Rule, finding.Level) {
	r, ok := c.rules[f.ID]
	if !ok {
		r = finding.RuleFor(c.cat, &f)
		c.rules[f.ID] = r
	}
	lvl := finding.LevelOf(&f, r)
	c.counts.add(&f, lvl)
	if !c.stream {
		c.findings = append(c.findings, f)
	}
	return r, lvl
}

// sortedRules are the rules of the run, sorted by id.
func (c *collector) sortedRules() []finding.Rule {
	out := make([]finding.Rule, 0, len(c.rules))
	for _, r := range c.rules {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b finding.Rule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Counts sum up a run's findings: passes, findings suppressed by a VEX
// statement, and the others by level.
type Counts struct {
	Pass       int `json:"pass"`
	Error      int `json:"error"`
	Warning    int `json:"warning"`
	Note       int `json:"note"`
	Suppressed int `json:"suppressed"`
}

func (c *Counts) add(f *finding.Finding, lvl finding.Level) {
	switch {
	case f.Status == finding.StatusPass:
		c.Pass++
	case f.Suppressed():
		c.Suppressed++
	case lvl == finding.LevelError:
		c.Error++
	case lvl == finding.LevelWarning:
		c.Warning++
	default:
		c.Note++
	}
}

// FindingsDocument is the JSON envelope of one run.
type FindingsDocument struct {
	Schema string `json:"schema"`
	// Pass: no finding at level error that is neither a pass nor
	// suppressed by VEX.
	Pass     bool              `json:"pass"`
	Counts   Counts            `json:"counts"`
	Rules    []finding.Rule    `json:"rules"`
	Findings []finding.Finding `json:"findings"`
}

type jsonHandler struct {
	collector
	w io.Writer
}

// NewJSONHandler renders a run as one indented JSON document (schema
// [FindingsSchema]) written on Flush: the rules the run announced or its
// findings named, sorted by id, and the findings in the order emitted.
func NewJSONHandler(w io.Writer) finding.Handler {
	return &jsonHandler{collector: newCollector(), w: w}
}

func (h *jsonHandler) Finding(f finding.Finding) error {
	h.add(f)
	return nil
}

func (h *jsonHandler) Flush() error {
	doc := FindingsDocument{Schema: FindingsSchema, Pass: h.counts.Error == 0, Counts: h.counts,
		Rules: h.sortedRules(), Findings: h.findings}
	if doc.Findings == nil {
		doc.Findings = []finding.Finding{}
	}
	return writeJSON(h.w, doc)
}

// writeJSON writes v indented, without HTML escaping (the documents are
// not for browsers; escaping would change purls and messages).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

type textHandler struct {
	collector
	w       io.Writer
	paint   func(colour, s string) string
	subject string
	started bool
}

// NewTextHandler renders a run for people, line by line as findings
// come: a heading per subject, one line per finding (status or level,
// rule id, component, message, and what was expected and found when it
// did not pass; for a vulnerability its severity, fix, reachability and
// VEX statement), and a summary on Flush. color adds ANSI colours
// (terminals only). Everything quoted from documents passes through
// [Visible].
func NewTextHandler(w io.Writer, color bool) finding.Handler {
	paint := func(c, s string) string {
		if !color {
			return s
		}
		return c + s + reset
	}
	h := &textHandler{collector: newCollector(), w: w, paint: paint}
	h.stream = true
	return h
}

func (h *textHandler) Finding(f finding.Finding) error {
	_, lvl := h.add(f)
	var b strings.Builder
	if !h.started || f.Subject != h.subject {
		if h.started {
			b.WriteByte('\n')
		}
		h.started, h.subject = true, f.Subject
		head := f.Subject
		if head == "" {
			head = "(no subject)"
		}
		fmt.Fprintf(&b, "%s", h.paint(bold, Visible(head)))
		if f.Digest != "" {
			fmt.Fprintf(&b, "  %s", Visible(f.Digest))
		}
		b.WriteByte('\n')
	}
	b.WriteString(findingLine(&f, lvl, h.paint))
	_, err := io.WriteString(h.w, b.String())
	return err
}

// findingLine is one finding for people: status, rule id, component,
// message; for a finding that did not pass what was expected and what was
// found, for a vulnerability its severity, fix, reachability and VEX
// statement instead.
func findingLine(f *finding.Finding, lvl finding.Level, paint func(c, s string) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %s %s", status(f, lvl, paint), Visible(f.ID))
	if c := component(f); c != "" {
		fmt.Fprintf(&b, "  %s", Visible(c))
	}
	fmt.Fprintf(&b, ": %s", Visible(oneLine(f.Message)))
	switch v := f.Vulnerability; {
	case v != nil:
		fmt.Fprintf(&b, " [%s]", Visible(vulnDetails(v)))
	case f.Status != finding.StatusPass:
		fmt.Fprintf(&b, " (expected: %s; found: %s)", Visible(orDash(f.Expected)), Visible(orDash(f.Found)))
	}
	b.WriteByte('\n')
	b.WriteString(symbolsLine(f.Vulnerability))
	b.WriteString(vexSourceLine(f.Vulnerability))
	return b.String()
}

// vexSourceLine is the indented line under a match a VEX statement
// decided that names the document or signed attestation it came from, so
// that a reader can tell the user's word from a verified signer's; "" for
// any other finding.
func vexSourceLine(v *finding.Vulnerability) string {
	if v == nil || v.VEX == "" || v.VEXSource == "" {
		return ""
	}
	return "        VEX from: " + Visible(v.VEXSource) + "\n"
}

// symbolsLine is the indented line under a Go match that names the
// vulnerable symbols the code calls, the evidence behind "called"; "" for
// any other finding.
func symbolsLine(v *finding.Vulnerability) string {
	if v == nil || len(v.Symbols) == 0 {
		return ""
	}
	return "        called: " + Visible(strings.Join(v.Symbols, ", ")) + "\n"
}

// status is the first column: "pass", "VEX" for a suppressed finding,
// the level of a failed finding ("error", "warning", "note"), or the
// status when it is error or skipped (could not be / was not evaluated).
func status(f *finding.Finding, lvl finding.Level, paint func(c, s string) string) string {
	switch {
	case f.Status == finding.StatusPass:
		return paint(green, "pass   ")
	case f.Suppressed():
		return paint(cyan, "VEX    ")
	case f.Status != finding.StatusFail:
		return paint(red, fmt.Sprintf("%-7s", Visible(strings.ToUpper(string(f.Status)))))
	case lvl == finding.LevelError:
		return paint(red, "FAIL   ")
	case lvl == finding.LevelWarning:
		return paint(yellow, "warning")
	}
	return paint(cyan, "note   ")
}

func (h *textHandler) Flush() error {
	c := h.counts
	s := fmt.Sprintf("%s, %s, %s, %d passed", plural(c.Error, "error"), plural(c.Warning, "warning"), plural(c.Note, "note"), c.Pass)
	if c.Suppressed > 0 {
		s += fmt.Sprintf(", %d not affected or fixed (VEX)", c.Suppressed)
	}
	lead := ""
	if h.started {
		lead = "\n"
	}
	_, err := fmt.Fprintf(h.w, "%s%s\n", lead, s)
	return err
}

// component names the component a finding is about: its purl, else its
// id in the document; "" for the subject itself.
func component(f *finding.Finding) string {
	if f.PURL != "" {
		return f.PURL
	}
	return f.Component
}

// vulnDetails is "high 7.5, fixed in v1.2.3, called, VEX not_affected:
// vulnerable_code_not_in_execute_path".
func vulnDetails(v *finding.Vulnerability) string {
	parts := []string{v.Severity}
	if v.Score > 0 {
		parts[0] += fmt.Sprintf(" %.1f", v.Score)
	}
	if len(v.Aliases) > 0 {
		parts = append(parts, strings.Join(v.Aliases, " "))
	}
	if v.FixedVersion != "" {
		parts = append(parts, "fixed in "+v.FixedVersion)
	} else {
		parts = append(parts, "no fix")
	}
	if v.Reachability != "" {
		parts = append(parts, v.Reachability)
	}
	if v.VEX != "" {
		vex := "VEX " + v.VEX
		if v.Justification != "" {
			vex += ": " + v.Justification
		}
		parts = append(parts, vex)
	}
	if v.Allowed != "" {
		parts = append(parts, "allowed: "+v.Allowed)
	}
	return strings.Join(parts, ", ")
}
