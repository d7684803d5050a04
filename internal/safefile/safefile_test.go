//go:build unix

package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(regular, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		limit      int64
		want       error
	}{
		{"regular file", regular, 5, nil},
		{"symlink to a regular file", link, 5, nil},
		{"over the limit", regular, 4, ErrTooLarge},
		{"fifo", fifo, 5, ErrNotRegular},
		{"character device", "/dev/zero", 5, ErrNotRegular},
		{"directory", dir, 5, ErrNotRegular},
		{"missing", filepath.Join(dir, "nope"), 5, os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var data []byte
			var err error
			go func() {
				defer close(done)
				data, err = Read("input", tt.path, tt.limit)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Read blocked")
			}
			if tt.want == nil {
				if err != nil || string(data) != "hello" {
					t.Fatalf("Read = %q, %v; want hello", data, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Read error = %v, want %v", err, tt.want)
			}
		})
	}
}
