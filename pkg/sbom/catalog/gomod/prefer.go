package gomod

import (
	"fmt"
	"slices"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

// goBinaries returns the application components of the fragments that came
// from Go build info, by main module path.
func goBinaries(frags []*sbom.Fragment) map[string][]*sbom.Component {
	out := map[string][]*sbom.Component{}
	for _, f := range frags {
		for i := range f.Components {
			c := &f.Components[i]
			if _, ok := c.Property(sbom.PropGoPackage); ok && c.Type == sbom.TypeApplication {
				out[c.Name] = append(out[c.Name], c)
			}
		}
	}
	return out
}

// PreferBinaries is the Go post-processing step of a run: it drops the
// go.mod view of a module when binaries built from it were found, since
// build info, not go.mod, says what ships (the toolchain, replaced and
// bumped modules). Where the two disagree on a module's version, the
// difference becomes a warning and a property.
func PreferBinaries(found []cataloger.Found) []cataloger.Found {
	frags := make([]*sbom.Fragment, len(found))
	for i, f := range found {
		frags[i] = f.Fragment
	}
	bins := goBinaries(frags)
	keep := make([]cataloger.Found, 0, len(found))
	for _, f := range found {
		main := findComponent(f.Fragment.Components, f.Fragment.Primary)
		if f.Kind != Kind || main == nil || len(bins[main.Name]) == 0 {
			keep = append(keep, f)
			continue
		}
		compareWithBinaries(f.Fragment, main, frags)
		// Its warnings still matter: keep them, drop its components.
		keep = append(keep, cataloger.Found{Kind: f.Kind, Fragment: &sbom.Fragment{Warnings: f.Fragment.Warnings}})
	}
	return keep
}

func compareWithBinaries(mod *sbom.Fragment, main *sbom.Component, frags []*sbom.Fragment) {
	linked := map[string][]*sbom.Component{} // module path -> components from binaries
	for _, f := range frags {
		if f == mod {
			continue
		}
		for i := range f.Components {
			c := &f.Components[i]
			if _, ok := c.Property(sbom.PropGoPackage); ok || c.Type != sbom.TypeLibrary {
				continue
			}
			linked[c.Name] = append(linked[c.Name], c)
		}
	}
	// The binaries are built from this module: its licence is theirs.
	for _, f := range frags {
		for i := range f.Components {
			c := &f.Components[i]
			if _, ok := c.Property(sbom.PropGoPackage); ok && c.Name == main.Name && c.Licenses == (sbom.Licenses{}) {
				c.Licenses = main.Licenses
			}
		}
	}
	where, _ := main.Property(sbom.PropSourcePath)
	mod.Warnings = append(mod.Warnings, sbom.Warning{Path: where, Message: fmt.Sprintf(
		"binaries built from %s were found: their build info, not go.mod, describes what ships", main.Name)})
	for _, req := range mod.Components {
		if req.ID == main.ID {
			continue
		}
		got := linked[req.Name]
		if len(got) == 0 || slices.ContainsFunc(got, func(c *sbom.Component) bool { return c.Version == req.Version }) {
			continue
		}
		for _, c := range got {
			note := fmt.Sprintf("go.mod requires %s", req.Version)
			if r, ok := req.Property(sbom.PropGoReplace); ok {
				note += " (replaced by " + r + ")"
			}
			c.SetProperty(sbom.PropGoModDiff, note)
		}
		mod.Warnings = append(mod.Warnings, sbom.Warning{Path: where, Message: fmt.Sprintf(
			"%s: go.mod requires %s, the binaries link %s", req.Name, req.Version, got[0].Version)})
	}
}

func findComponent(cs []sbom.Component, id string) *sbom.Component {
	for i := range cs {
		if cs[i].ID == id {
			return &cs[i]
		}
	}
	return nil
}
