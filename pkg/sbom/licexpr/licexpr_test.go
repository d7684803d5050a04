package licexpr

import (
	"errors"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom/licexpr/licexprtest"
)

func allowOnly(ids ...string) func(Term) bool {
	return func(t Term) bool {
		for _, id := range ids {
			if strings.EqualFold(t.String(), id) {
				return true
			}
		}
		return false
	}
}

func TestSatisfiable(t *testing.T) {
	tests := []struct {
		expr  string
		allow []string
		want  bool
	}{
		{"MIT", []string{"MIT"}, true},
		{"mit", []string{"MIT"}, true},
		{"MIT OR GPL-3.0-only", []string{"MIT"}, true},
		{"MIT AND GPL-3.0-only", []string{"MIT"}, false},
		{"MIT AND GPL-3.0-only", []string{"MIT", "GPL-3.0-only"}, true},
		{"(MIT OR Apache-2.0) AND BSD-3-Clause", []string{"Apache-2.0", "BSD-3-Clause"}, true},
		{"(MIT OR Apache-2.0) AND BSD-3-Clause", []string{"Apache-2.0"}, false},
		// AND binds tighter than OR.
		{"MIT OR Apache-2.0 AND GPL-2.0-only", []string{"MIT"}, true},
		{"MIT AND Apache-2.0 OR GPL-2.0-only", []string{"MIT"}, false},
		{"GPL-2.0-only WITH Classpath-exception-2.0", []string{"GPL-2.0-only WITH Classpath-exception-2.0"}, true},
		{"GPL-2.0+", []string{"GPL-2.0+"}, true},
		{"GPL-2.0+", []string{"GPL-2.0"}, false},
		{"LicenseRef-scancode-x OR MIT", []string{"MIT"}, true},
		{"DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2", []string{"DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2"}, true},
		{"((MIT))", []string{"MIT"}, true},
		{"Apache-2.0 AND mit", []string{"MIT", "Apache-2.0"}, true},
	}
	for _, tt := range tests {
		e, err := Parse(tt.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		if _, got := e.Satisfiable(allowOnly(tt.allow...)); got != tt.want {
			t.Errorf("%q with %v: satisfiable = %v, want %v (read as %s)", tt.expr, tt.allow, got, tt.want, e)
		}
	}
}

// TestTable: the shared table of testdata/expressions.txt, which the tests
// of sbom check and of the verify policy read too.
func TestTable(t *testing.T) {
	for _, c := range licexprtest.ReadTable(t, "testdata/expressions.txt") {
		_, err := Parse(c.Expr)
		if (err == nil) != c.OK {
			t.Errorf("Parse(%q) = %v, want ok=%v", c.Expr, err, c.OK)
		}
		if err != nil && !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q): %v does not wrap ErrSyntax", c.Expr, err)
		}
	}
}

func TestOperatorCase(t *testing.T) {
	_, err := Parse("MIT or Apache-2.0")
	if err == nil || !strings.Contains(err.Error(), `operator "or" at 5 must be written OR`) {
		t.Fatalf("Parse: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("(", MaxDepth+1) + "MIT" + strings.Repeat(")", MaxDepth+1)
	for _, s := range []string{
		"", "   ", "MIT OR", "AND MIT", "(MIT", "MIT)", "MIT WITH", "MIT WITH (x)", "(MIT) WITH x",
		"MIT OR OR Apache-2.0", "MIT/Apache-2.0", "LicenseRef-x+", "a:b", "DocumentRef-x:MIT", "MIT GPL-2.0",
		"MIT WITH DocumentRef-a:LicenseRef-b", deep, strings.Repeat("M", MaxLength+1),
	} {
		if _, err := Parse(s); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %v, want ErrSyntax", s, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	seeds := []string{"MIT", "MIT OR Apache-2.0", "(MIT AND BSD-3-Clause) OR GPL-2.0+ WITH Classpath-exception-2.0",
		"LicenseRef-foo", "DocumentRef-d:LicenseRef-x AND (a or b)", "Apache-2.0 AND (MIT OR GPL-3.0-only)"}
	for _, s := range seeds {
		f.Add(s)
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse(%q): error %v does not wrap ErrSyntax", s, err)
			}
			return
		}
		// Round trip: the expression written back parses to itself.
		back, err := Parse(e.String())
		if err != nil || back.String() != e.String() {
			t.Fatalf("Parse(%q): %q does not round-trip: %v", s, e, err)
		}
		// A choice that satisfies the expression consists of its terms.
		chosen, ok := e.Satisfiable(func(Term) bool { return true })
		if !ok || len(chosen) == 0 {
			t.Fatalf("Parse(%q): not satisfiable with every licence accepted", s)
		}
		if _, ok := e.Satisfiable(func(Term) bool { return false }); ok {
			t.Fatalf("Parse(%q): satisfiable with no licence accepted", s)
		}
	})
}

// TestProductOfChoices: an AND of 14 two-way choices (16,384 combinations
// in disjunctive normal form) parses and is decided on the tree; the
// choice returned holds one licence of each group.
func TestProductOfChoices(t *testing.T) {
	s := strings.Repeat("(A OR B) AND ", 13) + "(A OR B)"
	e, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	chosen, ok := e.Satisfiable(allowOnly("B"))
	if !ok || len(chosen) != 14 {
		t.Fatalf("allow [B]: %v %v", chosen, ok)
	}
	if _, ok := e.Satisfiable(allowOnly("C")); ok {
		t.Fatal("allow [C]: satisfiable")
	}
	if _, ok := Must(t, s+" AND C").Satisfiable(allowOnly("A")); ok {
		t.Fatal("allow [A]: the trailing AND C is not satisfied")
	}
}

// TestSingle: policy lists take single licences only.
func TestSingle(t *testing.T) {
	for s, want := range map[string]bool{
		"MIT": true, "(GPL-2.0+)": true, "GPL-2.0-only WITH Classpath-exception-2.0": true,
		"MIT OR MIT": false, "MIT AND Apache-2.0": false,
	} {
		if _, got := Must(t, s).Single(); got != want {
			t.Errorf("Single(%q) = %v, want %v", s, got, want)
		}
	}
}

// Must parses s or fails the test.
func Must(t testing.TB, s string) *Expr {
	t.Helper()
	e, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return e
}

// BenchmarkParse: long AND and OR chains and nested groups, up to
// MaxLength; the time per byte must stay flat as the input grows.
func BenchmarkParse(b *testing.B) {
	nested := strings.Repeat("(MIT OR ", MaxDepth-1) + "MIT" + strings.Repeat(")", MaxDepth-1)
	cases := map[string]string{
		"and-chain":     chain(" AND ", "Apache-2.0", MaxLength),
		"or-chain":      chain(" OR ", "Apache-2.0", MaxLength),
		"product":       chain(" AND ", "(MIT OR BSD-3-Clause)", MaxLength),
		"nested-groups": chain(" AND ", nested, MaxLength),
	}
	for name, s := range cases {
		e := Must(b, s)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				if _, err := Parse(s); err != nil {
					b.Fatal(err)
				}
				e.Satisfiable(func(t Term) bool { return t.ID != "BSD-3-Clause" })
			}
		})
	}
}

// chain repeats item joined by op, up to max characters.
func chain(op, item string, max int) string {
	s := item
	for len(s)+len(op)+len(item) <= max {
		s += op + item
	}
	return s
}
