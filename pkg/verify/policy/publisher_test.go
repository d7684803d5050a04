package policy

import "testing"

// TestDriftMode: publisher drift fails unless the policy says report.
func TestDriftMode(t *testing.T) {
	head := "apiVersion: vouch.dev/v1\nkind: Policy\n"
	for _, c := range []struct{ doc, want string }{
		{head, DriftFail},
		{head + "publisher: {}\n", DriftFail},
		{head + "publisher:\n  drift: fail\n", DriftFail},
		{head + "publisher:\n  drift: report\n", DriftReport},
	} {
		p, err := Parse("p.yaml", []byte(c.doc), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if got := p.DriftMode(); got != c.want {
			t.Errorf("%q: DriftMode %q, want %q", c.doc, got, c.want)
		}
	}
}
