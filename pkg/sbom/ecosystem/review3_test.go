package ecosystem

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// TestReview3InstalledGraphBounded: a package database where 2,000
// packages provide one capability that 2,000 others require would give
// 4,000,000 edges (a 256 MB rpm database holds a million such headers:
// 10¹² edges): the edges derived are bounded by a multiple of what the
// database states, the graph past the bound is left incomplete with a
// warning, and every package is still listed. The control, a real-shaped
// database with a virtual package two providers satisfy, resolves fully.
func TestReview3InstalledGraphBounded(t *testing.T) {
	fan := func(n int) []Installed {
		var pkgs []Installed
		for i := range n {
			pkgs = append(pkgs, Installed{Name: fmt.Sprintf("p%d", i), ID: fmt.Sprintf("p%d", i), Provides: []string{"x"}})
			pkgs = append(pkgs, Installed{Name: fmt.Sprintf("d%d", i), ID: fmt.Sprintf("d%d", i), Depends: [][]string{{"x"}}})
		}
		return pkgs
	}
	control := []Installed{
		{Name: "mutt", ID: "mutt", Depends: [][]string{{"mail-transport-agent"}, {"libc6"}}},
		{Name: "postfix", ID: "postfix", Provides: []string{"mail-transport-agent"}, Depends: [][]string{{"libc6"}}},
		{Name: "exim4", ID: "exim4", Provides: []string{"mail-transport-agent"}, Depends: [][]string{{"libc6"}}},
		{Name: "libc6", ID: "libc6"},
	}
	for _, tc := range []struct {
		name      string
		pkgs      []Installed
		wantEdges int // exact, or -1: bounded
		wantWarn  bool
	}{
		{"control: a virtual package, two providers", control, 5, false},
		{"2,000 providers × 2,000 dependents", fan(2000), -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder("var/lib/dpkg/status")
			for _, p := range tc.pkgs {
				b.Add(Library(p.ID, p.Name, "1", "status"))
			}
			InstalledGraph(b, tc.pkgs, func(string) bool { return false })
			frag := b.Fragment()
			edges := 0
			for _, d := range frag.Dependencies {
				edges += len(d.DependsOn)
			}
			if len(frag.Components) != len(tc.pkgs) {
				t.Errorf("%d components, want all %d", len(frag.Components), len(tc.pkgs))
			}
			warned := false
			for _, w := range frag.Warnings {
				warned = warned || strings.Contains(w.Message, "edges")
				if strings.Contains(w.Message, "not installed") {
					t.Fatalf("a provided name reported missing: %s", w.Message)
				}
			}
			switch {
			case tc.wantEdges >= 0 && edges != tc.wantEdges:
				t.Errorf("%d edges, want %d", edges, tc.wantEdges)
			case tc.wantEdges < 0 && edges > 400_000: // a tenth of n²
				t.Errorf("%d edges from %d packages", edges, len(tc.pkgs))
			}
			if warned != tc.wantWarn {
				t.Errorf("warned about the edges: %v, want %v (%d warnings)", warned, tc.wantWarn, len(frag.Warnings))
			}
		})
	}
}

// TestReview3LockGraphBounded: a lockfile holding 2,000 versions of one
// name and 2,000 packages requiring that name without a version would
// give 4,000,000 edges; they are bounded like an installed database's.
// The control: one version of each name resolves fully.
func TestReview3LockGraphBounded(t *testing.T) {
	lock := func(versions int) []LockPackage {
		var pkgs []LockPackage
		for i := range versions {
			pkgs = append(pkgs, LockPackage{Name: "x", Version: fmt.Sprintf("1.%d", i), ID: fmt.Sprintf("x@1.%d", i)})
		}
		for i := range 2000 {
			pkgs = append(pkgs, LockPackage{Name: fmt.Sprintf("d%d", i), Version: "1", ID: fmt.Sprintf("d%d", i), Deps: []Dep{{Name: "x"}}})
		}
		return pkgs
	}
	for _, tc := range []struct {
		name     string
		versions int
		bounded  bool
	}{
		{"control: one version", 1, false},
		{"2,000 versions × 2,000 dependents", 2000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkgs := lock(tc.versions)
			b := NewBuilder("poetry.lock")
			for _, p := range pkgs {
				b.Add(Library(p.ID, p.Name, p.Version, "poetry.lock"))
			}
			GraphWith(b, pkgs, index(pkgs, strings.ToLower))
			frag := b.Fragment()
			edges := 0
			for _, d := range frag.Dependencies {
				edges += len(d.DependsOn)
			}
			warned := slices.ContainsFunc(frag.Warnings, func(w sbom.Warning) bool { return strings.Contains(w.Message, "edges") })
			switch {
			case !tc.bounded && (edges != 2000 || warned):
				t.Errorf("%d edges, warned %v; want 2000 and no warning", edges, warned)
			case tc.bounded && (edges > 400_000 || !warned):
				t.Errorf("%d edges from %d packages, warned %v", edges, len(pkgs), warned)
			}
		})
	}
}

// TestReview3ProductionBounded: what a production install keeps is found
// without materialising every edge (3,000 versions of one name × 3,000
// dependents are 9,000,000): memory stays linear in the lockfile. The
// result is the same as the control's, every package reachable.
func TestReview3ProductionBounded(t *testing.T) {
	const n = 3000
	var pkgs []LockPackage
	var roots []string
	for i := range n {
		pkgs = append(pkgs, LockPackage{Name: "x", Version: fmt.Sprintf("1.%d", i), ID: fmt.Sprintf("x@1.%d", i)})
		id := fmt.Sprintf("d%d", i)
		pkgs = append(pkgs, LockPackage{Name: id, Version: "1", ID: id, Deps: []Dep{{Name: "x"}, {Name: "devtool", Dev: true}}})
		roots = append(roots, id)
	}
	pkgs = append(pkgs, LockPackage{Name: "devtool", Version: "1", ID: "devtool"})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	prod := Production(pkgs, roots, strings.ToLower)
	runtime.ReadMemStats(&after)
	if len(prod) != 2*n || prod["devtool"] {
		t.Errorf("%d production packages (devtool %v), want %d without devtool", len(prod), prod["devtool"], 2*n)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("allocated %d MB for %d packages", grew>>20, len(pkgs))
	}
}
