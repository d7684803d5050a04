package gomod

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/internal/diskcache"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

// benchModules is the size of the synthetic module tree: a large Go
// program (Kubernetes-sized builds have a few hundred to a few thousand).
const benchModules = 2000

// writeBenchTree writes a main module requiring benchModules modules and a
// module cache holding each one's .mod (three requirements each) and a
// LICENSE. The licence texts are the real MIT, Apache-2.0 and BSD-3-Clause
// fixtures, each given its own copyright line so that no two files are equal.
func writeBenchTree(b *testing.B) (gomod, cache string) {
	b.Helper()
	var texts [][]byte
	for _, f := range readArchive(b, "modcache.txtar") {
		switch f.Name {
		case "example.com/alpha@v1.0.0/LICENSE", "example.com/beta@v1.2.0/LICENSE.txt", "example.com/forked@v1.5.0/LICENSE":
			texts = append(texts, f.Data)
		}
	}
	if len(texts) != 3 {
		b.Fatalf("found %d licence texts, want 3", len(texts))
	}
	root := b.TempDir()
	cache = filepath.Join(root, "modcache")
	write := func(name string, data []byte) {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	mod := func(i int) (string, string) { return fmt.Sprintf("example.com/m%04d", i), fmt.Sprintf("v1.%d.0", i%7) }
	var gm, gs strings.Builder
	gm.WriteString("module example.com/big\n\ngo 1.22\n\nrequire (\n")
	for i := range benchModules {
		p, v := mod(i)
		indirect := ""
		if i >= 100 {
			indirect = " // indirect"
		}
		fmt.Fprintf(&gm, "\t%s %s%s\n", p, v, indirect)
		fmt.Fprintf(&gs, "%s %s h1:%043d=\n%s %s/go.mod h1:%043d=\n", p, v, i, p, v, i)
		var dm strings.Builder
		fmt.Fprintf(&dm, "module %s\n\ngo 1.21\n\nrequire (\n", p)
		for _, d := range []int{1, 7, 31} {
			dp, dv := mod((i + d) % benchModules)
			fmt.Fprintf(&dm, "\t%s %s\n", dp, dv)
		}
		dm.WriteString(")\n")
		write(filepath.Join(cache, "cache", "download", p, "@v", v+".mod"), []byte(dm.String()))
		lic := fmt.Appendf(nil, "Copyright (c) %d Example Author %d\n\n%s", 2000+i%25, i, texts[i%3])
		write(filepath.Join(cache, p+"@"+v, "LICENSE"), lic)
	}
	gm.WriteString(")\n")
	gomod = filepath.Join(root, "big", "go.mod")
	write(gomod, []byte(gm.String()))
	write(filepath.Join(root, "big", "go.sum"), []byte(gs.String()))
	return gomod, cache
}

func BenchmarkCatalog2000Modules(b *testing.B) {
	gomod, cache := writeBenchTree(b)
	opts := Options{ModCache: cache, MainVersion: "v1.0.0", RelPath: "big/go.mod"}
	// The first call also builds the common-licence scanner, once per
	// process, as a real `vouch sbom` run does: report it separately
	// (first-ns, 0 when an earlier test in this process built it).
	start := time.Now()
	if _, err := Catalog(context.Background(), gomod, opts); err != nil {
		b.Fatal(err)
	}
	first := time.Since(start)
	b.ReportAllocs()
	for b.Loop() {
		frag, err := Catalog(context.Background(), gomod, opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(frag.Components) != benchModules+1 || len(frag.Warnings) != 0 {
			b.Fatalf("%d components, warnings %v", len(frag.Components), frag.Warnings)
		}
		if l := frag.Components[1].Licenses.Declared; l == "" {
			b.Fatal("licence not detected")
		}
	}
	// After the loop: b.Loop's first call resets user-reported metrics.
	b.ReportMetric(float64(first.Nanoseconds()), "first-ns")
}

// BenchmarkCatalogNewProcess is what a new `vouch sbom` process pays for
// the licences of benchModules modules, each with its own licence text:
// the in-process memo starts empty every iteration, and the texts are
// scanned (cache=off) or read from a warm on-disk licence cache, opened
// from disk every iteration (cache=warm). The scanners' automata, built
// once per process, are not rebuilt here, so the real saving of a warm
// cache is larger (see bench/RESULTS.md).
func BenchmarkCatalogNewProcess(b *testing.B) {
	gomod, modCache := writeBenchTree(b)
	cacheDir := b.TempDir()
	warm, err := diskcache.Open(cacheDir, "licenses.json")
	if err != nil {
		b.Fatal(err)
	}
	run := func(cache cataloger.Cache) {
		scanned.Clear()
		opts := Options{ModCache: modCache, MainVersion: "v1.0.0", RelPath: "big/go.mod", LicenseCache: cache}
		frag, err := Catalog(context.Background(), gomod, opts)
		if err != nil {
			b.Fatal(err)
		}
		if l := frag.Components[1].Licenses.Declared; l == "" {
			b.Fatal("licence not detected")
		}
	}
	run(warm)
	if err := warm.Flush(); err != nil {
		b.Fatal(err)
	}
	b.Run("cache=off", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			run(nil)
		}
	})
	b.Run("cache=warm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c, err := diskcache.Open(cacheDir, "licenses.json")
			if err != nil {
				b.Fatal(err)
			}
			run(c)
		}
	})
	scanned.Clear()
}
