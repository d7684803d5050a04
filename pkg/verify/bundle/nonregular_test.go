//go:build unix

package bundle_test

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
)

// TestLoadNonRegular: a FIFO, a device or a directory given as a bundle is
// refused at once (opening a FIFO would wait for a writer forever); the
// control, a real bundle file, loads.
func TestLoadNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "bundle.sigstore.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       error
	}{
		{"control: bundle file", filepath.Join(managedKeyDir, "bundle.sigstore.json"), nil},
		{"fifo", fifo, safefile.ErrNotRegular},
		{"character device", "/dev/zero", safefile.ErrNotRegular},
		{"directory", dir, safefile.ErrNotRegular},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { _, err := bundle.Load(tc.path); done <- err }()
			select {
			case err := <-done:
				if !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
				if err != nil {
					if want := tc.path; !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not name %s", err, want)
					}
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Load blocked on a non-regular file")
			}
		})
	}
}
