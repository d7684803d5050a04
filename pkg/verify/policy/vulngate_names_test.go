package policy

import (
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/vex"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// TestApplyVEXLatestAcrossNames: the product is known by its digest and its
// purl; a newer "affected" under the purl beats an older "not_affected"
// under the digest (the attack: the first name decided), and the same two
// statements with the timestamps swapped resolve it (the control).
func TestApplyVEXLatestAcrossNames(t *testing.T) {
	const digest = "pkg:generic/app?checksum=sha256:0123"
	const purl = "pkg:npm/app@1.0.0"
	m := vuln.Match{
		Component:     vuln.Component{Name: "lodash", Version: "4.17.11", PURL: "pkg:npm/lodash@4.17.11", Ecosystem: "npm"},
		Vulnerability: finding.Vulnerability{ID: "GHSA-jf85-cpcp-j695", Severity: "critical"},
	}
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	newer := old.Add(24 * time.Hour)
	stmt := func(product string, st vex.Status, at time.Time) vex.Statement {
		return vex.Statement{Vulnerability: m.Vulnerability.ID, Products: []string{product}, Subcomponents: []string{m.Component.PURL},
			Status: st, Justification: "vulnerable_code_not_in_execute_path", ActionStatement: "upgrade", Timestamp: at, Source: string(st)}
	}
	for _, tc := range []struct {
		name     string
		stmts    []vex.Statement
		resolved bool
	}{
		{"newer affected under the purl", []vex.Statement{stmt(digest, vex.NotAffected, old), stmt(purl, vex.Affected, newer)}, false},
		{"control: newer not_affected under the digest", []vex.Statement{stmt(digest, vex.NotAffected, newer), stmt(purl, vex.Affected, old)}, true},
	} {
		got := applyVEX([]vuln.Match{m}, tc.stmts, []string{digest, purl})
		if got[0].Suppressed() != tc.resolved {
			t.Errorf("%s: VEX %q, resolved %v; want resolved %v", tc.name, got[0].Vulnerability.VEX, got[0].Suppressed(), tc.resolved)
		}
	}
}
