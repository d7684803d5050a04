package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom/catalog/image/imagetest"
)

// cosignBin is cosign v2.6.5, which .ci/run installs: absent outside CI
// the interop test is skipped, under CI=true it fails.
func cosignBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("cosign")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("cosign is not installed (.ci/run installs v2.6.5)")
		}
		t.Skip("cosign is not installed")
	}
	return p
}

// cosign runs cosign in dir, offline (its TUF cache in dir), and wants
// exit code want.
func cosign(t *testing.T, dir string, want int, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, cosignBin(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "TUF_ROOT="+filepath.Join(dir, ".sigstore"), "COSIGN_PASSWORD=", "COSIGN_YES=true")
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("cosign %s: %v", strings.Join(args, " "), err)
	}
	if code != want {
		t.Fatalf("cosign %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
	}
	return string(out)
}

// TestImageCosignInterop: cosign v2.6.5 verifies what vouch attest --image
// attached (--new-bundle-format), and vouch verifies what cosign attest
// --new-bundle-format attached; each refuses the other's key (the
// control that they check anything).
func TestImageCosignInterop(t *testing.T) {
	cosignBin(t)
	dir := t.TempDir()
	host := imagetest.Registry(t)
	for _, tag := range []string{"vouch", "cosign"} {
		imagetest.Push(t, host+"/app:"+tag, imagetest.Build(t, nil, []imagetest.Entry{{Name: "app/main", Data: tag}}))
	}
	if err := os.WriteFile(filepath.Join(dir, "prov.json"), []byte(`{"buildDefinition": {"buildType": "https://example.com/build/v1"}, "runDetails": {"builder": {"id": "https://example.com/builder"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// A key-signed bundle without log entries needs no authority; cosign
	// still wants a trusted root with --new-bundle-format (else it asks TUF
	// online): an empty one.
	if err := os.WriteFile(filepath.Join(dir, "root.json"), []byte(`{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	vouchIn(t, dir, 0, "keygen", "--no-password")
	cosign(t, dir, 0, "generate-key-pair")
	reg := []string{"--allow-insecure-registry", "--allow-http-registry"}

	// vouch attaches, cosign verifies.
	out, _ := vouchIn(t, dir, 0, "attest", "--key", "vouch.key", "--image", "registry:"+host+"/app:vouch", "--type", "slsaprovenance1", "--predicate", "prov.json")
	byDigest := strings.TrimSpace(out)
	verifyArgs := append([]string{"verify-attestation", "--new-bundle-format", "--insecure-ignore-tlog", "--trusted-root", "root.json", "--type", "slsaprovenance1"}, reg...)
	cosign(t, dir, 0, append(verifyArgs, "--key", "vouch.pub", byDigest)...)
	cosign(t, dir, 1, append(verifyArgs, "--key", "cosign.pub", byDigest)...)

	// vouch sign --image is cosign sign --new-bundle-format's signature.
	vouchIn(t, dir, 0, "sign", "--key", "vouch.key", "--image", byDigest)
	signArgs := append([]string{"verify", "--new-bundle-format", "--insecure-ignore-tlog", "--trusted-root", "root.json"}, reg...)
	cosign(t, dir, 0, append(signArgs, "--key", "vouch.pub", byDigest)...)
	cosign(t, dir, 1, append(signArgs, "--key", "cosign.pub", byDigest)...)

	// cosign attaches, vouch verifies.
	cosignRef := host + "/app:cosign"
	cosign(t, dir, 0, append([]string{"attest", "--new-bundle-format", "--tlog-upload=false", "--key", "cosign.key", "--type", "slsaprovenance1", "--predicate", "prov.json"}, append(reg, cosignRef)...)...)
	cosign(t, dir, 0, append([]string{"sign", "--new-bundle-format", "--tlog-upload=false", "--key", "cosign.key"}, append(reg, cosignRef)...)...)
	out, _ = vouchIn(t, dir, 0, "verify", "--key", "cosign.pub", "--predicate-type", "slsaprovenance1", "registry:"+cosignRef)
	mustContain(t, out, "2 of 2 attestations name this artifact")
	out, _ = vouchIn(t, dir, 3, "verify", "--key", "vouch.pub", "registry:"+cosignRef)
	mustContain(t, out, "which is not a trusted key")
}
