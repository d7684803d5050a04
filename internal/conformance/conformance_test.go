package conformance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// conformanceDir holds the sigstore-conformance bundle-verify cases
// (testdata/sigstore-conformance/ORIGIN).
const conformanceDir = "../../testdata/sigstore-conformance"

const (
	defaultIdentity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	defaultIssuer   = "https://token.actions.githubusercontent.com"
)

// TestConformanceCases runs every case of the suite through the adapter,
// offline: a case named *_fail must exit 1, every other must exit 0. Any
// network use fails the test: keyless public-good cases verify against the
// embedded snapshot, key-based ones need no root at all.
func TestConformanceCases(t *testing.T) {
	noNetwork(t)
	entries, err := os.ReadDir(conformanceDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		name := e.Name()
		want := ExitOK
		if strings.HasSuffix(name, "_fail") {
			want = ExitFail
		}
		// The suite passes the artifact as a file and as its digest.
		for _, form := range []string{"file", "digest"} {
			t.Run(name+"/"+form, func(t *testing.T) {
				args := caseArgs(t, filepath.Join(conformanceDir, name))
				if form == "digest" {
					data, err := os.ReadFile(args[len(args)-1])
					if err != nil {
						t.Fatal(err)
					}
					sum := sha256.Sum256(data)
					args[len(args)-1] = "sha256:" + hex.EncodeToString(sum[:])
				}
				var stdout, stderr bytes.Buffer
				code := Run(context.Background(), args, &stdout, &stderr, Options{Offline: true, CacheDir: t.TempDir()})
				if want == ExitFail {
					t.Logf("rejected: %s", strings.TrimSpace(stderr.String()))
				}
				if code != want {
					t.Errorf("exit %d, want %d\nargs: %q\nstderr: %s", code, want, args, stderr.String())
				}
			})
		}
	}
	if n < 50 {
		t.Fatalf("found %d conformance cases in %s, want the whole suite (>= 50)", n, conformanceDir)
	}
}

// caseArgs builds the protocol arguments the suite would pass for a case,
// from the files in its directory (see the suite's README.md).
func caseArgs(t *testing.T, dir string) []string {
	t.Helper()
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
	read := func(name, def string) string {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return def
		}
		return strings.TrimSpace(string(data))
	}
	args := []string{"verify-bundle", "--bundle", filepath.Join(dir, "bundle.sigstore.json")}
	if exists("key.pub") {
		args = append(args, "--key", filepath.Join(dir, "key.pub"))
	} else {
		args = append(args,
			"--certificate-identity", read("identity", defaultIdentity),
			"--certificate-oidc-issuer", read("issuer", defaultIssuer))
	}
	if exists("trusted_root.json") {
		args = append(args, "--trusted-root", filepath.Join(dir, "trusted_root.json"))
	}
	artifact := filepath.Join(dir, "artifact")
	if !exists("artifact") {
		artifact = filepath.Join(conformanceDir, "a.txt")
	}
	return append(args, artifact)
}
