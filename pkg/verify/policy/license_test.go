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

// TestLicenseAllowSpellings: an allow list matches a licence however it is
// spelled (deprecated ids, "+" or -or-later), and still refuses what it
// does not list (controls).
func TestLicenseAllowSpellings(t *testing.T) {
	cases := []struct {
		allow, expr string
		ok          bool
	}{
		{"GPL-2.0", "GPL-2.0-only", true},
		{"GPL-2.0-only", "GPL-2.0", true},
		{"GPL-2.0+", "GPL-2.0-or-later", true},
		{"GPL-2.0-or-later", "GPL-2.0+", true},
		{"GPL-2.0-only WITH Classpath-exception-2.0", "GPL-2.0-with-classpath-exception", true},
		{"GPL-2.0-with-classpath-exception", "GPL-2.0 WITH Classpath-exception-2.0", true},
		{"GPL-2.0-only", "GPL-2.0-or-later", false}, // a range is not its first version
		{"GPL-2.0-only", "GPL-3.0", false},
		{"GPL-2.0-only WITH Classpath-exception-2.0", "GPL-2.0-only", false},
		{"GPL-2.0-only", "GPL-2.0-with-classpath-exception WITH GCC-exception-2.0", false}, // not one licence
	}
	for _, c := range cases {
		key, err := licenceKey(c.allow)
		if err != nil {
			t.Fatalf("%s: %v", c.allow, err)
		}
		got := licenseVerdict(&sbom.Component{Name: "x", Licenses: sbom.Licenses{Declared: c.expr}}, map[string]bool{key: true}, nil)
		if (got == "") != c.ok {
			t.Errorf("allow [%s], licence %q: verdict %q, want ok=%v", c.allow, c.expr, got, c.ok)
		}
	}
	if _, err := licenceKey("GPL-2.0-with-classpath-exception WITH GCC-exception-2.0"); err == nil {
		t.Error("a policy entry with two exceptions is accepted")
	}
}
