package cli

import (
	"cmp"
	"context"
	"debug/buildinfo"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/vuln"
	"github.com/vouchdev/vouch/pkg/vuln/govuln"
)

// goMatches gives a Go binary TARGET, and a directory holding a go.mod,
// govulncheck's answer: its Go matches are govuln.Analyze's (a binary:
// "called", "imported" or "required", with the called symbols) or
// govuln.AnalyzeModule's at the --scan level (a module), replacing the
// purl matcher's, which cannot tell whether the vulnerable code is used.
// Each is tied to the SBOM's component of the same purl. Any other TARGET
// keeps the matcher's matches.
func goMatches(ctx context.Context, db *vuln.DB, target string, scan govuln.Level, doc *sbom.Document, ms []vuln.Match) ([]vuln.Match, error) {
	var gms []vuln.Match
	var err error
	switch {
	case isGoBinary(target):
		gms, err = govuln.Analyze(ctx, db, target)
	case isGoModule(target):
		gms, err = govuln.AnalyzeModule(ctx, db, target, scan)
	default:
		return ms, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: Go reachability: %w", target, err)
	}
	refs := map[string]string{}
	for _, c := range doc.Components {
		if c.PURL != "" {
			refs[c.PURL] = c.ID
		}
	}
	out := slices.DeleteFunc(ms, func(m vuln.Match) bool { return m.Component.Ecosystem == "Go" })
	for _, g := range gms {
		g.Component.Ref = refs[g.Component.PURL]
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b vuln.Match) int {
		return cmp.Or(cmp.Compare(a.Component.PURL, b.Component.PURL), cmp.Compare(a.Vulnerability.ID, b.Vulnerability.ID))
	})
	return out, nil
}

// isGoBinary reports whether path is a regular file with Go build
// information (an executable go build made).
func isGoBinary(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	_, err = buildinfo.ReadFile(path)
	return err == nil
}

// isGoModule reports whether dir is a directory holding a go.mod: the
// module govulncheck's source mode reads.
func isGoModule(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "go.mod"))
	return err == nil && fi.Mode().IsRegular()
}
