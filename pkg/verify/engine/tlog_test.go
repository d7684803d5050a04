package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// TestKeySignedTlog: with --key and no --trusted-root, the log entry of a
// key-signed bundle (npm's registry publish attestation) is checked against
// the public-good root (offline: the embedded snapshot). A forged
// signedEntryTimestamp fails; only InsecureIgnoreTlog lets it through, and
// the finding says the log was not checked. Control: the genuine bundle.
func TestKeySignedTlog(t *testing.T) {
	nonet.Forbid(t)
	dir := "../../../testdata/sigstore/cases/sigstore/sigstore-go/example-bundle-publish"
	key, err := trust.FromPublicKeyFile(filepath.Join(dir, "key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	genuine, err := os.ReadFile(filepath.Join(dir, "bundle.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	const set = "MEYCIQDhoULWkbm7KZ4P4qAWHLw7d9X66AM"
	if !strings.Contains(string(genuine), set) {
		t.Fatal("fixture changed: signedEntryTimestamp not found")
	}
	forgedPath := filepath.Join(t.TempDir(), "forged.sigstore.json")
	if err := os.WriteFile(forgedPath, []byte(strings.Replace(string(genuine), set, "MEYCIQDhoULWkbm7KZ4P4qAWHLw7d9X66AN", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	const digest = "sha512:76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"
	tests := []struct {
		name     string
		bundle   string
		ignore   bool
		verified bool
		says     string
	}{
		{"control: genuine", filepath.Join(dir, "bundle.sigstore.json"), false, true, "signed by key " + key.ID()},
		{"forged SET", forgedPath, false, false, "failed to verify log inclusion"},
		{"forged SET, opted out", forgedPath, true, true, "transparency-log entries were NOT checked (--insecure-ignore-tlog)"},
		{"control: genuine, opted out", filepath.Join(dir, "bundle.sigstore.json"), true, true, "NOT checked"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := engine.New(engine.Options{Keys: []*trust.Key{key}, InsecureIgnoreTlog: tc.ignore,
				Roots: trust.NewPublicGoodProvider(trust.Options{Offline: true, CacheDir: t.TempDir()}, 0)})
			if err != nil {
				t.Fatal(err)
			}
			d, err := engine.ParseDigest(digest)
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Verify(context.Background(), engine.Subject{Name: digest, Digests: d}, bundlesOf(tc.bundle), emptyPolicy(t))
			if err != nil {
				t.Fatal(err)
			}
			if res.Verified != tc.verified {
				t.Fatalf("verified %v, want %v: %+v", res.Verified, tc.verified, res.Findings)
			}
			f := res.Findings[0]
			if f.ID != engine.FindingBundle || !strings.Contains(f.Message, tc.says) {
				t.Errorf("bundle finding %+v should say %q", f, tc.says)
			}
			if want := verify.StatusPass; tc.verified && f.Status != want {
				t.Errorf("bundle finding status %s", f.Status)
			}
		})
	}
}
