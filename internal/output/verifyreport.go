package output

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/vouchdev/vouch/pkg/verify"
)

// VerifyJSON writes the report as one indented JSON document.
func VerifyJSON(w io.Writer, r verify.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// BatchLine is one line of `vouch verify --batch` output: the verdict on
// one input line, or why there is none.
type BatchLine struct {
	// Line is the 1-based line of the batch file.
	Line int `json:"line"`
	// Error is set when the artifact could not be verified at all (an
	// unreadable artifact, an invalid line); Report is then nil.
	Error  string                 `json:"error,omitempty"`
	Report *verify.ArtifactReport `json:"report,omitempty"`
}

// VerifyBatchLine writes one compact JSON line.
func VerifyBatchLine(w io.Writer, l BatchLine) error {
	if l.Report != nil && l.Report.Findings == nil {
		l.Report.Findings = []verify.Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(l)
}

// VerifyText writes the report for people: per artifact a verdict line,
// then one line per finding with its status, id and message, and for a
// finding that did not pass what was expected and what was found. color
// adds ANSI colours (terminals only).
func VerifyText(w io.Writer, r verify.Report, color bool) error {
	paint := func(c, s string) string {
		if !color {
			return s
		}
		return c + s + reset
	}
	var b strings.Builder
	verified := 0
	for i, a := range r.Artifacts {
		if i > 0 {
			b.WriteByte('\n')
		}
		verdict := paint(green, "VERIFIED")
		if a.Verified {
			verified++
		} else {
			verdict = paint(red, "NOT VERIFIED")
		}
		// Names, ids and messages may quote a bundle or a statement: Visible
		// keeps their control characters from reaching the terminal.
		fmt.Fprintf(&b, "%s  %s  %s\n", paint(bold, Visible(a.Name)), Visible(a.Digest), verdict)
		for _, f := range a.Findings {
			var status string
			switch f.Status {
			case verify.StatusPass:
				status = paint(green, "pass   ")
			case verify.StatusFail:
				status = paint(red, "FAIL   ")
			case verify.StatusError:
				status = paint(red, "ERROR  ")
			default:
				status = paint(yellow, fmt.Sprintf("%-7s", strings.ToUpper(string(f.Status))))
			}
			line := fmt.Sprintf("  %s %s: %s", status, Visible(f.ID), Visible(oneLine(f.Message)))
			if f.Status != verify.StatusPass {
				line += fmt.Sprintf(" (expected: %s; found: %s)", Visible(orDash(f.Expected)), Visible(orDash(f.Found)))
			}
			b.WriteString(line + "\n")
		}
	}
	if len(r.Artifacts) > 1 {
		fmt.Fprintf(&b, "\n%d of %d artifacts verified\n", verified, len(r.Artifacts))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return oneLine(s)
}

// verifyRules describes finding ids for SARIF rules, by id or id prefix.
var verifyRules = []struct{ prefix, text string }{
	{"bundle", "A Sigstore bundle verifies against the trusted keys or root"},
	{"evidence", "The artifact has verified signatures or attestations"},
	{"statement", "Attestations are valid in-toto statements"},
	{"subject", "An attestation names the artifact among its subjects"},
	{"signer", "The artifact is signed by a signer the policy trusts"},
	{"predicate.", "A required attestation type is present"},
	{"provenance", "SLSA provenance meets the policy"},
	{"sbom", "The attested SBOM meets the policy"},
	{"layout", "The in-toto layout verifies"},
	{"rule.", "A custom CEL rule of the policy holds"},
	{"policy", "The policy can be evaluated"},
}

func ruleText(id string) string {
	for _, r := range verifyRules {
		if id == r.prefix || strings.HasPrefix(id, r.prefix) {
			return r.text
		}
	}
	return id
}

// VerifySARIF writes the report as a SARIF 2.1.0 log with one run: a rule
// per finding id, and a result per finding that did not pass, located in
// its artifact, with the expected and found values as properties. Every
// result is an error — fail, error and skipped all refuse the artifact, so
// code scanning fails exactly when the exit code does. Passing findings are
// not results: SARIF results are problems to look at.
// toolVersion is vouch's version.
func VerifySARIF(w io.Writer, r verify.Report, toolVersion string) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "vouch", Version: toolVersion,
			InformationURI: "https://github.com/vouchdev/vouch", Rules: []sarifRule{}}},
		Artifacts: []sarifArtifact{},
		Results:   []sarifResult{},
	}
	// Rules: every finding id of the run, sorted, so the log is stable.
	ids := map[string]bool{}
	for _, a := range r.Artifacts {
		for _, f := range a.Findings {
			ids[f.ID] = true
		}
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)
	ruleIndex := map[string]int{}
	for i, id := range sorted {
		ruleIndex[id] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID: id, ShortDescription: sarifText{ruleText(id)}, FullDescription: sarifText{ruleText(id) + " (vouch verify finding " + id + ")"},
			HelpURI:              "https://github.com/vouchdev/vouch/blob/main/docs/policy.md",
			DefaultConfiguration: sarifConfig{"error"},
			Properties:           map[string]string{"category": strings.SplitN(id, ".", 2)[0]},
		})
	}
	for i, a := range r.Artifacts {
		uri := fileURI(a.Name)
		run.Artifacts = append(run.Artifacts, sarifArtifact{Location: sarifArtifactLocation{URI: uri, Index: i}})
		for _, f := range a.Findings {
			if f.Status == verify.StatusPass {
				continue
			}
			msg := oneLine(f.Message) + " (expected: " + orDash(f.Expected) + "; found: " + orDash(f.Found) + ")"
			loc := sarifLocation{
				PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifactLocation{URI: uri, Index: i}},
				LogicalLocations: []sarifLogicalLoc{{Name: a.Name, FullyQualifiedName: a.Digest, Kind: "resource"}},
			}
			run.Results = append(run.Results, sarifResult{
				RuleID: f.ID, RuleIndex: ruleIndex[f.ID], Level: "error", Message: sarifText{msg},
				Locations: []sarifLocation{loc},
				Properties: map[string]string{"status": string(f.Status), "expected": f.Expected, "found": f.Found,
					"digest": a.Digest, "evidence": strings.Join(f.Evidence, ", ")},
			})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}
