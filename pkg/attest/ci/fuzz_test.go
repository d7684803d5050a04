package ci

import (
	"net/url"
	"testing"
)

// FuzzRepositoryURL: whatever a CI variable or .git/config holds, the
// published URL is empty or an http(s) URL without credentials, and
// normalising it again changes nothing.
func FuzzRepositoryURL(f *testing.F) {
	seeds := []string{
		"https://github.com/o/r.git", "git@github.com:o/r.git", "ssh://git@gitlab.example.com:2222/g/p.git",
		"https://gitlab-ci-token:SECRET@gitlab.com/g/p", "https://user@dev.azure.com/o/p/_git/r?x=1#frag",
		"/srv/git/r.git", "C:\\repos\\r", "git+ssh://git@github.com/o/r",
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds")
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := RepositoryURL(raw)
		if got == "" {
			return
		}
		u, err := url.Parse(got)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			t.Fatalf("RepositoryURL(%q) = %q: not an http(s) URL", raw, got)
		}
		if u.User != nil {
			t.Fatalf("RepositoryURL(%q) = %q keeps credentials", raw, got)
		}
		if again := RepositoryURL(got); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", raw, got, again)
		}
	})
}
