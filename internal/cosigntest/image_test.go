package cosigntest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/internal/cli"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image/imagetest"
)

// vouchExit runs vouch's command line in-process, wants exit code want,
// and returns stdout and stderr together.
func vouchExit(t *testing.T, want int, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := cli.Run(context.Background(), args, strings.NewReader(""), &out, &errb); code != want {
		t.Fatalf("vouch %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out.String(), errb.String())
	}
	return out.String() + errb.String()
}

// TestImageInterop: cosign verifies what vouch attest and sign --image
// attached to an image in a registry, and vouch verifies what cosign
// attest and sign --new-bundle-format attached; each refuses the other's
// key (the control that they check anything). The registry is
// go-containerregistry's on loopback, without the referrers API, so both
// go through the sha256-<hex> tag.
func TestImageInterop(t *testing.T) {
	cosignPath(t)
	dir := t.TempDir()
	host := imagetest.Registry(t)
	for _, tag := range []string{"vouch", "cosign"} {
		imagetest.Push(t, host+"/app:"+tag, imagetest.Build(t, nil, []imagetest.Entry{{Name: "app/main", Data: tag}}))
	}
	for name, data := range map[string]string{
		"root.json": emptyTrustedRoot,
		"prov.json": `{"buildDefinition": {"buildType": "https://example.com/build/v1"}, "runDetails": {"builder": {"id": "https://example.com/builder"}}}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vouchKey, vouchPub := filepath.Join(dir, "vouch.key"), filepath.Join(dir, "vouch.pub")
	vouchExit(t, cli.ExitOK, "keygen", "--no-password", "--output-key-prefix", filepath.Join(dir, "vouch"))
	env := []string{"COSIGN_PASSWORD=pw"}
	mustCosign(t, dir, env, "generate-key-pair")
	reg := []string{"--allow-insecure-registry", "--allow-http-registry"}
	check := func(args ...string) []string {
		return append(append([]string{args[0], "--new-bundle-format", "--insecure-ignore-tlog", "--trusted-root", "root.json"}, reg...), args[1:]...)
	}

	// vouch attaches, cosign verifies.
	out := vouchExit(t, cli.ExitOK, "attest", "--key", vouchKey, "--image", "registry:"+host+"/app:vouch", "--type", "slsaprovenance1", "--predicate", filepath.Join(dir, "prov.json"))
	byDigest, _, _ := strings.Cut(out, "\n")
	mustCosign(t, dir, nil, check("verify-attestation", "--type", "slsaprovenance1", "--key", "vouch.pub", byDigest)...)
	if out, err := cosign(t, dir, nil, check("verify-attestation", "--type", "slsaprovenance1", "--key", "cosign.pub", byDigest)...); err == nil {
		t.Fatalf("cosign verify-attestation with another key passed:\n%s", out)
	}
	vouchExit(t, cli.ExitOK, "sign", "--key", vouchKey, "--image", byDigest)
	mustCosign(t, dir, nil, check("verify", "--key", "vouch.pub", byDigest)...)
	if out, err := cosign(t, dir, nil, check("verify", "--key", "cosign.pub", byDigest)...); err == nil {
		t.Fatalf("cosign verify with another key passed:\n%s", out)
	}

	// cosign attaches, vouch verifies.
	cosignRef := host + "/app:cosign"
	mustCosign(t, dir, env, append(append([]string{"attest", "--new-bundle-format", "--tlog-upload=false", "-y", "--key", "cosign.key",
		"--type", "slsaprovenance1", "--predicate", "prov.json"}, reg...), cosignRef)...)
	mustCosign(t, dir, env, append(append([]string{"sign", "--new-bundle-format", "--tlog-upload=false", "-y", "--key", "cosign.key"}, reg...), cosignRef)...)
	out = vouchExit(t, cli.ExitOK, "verify", "--key", filepath.Join(dir, "cosign.pub"), "--predicate-type", "slsaprovenance1", "registry:"+cosignRef)
	if !strings.Contains(out, "2 of 2 attestations name this artifact") {
		t.Errorf("vouch verify did not find cosign's two bundles:\n%s", out)
	}
	out = vouchExit(t, cli.ExitFailure, "verify", "--key", vouchPub, "registry:"+cosignRef)
	if !strings.Contains(out, "which is not a trusted key") {
		t.Errorf("another key: %s", out)
	}
}
