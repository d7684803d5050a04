package ruby

import "testing"

// TestSatisfies checks gem requirements against RubyGems' own answers
// (Gem::Requirement.new(req).satisfied_by?(Gem::Version.new(v)) in Ruby
// 3.1's RubyGems 3.3, recorded here): each row that must hold beside one
// that must not.
func TestSatisfies(t *testing.T) {
	for _, tc := range []struct {
		version string
		req     []string
		want    bool
	}{
		{"1.4.0", []string{">= 1.3.6"}, true},
		{"1.3.5", []string{">= 1.3.6"}, false},
		{"2.6.18", []string{"~> 2.6"}, true},
		{"3.0.0", []string{"~> 2.6"}, false},
		{"1.4.9", []string{"~> 1.4.0"}, true},
		{"1.5.0", []string{"~> 1.4.0"}, false},
		{"1.0", []string{"= 1.0.0"}, true},
		{"1.0.1", []string{"1.0"}, false},
		{"2.0.0.pre1", []string{">= 2.0.0"}, false},
		{"2.0.0.pre1", []string{">= 1.9"}, true},
		{"1.2", []string{">= 1.0", "< 2"}, true},
		{"2.0", []string{">= 1.0", "< 2"}, false},
		{"1.0", []string{"!= 1.0"}, false},
		{"1.1", []string{"!= 1.0"}, true},
		{"1.0", []string{"=~ 1.0"}, false},
	} {
		if got := satisfies(tc.version, tc.req); got != tc.want {
			t.Errorf("satisfies(%q, %q) = %v, want %v", tc.version, tc.req, got, tc.want)
		}
	}
}
