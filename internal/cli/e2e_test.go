package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/package-url/packageurl-go"
	"golang.org/x/mod/modfile"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/format"
)

// repoRoot is this repository, two levels up from internal/cli.
const repoRoot = "../.."

// allFormats writes every format vouch supports.
var allFormats = []string{
	"cyclonedx-json@1.5", "cyclonedx-json@1.6", "cyclonedx-json@1.7",
	"cyclonedx-xml@1.5", "cyclonedx-xml@1.6", "cyclonedx-xml@1.7",
	"spdx-json@2.2", "spdx-json@2.3", "spdx-json@3.0",
	"spdx-tag-value@2.2", "spdx-tag-value@2.3",
}

// runSBOM runs `vouch sbom` in-process and returns the files it wrote by format.
func runSBOM(t *testing.T, dir string, sources []string, extra ...string) map[string][]byte {
	t.Helper()
	args := append([]string{"sbom", "--source-date-epoch", "1700000000", "-q"}, sources...)
	files := map[string]string{}
	for i, f := range allFormats {
		p := filepath.Join(dir, strings.NewReplacer("@", "_", ".", "_").Replace(f)+"-"+string(rune('a'+i)))
		files[f] = p
		args = append(args, "-o", f+"="+p)
	}
	args = append(args, extra...)
	var out, errb bytes.Buffer
	if code := Run(context.Background(), args, nil, &out, &errb); code != 0 {
		t.Fatalf("vouch %v: exit %d\n%s", args, code, errb.String())
	}
	got := map[string][]byte{}
	for f, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got[f] = b
	}
	return got
}

func decode(t *testing.T, name string, b []byte) *sbom.Document {
	t.Helper()
	d, _, err := format.Decode(context.Background(), bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return d
}

// modules returns "path@version" of every Go library component.
func modules(d *sbom.Document) []string {
	var out []string
	for _, c := range d.Components {
		p, err := packageurl.FromString(c.PURL)
		if err != nil || p.Type != "golang" || c.Type != sbom.TypeLibrary || c.Name == "stdlib" {
			continue
		}
		out = append(out, c.Name+"@"+c.Version)
	}
	slices.Sort(out)
	return out
}

// setDiff describes how got differs from want, briefly.
func setDiff(got, want []string) string {
	var missing, extra []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			extra = append(extra, g)
		}
	}
	const most = 5
	if len(missing) > most {
		missing = append(missing[:most], "...")
	}
	if len(extra) > most {
		extra = append(extra[:most], "...")
	}
	return fmt.Sprintf("got %d, want %d; missing %v; extra %v", len(got), len(want), missing, extra)
}

// TestSelfSBOM: vouch's SBOM of this repository lists exactly the require
// set of go.mod, in every format, reproducibly, with valid purls.
func TestSelfSBOM(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range mf.Require {
		want = append(want, r.Mod.Path+"@"+r.Mod.Version)
	}
	slices.Sort(want)

	first := runSBOM(t, t.TempDir(), []string{repoRoot})
	second := runSBOM(t, t.TempDir(), []string{repoRoot})
	for _, f := range allFormats {
		if !bytes.Equal(first[f], second[f]) {
			t.Errorf("%s: two runs with the same SOURCE_DATE_EPOCH differ", f)
		}
		d := decode(t, f, first[f])
		if got := modules(d); !slices.Equal(got, want) {
			t.Errorf("%s: modules differ from go.mod's require set: %s", f, setDiff(got, want))
		}
		checkPURLs(t, f, d)
		if p := d.Component(d.Primary); p == nil || p.Name != "github.com/vouchdev/vouch" {
			t.Errorf("%s: primary component = %+v, want the vouch module", f, p)
		}
	}
	validateSchemas(t, first)
}

