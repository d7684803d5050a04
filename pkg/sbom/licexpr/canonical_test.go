package licexpr

import (
	"os"
	"strings"
	"testing"
)

// TestCanonical: deprecated ids and "+" spellings become the current id of
// the same licence; current ids, other "+" and LicenseRefs are unchanged.
func TestCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"GPL-2.0", "GPL-2.0-only"},
		{"gpl-2.0", "GPL-2.0-only"},
		{"GPL-2.0+", "GPL-2.0-or-later"},
		{"GPL-2.0-only+", "GPL-2.0-or-later"},
		{"GPL-2.0-or-later+", "GPL-2.0-or-later"},
		{"GPL-2.0-with-classpath-exception", "GPL-2.0-only WITH Classpath-exception-2.0"},
		{"GPL-2.0 WITH Classpath-exception-2.0", "GPL-2.0-only WITH Classpath-exception-2.0"},
		{"GPL-2.0+ WITH Classpath-exception-2.0", "GPL-2.0-or-later WITH Classpath-exception-2.0"},
		{"GPL-3.0-with-GCC-exception", "GPL-3.0-only WITH GCC-exception-3.1"},
		{"AGPL-3.0", "AGPL-3.0-only"},
		{"LGPL-2.1+", "LGPL-2.1-or-later"},
		{"GFDL-1.3", "GFDL-1.3-only"},
		{"GFDL-1.3-invariants-only+", "GFDL-1.3-invariants-or-later"},
		{"StandardML-NJ", "SMLNJ"},
		{"eCos-2.0", "GPL-2.0-or-later WITH eCos-exception-2.0"},
		// Unchanged.
		{"GPL-2.0-only", "GPL-2.0-only"},
		{"MIT", "MIT"},
		{"Apache-2.0+", "Apache-2.0+"},
		{"Net-SNMP", "Net-SNMP"},
		{"LicenseRef-GPL-2.0", "LicenseRef-GPL-2.0"},
	}
	for _, tt := range tests {
		in, _ := Must(t, tt.in).Single()
		got, ok := Canonical(in)
		if !ok || got.String() != tt.want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	// A deprecated id that includes an exception takes no second one.
	in, _ := Must(t, "GPL-2.0-with-classpath-exception WITH GCC-exception-2.0").Single()
	if got, ok := Canonical(in); ok {
		t.Errorf("two exceptions: Canonical = %q, ok", got)
	}
}

