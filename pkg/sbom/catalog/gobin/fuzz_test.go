package gobin

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCatalogBinary feeds arbitrary bytes, written to a file, to Catalog: it
// must return a fragment or an error, never panic, and a fragment always
// describes the file.
func FuzzCatalogBinary(f *testing.F) {
	seeds := 0
	add := func(b []byte) {
		f.Add(b)
		seeds++
	}
	// Prefixes of real binaries: the fuzzer mutates their headers. Whole
	// binaries would make every execution slow for little more coverage;
	// /bin/true is a small complete executable.
	for _, fx := range []string{fxPlain, fxWindows, fxDarwin} {
		b, err := os.ReadFile(fixture(f, fx))
		if err != nil {
			f.Fatal(err)
		}
		for _, n := range []int{16, 64, 512, 4096} {
			add(b[:min(n, len(b))])
		}
	}
	if b, err := os.ReadFile("/bin/true"); err == nil {
		add(b)
	}
	for _, magic := range []string{"\x7fELF\x02\x01\x01", "MZ", "\xfe\xed\xfa\xcf", "\xcf\xfa\xed\xfe", "\xca\xfe\xba\xbe\x00\x00\x00\x01", "#!/bin/sh\n"} {
		add([]byte(magic + string(make([]byte, 64))))
	}
	if seeds == 0 {
		f.Fatal("no seeds: the fixtures are missing")
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "bin")
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
		frag, err := Catalog(context.Background(), p, Options{RelPath: "bin"})
		if err != nil {
			return
		}
		if len(frag.Components) == 0 || frag.Components[0].ID != "file:bin" || frag.Primary != "file:bin" {
			t.Fatalf("fragment does not describe the file: %+v", frag)
		}
		if err := asDocument(frag).Validate(); err != nil {
			t.Fatal(err)
		}
	})
}
