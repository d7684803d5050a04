package catalog

import (
	"slices"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// keepRequired merges the development mark of a component found again in
// another source into the one kept: a package one lockfile needs in
// production is not development-only because another lockfile uses it for
// tests, so the mark and the excluded scope go.
func keepRequired(kept *sbom.Component, again sbom.Component) {
	if !kept.Development() || again.Development() {
		return
	}
	kept.Properties = slices.DeleteFunc(slices.Clone(kept.Properties), func(p sbom.Property) bool { return p.Name == sbom.PropDevelopment })
	kept.Scope = again.Scope
}

// dropDevelopment removes the development-only components and every edge
// to or from them, says so in a document property (what --exclude-dev
// asks for) and returns how many it removed. A dependency entry that
// lost an edge keeps its completeness, since what it depends on in
// production is still all there.
func dropDevelopment(doc *sbom.Document) int {
	doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropExcludeDev, Value: "true"})
	dev := map[string]bool{}
	for i := range doc.Components {
		if doc.Components[i].Development() {
			dev[doc.Components[i].ID] = true
		}
	}
	if len(dev) == 0 {
		return 0
	}
	doc.Components = slices.DeleteFunc(doc.Components, func(c sbom.Component) bool { return dev[c.ID] })
	doc.Dependencies = slices.DeleteFunc(doc.Dependencies, func(d sbom.Dependency) bool { return dev[d.Ref] })
	for i := range doc.Dependencies {
		d := &doc.Dependencies[i]
		d.DependsOn = slices.DeleteFunc(slices.Clone(d.DependsOn), func(id string) bool { return dev[id] })
	}
	return len(dev)
}
