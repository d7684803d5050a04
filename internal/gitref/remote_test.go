package gitref

import (
	"strings"
	"testing"
)

// TestRemoteAndHeadRef reads what the real git writes for "remote add" and
// for a detached checkout.
func TestRemoteAndHeadRef(t *testing.T) {
	dir, c1, _ := newRepo(t)
	git(t, dir, "remote", "add", "origin", "https://example.com/o/r.git")
	git(t, dir, "remote", "add", "upstream", "git@example.com:u/r.git")
	git(t, dir, "config", "--add", "remote.origin.url", "https://example.com/second.git") // first url wins
	r, err := Find(dir)
	if err != nil || r == nil {
		t.Fatalf("Find: %v %v", r, err)
	}
	for name, want := range map[string]string{
		"origin":   "https://example.com/o/r.git",
		"upstream": "git@example.com:u/r.git",
		"none":     "",
	} {
		if got, err := r.RemoteURL(name); err != nil || got != want {
			t.Errorf("RemoteURL(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	if ref, err := r.HeadRef(); err != nil || ref != "refs/heads/main" {
		t.Errorf("HeadRef = %q, %v; want refs/heads/main", ref, err)
	}
	git(t, dir, "checkout", "-q", "--detach", c1)
	if ref, err := r.HeadRef(); err != nil || ref != "" {
		t.Errorf("detached HeadRef = %q, %v; want \"\"", ref, err)
	}
	if head, err := r.Head(); err != nil || head != c1 {
		t.Errorf("detached Head = %q, %v; want %q", head, err, c1)
	}
}

func TestRemoteURLSyntax(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{"[remote \"origin\"]\n\turl = https://a/b\n", "https://a/b"},
		{"[Remote \"origin\"]\n\tURL=\"https://a/b\" # comment\n", "https://a/b"},
		{"[remote \"Origin\"]\n\turl = https://wrong\n", ""}, // the remote name is case-sensitive
		{"[remote \"origin\"]\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[core]\n\turl = https://wrong\n", ""},
		{"; top\n[remote \"origin\"\n\turl = https://unterminated\n", ""},
		{"[remote \"origin\"]\n\turl = \"https://a/b;c\"\n", "https://a/b;c"},
	} {
		if got := remoteURL([]byte(tc.config), "origin"); got != tc.want {
			t.Errorf("remoteURL(%q) = %q, want %q", tc.config, got, tc.want)
		}
	}
}

// FuzzRemoteURL: a .git/config is untrusted input; the scanner must not
// panic and returns a single trimmed line.
func FuzzRemoteURL(f *testing.F) {
	seeds := []string{
		"[remote \"origin\"]\n\turl = https://a/b\n",
		"[Remote \"origin\"]\n\tURL=\"https://a/b\" # comment\n",
		"[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@github.com:o/r.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n",
		"; top\n[remote \"origin\"\n\turl = https://unterminated\n",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, config string) {
		got := remoteURL([]byte(config), "origin")
		if strings.ContainsAny(got, "\r\n") || strings.TrimSpace(got) != got {
			t.Fatalf("remoteURL = %q", got)
		}
	})
}
