package gitref

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// git runs the real git to build fixture repositories: the reader must
// agree with what git itself writes (loose refs, packed refs, annotated tags).
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func newRepo(t *testing.T) (dir, c1, c2 string) {
	dir = t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(dir, "a"), []byte("1"), 0o644)
	git(t, dir, "add", "a")
	git(t, dir, "commit", "-qm", "one")
	c1 = git(t, dir, "rev-parse", "HEAD")
	git(t, dir, "tag", "v1.0.0")                        // lightweight
	git(t, dir, "tag", "-a", "-m", "ann", "v1.0.1")     // annotated, same commit
	git(t, dir, "tag", "-a", "-m", "sub", "sub/v0.3.0") // a module in a subdirectory
	git(t, dir, "tag", "not-semver")
	os.WriteFile(filepath.Join(dir, "a"), []byte("2"), 0o644)
	git(t, dir, "commit", "-qam", "two")
	c2 = git(t, dir, "rev-parse", "HEAD")
	return dir, c1, c2
}

func TestReleaseTag(t *testing.T) {
	dir, c1, c2 := newRepo(t)
	for _, packed := range []bool{false, true} {
		if packed {
			git(t, dir, "pack-refs", "--all")
		}
		r, err := Find(filepath.Join(dir, "x", "y"))
		if err != nil || r == nil {
			t.Fatalf("Find: %v %v", r, err)
		}
		if head, err := r.Head(); err != nil || head != c2 {
			t.Fatalf("packed=%v: Head = %q, %v; want %q", packed, head, err, c2)
		}
		for _, tc := range []struct {
			commit, prefix, want string
		}{
			{c1, "", "v1.0.1"},
			{c1, "sub", "v0.3.0"},
			{c1, "other", ""},
			{c2, "", ""},
		} {
			got, ok := r.ReleaseTag(tc.commit, tc.prefix)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("packed=%v: ReleaseTag(%s, %q) = %q, %v; want %q", packed, tc.commit[:7], tc.prefix, got, ok, tc.want)
			}
		}
	}
}

func TestFindNone(t *testing.T) {
	r, err := Find(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// t.TempDir may sit inside a repository on some machines; only check
	// that whatever was found really is one.
	if r != nil {
		if _, err := os.Stat(filepath.Join(r.Root, ".git")); err != nil {
			t.Fatalf("found %q without a .git", r.Root)
		}
	}
}
