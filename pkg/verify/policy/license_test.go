package policy

import (
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/licexpr"
	"github.com/vouchdev/vouch/pkg/sbom/licexpr/licexprtest"
)

// TestLicenseVerdictTable: the policy reads licence expressions as sbom
// check does (the table is shared with pkg/sbom/check's tests): a valid
// expression whose every licence is allowed is acceptable, an invalid one
// ("MIT or Apache-2.0": lower-case operator) never is, whatever the allow
// list holds.
func TestLicenseVerdictTable(t *testing.T) {
	for _, c := range licexprtest.ReadTable(t, "../../sbom/licexpr/testdata/expressions.txt") {
		allow := map[string]bool{}
		for _, w := range strings.FieldsFunc(c.Expr, func(r rune) bool { return r == ' ' || r == '(' || r == ')' }) {
			allow[strings.ToLower(w)] = true // every word, so only the syntax can refuse it
		}
		if e, err := licexpr.Parse(c.Expr); err == nil {
			for _, term := range e.Terms() {
				allow[strings.ToLower(term.String())] = true
			}
		}
		got := licenseVerdict(&sbom.Component{Name: "x", Licenses: sbom.Licenses{Declared: c.Expr}}, allow, nil)
		switch {
		case c.OK && got != "":
			t.Errorf("%q: %s; want acceptable", c.Expr, got)
		case !c.OK && strings.TrimSpace(c.Expr) != "" && !strings.Contains(got, "invalid spdx license expression"):
			t.Errorf("%q: verdict %q, want the syntax error", c.Expr, got)
		case !c.OK && strings.TrimSpace(c.Expr) == "" && got == "":
			t.Errorf("empty expression accepted with an allow list")
		}
	}
}
