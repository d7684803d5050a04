//go:build unix

package diskcache

import (
	"os"
	"path/filepath"
	"testing"
)

// TestNotPrivateRefused: a cache others can write, or one reached through a
// symbolic link, is not used; control: the private one is.
func TestNotPrivateRefused(t *testing.T) {
	base := t.TempDir()
	good := filepath.Join(base, "good")
	c := open(t, good)
	c.Put("k", "MIT")
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}

	shared := filepath.Join(base, "shared")
	if err := os.Mkdir(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(shared, "test.json"); err == nil {
		t.Error("a world-writable cache directory was used")
	}

	writable := filepath.Join(base, "writable")
	open(t, writable)
	if err := os.WriteFile(filepath.Join(writable, "test.json"), []byte(`{"version":1,"entries":{}}`), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(writable, "test.json"), 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(writable, "test.json"); err == nil {
		t.Error("a world-writable cache file was used")
	}

	linked := filepath.Join(base, "linked")
	open(t, linked)
	if err := os.Symlink(filepath.Join(good, "test.json"), filepath.Join(linked, "test.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(linked, "test.json"); err == nil {
		t.Error("a cache file reached through a symbolic link was used")
	}
}
