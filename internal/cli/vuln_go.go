package cli

import (
	"cmp"
	"context"
	"debug/buildinfo"
	"fmt"
	"os"
	"slices"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/vuln"
	"github.com/vouchdev/vouch/pkg/vuln/govuln"
)

// goBinaryMatches gives a Go binary TARGET govulncheck's answer: its Go
// matches are govuln.Analyze's (one per module and advisory, "called",
// "imported" or "required", with the called symbols), replacing the purl
// matcher's, which cannot tell whether the vulnerable code is in the
// binary. Each is tied to the SBOM's component of the same purl. Any other
// TARGET keeps the matcher's matches.
func goBinaryMatches(ctx context.Context, db *vuln.DB, target string, doc *sbom.Document, ms []vuln.Match) ([]vuln.Match, error) {
	if !isGoBinary(target) {
		return ms, nil
	}
	gms, err := govuln.Analyze(ctx, db, target)
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
