package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom/catalog/image/imagetest"
)

// TestSBOMImage: vouch sbom reads an image under each scheme and as a
// plain path, with the same bytes out; --scope all-layers also lists what a
// whiteout deleted; a bad --scope is a usage error (2), an unreadable
// image an error (1).
func TestSBOMImage(t *testing.T) {
	const status = "../../pkg/sbom/ecosystem/debian/testdata/debian12/"
	const lock = "../../pkg/sbom/ecosystem/npm/testdata/ws/package-lock.json"
	img := imagetest.Build(t, map[string]string{"org.opencontainers.image.source": "https://github.com/vouchdev/example"},
		[]imagetest.Entry{{Name: "etc/os-release", Src: status + "etc/os-release"}, {Name: "var/lib/dpkg/status", Src: status + "var/lib/dpkg/status"}},
		[]imagetest.Entry{{Name: "app/package-lock.json", Src: lock}},
		[]imagetest.Entry{{Name: "app/.wh.package-lock.json"}},
	)
	host := imagetest.Registry(t)
	ref := host + "/vouch/app:1.0"
	imagetest.Push(t, ref, img)
	dir := t.TempDir()
	docker := imagetest.DockerArchive(t, dir, ref, img)
	oci := imagetest.OCIDir(t, dir, ref, img)
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	sbomOf := func(want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := Run(context.Background(), append([]string{"sbom", "-q"}, args...), nil, &out, &errb); code != want {
			t.Fatalf("%v: exit %d, want %d\n%s", args, code, want, errb.String())
		}
		return out.String() + errb.String()
	}
	first := sbomOf(0, "registry:"+ref, "-o", "cyclonedx-json")
	for _, src := range []string{"docker-archive:" + docker, "oci-dir:" + oci, docker, oci} {
		if got := sbomOf(0, src, "-o", "cyclonedx-json"); got != first {
			t.Errorf("%s: CycloneDX differs from the registry's", src)
		}
	}
	for _, want := range []string{`"type": "container"`, `"name": "vouch:layerDigest"`, "distro=debian-12", `"url": "https://github.com/vouchdev/example"`} {
		if !strings.Contains(first, want) {
			t.Errorf("CycloneDX lacks %s", want)
		}
	}
	if strings.Contains(first, "pkg:npm/chalk@4.1.2") {
		t.Error("squashed: the deleted lockfile's packages are listed")
	}
	if all := sbomOf(0, "docker-archive:"+docker, "--scope", "all-layers", "-o", "cyclonedx-json"); !strings.Contains(all, "pkg:npm/chalk@4.1.2") {
		t.Error("all-layers: the deleted lockfile's packages are missing")
	}
	readmeImageCommand(t, docker, first)
	sbomOf(2, "docker-archive:"+docker, "--scope", "everything")
	bad := filepath.Join(dir, "bad.tar")
	if err := os.WriteFile(bad, []byte("not a tar"), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg := sbomOf(1, "docker-archive:"+bad); !strings.Contains(msg, "docker-archive:"+bad) {
		t.Errorf("the error does not name the image: %s", msg)
	}
}

// readmeImageCommand runs the command of README.md's Images section, as
// written, on the test image saved as app.tar, and wants the document the
// registry gave (want, on stdout).
func readmeImageCommand(t *testing.T, archive, want string) {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n### Images\n")
	_, block, ok2 := strings.Cut(section, "```sh\n")
	line, _, ok3 := strings.Cut(block, "\n")
	env, args, ok4 := strings.Cut(line, " vouch ")
	key, value, ok5 := strings.Cut(env, "=")
	if !ok || !ok2 || !ok3 || !ok4 || !ok5 {
		t.Fatalf("README.md: no \"### Images\" section with a ```sh block \"VAR=value vouch ...\"")
	}
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.tar"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	t.Setenv(key, value)
	var out, errb bytes.Buffer
	if code := Run(context.Background(), strings.Fields(args), nil, &out, &errb); code != 0 {
		t.Fatalf("README: vouch %s: exit %d\n%s", args, code, errb.String())
	}
	got, err := os.ReadFile(filepath.Join(dir, "app.cdx.json"))
	if err != nil {
		t.Fatalf("README: vouch %s: %v", args, err)
	}
	if string(got) != want {
		t.Errorf("README: vouch %s: the document differs from the registry's", args)
	}
}
