//go:build unix

package trust_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

const publishKey = "../../../testdata/sigstore/cases/sigstore/sigstore-go/example-bundle-publish/key.pub"

// TestTrustInputHygiene: trusted roots and key files are refused when they
// are not regular files (without blocking on a FIFO) or are ambiguous (a
// repeated JSON key, a second PEM block); the genuine files are the
// controls.
func TestTrustInputHygiene(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	root, err := os.ReadFile(productionRoot)
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(publishKey)
	if err != nil {
		t.Fatal(err)
	}
	// A second tlogs array: sigstore-go keeps the last, another verifier
	// may keep the first.
	dup := strings.Replace(string(root), `"tlogs"`, `"tlogs": [], "tlogs"`, 1)
	if dup == string(root) {
		t.Fatal("fixture has no tlogs to repeat")
	}
	dupRoot := write("dup-root.json", []byte(dup))
	twoKeys := write("two.pub", append(append([]byte{}, key...), pemOf(t, mustECKey(t))...))

	rootFile := func(p string) error { _, err := trust.FromTrustedRootFile(p); return err }
	keyFile := func(p string) error { _, err := trust.FromPublicKeyFile(p); return err }
	tests := []struct {
		name string
		load func(string) error
		path string
		want error  // nil for a control
		says string // fragment of the error
	}{
		{"control: trusted root", rootFile, productionRoot, nil, ""},
		{"trusted root: fifo", rootFile, fifo, safefile.ErrNotRegular, "named pipe"},
		{"trusted root: device", rootFile, "/dev/zero", safefile.ErrNotRegular, "/dev/zero"},
		{"trusted root: directory", rootFile, dir, safefile.ErrNotRegular, "directory"},
		{"trusted root: tlogs twice", rootFile, dupRoot, strictjson.ErrDuplicateKey, `"tlogs" at $`},
		{"control: public key", keyFile, publishKey, nil, ""},
		{"public key: fifo", keyFile, fifo, safefile.ErrNotRegular, "named pipe"},
		{"public key: device", keyFile, "/dev/zero", safefile.ErrNotRegular, "/dev/zero"},
		{"public key: two PEM blocks", keyFile, twoKeys, nil, "more than one"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- tc.load(tc.path) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("blocked on a non-regular file")
			}
			if tc.want == nil && tc.says == "" {
				if err != nil {
					t.Fatalf("legitimate file refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q should name %s and say %q", err, tc.path, tc.says)
			}
		})
	}
}

func mustECKey(t *testing.T) crypto.PublicKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &k.PublicKey
}
