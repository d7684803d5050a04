package catalog

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// TestAccuracyPerEcosystem is issue 9's accuracy acceptance through the
// catalog entry point (a directory walk, the registry, the merge), not a
// reader alone: every real fixture of pkg/sbom/ecosystem with a ground truth
// (truth.json, computed by the ecosystem's own tool or an independent parse;
// see each ORIGIN) is catalogued as a directory, and its packages are scored
// per ecosystem. The table it logs is the number the README quotes.
func TestAccuracyPerEcosystem(t *testing.T) {
	truths, err := filepath.Glob("../ecosystem/*/testdata/*/truth.json")
	if err != nil || len(truths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	type tally struct{ hit, want, got int }
	per := map[string]*tally{}
	for _, tf := range truths {
		dir := filepath.Dir(tf)
		eco := strings.Split(filepath.ToSlash(tf), "/")[2]
		truth := ecotest.Load(t, tf)
		res := run(t, []string{unpacked(t, dir)}, Options{})
		roots := rootsOf(res.Document)
		var got []string
		for _, c := range res.Document.Components {
			if !roots[c.ID] {
				got = append(got, c.Name+"@"+c.Version)
			}
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			ecotest.Score(t, eco+"/"+filepath.Base(dir), got, truth.Packages, 0.99)
		})
		tl := per[eco]
		if tl == nil {
			tl = &tally{}
			per[eco] = tl
		}
		w := map[string]bool{}
		for _, p := range truth.Packages {
			w[p] = true
		}
		g := map[string]bool{}
		for _, p := range got {
			g[p] = true
		}
		for p := range g {
			if w[p] {
				tl.hit++
			}
		}
		tl.want += len(w)
		tl.got += len(g)
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n| ecosystem | packages (truth) | found | recall | precision |\n|---|---|---|---|---|\n")
	for _, eco := range slices.Sorted(maps.Keys(per)) {
		tl := per[eco]
		fmt.Fprintf(&table, "| %s | %d | %d | %.4f | %.4f |\n", eco, tl.want, tl.got,
			float64(tl.hit)/float64(tl.want), float64(tl.hit)/float64(tl.got))
	}
	t.Log(table.String())
}

// unpacked copies the fixture directory dir to a temporary one, with the
// files kept gzipped in the repository (binary package databases:
// rpmdb.sqlite.gz) decompressed, as they are on a real system.
func unpacked(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		dst := filepath.Join(out, rel)
		switch {
		case d.IsDir():
			return os.Mkdir(dst, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, dst)
		case !d.Type().IsRegular():
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if name, ok := strings.CutSuffix(dst, ".gz"); ok {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			dst = name
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rootsOf returns the document's primary component and, under a
// synthetic root, the top-level sources it joins: the projects the
// lockfiles describe, which are not packages of the ground truth.
func rootsOf(d *sbom.Document) map[string]bool {
	roots := map[string]bool{d.Primary: true}
	if d.Primary == "root" {
		for _, dep := range d.Dependencies {
			if dep.Ref == "root" {
				for _, id := range dep.DependsOn {
					roots[id] = true
				}
			}
		}
	}
	return roots
}
