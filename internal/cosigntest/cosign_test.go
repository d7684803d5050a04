package cosigntest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/internal/cli"
	"github.com/vouchdev/vouch/pkg/attest/release"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// cosignVersion is the release the interop is pinned to (.ci/run installs it).
const cosignVersion = "v2.6.5"

const installHint = "install it with `go install github.com/sigstore/cosign/v2/cmd/cosign@" + cosignVersion +
	"` (about 4 minutes) or point $COSIGN at it"

// emptyTrustedRoot is enough for key-signed bundles without log entries:
// cosign 2.6 wants a trusted root with the new bundle format, and would
// otherwise fetch the public-good one over the network.
const emptyTrustedRoot = `{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`

// cosignPath finds cosign, or skips — or, under CI=true, fails.
func cosignPath(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("COSIGN")}
	if p, err := exec.LookPath("cosign"); err == nil {
		candidates = append(candidates, p)
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
			candidates = append(candidates, filepath.Join(dir, "bin", "cosign"))
		}
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return c
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("cosign not found ($COSIGN, PATH, $(go env GOPATH)/bin) and CI=true: interop tests must run in CI; %s", installHint)
	}
	t.Skipf("cosign not found ($COSIGN, PATH, $(go env GOPATH)/bin): %s; CI=true makes this a failure", installHint)
	return ""
}

