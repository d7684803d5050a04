package catalog

import (
	"path/filepath"
	"strings"
	"testing"
)

// countPURLs counts the components of a run whose purl starts with prefix.
func countPURLs(res *Result, prefix string) int {
	n := 0
	for _, c := range res.Document.Components {
		if strings.HasPrefix(c.PURL, prefix) {
			n++
		}
	}
	return n
}

// catalogTree catalogs a tree setup lays out and counts its components
// whose purl starts with prefix.
func catalogTree(t *testing.T, setup func(t *testing.T, root string), prefix string) (*Result, int) {
	t.Helper()
	root := t.TempDir()
	setup(t, root)
	res := run(t, []string{root}, Options{})
	return res, countPURLs(res, prefix)
}

// TestRustBinaryNotLost: a cargo-auditable Rust binary (the rust
// package's real fixture) is read by the one executable cataloger, on
// disk and inside a release archive: its crates are in the SBOM.
// Control: a file that only starts like an executable adds no crate.
func TestRustBinaryNotLost(t *testing.T) {
	bin := readFixture(t, "../ecosystem/rust/testdata/auditable/uses_serde_json")
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, root string)
		want  int
	}{
		{"directory", func(t *testing.T, root string) { write(t, filepath.Join(root, "bin", "uses_json"), bin) }, 11},
		{"tar.gz", func(t *testing.T, root string) {
			writeTarGzFiles(t, filepath.Join(root, "dist", "app.tar.gz"), map[string]string{"bin/uses_json": bin})
		}, 11},
		{"control", func(t *testing.T, root string) {
			write(t, filepath.Join(root, "bin", "fake"), "\x7fELF"+strings.Repeat("\x00", 200))
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := catalogTree(t, tc.setup, "pkg:cargo/"); got != tc.want {
				t.Errorf("%d cargo components, want %d", got, tc.want)
			}
		})
	}
}

// TestJavaArchivesAndPOM: a .jar is catalogued as Java, not as a release
// archive, on disk and as an entry of a release .tar.gz and .zip (the java
// package's real fixtures), and a pom.xml gives its declared dependencies.
// Control: a .jar that is no zip adds no Maven component.
func TestJavaArchivesAndPOM(t *testing.T) {
	war := readFixture(t, "../ecosystem/java/testdata/jars/app.war")
	jansi := readFixture(t, "../ecosystem/java/testdata/jars/jansi.jar")
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, root string)
		want  int
	}{
		{"directory", func(t *testing.T, root string) {
			write(t, filepath.Join(root, "lib", "jansi.jar"), jansi)
			write(t, filepath.Join(root, "deploy", "app.war"), war)
		}, 4},
		{"tar.gz", func(t *testing.T, root string) {
			writeTarGzFiles(t, filepath.Join(root, "dist", "app.tar.gz"), map[string]string{"app.war": war, "lib/jansi.jar": jansi})
		}, 4},
		{"zip", func(t *testing.T, root string) {
			writeZipFiles(t, filepath.Join(root, "dist", "app.zip"), map[string]string{"webapps/app.war": war})
		}, 4},
		{"pom.xml", func(t *testing.T, root string) {
			write(t, filepath.Join(root, "pom.xml"), readFixture(t, "../ecosystem/java/testdata/commons-text/pom.xml"))
		}, 11},
		{"control", func(t *testing.T, root string) {
			write(t, filepath.Join(root, "lib", "fake.jar"), "PK\x03\x04"+strings.Repeat("x", 100))
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, got := catalogTree(t, tc.setup, "pkg:maven/")
			if got != tc.want {
				t.Errorf("%d maven components, want %d", got, tc.want)
			}
			for _, c := range res.Document.Components {
				if strings.HasSuffix(c.Name, ".jar") && c.Type == "archive" {
					t.Errorf("%s catalogued as a release archive", c.Name)
				}
			}
		})
	}
}
