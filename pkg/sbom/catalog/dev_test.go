package catalog

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// TestExcludeDev: over real lockfiles of four ecosystems, the default SBOM
// keeps the development-only packages, scope excluded; ExcludeDev drops
// exactly those and every edge touching them, and keeps every other
// component and edge.
func TestExcludeDev(t *testing.T) {
	root := t.TempDir()
	for _, m := range mixedTree {
		data, err := os.ReadFile(m.src)
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(root, m.dst), string(data))
	}
	all := run(t, []string{root}, Options{}).Document
	dev := map[string]bool{}
	for _, c := range all.Components {
		if c.Development() {
			dev[c.ID] = true
			if c.Scope != sbom.ScopeExcluded {
				t.Errorf("%s: development-only with scope %q, want excluded", c.ID, c.Scope)
			}
		}
	}
	if len(dev) == 0 {
		t.Fatal("the fixtures have no development-only package: the test shows nothing")
	}
	prodRes := run(t, []string{root}, Options{ExcludeDev: true})
	prod := prodRes.Document
	if prodRes.DevExcluded != len(dev) {
		t.Errorf("--exclude-dev reports %d components left out, want %d", prodRes.DevExcluded, len(dev))
	}
	if !slices.Contains(prod.Properties, sbom.Property{Name: sbom.PropExcludeDev, Value: "true"}) ||
		slices.ContainsFunc(all.Properties, func(p sbom.Property) bool { return p.Name == sbom.PropExcludeDev }) {
		t.Errorf("document properties: %v with --exclude-dev, %v without; want %s only with", prod.Properties, all.Properties, sbom.PropExcludeDev)
	}
	var wantIDs []string
	for _, c := range all.Components {
		if !dev[c.ID] {
			wantIDs = append(wantIDs, c.ID)
		}
	}
	if got := ids(prod); !slices.Equal(got, wantIDs) {
		t.Errorf("--exclude-dev kept %d components, want the %d not development-only (of %d)", len(got), len(wantIDs), len(all.Components))
	}
	if e, w := edges(prod), prodEdges(all, dev); !slices.Equal(e, w) {
		t.Errorf("--exclude-dev: %d edges, want the %d between production components", len(e), len(w))
	}
	t.Logf("%d components, %d development-only; %d edges kept of %d", len(all.Components), len(dev), len(edges(prod)), len(edges(all)))
}

// TestMergeDevelopment: a package one lockfile needs only for development
// and another in production is a production package of the SBOM, in either
// order; one that both mark stays development-only.
func TestMergeDevelopment(t *testing.T) {
	devC := sbom.Component{ID: "pkg:npm/x@1.0.0", Name: "x", Version: "1.0.0", Scope: sbom.ScopeExcluded,
		Properties: []sbom.Property{{Name: sbom.PropDevelopment, Value: "true"}}}
	prodC := sbom.Component{ID: "pkg:npm/x@1.0.0", Name: "x", Version: "1.0.0", Scope: sbom.ScopeRequired}
	for _, tc := range []struct {
		name    string
		a, b    sbom.Component
		wantDev bool
	}{
		{"dev then prod", devC, prodC, false},
		{"prod then dev", prodC, devC, false},
		{"dev in both", devC, devC, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := merge([]*sbom.Fragment{{Components: []sbom.Component{tc.a}}, {Components: []sbom.Component{tc.b}}})
			c := doc.Components[0]
			if len(doc.Components) != 1 || c.Development() != tc.wantDev || (c.Scope == sbom.ScopeExcluded) != tc.wantDev {
				t.Errorf("merged %+v, want development %v", doc.Components, tc.wantDev)
			}
		})
	}
	if !devC.Development() {
		t.Error("merging changed the fragment's own component")
	}
}

// edges lists a document's edges as "from -> to", sorted.
func edges(d *sbom.Document) []string {
	var out []string
	for _, dep := range d.Dependencies {
		for _, to := range dep.DependsOn {
			out = append(out, dep.Ref+" -> "+to)
		}
	}
	slices.Sort(out)
	return out
}

// prodEdges lists the edges of d between components not in dev.
func prodEdges(d *sbom.Document, dev map[string]bool) []string {
	var out []string
	for _, dep := range d.Dependencies {
		for _, to := range dep.DependsOn {
			if !dev[dep.Ref] && !dev[to] {
				out = append(out, dep.Ref+" -> "+to)
			}
		}
	}
	slices.Sort(out)
	return out
}
