package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFoundIsEscaped: a statement about another artifact is shown in the
// failing finding with its subject's control characters escaped, so that
// a hostile subject name cannot drive the terminal; the control statement
// about the artifact verifies.
func TestFoundIsEscaped(t *testing.T) {
	dir := t.TempDir()
	s, key := newSigner(t)
	art := filepath.Join(dir, "app.bin")
	if err := os.WriteFile(art, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const helloSHA256 = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
	for _, tc := range []struct {
		name, digest string
		verified     bool
	}{
		{"control: about the artifact", helloSHA256, true},
		{"about another artifact", strings.Repeat("ab", 32), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload := `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app\u001b]0;owned\u0007","digest":{"sha256":"` +
				tc.digest + `"}}],"predicateType":"https://example.com/p/v1","predicate":{}}`
			b, err := s.Attest(context.Background(), []byte(payload))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, tc.digest[:8]+".sigstore.json")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := newVerifier(t, key).Verify(context.Background(), subjectOf(t, art), bundlesOf(path), emptyPolicy(t))
			if err != nil {
				t.Fatal(err)
			}
			f := res.Findings[0]
			if res.Verified != tc.verified || (f.Status == "pass") != tc.verified {
				t.Fatalf("verified %v, want %v: %+v", res.Verified, tc.verified, res.Findings)
			}
			if !tc.verified && (strings.ContainsAny(f.Found, "\x1b\a") || !strings.Contains(f.Found, `app\x1b]0;owned\a`)) {
				t.Errorf("found %q: want the subject shown escaped", f.Found)
			}
		})
	}
}