// validateSchemas checks the JSON outputs against the official schemas of
// their spec versions (copies in testdata/, see testdata/NOTICE).
func validateSchemas(t *testing.T, files map[string][]byte) {
	t.Helper()
	cdx := filepath.Join(repoRoot, "testdata", "cyclonedx", "schema")
	refs := []string{filepath.Join(cdx, "spdx.schema.json"), filepath.Join(cdx, "jsf-0.82.schema.json"), filepath.Join(cdx, "cryptography-defs.schema.json")}
	for _, v := range []string{"1.5", "1.6", "1.7"} {
		schematest.ValidateJSON(t, filepath.Join(cdx, "bom-"+v+".schema.json"), files["cyclonedx-json@"+v], refs...)
	}
	schematest.ValidateJSON(t, filepath.Join(repoRoot, "testdata", "spdx", "schema", "spdx-2.3-schema.json"), files["spdx-json@2.3"])
	xsd := schematest.XSD(t, filepath.Join(cdx, "spdx.xsd"))
	for _, v := range []string{"1.6", "1.7"} {
		if err := xsd(filepath.Join(cdx, "bom-"+v+".xsd"), files["cyclonedx-xml@"+v]); err != nil {
			t.Errorf("cyclonedx-xml@%s: %v", v, err)
		}
	}
}

func checkPURLs(t *testing.T, name string, d *sbom.Document) {
	t.Helper()
	for _, c := range d.Components {
		if c.PURL == "" {
			continue
		}
		p, err := packageurl.FromString(c.PURL)
		if err != nil {
			t.Errorf("%s: purl %q does not parse: %v", name, c.PURL, err)
			continue
		}
		if p.ToString() != c.PURL {
			t.Errorf("%s: purl %q round-trips to %q", name, c.PURL, p.ToString())
		}
	}
}

// TestSelfBinarySBOM: the SBOM of vouch's own binary lists exactly the
// modules `go version -m` prints, and the toolchain it was built with.
func TestSelfBinarySBOM(t *testing.T) {
	bin := buildVouch(t)
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	goVersion := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 2 && strings.HasSuffix(f[0], ":"):
			goVersion = f[1]
		case len(f) >= 3 && f[0] == "dep":
			want = append(want, f[1]+"@"+f[2])
		case len(f) >= 3 && f[0] == "=>" && len(want) > 0:
			want[len(want)-1] = f[1] + "@" + f[2]
		}
	}
	slices.Sort(want)
	if len(want) == 0 {
		t.Fatalf("go version -m listed no modules:\n%s", out)
	}
	files := runSBOM(t, t.TempDir(), []string{bin})
	for _, f := range allFormats {
		d := decode(t, f, files[f])
		if got := modules(d); !slices.Equal(got, want) {
			t.Errorf("%s: modules differ from go version -m: %s", f, setDiff(got, want))
		}
		if d.Component("pkg:golang/stdlib@"+goVersion) == nil {
			t.Errorf("%s: no stdlib component for %s", f, goVersion)
		}
		checkPURLs(t, f, d)
	}
	validateSchemas(t, files)
}

// TestSelfSBOMPassesProfiles: in a git checkout (a fresh clone, as CI has)
// vouch's own SBOM names its version — the tag, or the pseudo-version the
// go command stamps for an untagged commit — and passes vouch's own
// bsi-tr-03183-2 and ntia profiles with no finding. Outside a checkout (a
// source tarball) there is no version to find.
func TestSelfSBOMPassesProfiles(t *testing.T) {
	if _, err := os.Stat(filepath.Join(repoRoot, ".git")); err != nil {
		t.Skip("not a git checkout: the version comes from --version")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: the go command would not stamp a version either")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "self.cdx.json")
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), []string{"sbom", "-q", repoRoot, "-o", "cyclonedx-json=" + out}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("vouch sbom: exit %d\n%s", code, stderr.String())
	}
	for _, profile := range []string{"bsi-tr-03183-2", "ntia"} {
		stdout.Reset()
		stderr.Reset()
		if code := Run(context.Background(), []string{"sbom", "check", "--profile", profile, out}, nil, &stdout, &stderr); code != 0 {
			t.Errorf("%s: exit %d\n%s%s", profile, code, stdout.String(), stderr.String())
		}
	}
}
