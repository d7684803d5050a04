package gitref

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitRun runs git in dir with a fixed identity and commit time.
func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE=2023-01-02T03:04:05Z", "GIT_COMMITTER_DATE=2023-01-02T03:04:05Z", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestPseudoVersion: the version the go command stamps into a binary built
// from an untagged commit (cmd/go: v0.0.0-<UTC yyyymmddhhmmss>-<12 hex>,
// after the newest reachable release tag, "+dirty" with changes).
// Control: outside a repository there is none.
func TestPseudoVersion(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is not installed")
		}
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	gitRun(t, dir, "init", "-q")
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/m\n")
	gitRun(t, dir, "add", ".")
	gitRun(t, dir, "commit", "-q", "-m", "one")
	repo, err := Find(dir)
	if err != nil || repo == nil {
		t.Fatal(err)
	}
	head := gitRun(t, dir, "rev-parse", "HEAD")[:12]
	check := func(modPath, prefix, want string) {
		t.Helper()
		got, ok := repo.PseudoVersion(modPath, prefix)
		if !ok || got != want {
			t.Errorf("PseudoVersion(%s) = %q, %v; want %q", modPath, got, ok, want)
		}
	}
	check("example.com/m", "", "v0.0.0-20230102030405-"+head)
	check("example.com/m/v2", "", "v2.0.0-20230102030405-"+head)

	gitRun(t, dir, "tag", "v1.2.3")
	write("a.go", "package m\n")
	gitRun(t, dir, "add", ".")
	gitRun(t, dir, "commit", "-q", "-m", "two")
	head = gitRun(t, dir, "rev-parse", "HEAD")[:12]
	check("example.com/m", "", "v1.2.4-0.20230102030405-"+head)
	// A tag of another module (sub/) is not this module's release.
	check("example.com/m/sub", "sub/", "v0.0.0-20230102030405-"+head)

	write("a.go", "package m // changed\n")
	check("example.com/m", "", "v1.2.4-0.20230102030405-"+head+"+dirty")

	other, err := Find(t.TempDir())
	if err != nil || other != nil {
		t.Errorf("control: a repository outside one: %v %v", other, err)
	}
}
