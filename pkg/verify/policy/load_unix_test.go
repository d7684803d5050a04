//go:build unix

package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vouchdev/vouch/internal/safefile"
)

// TestLoadNonRegular: a FIFO or a device given as --policy is refused at
// once (opening a FIFO would wait for a writer); the same policy in a
// regular file loads.
func TestLoadNonRegular(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(good, []byte("apiVersion: vouch.dev/v1\nkind: Policy\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		want error
	}{{good, nil}, {fifo, safefile.ErrNotRegular}, {"/dev/null", safefile.ErrNotRegular}, {dir, safefile.ErrNotRegular}} {
		done := make(chan error, 1)
		go func() { _, err := Load(tt.path); done <- err }()
		select {
		case err := <-done:
			if tt.want == nil {
				if err != nil {
					t.Errorf("Load(%s): %v", tt.path, err)
				}
				continue
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), "policy "+tt.path) {
				t.Errorf("Load(%s) = %v, want %v naming the policy path", tt.path, err, tt.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Load(%s) blocked", tt.path)
		}
	}
}
