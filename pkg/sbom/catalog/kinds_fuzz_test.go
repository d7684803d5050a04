package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

// fuzzPlaces are the directories a registered file kind is put under:
// package databases and installed trees are only read where their system
// keeps them.
var fuzzPlaces = []string{
	"", "var/lib/dpkg/", "var/lib/dpkg/status.d/", "lib/apk/db/", "var/lib/rpm/",
	"node_modules/", "lib/site-packages/x-1.0.dist-info/", "gems/specifications/",
}

// kindFile is a file name the registration reg claims: its first glob with
// the wildcards filled in, or "file" for a kind found by its bytes alone.
func kindFile(reg cataloger.Registration) string {
	if len(reg.Globs) == 0 {
		return "file"
	}
	return strings.NewReplacer("*", "x", "?", "x", "[", "", "]", "").Replace(reg.Globs[0])
}

// FuzzCatalogEachKind is the catalog's entry point (Run over a directory)
// fuzzed per registered kind: the fuzzer picks a kind and a place, and the
// bytes are written under a name that kind claims. Whatever the bytes, a
// run ends without a panic and gives a valid document (every edge between
// its components); a file that cannot be read is an error or a warning,
// never a crash.
func FuzzCatalogEachKind(f *testing.F) {
	regs := cataloger.Default().Registrations()
	seeds := map[string]string{
		"package-lock.json": "../ecosystem/npm/testdata/v3-express/package-lock.json",
		"poetry.lock":       "../ecosystem/python/testdata/poetry-2/poetry.lock",
		"Cargo.lock":        "../ecosystem/rust/testdata/ripgrep-v4/Cargo.lock",
		"composer.lock":     "../ecosystem/php/testdata/composer-2026/composer.lock",
		"Package.resolved":  "../ecosystem/swift/testdata/v3-periphery/Package.resolved",
	}
	for i, reg := range regs {
		name := kindFile(reg)
		if src, ok := seeds[name]; ok {
			data, err := os.ReadFile(src)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(uint8(i), uint8(0), data)
		}
		f.Add(uint8(i), uint8(i), []byte("Package: a\nVersion: 1\nStatus: install ok installed\n"))
		f.Add(uint8(i), uint8(0), []byte(`{"name":"a","version":"1.0.0","lockfileVersion":3,"packages":{"":{}}}`))
	}
	f.Fuzz(func(t *testing.T, kind, place uint8, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		reg := regs[int(kind)%len(regs)]
		root := t.TempDir()
		p := filepath.Join(root, filepath.FromSlash(fuzzPlaces[int(place)%len(fuzzPlaces)]+kindFile(reg)))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, []string{root}, Options{Workers: 1, ModCache: filepath.Join(root, "no-module-cache")})
	})
}
