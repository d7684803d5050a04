package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/sbom/check"
)

// CheckSchemaVersion identifies the JSON document of `vouch sbom check -o json`
// (schemas/check-report.schema.json). It changes only when a field changes
// meaning or disappears. v2: findings are finding.Finding (id, status,
// level) and the clauses moved from each finding to the document's rules.
const CheckSchemaVersion = "vouch.check/v2"

// CheckedSBOM is what `vouch sbom check` found out about one SBOM.
type CheckedSBOM struct {
	Name        string         `json:"name"`        // the file as given
	Format      string         `json:"format"`      // "cyclonedx", "spdx-2", "spdx-3"
	SpecVersion string         `json:"specVersion"` // as declared
	Encoding    string         `json:"encoding"`    // "json", "xml", "tag-value"
	Pass        bool           `json:"pass"`        // every report passed and Error is empty
	Error       string         `json:"error,omitempty"`
	Reports     []check.Report `json:"reports"`
}

// CheckDocument is the JSON document of `vouch sbom check -o json`.
type CheckDocument struct {
	SchemaVersion string `json:"schemaVersion"`
	Pass          bool   `json:"pass"`
	// Rules are the rules of the profiles that ran (and any other rule a
	// finding names), sorted by id: their titles, clauses and levels.
	Rules []finding.Rule `json:"rules"`
	SBOMs []CheckedSBOM  `json:"sboms"`
}

// NewCheckDocument wraps results in the versioned JSON document.
func NewCheckDocument(sboms []CheckedSBOM) CheckDocument {
	doc := CheckDocument{SchemaVersion: CheckSchemaVersion, Pass: true, SBOMs: sboms, Rules: checkRules(sboms).sortedRules()}
	if doc.SBOMs == nil {
		doc.SBOMs = []CheckedSBOM{}
	}
	for i := range doc.SBOMs {
		if doc.SBOMs[i].Reports == nil {
			doc.SBOMs[i].Reports = []check.Report{}
		}
		doc.Pass = doc.Pass && doc.SBOMs[i].Pass
	}
	return doc
}

// CheckJSON writes results as one indented JSON document.
func CheckJSON(w io.Writer, sboms []CheckedSBOM) error {
	return writeJSON(w, NewCheckDocument(sboms))
}

// checkRules collects the rules of every profile that ran on sboms and
// of every finding they made.
func checkRules(sboms []CheckedSBOM) *collector {
	c := newCollector()
	for _, s := range sboms {
		for _, r := range s.Reports {
			if p, ok := check.Lookup(r.Profile); ok {
				for _, rule := range p.Rules() {
					c.rules[rule.ID] = rule.Catalogued()
				}
			}
			for i := range r.Findings {
				if _, ok := c.rules[r.Findings[i].ID]; !ok {
					c.rules[r.Findings[i].ID] = finding.RuleFor(c.cat, &r.Findings[i])
				}
			}
		}
	}
	return &c
}

// EmitCheck sends results to h: the rules of the profiles that ran, then
// each finding with its SBOM file as subject; then it flushes h.
func EmitCheck(h finding.Handler, sboms []CheckedSBOM) error {
	for _, r := range checkRules(sboms).sortedRules() {
		if err := h.Rule(r); err != nil {
			return err
		}
	}
	for _, s := range sboms {
		for _, r := range s.Reports {
			for _, f := range r.Findings {
				f.Subject = s.Name
				if err := h.Finding(f); err != nil {
					return err
				}
			}
		}
	}
	return h.Flush()
}

// CheckSARIF writes results as a SARIF log through [NewSARIFHandler]: the
// rules of the profiles that ran (their clause as a property, the
// published document as helpUri where one is known), each finding a
// result located in its SBOM file and, logically, in its component.
// toolVersion is vouch's version.
func CheckSARIF(w io.Writer, sboms []CheckedSBOM, toolVersion string) error {
	return EmitCheck(NewSARIFHandler(w, VouchTool(toolVersion)), sboms)
}

// ANSI colours, used only when writing to a terminal.
const (
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	cyan   = "\x1b[36m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

// CheckText writes results for people: per SBOM, per profile a summary line
// ("bsi-tr-03183-2: FAIL 3 errors 1 warning, score 7.8/10"), then one line
// per finding with its severity, rule, component, field, what was expected
// and what was found, and the clause. color adds ANSI colours (terminals only).
func CheckText(w io.Writer, sboms []CheckedSBOM, color bool) error {
	paint := func(c, s string) string {
		if !color {
			return s
		}
		return c + s + reset
	}
	var b strings.Builder
	for i, s := range sboms {
		if i > 0 {
			b.WriteByte('\n')
		}
		// Names, versions, errors and findings quote the document: Visible
		// keeps its control characters from reaching the terminal.
		fmt.Fprintf(&b, "%s (%s)\n", paint(bold, Visible(s.Name)), Visible(describeFormat(s)))
		if s.Error != "" {
			fmt.Fprintf(&b, "  %s %s\n", paint(red, "error:"), Visible(s.Error))
		}
		for _, r := range s.Reports {
			verdict := paint(green, "PASS")
			if !r.Pass {
				verdict = paint(red, "FAIL")
			}
			fmt.Fprintf(&b, "  %s: %s %s, score %.1f/10\n", Visible(r.Profile), verdict, counts(r.Counts), r.Score)
			for i := range r.Findings {
				b.WriteString(checkLine(&r.Findings[i], paint))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// checkLine is one finding of CheckText: level, rule, component, field,
// what was expected and found, and the rule's clause.
func checkLine(f *finding.Finding, paint func(c, s string) string) string {
	lvl := fmt.Sprintf("%-7s", f.Level)
	switch f.Level {
	case finding.LevelError:
		lvl = paint(red, lvl)
	case finding.LevelWarning:
		lvl = paint(yellow, lvl)
	default:
		lvl = paint(cyan, lvl)
	}
	clause := finding.RuleFor(finding.Default, f).Clause
	return fmt.Sprintf("    %s %s  %s  %s: expected %s, found %s  [%s]\n",
		lvl, Visible(f.ID), Visible(subject(f)), Visible(f.Field), Visible(f.Expected), Visible(f.Found), Visible(clause))
}

// describeFormat names a document's format for people: "CycloneDX 1.6 JSON".
func describeFormat(s CheckedSBOM) string {
	name := map[string]string{"cyclonedx": "CycloneDX", "spdx-2": "SPDX", "spdx-3": "SPDX"}[s.Format]
	if name == "" {
		return "unknown format"
	}
	enc := map[string]string{"json": "JSON", "xml": "XML", "tag-value": "tag-value"}[s.Encoding]
	if s.Format == "spdx-3" {
		enc = "JSON-LD"
	}
	return strings.TrimSpace(strings.Join([]string{name, s.SpecVersion, enc}, " "))
}

// counts is "3 errors 1 warning" (and notes when there are any).
func counts(c check.Counts) string {
	s := plural(c.Error, "error") + " " + plural(c.Warning, "warning")
	if c.Note > 0 {
		s += " " + plural(c.Note, "note")
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// subject names what a finding is about: the purl, else the component id,
// else the document.
func subject(f *finding.Finding) string {
	switch {
	case f.PURL != "":
		return f.PURL
	case f.Component != "":
		return f.Component
	}
	return "(document)"
}
