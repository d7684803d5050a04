package vuln_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/pkg/vuln"
)

// copyDB copies the repository's real npm OSV records into a new database
// directory (export layout) and returns it.
func copyDB(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "npm"), os.DirFS(filepath.Join("..", "..", "testdata", "osv", "npm"))); err != nil {
		t.Fatal(err)
	}
	return dir
}

func digest(t *testing.T, dir string) string {
	t.Helper()
	db, err := vuln.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Digest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDigest: the digest names the files' names and contents, not where
// the directory is; a changed, added or renamed file changes it.
func TestDigest(t *testing.T) {
	base := digest(t, copyDB(t))
	if len(base) != 64 {
		t.Fatalf("digest %q: want 64 hex digits", base)
	}
	// Control: the same files elsewhere are the same database.
	if got := digest(t, copyDB(t)); got != base {
		t.Errorf("the same files in another directory: digest %s, want %s", got, base)
	}
	entries, err := os.ReadDir(filepath.Join(copyDB(t), "npm"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("npm records: %v, %d files", err, len(entries))
	}
	first := entries[0].Name()
	for name, change := range map[string]func(dir string) error{
		"a record's content changed": func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "npm", first), []byte(`{"id":"X"}`), 0o644)
		},
		"a record added": func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "npm", "GHSA-new.json"), []byte(`{"id":"GHSA-new"}`), 0o644)
		},
		"a record renamed": func(dir string) error {
			return os.Rename(filepath.Join(dir, "npm", first), filepath.Join(dir, "npm", "renamed-"+first))
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := copyDB(t)
			if err := change(dir); err != nil {
				t.Fatal(err)
			}
			if got := digest(t, dir); got == base {
				t.Errorf("digest unchanged: %s", got)
			}
		})
	}
}
