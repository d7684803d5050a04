//go:build unix

package cli

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestVerifyNonRegularTrustInputs: a FIFO given as --bundle, --key or
// --trusted-root is refused at once with the flag and the file named
// (opening it would wait for a writer forever); the control run with
// regular files verifies.
func TestVerifyNonRegularTrustInputs(t *testing.T) {
	noNetwork(t)
	dir := t.TempDir()
	s, _, pub := testKey(t, dir, "release")
	art := signedArtifacts(t, s, dir, 1)[0]
	fifo := filepath.Join(dir, "input.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join("..", "..", "testdata", "sigstore", "cases", "sigstore", "trusted-roots", "production.trusted_root.json")
	tests := []struct {
		name string
		args []string
		code int
		says string // in stdout or stderr
	}{
		{"control: regular files", []string{"--key", pub, "--trusted-root", root, "--bundle", art + ".sigstore.json", art}, 0, "VERIFIED"},
		{"--bundle fifo", []string{"--key", pub, "--bundle", fifo, art}, 3, "load bundle " + fifo + ": not a regular file (it is a named pipe (FIFO))"},
		{"--key fifo", []string{"--key", fifo, art}, 1, "--key: load public key " + fifo + ": not a regular file"},
		{"--trusted-root fifo", []string{"--key", pub, "--trusted-root", fifo, art}, 1, "--trusted-root: load trusted root " + fifo + ": not a regular file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			type result struct {
				code        int
				out, errOut string
			}
			done := make(chan result, 1)
			go func() {
				code, out, errOut := runVouch(t, append([]string{"verify"}, tc.args...)...)
				done <- result{code, out, errOut}
			}()
			select {
			case r := <-done:
				if r.code != tc.code || !strings.Contains(r.out+r.errOut, tc.says) {
					t.Errorf("exit %d, want %d saying %q\nstdout: %s\nstderr: %s", r.code, tc.code, tc.says, r.out, r.errOut)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("vouch verify blocked on a FIFO")
			}
		})
	}
}
