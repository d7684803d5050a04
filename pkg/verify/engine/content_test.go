package engine

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestSpoolKeepsTheBytesHashed: the copy holds exactly the bytes read, under
// the artifact's base name (never a path it names), in a directory only its
// owner can enter, removed by Close.
func TestSpoolKeepsTheBytesHashed(t *testing.T) {
	data := bytes.Repeat([]byte{0x1f, 0x8b, 'x'}, 200_000)
	c, err := Spool(bytes.NewReader(data), "../../evil/app.tar.gz", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(c.path) != "app.tar.gz" || filepath.Dir(c.path) != c.dir {
		t.Fatalf("copy at %s, want app.tar.gz in %s", c.path, c.dir)
	}
	fi, err := os.Stat(c.dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("copy directory: %v, mode %v; want 0700", err, fi.Mode().Perm())
	}
	kept, err := os.ReadFile(c.path)
	if err != nil || !bytes.Equal(kept, data) {
		t.Fatalf("kept %d bytes (%v), want the %d read", len(kept), err, len(data))
	}
	dir := c.dir
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("copy left after Close: %v", err)
	}
}
