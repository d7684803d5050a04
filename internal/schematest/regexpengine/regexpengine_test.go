package regexpengine

import "testing"

func TestCompile(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		in      string
		want    bool
	}{
		{"^(?!_:).+:.+", "https://vouch.dev/spdx/x#y", true},
		{"^(?!_:).+:.+", "urn:a:b", true},
		{"^(?!_:).+:.+", "_:creationinfo", false},
		{"^(?!_:).+:.+", "no-colon", false},
		{"^(?!_:).+:.+", ":x", false},
		// an alternation after the lookahead stays anchored as a whole
		{"^(?!x)a|b", "zb", false},
		{"^(?!x)a|b", "b", true},
		// plain RE2 patterns keep their meaning (unanchored)
		{"[0-9]{3}", "ab123", true},
		{"^[a-f0-9]{32}$", "0123456789abcdef0123456789abcdef", true},
		{"^[a-f0-9]{32}$", "XYZ", false},
	} {
		re, err := Compile(tc.pattern)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tc.pattern, err)
		}
		if got := re.MatchString(tc.in); got != tc.want {
			t.Errorf("%q.MatchString(%q) = %v, want %v", tc.pattern, tc.in, got, tc.want)
		}
		if re.String() != tc.pattern {
			t.Errorf("String() = %q, want %q", re.String(), tc.pattern)
		}
	}
}

func TestCompileRejectsOtherLookaround(t *testing.T) {
	for _, p := range []string{"a(?!b)", "^(?=a)b", "(?<=a)b", "^(?!a.b)c"} {
		if _, err := Compile(p); err == nil {
			t.Errorf("Compile(%q) succeeded; lookaround beyond a leading literal must fail to compile", p)
		}
	}
}
