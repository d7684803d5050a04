package output

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/vouchdev/vouch/pkg/finding"
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
		for i := range a.Findings {
			f := &a.Findings[i]
			b.WriteString(findingLine(f, finding.LevelOf(f, finding.RuleFor(finding.Default, f)), paint))
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

// VerifySARIF writes the report as a SARIF log through [NewSARIFHandler]:
// a result per finding that did not pass, at its rule's level — every
// verify rule is an error, as fail, error and skipped all refuse the
// artifact, so code scanning fails exactly when the exit code does.
// toolVersion is vouch's version.
func VerifySARIF(w io.Writer, r verify.Report, toolVersion string) error {
	return r.Emit(NewSARIFHandler(w, VouchTool(toolVersion)))
}