// cosign runs cosign in dir and returns its combined output and error.
func cosign(t *testing.T, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cosignPath(t), args...)
	cmd.Dir = dir
	// A private HOME: cosign caches TUF metadata there; nothing here needs it.
	cmd.Env = append(os.Environ(), "HOME="+dir, "SIGSTORE_NO_CACHE=true")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustCosign(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	out, err := cosign(t, dir, env, args...)
	if err != nil {
		t.Fatalf("cosign %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// vouch runs vouch's command line in-process.
func vouch(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := cli.Run(context.Background(), args, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("vouch %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	return stderr.String()
}

// releaseDir makes a folder of two artifacts and releases it with a new key
// of alg, as the acceptance test asks: vouch keygen, then vouch release --key.
func releaseDir(t *testing.T, alg string) (work, dist string) {
	work = t.TempDir()
	dist = filepath.Join(work, "dist")
	if err := os.Mkdir(dist, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"app_linux_amd64": "#!/bin/sh\necho app\n", "app.tar.gz.txt": "notes\n"} {
		if err := os.WriteFile(filepath.Join(dist, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(work, "root.json"), []byte(emptyTrustedRoot), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VOUCH_PASSWORD", "correct horse")
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	vouch(t, "keygen", "--algorithm", alg, "--output-key-prefix", filepath.Join(work, "vouch"))
	vouch(t, "release", "-q", "--key", filepath.Join(work, "vouch.key"), "--repo", work,
		"--external-param", "inputs.version=v1.0.0", dist)
	return work, dist
}

func verifyBlob(t *testing.T, work, bundlePath, artifact string) (string, error) {
	return cosign(t, work, nil, "verify-blob", "--key", "vouch.pub", "--new-bundle-format",
		"--insecure-ignore-tlog=true", "--trusted-root", "root.json", "--bundle", bundlePath, artifact)
}

func verifyAttestation(t *testing.T, work, typ, bundlePath, artifact string) (string, error) {
	return cosign(t, work, nil, "verify-blob-attestation", "--key", "vouch.pub", "--new-bundle-format",
		"--insecure-ignore-tlog=true", "--trusted-root", "root.json", "--type", typ, "--bundle", bundlePath, artifact)
}

// cosign verifies every bundle of a release signed with an ECDSA key (the
// default), and refuses each one for a modified artifact.
func TestCosignVerifiesRelease(t *testing.T) {
	cosignPath(t)
	work, dist := releaseDir(t, "ecdsa-p256")
	for _, a := range []string{"app_linux_amd64", "app.tar.gz.txt"} {
		art := filepath.Join(dist, a)
		checks := []struct {
			what string
			run  func(artifact string) (string, error)
		}{
			{"signature", func(x string) (string, error) { return verifyBlob(t, work, art+release.SuffixSignature, x) }},
			{"SBOM attestation", func(x string) (string, error) {
				return verifyAttestation(t, work, "cyclonedx", art+release.SuffixSBOMBundle, x)
			}},
			{"provenance", func(x string) (string, error) {
				return verifyAttestation(t, work, "slsaprovenance1", filepath.Join(dist, release.ProvenanceName), x)
			}},
		}
		for _, c := range checks {
			if out, err := c.run(art); err != nil || !strings.Contains(out, "Verified OK") {
				t.Errorf("%s of %s: cosign refused it: %v\n%s", c.what, a, err, out)
			}
		}
		// The same checks against a modified copy must fail.
		changed := filepath.Join(work, "changed-"+a)
		data, _ := os.ReadFile(art)
		if err := os.WriteFile(changed, append(data, '!'), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, c := range checks {
			if out, err := c.run(changed); err == nil {
				t.Errorf("%s of a modified %s: cosign accepted it\n%s", c.what, a, out)
			}
		}
	}
	if out, err := verifyBlob(t, work, filepath.Join(dist, release.ChecksumsBundleName), filepath.Join(dist, release.ChecksumsName)); err != nil {
		t.Errorf("checksums.txt signature: %v\n%s", err, out)
	}
	// A predicate type the bundle does not hold is refused: cosign really
	// reads the statement.
	if out, err := verifyAttestation(t, work, "spdxjson", filepath.Join(dist, release.ProvenanceName), filepath.Join(dist, "app_linux_amd64")); err == nil {
		t.Errorf("provenance verified as an SPDX attestation\n%s", out)
	}
}

// With an Ed25519 key cosign verifies the attestations (pure Ed25519 DSSE)
// but not file signatures: vouch signs files with Ed25519ph, as a
// hashedrekord entry requires, and cosign v2.6.5's --key path verifies
// Ed25519 message signatures as pure Ed25519. The README says so; if this
// starts passing, update it.
func TestCosignEd25519(t *testing.T) {
	cosignPath(t)
	work, dist := releaseDir(t, "ed25519")
	art := filepath.Join(dist, "app_linux_amd64")
	if out, err := verifyAttestation(t, work, "slsaprovenance1", filepath.Join(dist, release.ProvenanceName), art); err != nil {
		t.Errorf("Ed25519 provenance: cosign refused it: %v\n%s", err, out)
	}
	if out, err := verifyAttestation(t, work, "cyclonedx", art+release.SuffixSBOMBundle, art); err != nil {
		t.Errorf("Ed25519 SBOM attestation: cosign refused it: %v\n%s", err, out)
	}
	if out, err := verifyBlob(t, work, art+release.SuffixSignature, art); err == nil {
		t.Errorf("cosign now verifies Ed25519ph file signatures: update the README's interop note\n%s", out)
	}
}

// The reverse: a bundle made by cosign sign-blob (key, no transparency log)
// verifies with vouch's verifier, and fails for a changed artifact.
func TestVouchVerifiesCosignBundles(t *testing.T) {
	cosignPath(t)
	dir := t.TempDir()
	env := []string{"COSIGN_PASSWORD=pw"}
	mustCosign(t, dir, env, "generate-key-pair")
	art := filepath.Join(dir, "A")
	if err := os.WriteFile(art, []byte("artifact\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustCosign(t, dir, env, "sign-blob", "--key", "cosign.key", "--tlog-upload=false", "--new-bundle-format",
		"--bundle", "A.sigstore.json", "-y", "A")
	if err := os.WriteFile(filepath.Join(dir, "pred.json"), []byte(`{"buildDefinition":{"buildType":"https://example.com/t","externalParameters":{"x":"y"}},"runDetails":{"builder":{"id":"https://example.com/b"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	mustCosign(t, dir, env, "attest-blob", "--key", "cosign.key", "--tlog-upload=false", "--new-bundle-format",
		"--bundle", "A.att.sigstore.json", "--predicate", "pred.json", "--type", "slsaprovenance1", "-y", "A")

	key, err := trust.FromPublicKeyFile(filepath.Join(dir, "cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ev, err := bundle.VerifyFile(ctx, filepath.Join(dir, "A.sigstore.json"), bundle.ArtifactFile(art), key, bundle.Policy{})
	if err != nil {
		t.Fatalf("cosign's sign-blob bundle: %v", err)
	}
	if ev.Kind != bundle.KindMessageSignature {
		t.Errorf("kind %q, want %q", ev.Kind, bundle.KindMessageSignature)
	}
	ev, err = bundle.VerifyFile(ctx, filepath.Join(dir, "A.att.sigstore.json"), bundle.ArtifactFile(art), key, bundle.Policy{})
	if err != nil {
		t.Fatalf("cosign's attest-blob bundle: %v", err)
	}
	if ev.PredicateType != "https://slsa.dev/provenance/v1" {
		t.Errorf("predicate type %q, want SLSA provenance v1", ev.PredicateType)
	}

	// The same through the command line: `vouch verify --key cosign.pub`
	// accepts both bundles (exit 0); another key refuses them (exit 3).
	vouch := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := cli.Run(ctx, args, nil, &out, &errb)
		return code, out.String() + errb.String()
	}
	verifyArgs := func(pub string) []string {
		return []string{"verify", "--key", filepath.Join(dir, pub), "--bundle", filepath.Join(dir, "A.sigstore.json"),
			"--bundle", filepath.Join(dir, "A.att.sigstore.json"), art}
	}
	if code, out := vouch(verifyArgs("cosign.pub")...); code != cli.ExitOK {
		t.Fatalf("vouch verify --key cosign.pub: exit %d\n%s", code, out)
	}
	if code, out := vouch("keygen", "--no-password", "--output-key-prefix", filepath.Join(dir, "other")); code != cli.ExitOK {
		t.Fatalf("vouch keygen: exit %d\n%s", code, out)
	}
	if code, out := vouch(verifyArgs("other.pub")...); code != cli.ExitFailure {
		t.Errorf("vouch verify with another key: exit %d, want %d\n%s", code, cli.ExitFailure, out)
	}

	if err := os.WriteFile(art, []byte("artifact, changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := vouch(verifyArgs("cosign.pub")...); code != cli.ExitFailure {
		t.Errorf("vouch verify over a changed artifact: exit %d, want %d\n%s", code, cli.ExitFailure, out)
	}
	for _, b := range []string{"A.sigstore.json", "A.att.sigstore.json"} {
		_, err := bundle.VerifyFile(ctx, filepath.Join(dir, b), bundle.ArtifactFile(art), key, bundle.Policy{})
		if !errors.Is(err, bundle.ErrSignature) && !errors.Is(err, bundle.ErrArtifact) {
			t.Errorf("%s over a changed artifact: %v, want ErrSignature or ErrArtifact", b, err)
		}
	}
}
