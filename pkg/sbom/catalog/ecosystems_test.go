package catalog

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/npm"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/php"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/python"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/rust"
)

// mixedTree is real lockfiles of four ecosystems (the ecosystem packages'
// fixtures; see their ORIGIN files), as a project tree.
var mixedTree = []struct {
	src, dst string
	read     func(ctx context.Context, path string, data []byte) (*sbom.Fragment, error)
	purl     string
}{
	{"../ecosystem/npm/testdata/v3-express/package-lock.json", "web/package-lock.json", npm.PackageLock, "pkg:npm/"},
	{"../ecosystem/python/testdata/poetry-2/poetry.lock", "py/poetry.lock", python.Poetry, "pkg:pypi/"},
	{"../ecosystem/rust/testdata/ripgrep-v4/Cargo.lock", "rs/Cargo.lock", rust.CargoLock, "pkg:cargo/"},
	{"../ecosystem/php/testdata/composer-2026/composer.lock", "php/composer.lock", php.ComposerLock, "pkg:composer/"},
}

// TestEcosystemsInOneSBOM: a tree holding several ecosystems' lockfiles
// gives one SBOM holding every package each lockfile reader finds on its
// own, in a directory and inside a release archive. Control: a tree
// without lockfiles has no package of these ecosystems.
func TestEcosystemsInOneSBOM(t *testing.T) {
	files := map[string]string{}
	want := map[string]int{} // purl prefix -> packages the reader finds
	for _, m := range mixedTree {
		data, err := os.ReadFile(m.src)
		if err != nil {
			t.Fatalf("fixture %s: %v", m.src, err)
		}
		files[m.dst] = string(data)
		frag, err := m.read(context.Background(), m.dst, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range frag.Components {
			if strings.HasPrefix(c.PURL, m.purl) {
				want[m.purl]++
			}
		}
		if want[m.purl] == 0 {
			t.Fatalf("%s: the reader found no %s package", m.src, m.purl)
		}
	}
	count := func(d *sbom.Document) map[string]int {
		got := map[string]int{}
		for _, c := range d.Components {
			for prefix := range want {
				if strings.HasPrefix(c.PURL, prefix) {
					got[prefix]++
				}
			}
		}
		return got
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, root string)
	}{
		{"directory", func(t *testing.T, root string) {
			for name, data := range files {
				write(t, filepath.Join(root, name), data)
			}
		}},
		{"tar.gz", func(t *testing.T, root string) {
			writeTarGzFiles(t, filepath.Join(root, "dist", "src.tar.gz"), files)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			tc.setup(t, root)
			res := run(t, []string{root}, Options{})
			got := count(res.Document)
			for prefix, n := range want {
				if got[prefix] != n {
					t.Errorf("%s: %d packages in the SBOM, the reader alone finds %d", prefix, got[prefix], n)
				}
			}
		})
	}
	root := t.TempDir()
	write(t, filepath.Join(root, "README.md"), "no lockfile here\n")
	res := run(t, []string{root}, Options{})
	if got := count(res.Document); len(got) != 0 {
		t.Errorf("control: %v", got)
	}
}

// TestPackageDatabasesInATree: a Debian and an Alpine root file system in a
// tree give their installed packages with the distribution their
// etc/os-release names (the fixtures of pkg/sbom/ecosystem/debian and
// alpine, real systems). Control: a file named "status" elsewhere, or one
// that is not a dpkg database, adds nothing.
func TestPackageDatabasesInATree(t *testing.T) {
	root := t.TempDir()
	for _, f := range []struct{ src, dst string }{
		{"../ecosystem/debian/testdata/debian12/var/lib/dpkg/status", "rootfs/debian/var/lib/dpkg/status"},
		{"../ecosystem/debian/testdata/debian12/etc/os-release", "rootfs/debian/etc/os-release"},
		{"../ecosystem/alpine/testdata/alpine318/lib/apk/db/installed", "rootfs/alpine/lib/apk/db/installed"},
		{"../ecosystem/alpine/testdata/alpine318/etc/os-release", "rootfs/alpine/etc/os-release"},
	} {
		data, err := os.ReadFile(f.src)
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(root, f.dst), string(data))
	}
	write(t, filepath.Join(root, "notes", "var", "lib", "dpkg", "status"), strings.Repeat("not a database ", 10))
	write(t, filepath.Join(root, "web", "status"), "Package: looks like one but lives elsewhere\nVersion: 1\nStatus: install ok installed\n"+strings.Repeat(" ", 64))
	res := run(t, []string{root}, Options{})
	deb, apk := 0, 0
	for _, c := range res.Document.Components {
		switch {
		case strings.HasPrefix(c.PURL, "pkg:deb/debian/") && strings.Contains(c.PURL, "distro=debian-12"):
			deb++
		case strings.HasPrefix(c.PURL, "pkg:apk/alpine/"):
			apk++
		case strings.HasPrefix(c.PURL, "pkg:deb/") || c.Name == "looks":
			t.Errorf("unexpected %s", c.PURL)
		}
	}
	// What dpkg-query and the apk database list for the fixtures (their
	// readers' ground-truth tests check every package).
	if deb != 705 || apk != 15 {
		t.Errorf("%d Debian and %d Alpine packages; want 705 and 15", deb, apk)
	}
}