// TestBase: the licence an "or later" range starts from.
func TestBase(t *testing.T) {
	for in, want := range map[string]string{
		"GPL-2.0-or-later": "GPL-2.0-only", "GPL-2.0-only": "GPL-2.0-only", "MIT+": "MIT", "MIT": "MIT",
	} {
		term, _ := Must(t, in).Single()
		if got := term.Base(); got != want {
			t.Errorf("Base(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDeprecatedData: every line of deprecated.txt names a deprecated id
// of the SPDX list vouch's sbom check embeds, its replacement is current
// and listed, and the "+" lines agree with the "+" rule.
func TestDeprecatedData(t *testing.T) {
	listed := map[string]bool{}
	raw, err := os.ReadFile("spdx-ids.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range strings.Fields(string(raw)) {
		listed[strings.ToLower(id)] = true
	}
	n := 0
	for _, line := range strings.Split(deprecatedText, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		id, repl, _ := strings.Cut(line, "\t")
		if !listed[strings.ToLower(id)] {
			t.Errorf("%s: not on the SPDX list", id)
		}
		if repl == "-" {
			continue
		}
		r, ok := Must(t, repl).Single()
		if !ok {
			t.Errorf("%s: replacement %q is not one licence", id, repl)
			continue
		}
		if _, dep := deprecated()[strings.ToLower(r.ID)]; dep {
			t.Errorf("%s: replacement %s is deprecated too", id, r.ID)
		}
		for _, x := range []string{r.ID, r.Exception} {
			if x != "" && !listed[strings.ToLower(x)] {
				t.Errorf("%s: replacement %s is not on the SPDX list", id, x)
			}
		}
		d, _ := Must(t, id).Single()
		if got, ok := Canonical(d); !ok || got != r {
			t.Errorf("Canonical(%s) = %q, want %q", id, got, repl)
		}
	}
	if n != 32 { // license-list-data at the commit in the header
		t.Errorf("%d deprecated ids, want 32", n)
	}
}

// TestJoinAND: entries that all apply join into an expression meaning all
// of them; one entry that does not parse leaves the join invalid.
func TestJoinAND(t *testing.T) {
	tests := []struct {
		entries []string
		want    string // "" when the join must not parse
	}{
		{[]string{"MIT"}, "MIT"},
		{[]string{"MIT", " MIT ", ""}, "MIT"},
		{[]string{"GPL-3.0-only", "MIT OR MIT"}, "GPL-3.0-only AND (MIT OR MIT)"},
		{[]string{"GPL-3.0-only", "MIT\tOR\tMIT"}, "GPL-3.0-only AND (MIT\tOR\tMIT)"},
		{[]string{"GPL-2.0+ WITH Classpath-exception-2.0", "MIT"}, "GPL-2.0+ WITH Classpath-exception-2.0 AND MIT"},
		{[]string{"(GPL-3.0-only", "MIT)OR(MIT)"}, ""},
		{[]string{"MIT", "MIT or Apache-2.0"}, ""},
	}
	for _, tt := range tests {
		got := JoinAND(tt.entries)
		_, err := Parse(got)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("JoinAND(%q) = %q parses", tt.entries, got)
		case tt.want != "" && got != tt.want:
			t.Errorf("JoinAND(%q) = %q, want %q", tt.entries, got, tt.want)
		case tt.want != "" && err != nil:
			t.Errorf("JoinAND(%q) = %q: %v", tt.entries, got, err)
		}
	}
	_, err := Parse(JoinAND([]string{"(GPL-3.0-only", "MIT)OR(MIT)"}))
	if err == nil || !strings.Contains(err.Error(), "not a valid expression") {
		t.Errorf("invalid entry: %v", err)
	}
}

// FuzzJoinAND: the join of two entries parses only when both do, and is
// then satisfied exactly when both are.
func FuzzJoinAND(f *testing.F) {
	f.Add("GPL-3.0-only", "MIT\tOR\tMIT", "MIT")
	f.Add("(GPL-3.0-only", "MIT)OR(MIT)", "MIT")
	f.Add("(A OR B) AND C", "D WITH E", "A C D")
	f.Fuzz(func(t *testing.T, e1, e2, accepted string) {
		ok := map[string]bool{}
		for _, id := range strings.Fields(accepted) {
			ok[id] = true
		}
		accept := func(t Term) bool { return ok[t.ID] }
		j, err := Parse(JoinAND([]string{e1, e2}))
		x1, err1 := Parse(e1)
		x2, err2 := Parse(e2)
		if err != nil {
			if err1 == nil && err2 == nil && len(e1)+len(e2) < MaxLength-16 {
				t.Fatalf("JoinAND(%q, %q) does not parse: %v", e1, e2, err)
			}
			return
		}
		if (err1 != nil && strings.Trim(e1, spaces) != "") || (err2 != nil && strings.Trim(e2, spaces) != "") {
			t.Fatalf("JoinAND(%q, %q) parses though an entry does not", e1, e2)
		}
		want := true
		for _, x := range []*Expr{x1, x2} {
			if x != nil {
				_, s := x.Satisfiable(accept)
				want = want && s
			}
		}
		if _, got := j.Satisfiable(accept); got != want {
			t.Fatalf("JoinAND(%q, %q) with %v: satisfiable %v, entries %v", e1, e2, accepted, got, want)
		}
	})
}
