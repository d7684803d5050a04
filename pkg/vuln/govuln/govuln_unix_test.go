//go:build unix

package govuln

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestAnalyzeRefuses: what is not a Go binary is an error naming it, a
// FIFO without blocking; a Go binary passes (control).
func TestAnalyzeRefuses(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	fifo := filepath.Join(dir, "fifo")
	if err := os.WriteFile(text, []byte("not a program\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	db := openDB(t)
	cases := map[string]string{
		builtPrograms(t)["required"]:  "",
		text:                          "unrecognized binary format",
		fifo:                          "fifo",
		dir:                           "directory",
		filepath.Join(dir, "missing"): "no such file",
	}
	for path, want := range cases {
		ms, err := Analyze(context.Background(), db, path)
		switch {
		case want == "" && (err != nil || len(ms) == 0):
			t.Errorf("%s: %d matches, %v", path, len(ms), err)
		case want != "" && (err == nil || !strings.Contains(strings.ToLower(err.Error()), want)):
			t.Errorf("%s: error %v, want %q", path, err, want)
		}
	}
}
