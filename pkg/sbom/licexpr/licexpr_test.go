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
			t.Errorf("%q with %v: satisfiable = %v, want %v (alternatives %v)", tt.expr, tt.allow, got, tt.want, e.Alternatives)
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
	explode := strings.Repeat("(A OR B) AND ", 13) + "(A OR B)"
	for _, s := range []string{
		"", "   ", "MIT OR", "AND MIT", "(MIT", "MIT)", "MIT WITH", "MIT WITH (x)", "(MIT) WITH x",
		"MIT OR OR Apache-2.0", "MIT/Apache-2.0", "LicenseRef-x+", "a:b", "DocumentRef-x:MIT", "MIT GPL-2.0",
		"MIT WITH DocumentRef-a:LicenseRef-b", deep, explode, strings.Repeat("M", MaxLength+1),
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
		if len(e.Alternatives) == 0 || len(e.Alternatives) > MaxAlternatives {
			t.Fatalf("Parse(%q): %d alternatives", s, len(e.Alternatives))
		}
		// Round trip: an alternative written back parses to itself.
		for _, alt := range e.Alternatives {
			parts := make([]string, len(alt))
			for i, term := range alt {
				parts[i] = term.String()
			}
			back, err := Parse(strings.Join(parts, " AND "))
			if err != nil || len(back.Alternatives) != 1 || len(back.Alternatives[0]) != len(alt) {
				t.Fatalf("Parse(%q): alternative %v does not round-trip: %v", s, alt, err)
			}
		}
	})
}
