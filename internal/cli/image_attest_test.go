package cli

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vouchdev/vouch/pkg/sbom/catalog/image/imagetest"
)

// Registries the image tests run against.
const (
	regAPI      = "referrers-api" // go-containerregistry's, with the referrers API
	regFallback = "fallback-tag"  // go-containerregistry's without it
	regReal     = "docker-registry"
)

// imageRegistry starts a registry of kind on loopback; while garbage is
// set, its referrers answers are not an index.
func imageRegistry(t *testing.T, kind string, garbage *atomic.Bool) string {
	t.Helper()
	var reg http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(kind == regAPI))
	if kind == regReal {
		u, err := url.Parse("http://" + imagetest.RealRegistry(t))
		if err != nil {
			t.Fatal(err)
		}
		reg = httputil.NewSingleHostReverseProxy(u)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if garbage.Load() && (strings.Contains(r.URL.Path, "/referrers/") || strings.Contains(r.URL.Path, "/manifests/sha256-")) {
			w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
			w.Write([]byte("<html>not an index</html>"))
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// vouchIn runs vouch in dir and wants exit code want; it returns stdout
// and stderr.
func vouchIn(t *testing.T, dir string, want int, args ...string) (string, string) {
	t.Helper()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out, errb bytes.Buffer
	if code := Run(context.Background(), args, strings.NewReader(""), &out, &errb); code != want {
		t.Fatalf("vouch %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out.String(), errb.String())
	}
	return out.String(), errb.String()
}

func digestOf(t *testing.T, img v1.Image) string {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// TestImageAttestVerify: vouch sign and attest --image attach bundles
// about the image's digest, and vouch verify finds and verifies them,
// through the referrers API and through the fallback tag. A moved tag (a
// changed image), a wrong signer, an image without attestations and a
// registry answering garbage each fail precisely, next to the passing
// control.
func TestImageAttestVerify(t *testing.T) {
	for _, kind := range []string{regAPI, regFallback, regReal} {
		t.Run(kind, func(t *testing.T) { imageRoundTrip(t, kind) })
	}
}

func imageRoundTrip(t *testing.T, kind string) {
	dir := t.TempDir()
	var garbage atomic.Bool
	host := imageRegistry(t, kind, &garbage)
	app := imagetest.Build(t, nil, []imagetest.Entry{{Name: "app/main", Data: "v1"}})
	changed := imagetest.Build(t, nil, []imagetest.Entry{{Name: "app/main", Data: "v2"}})
	imagetest.Push(t, host+"/app:1.0", app)
	imagetest.Push(t, host+"/app:2.0", changed)
	if err := os.WriteFile(filepath.Join(dir, "sbom.json"), []byte(`{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	vouchIn(t, dir, 0, "keygen", "--no-password", "--algorithm", "ed25519")
	vouchIn(t, dir, 0, "keygen", "--no-password", "--algorithm", "ed25519", "--output-key-prefix", "other")
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")

	ref := "registry:" + host + "/app:1.0"
	want := host + "/app@" + digestOf(t, app)
	if out, _ := vouchIn(t, dir, 0, "sign", "--key", "vouch.key", "--image", ref); strings.TrimSpace(out) != want {
		t.Fatalf("sign --image printed %q, want the digest reference %s", out, want)
	}
	vouchIn(t, dir, 0, "attest", "--key", "vouch.key", "--image", ref, "--type", "cyclonedx", "--predicate", "sbom.json", "--bundle", "app.cdx.sigstore.json")
	if _, err := os.Stat(filepath.Join(dir, "app.cdx.sigstore.json")); err != nil {
		t.Fatalf("--bundle: %v", err)
	}

	// The control: both bundles verify against the key, the SBOM
	// attestation is found.
	out, _ := vouchIn(t, dir, 0, "verify", "--key", "vouch.pub", "--predicate-type", "cyclonedx", ref)
	if !strings.Contains(out, digestOf(t, app)[len("sha256:"):]) {
		t.Errorf("the report does not name the digest verified:\n%s", out)
	}
	// A wrong signer.
	out, _ = vouchIn(t, dir, 3, "verify", "--key", "other.pub", ref)
	mustContain(t, out, "which is not a trusted key")
	// An image no one attested.
	out, _ = vouchIn(t, dir, 3, "verify", "--key", "vouch.pub", "registry:"+host+"/app:2.0")
	mustContain(t, out, "no bundle attached to "+host+"/app@"+digestOf(t, changed))
	// The bundle written with --bundle, against a changed image: its
	// statement names the other digest.
	out, _ = vouchIn(t, dir, 3, "verify", "--key", "vouch.pub", "--bundle", "app.cdx.sigstore.json", "registry:"+host+"/app:2.0")
	mustContain(t, out, digestOf(t, app)[len("sha256:"):])
	vouchIn(t, dir, 0, "verify", "--key", "vouch.pub", "--bundle", "app.cdx.sigstore.json", ref)
	// The tag moved to a changed image: its digest has no attestation.
	imagetest.Push(t, host+"/app:1.0", changed)
	out, _ = vouchIn(t, dir, 3, "verify", "--key", "vouch.pub", ref)
	mustContain(t, out, "no bundle attached")
	vouchIn(t, dir, 0, "verify", "--key", "vouch.pub", "registry:"+want)

	// A registry answering garbage, and one that does not answer.
	garbage.Store(true)
	_, errOut := vouchIn(t, dir, 1, "verify", "--key", "vouch.pub", "registry:"+want)
	mustContain(t, errOut, "referrers of "+want)
	garbage.Store(false)
	_, errOut = vouchIn(t, dir, 1, "verify", "--key", "vouch.pub", "registry:127.0.0.1:1/app:1.0")
	mustContain(t, errOut, "127.0.0.1:1/app:1.0")

	// Usage errors.
	vouchIn(t, dir, 2, "sign", "--key", "vouch.key", "--image", ref, "sbom.json")
	vouchIn(t, dir, 2, "sign", "--key", "vouch.key", "--image", "docker-archive:app.tar")
	vouchIn(t, dir, 2, "verify", "--key", "vouch.pub", "--offline", ref)
	vouchIn(t, dir, 2, "verify", "--key", "vouch.pub", "docker-archive:app.tar")
}

// TestImageLayoutOffline: bundles attached in an OCI layout verify with
// --offline; a wrong signer and an unattested layout fail, a garbled
// index.json is an error.
func TestImageLayoutOffline(t *testing.T) {
	dir := t.TempDir()
	app := imagetest.Build(t, nil, []imagetest.Entry{{Name: "app/main", Data: "v1"}})
	layoutDir := imagetest.OCIDir(t, dir, "registry.example/app:1.0", app)
	bare := imagetest.OCIDir(t, t.TempDir(), "registry.example/app:1.0", app)
	vouchIn(t, dir, 0, "keygen", "--no-password", "--algorithm", "ed25519")
	vouchIn(t, dir, 0, "keygen", "--no-password", "--algorithm", "ed25519", "--output-key-prefix", "other")
	ref := "oci-dir:" + layoutDir
	out, _ := vouchIn(t, dir, 0, "sign", "--key", "vouch.key", "--image", ref)
	mustContain(t, out, ref+"@"+digestOf(t, app))
	vouchIn(t, dir, 0, "verify", "--offline", "--key", "vouch.pub", ref)
	// The attached bundle is not taken for a second image.
	vouchIn(t, dir, 0, "sbom", "-q", ref, "-o", "cyclonedx-json")
	out, _ = vouchIn(t, dir, 3, "verify", "--offline", "--key", "other.pub", ref)
	mustContain(t, out, "which is not a trusted key")
	out, _ = vouchIn(t, dir, 3, "verify", "--offline", "--key", "vouch.pub", "oci-dir:"+bare)
	mustContain(t, out, "no bundle attached")
	if err := os.WriteFile(filepath.Join(layoutDir, "index.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut := vouchIn(t, dir, 1, "verify", "--offline", "--key", "vouch.pub", ref)
	mustContain(t, errOut, filepath.Join(layoutDir, "index.json"))
}

// TestImageReadmeCommands runs the commands of README.md's "Images:
// attest and verify" paragraph, as written, against a loopback registry
// standing in for ghcr.io.
func TestImageReadmeCommands(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "**Images: attest and verify.**")
	_, block, ok2 := strings.Cut(section, "```sh\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md: no command block in the Images: attest and verify paragraph")
	}
	dir := t.TempDir()
	var off atomic.Bool
	host := imageRegistry(t, regFallback, &off)
	imagetest.Push(t, host+"/acme/app:1.0", imagetest.Build(t, nil, []imagetest.Entry{{Name: "app/main", Data: "v1"}}))
	if err := os.WriteFile(filepath.Join(dir, "app.cdx.json"), []byte(`{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	vouchIn(t, dir, 0, "keygen", "--no-password")
	lines := strings.Split(strings.TrimSpace(block), "\n")
	for _, line := range lines {
		args := strings.Fields(strings.ReplaceAll(line, "ghcr.io/acme", host+"/acme"))
		if args[0] != "vouch" {
			t.Fatalf("README.md: %q is not a vouch command", line)
		}
		vouchIn(t, dir, 0, args[1:]...)
	}
	if len(lines) != 2 {
		t.Errorf("README.md: %d commands, want attest and verify", len(lines))
	}
}

// TestImageRelease: vouch release --image attaches the image's SBOM
// attestation, provenance and signature to its digest, and vouch verify
// finds all three; a changed image has none (the control of the same
// check).
func TestImageRelease(t *testing.T) {
	const status = "../../pkg/sbom/ecosystem/debian/testdata/debian12/"
	dir := t.TempDir()
	var off atomic.Bool
	host := imageRegistry(t, regAPI, &off)
	app := imagetest.Build(t, nil, []imagetest.Entry{{Name: "etc/os-release", Src: status + "etc/os-release"}, {Name: "var/lib/dpkg/status", Src: status + "var/lib/dpkg/status"}})
	imagetest.Push(t, host+"/acme/app:1.0", app)
	imagetest.Push(t, host+"/acme/app:2.0", imagetest.Build(t, nil, []imagetest.Entry{{Name: "app/main", Data: "v2"}}))
	vouchIn(t, dir, 0, "keygen", "--no-password")
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	out, _ := vouchIn(t, dir, 0, "release", "--key", "vouch.key", "--image", "registry:"+host+"/acme/app:1.0",
		"--builder-id", "https://example.com/builder", "--external-param", "image=app", "--out", "rel")
	mustContain(t, out, host+"/acme/app@"+digestOf(t, app))
	for _, f := range []string{"app.cdx.json", "app.sbom.sigstore.json", "app.sigstore.json", "provenance.sigstore.json"} {
		if _, err := os.Stat(filepath.Join(dir, "rel", f)); err != nil {
			t.Errorf("--out: %v", err)
		}
	}
	sbom, _ := os.ReadFile(filepath.Join(dir, "rel", "app.cdx.json"))
	mustContain(t, string(sbom), "distro=debian-12")
	need := []string{"verify", "--key", "vouch.pub", "--predicate-type", "cyclonedx", "--predicate-type", "slsaprovenance1"}
	out, _ = vouchIn(t, dir, 0, append(need, "registry:"+host+"/acme/app:1.0")...)
	mustContain(t, out, "3 of 3 attestations name this artifact")
	vouchIn(t, dir, 3, append(need, "registry:"+host+"/acme/app:2.0")...)

	// The SBOM tells the truth about the image's own contents; the bundle
	// of another image's SBOM, about this image, does not.
	if err := os.WriteFile(filepath.Join(dir, "match.yaml"), []byte("apiVersion: vouch.dev/v1\nkind: Policy\nsbom:\n  required: true\n  matchArtifact: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ = vouchIn(t, dir, 0, "verify", "--key", "vouch.pub", "--policy", "match.yaml", "registry:"+host+"/acme/app:1.0")
	mustContain(t, out, "sbom.match-artifact")
	empty := `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}`
	if err := os.WriteFile(filepath.Join(dir, "empty.cdx.json"), []byte(empty), 0o644); err != nil {
		t.Fatal(err)
	}
	vouchIn(t, dir, 0, "attest", "--key", "vouch.key", "--image", "registry:"+host+"/acme/app:1.0", "--type", "cyclonedx", "--predicate", "empty.cdx.json")
	out, _ = vouchIn(t, dir, 3, "verify", "--key", "vouch.pub", "--policy", "match.yaml", "registry:"+host+"/acme/app:1.0")
	mustContain(t, out, "pkg:deb/debian/")
	vouchIn(t, dir, 2, "release", "--key", "vouch.key", "--image", "registry:"+host+"/acme/app:1.0", "rel")
}

func mustContain(t *testing.T, s, want string) {
	t.Helper()
	if !strings.Contains(s, want) {
		t.Fatalf("want %q in:\n%s", want, s)
	}
}
