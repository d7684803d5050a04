package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/pkg/sbom"
)

// mixedTree is a project tree with a Go module (its go.mod is written by
// the test, requiring two of vouch's own dependencies), an npm package-lock, a poetry.lock, a Cargo.lock and a Debian
// root file system: real files, the fixtures of pkg/sbom/ecosystem (see
// their ORIGIN files).
var mixedTree = []struct{ src, dst string }{
	{"pkg/sbom/ecosystem/npm/testdata/v3-express/package-lock.json", "web/package-lock.json"},
	{"pkg/sbom/ecosystem/python/testdata/poetry-2/poetry.lock", "py/poetry.lock"},
	{"pkg/sbom/ecosystem/rust/testdata/ripgrep-v4/Cargo.lock", "rs/Cargo.lock"},
	{"pkg/sbom/ecosystem/debian/testdata/debian12/var/lib/dpkg/status", "rootfs/var/lib/dpkg/status"},
	{"pkg/sbom/ecosystem/debian/testdata/debian12/etc/os-release", "rootfs/etc/os-release"},
}

// TestMixedTreeSBOM is issue 9's acceptance for a mixed tree: one SBOM
// holds every ecosystem, in every format, schema-valid (CycloneDX 1.5–1.7
// JSON and XML, SPDX 2.3 and 3.0.1), and two runs give the same bytes.
func TestMixedTreeSBOM(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for _, f := range mixedTree {
		data, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(f.src)))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f.dst, "dpkg/status") {
			// The first 60 packages: schema validation of 705 in eleven
			// formats would be most of this package's test time.
			data = firstStanzas(data, 60)
		}
		dst := filepath.Join(root, filepath.FromSlash(f.dst))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeGoModule(t, root)
	first := runSBOM(t, t.TempDir(), []string{root})
	second := runSBOM(t, t.TempDir(), []string{root})
	prefixes := []string{"pkg:golang/", "pkg:npm/", "pkg:pypi/", "pkg:cargo/", "pkg:deb/debian/"}
	for _, f := range allFormats {
		if !bytes.Equal(first[f], second[f]) {
			t.Errorf("%s: two runs differ", f)
		}
		if strings.HasSuffix(f, "@2.2") {
			continue // SPDX 2.2 is written for old consumers; 2.3 is the acceptance
		}
		d := decode(t, f, first[f])
		checkPURLs(t, f, d)
		for _, p := range prefixes {
			if n := countPrefix(d, p); n == 0 {
				t.Errorf("%s: no %s component", f, p)
			}
		}
	}
	validateSchemas(t, first)
	schematest.ValidateJSON(t, filepath.Join(repoRoot, "testdata", "spdx3", "spdx-3.0.1.schema.json"), first["spdx-json@3.0"])
}

func countPrefix(d *sbom.Document, prefix string) int {
	n := 0
	for _, c := range d.Components {
		if strings.HasPrefix(c.PURL, prefix) {
			n++
		}
	}
	return n
}

// writeGoModule writes a go.mod requiring two modules vouch itself builds
// with (so their licences are in the module cache) and their go.sum lines.
func writeGoModule(t *testing.T, root string) {
	t.Helper()
	sum, err := os.ReadFile(filepath.Join(repoRoot, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	gomodData, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.Parse("go.mod", gomodData, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mods []string
	for _, r := range mf.Require {
		if r.Mod.Path == "golang.org/x/mod" || r.Mod.Path == "golang.org/x/text" {
			mods = append(mods, r.Mod.Path+" "+r.Mod.Version)
		}
	}
	var keep []string
	for _, line := range strings.Split(string(sum), "\n") {
		for _, m := range mods {
			if strings.HasPrefix(line, m+" ") || strings.HasPrefix(line, m+"/go.mod ") {
				keep = append(keep, line)
			}
		}
	}
	if len(keep) != 2*len(mods) {
		t.Fatalf("go.sum lines for %v: %q", mods, keep)
	}
	gomod := "module example.com/mixed\n\ngo 1.26\n\nrequire (\n\t" + strings.Join(mods, "\n\t") + "\n)\n"
	for name, data := range map[string]string{"go.mod": gomod, "go.sum": strings.Join(keep, "\n") + "\n"} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// firstStanzas returns the first n paragraphs of a dpkg status file.
func firstStanzas(data []byte, n int) []byte {
	paras := bytes.SplitAfter(data, []byte("\n\n"))
	if len(paras) > n {
		paras = paras[:n]
	}
	return bytes.Join(paras, nil)
}
