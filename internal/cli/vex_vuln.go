package cli

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/pflag"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/vex"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// VEX output formats of vouch vuln -o.
const (
	formatOpenVEX      = "openvex"
	formatCycloneDXVEX = "cyclonedx-vex"
)

// readVEXFiles reads the statements of every --vex document (readVEX),
// in the order given (of two statements with the same time, the later
// document's wins). An unreadable or invalid document is an error (exit
// 1): a VEX the user names is never silently left out.
func readVEXFiles(paths []string) ([]vex.Statement, error) {
	var all []vex.Statement
	for _, p := range paths {
		stmts, err := readVEX(p)
		if err != nil {
			return nil, err
		}
		all = append(all, stmts...)
	}
	return all, nil
}

// vexOutput renders matches as VEX in format (formatOpenVEX or
// formatCycloneDXVEX).
func vexOutput(format string, matches []vuln.Match, product, author string, now time.Time) ([]byte, error) {
	var doc []byte
	var err error
	switch format {
	case formatOpenVEX:
		doc, err = vex.OpenVEX(matches, product, author, now)
	case formatCycloneDXVEX:
		doc, err = vex.CycloneDXVEX(matches, product, now)
	default:
		err = fmt.Errorf("not a VEX format")
	}
	if err != nil {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("-o %s: %w", format, err)}
	}
	return doc, nil
}

// vexVulnFlags are vouch vuln's VEX flags.
type vexVulnFlags struct {
	files   []string
	product string
	author  string
}

func addVEXFlags(fl *pflag.FlagSet, f *vexVulnFlags) {
	fl.StringArrayVar(&f.files, "vex", nil, "decide matches by the VEX statements in `FILE` (OpenVEX or CycloneDX VEX; repeatable)")
	fl.StringVar(&f.product, "product", "", "the `PRODUCT` VEX statements name: a purl or sha256:HEX (default: the SBOM's primary component's purl)")
	fl.StringVar(&f.author, "vex-author", "", "-o openvex: the document's `AUTHOR` (default vouch)")
}

// productOf is the product VEX statements are matched against: --product,
// else the purl of doc's primary component.
func (f *vexVulnFlags) productOf(doc *sbom.Document) string {
	if f.product != "" {
		return f.product
	}
	if c := doc.Component(doc.Primary); c != nil {
		return c.PURL
	}
	return ""
}

// apply decides ms by the statements of the verified VEX attestations
// (signed, about the artifact known by the names productNames) and of the
// --vex documents, all at once (vex.ApplyNames: the latest statement
// wins). Of two with the same time the --vex document's wins: it comes
// later, and is the user's own word on this run.
func (f *vexVulnFlags) apply(ms []vuln.Match, doc *sbom.Document, signed []vex.Statement, productNames []string) ([]vuln.Match, error) {
	if f.product != "" {
		if err := vex.CheckID(f.product); err != nil {
			return nil, usagef("--product %q: %v", f.product, err)
		}
	}
	stmts, err := readVEXFiles(f.files)
	if err != nil {
		return nil, err
	}
	stmts = append(slices.Clip(signed), stmts...)
	if len(stmts) == 0 {
		return ms, nil
	}
	names := productNames
	if p := f.productOf(doc); p != "" || len(names) == 0 {
		names = append([]string{p}, names...)
	}
	return vex.ApplyNames(ms, stmts, names), nil
}

// writeVulnVEX renders ms as VEX in format to w; the time is
// $SOURCE_DATE_EPOCH or now.
func (e *env) writeVulnVEX(w io.Writer, format string, f *vexVulnFlags, ms []vuln.Match, doc *sbom.Document) error {
	now, err := e.timestamp("")
	if err != nil {
		return err
	}
	data, err := vexOutput(format, ms, f.productOf(doc), f.author, now)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
