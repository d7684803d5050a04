package archive

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCatalogArchive feeds arbitrary bytes to Catalog as both a .tar.gz and
// a .zip: it must return a fragment or an error, never panic, and never
// leave a temporary file behind.
func FuzzCatalogArchive(f *testing.F) {
	bin, err := os.ReadFile(hello(f))
	if err != nil {
		f.Fatal(err)
	}
	members := []member{
		{name: "pkg", dir: true},
		{name: "pkg/bin/cut", data: string(bin[:4096])},
		{name: "pkg/run.sh", data: "#!/bin/sh\necho hi\n"},
		{name: "pkg/link", link: "run.sh"},
		{name: "../evil", data: "MZ"},
		// Later entries that shadow earlier ones.
		{name: "pkg/bin/cut", link: "../../../etc/passwd"},
		{name: "pkg/run.sh", hard: "pkg/link"},
		{name: "pkg", link: "/tmp"},
		{name: "pkg/late", data: "written through a link"},
	}
	dir := f.TempDir()
	seeds := 0
	for _, fm := range formats {
		p := filepath.Join(dir, "seed"+fm.ext)
		fm.write(f, p, members)
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		seeds++
	}
	if seeds == 0 {
		f.Fatal("no seeds")
	}
	// Small limits keep each run fast; a mutated header must not get past them.
	lim := Limits{MaxEntries: 100, MaxEntrySize: 4 << 20, MaxTotalSize: 8 << 20, MaxRatio: 200}
	f.Fuzz(func(t *testing.T, data []byte) {
		spool := filepath.Join(dir, "spool")
		if err := os.MkdirAll(spool, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, ext := range []string{".tar.gz", ".zip"} {
			p := filepath.Join(dir, "in"+ext)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			frag, err := Catalog(context.Background(), p, Options{RelPath: "in" + ext, Limits: lim, TempDir: spool})
			if err == nil {
				if frag.Primary != "file:in"+ext {
					t.Fatalf("primary %q", frag.Primary)
				}
				if err := asDocument(frag).Validate(); err != nil {
					t.Fatal(err)
				}
			}
			if left, _ := os.ReadDir(spool); len(left) != 0 {
				t.Fatalf("temporary files left behind: %v", left)
			}
		}
	})
}
