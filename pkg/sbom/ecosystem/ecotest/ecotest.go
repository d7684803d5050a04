// Package ecotest compares what an ecosystem reader found with a ground
// truth computed by other means (the ecosystem's own tool, or a plain
// parse with Python's standard library), and reports recall and precision.
package ecotest

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// Truth is a fixture's ground truth: every package as name@version, the
// ones a production install keeps, and the dependency edges as
// "name@version -> name@version" ("" for the root project).
type Truth struct {
	Packages   []string `json:"packages"`
	Production []string `json:"production"`
	Edges      []string `json:"edges"`
	// Licenses maps name@version to the declared licence, where the truth
	// knows it.
	Licenses map[string]string `json:"licenses"`
}

// Load reads a truth.json file.
func Load(t testing.TB, file string) Truth {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var tr Truth
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return tr
}

// Score reports recall and precision of got against want under label and
// fails the test when either is below min. Missing and extra items are
// listed (the first ten of each), so a failure says what to look at.
func Score(t testing.TB, label string, got, want []string, min float64) {
	t.Helper()
	g, w := set(got), set(want)
	var hit int
	var missing, extra []string
	for k := range w {
		if g[k] {
			hit++
		} else {
			missing = append(missing, k)
		}
	}
	for k := range g {
		if !w[k] {
			extra = append(extra, k)
		}
	}
	recall, precision := ratio(hit, len(w)), ratio(hit, len(g))
	t.Logf("%s: recall %.4f (%d/%d), precision %.4f (%d/%d)", label, recall, hit, len(w), precision, hit, len(g))
	if recall < min || precision < min {
		slices.Sort(missing)
		slices.Sort(extra)
		t.Errorf("%s: recall %.4f, precision %.4f, want ≥ %.2f\nmissing: %v\nextra: %v",
			label, recall, precision, min, head(missing), head(extra))
	}
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func ratio(a, b int) float64 {
	if b == 0 {
		if a == 0 {
			return 1
		}
		return 0
	}
	return float64(a) / float64(b)
}

func head(xs []string) []string {
	if len(xs) > 10 {
		return xs[:10]
	}
	return xs
}

// Compare scores a fragment against truth at 0.99: its components other
// than the primary one as name@version, those whose scope is not excluded
// as production, and its edges with the primary component as "". With
// rootEdges false, edges from the root are left out of both sides (a
// lockfile that does not record the project's own dependencies).
// Warnings fail the test unless one of expected is part of their text: a
// real fixture is expected to read cleanly, and where it cannot, the test
// names why.
func Compare(t *testing.T, frag *sbom.Fragment, truth Truth, rootEdges bool, expected ...string) {
	t.Helper()
	key := map[string]string{}
	var all, prod []string
	for _, c := range frag.Components {
		if c.ID == frag.Primary {
			key[c.ID] = ""
			continue
		}
		k := c.Name + "@" + c.Version
		key[c.ID] = k
		all = append(all, k)
		if c.Scope != sbom.ScopeExcluded {
			prod = append(prod, k)
		}
	}
	var edges []string
	for _, d := range frag.Dependencies {
		for _, to := range d.DependsOn {
			edges = append(edges, key[d.Ref]+" -> "+key[to])
		}
	}
	want := truth.Edges
	if !rootEdges {
		want = slices.DeleteFunc(slices.Clone(want), func(e string) bool { return strings.HasPrefix(e, " -> ") })
	}
	Score(t, "packages", all, truth.Packages, 0.99)
	Score(t, "production", prod, truth.Production, 0.99)
	Score(t, "edges", edges, want, 0.99)
	found := map[string]bool{}
	for _, w := range frag.Warnings {
		i := slices.IndexFunc(expected, func(e string) bool { return strings.Contains(w.String(), e) })
		if i < 0 {
			t.Errorf("warning: %s", w)
			continue
		}
		found[expected[i]] = true
	}
	for _, e := range expected {
		if !found[e] {
			t.Errorf("no warning says %q", e)
		}
	}
}

// Consistent fails t unless every component has a name and an ID equal
// to its purl (a lockfile's anonymous project has none), and every edge names components of the fragment: what fuzz targets
// check of any input that was read without an error.
func Consistent(t *testing.T, frag *sbom.Fragment) {
	t.Helper()
	ids := map[string]bool{}
	for _, c := range frag.Components {
		anonymous := strings.HasPrefix(c.ID, ecosystem.RootPrefix) && c.PURL == ""
		if c.ID == "" || (c.PURL != c.ID && !anonymous) || c.Name == "" {
			t.Fatalf("component %+v", c)
		}
		ids[c.ID] = true
	}
	if frag.Primary != "" && !ids[frag.Primary] {
		t.Fatalf("primary %q is not a component", frag.Primary)
	}
	for _, d := range frag.Dependencies {
		for _, id := range append([]string{d.Ref}, d.DependsOn...) {
			if !ids[id] {
				t.Fatalf("edge names %q, not a component", id)
			}
		}
	}
}

// Reader is the signature of every file kind's function in the ecosystem
// packages.
type Reader func(ctx context.Context, path string, data []byte) (*sbom.Fragment, error)

// Read runs fn over a fixture file, failing t on an error.
func Read(t *testing.T, fn Reader, file string) *sbom.Fragment {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	frag, err := fn(context.Background(), filepath.ToSlash(file), data)
	if err != nil {
		t.Fatal(err)
	}
	return frag
}

// Fuzz fuzzes fn from the given seed files and extra seeds: any input is
// either an error or a consistent fragment.
func Fuzz(f *testing.F, fn Reader, files []string, seeds ...string) {
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		frag, err := fn(context.Background(), "lockfile", data)
		if err != nil {
			return
		}
		Consistent(t, frag)
	})
}

// GroundTruth reads dir/file with fn and compares it with dir/truth.json.
func GroundTruth(t *testing.T, fn Reader, dir, file string, rootEdges bool, expected ...string) {
	t.Helper()
	frag := Read(t, fn, filepath.Join(dir, file))
	Compare(t, frag, Load(t, filepath.Join(dir, "truth.json")), rootEdges, expected...)
}

// DatabaseReader is the signature of the OS package database readers,
// which read a file inside the root file system of an installed system.
type DatabaseReader func(ctx context.Context, fsys fs.FS, path string) (*sbom.Fragment, error)

// GroundTruthFS reads path inside the root directory with fn and compares
// it with truthFile.
func GroundTruthFS(t *testing.T, fn DatabaseReader, root, path, truthFile string) *sbom.Fragment {
	t.Helper()
	frag, err := fn(context.Background(), os.DirFS(root), path)
	if err != nil {
		t.Fatal(err)
	}
	Compare(t, frag, Load(t, truthFile), true)
	return frag
}

// GroundTruths runs GroundTruth as a subtest for each fixture directory
// under testdata, edges from the root included.
func GroundTruths(t *testing.T, fn Reader, file string, dirs ...string) {
	for _, dir := range dirs {
		t.Run(dir, func(t *testing.T) {
			GroundTruth(t, fn, filepath.Join("testdata", dir), file, true)
		})
	}
}
