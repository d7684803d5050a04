package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readFixture reads a file of an ecosystem package's testdata.
func readFixture(t *testing.T, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

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
			root := t.TempDir()
			tc.setup(t, root)
			res := run(t, []string{root}, Options{})
			if got := countPURLs(res, "pkg:cargo/"); got != tc.want {
				t.Errorf("%d cargo components, want %d", got, tc.want)
			}
		})
	}
}
