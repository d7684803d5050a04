//go:build unix

package layout

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/vouchdev/vouch/internal/safefile"
)

// TestNonRegularInputs: a FIFO as a layout, a layout key or a link is
// refused at once (in-toto-golang would block opening it). Control: the
// demo layout's key loads.
func TestNonRegularInputs(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(fifo); !errors.Is(err, safefile.ErrNotRegular) {
		t.Errorf("LoadKey(fifo) = %v, want ErrNotRegular", err)
	}
	if err := checkSize(fifo); !errors.Is(err, safefile.ErrNotRegular) {
		t.Errorf("checkSize(fifo) = %v, want ErrNotRegular", err)
	}
	if _, err := LoadKey(filepath.Join("..", "..", "..", "testdata", "in-toto-demo", "alice.pub")); err != nil {
		t.Errorf("control: %v", err)
	}
}
