package cli

import "testing"

// TestRateFlag: --rate-limit takes N per second, minute or hour, and
// refuses what is not a rate.
func TestRateFlag(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1000", 1000, true},
		{"1000/s", 1000, true},
		{"120/m", 2, true},
		{"3600/h", 1, true},
		{"0", 0, true},
		{"0.5", 0.5, true},
		{"-1", 0, false},
		{"10/d", 0, false},
		{"ten", 0, false},
		{"/s", 0, false},
		{"NaN", 0, false},
		{"2e9", 0, false},
	}
	for _, tc := range tests {
		var r rateFlag
		err := r.Set(tc.in)
		if (err == nil) != tc.ok || (tc.ok && float64(r) != tc.want) {
			t.Errorf("%q: %v, %v; want %v (ok %v)", tc.in, float64(r), err, tc.want, tc.ok)
		}
	}
}
