// Package output renders vouch's results for people and machines: tables,
// warnings and progress for the terminal, and files written atomically.
// The pkg/ libraries never print; everything a user sees passes through here.
package output

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vouchdev/vouch/internal/atomicfile"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
)

// SBOMTable writes a short human summary of a document: one row per
// component, the primary component first.
func SBOMTable(w io.Writer, d *sbom.Document) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tTYPE\tLICENSE")
	row := func(c *sbom.Component) {
		v := c.Version
		if v == "" {
			v = "(unknown)"
		}
		lic := c.Licenses.Concluded
		if lic == "" {
			lic = c.Licenses.Declared
		}
		if lic == "" {
			lic = "-"
		}
		name := c.Name
		if c.FileName != "" && c.FileName != c.Name {
			name += " (" + c.FileName + ")"
		}
		// The values come from go.mod, build info or archives: Visible
		// escapes tabs (which would break the table) and control characters.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", Visible(name), Visible(v), Visible(string(c.Type)), Visible(lic))
	}
	if p := d.Component(d.Primary); p != nil {
		row(p)
	}
	for i := range d.Components {
		if d.Components[i].ID != d.Primary {
			row(&d.Components[i])
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d components; completeness: %s\n", len(d.Components), completeness(d.Completeness))
	return err
}

func completeness(c sbom.Completeness) string {
	if c == sbom.CompletenessUnknown {
		return "unknown"
	}
	return string(c)
}

// Problems writes warnings and per-source errors, one per line, to w
// (standard error), in the same "vouch: …" style as fatal errors.
func Problems(w io.Writer, warnings []sbom.Warning, errs []*catalog.SourceError) {
	for _, e := range errs {
		fmt.Fprintf(w, "vouch: error: %s\n", VisibleLines(e.Error()))
	}
	for _, wn := range warnings {
		fmt.Fprintf(w, "vouch: warning: %s\n", VisibleLines(fmt.Sprint(wn)))
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "vouch: warning: %d source(s) failed: the SBOM is marked incomplete\n", len(errs))
	}
}

// WriteFileAtomic writes a public output file (a report, an SBOM, a
// bundle) with [atomicfile.Write]: a failure leaves the old file, or none.
func WriteFileAtomic(name string, data []byte) error {
	return atomicfile.Write(name, data, atomicfile.Public)
}

// Files are a command's public output files, collected while they are
// rendered and written together at the end, all or nothing
// ([atomicfile.WriteAll]): a run that fails on its second output has not
// already replaced the user's copy of the first.
type Files []atomicfile.File

// Add collects one file.
func (fs *Files) Add(name string, data []byte) {
	*fs = append(*fs, atomicfile.File{Path: name, Data: data, Perm: atomicfile.Public})
}

// Write writes every collected file, or none.
func (fs Files) Write() error {
	return atomicfile.WriteAll(fs)
}

// Progress draws a one-line counter on a terminal; elsewhere it does nothing.
type Progress struct {
	w     io.Writer
	on    bool
	label string
	drawn bool
}

// NewProgress returns a progress line on w, active only when on is true.
func NewProgress(w io.Writer, on bool, label string) *Progress {
	return &Progress{w: w, on: on, label: label}
}

// Update redraws the line. It is called from one goroutine at a time.
func (p *Progress) Update(done, found int) {
	if !p.on || done%16 != 0 {
		return
	}
	fmt.Fprintf(p.w, "\r%s: %d sources", p.label, done)
	p.drawn = true
}

// Done clears the line.
func (p *Progress) Done() {
	if p.drawn {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", len(p.label)+24))
	}
}
