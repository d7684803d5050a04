package catalog

import (
	"cmp"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// assemble merges the outcomes into one document, in an order that does not
// depend on which worker finished first.
func assemble(ctx context.Context, outs []outcome, opts Options) *Result {
	slices.SortFunc(outs, func(a, b outcome) int { return cmp.Compare(a.rel, b.rel) })
	res := &Result{Sources: map[Kind]int{}}
	var frags []*sbom.Fragment
	var kinds []Kind
	for _, o := range outs {
		if o.err != nil {
			res.Errors = append(res.Errors, &SourceError{Path: o.rel, Err: o.err})
			continue
		}
		if o.kind == "" {
			// Notes from the walk itself: warnings, no source.
			frags = append(frags, o.frag)
			kinds = append(kinds, o.kind)
			continue
		}
		res.Sources[o.kind]++
		frags = append(frags, o.frag)
		kinds = append(kinds, o.kind)
	}
	frags, shipped := preferBinaries(frags, kinds)
	doc := merge(frags)
	enrichLicenses(ctx, doc, opts.ModCache)
	inheritFromContents(doc)
	filePURL(doc)
	doc.Primary = primary(doc, frags, opts)
	finish(doc, opts, shipped, len(res.Errors) > 0)
	for _, f := range frags {
		res.Warnings = append(res.Warnings, f.Warnings...)
	}
	slices.SortFunc(res.Warnings, func(a, b sbom.Warning) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Message, b.Message))
	})
	res.Warnings = slices.Compact(res.Warnings)
	res.Document = doc
	return res
}

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

// preferBinaries drops the go.mod view of a module when binaries built from
// it were found: build info, not go.mod, says what ships (the toolchain,
// replaced and bumped modules). Where the two disagree on a module's
// version, the difference becomes a warning and a property.
func preferBinaries(frags []*sbom.Fragment, kinds []Kind) ([]*sbom.Fragment, bool) {
	bins := goBinaries(frags)
	shipped := slices.Contains(kinds, KindBinary) || slices.Contains(kinds, KindArchive)
	var keep []*sbom.Fragment
	for i, f := range frags {
		main := findComponent(f.Components, f.Primary)
		if kinds[i] != KindGoMod || main == nil || len(bins[main.Name]) == 0 {
			keep = append(keep, f)
			continue
		}
		compareWithBinaries(f, main, frags)
		// Its warnings still matter: keep them, drop its components.
		keep = append(keep, &sbom.Fragment{Warnings: f.Warnings})
	}
	return keep, shipped
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

// merge joins the fragments' components and dependency edges. A component
// found in several sources (a module linked into two binaries) appears once.
func merge(frags []*sbom.Fragment) *sbom.Document {
	doc := &sbom.Document{}
	seen := map[string]bool{}
	for _, f := range frags {
		for _, c := range f.Components {
			if seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			doc.Components = append(doc.Components, c)
		}
		doc.Dependencies = append(doc.Dependencies, f.Dependencies...)
	}
	return doc
}

// primary picks the component the SBOM describes: the only top-level source,
// or else a root that depends on every top-level source.
func primary(doc *sbom.Document, frags []*sbom.Fragment, opts Options) string {
	var tops []string
	for _, f := range frags {
		if f.Primary != "" && !slices.Contains(tops, f.Primary) {
			tops = append(tops, f.Primary)
		}
	}
	slices.Sort(tops)
	switch len(tops) {
	case 0:
		return ""
	case 1:
		return tops[0]
	}
	root := sbom.Component{ID: "root", Type: sbom.TypeApplication, Name: rootName(doc, tops), Version: opts.Version, Scope: sbom.ScopeRequired}
	if opts.Version != "" {
		root.SetProperty(sbom.PropVersionSource, sbom.VersionFromFlag)
	} else {
		root.SetProperty(sbom.PropVersionSource, sbom.VersionUnknown)
	}
	// The root speaks for the sources: their common supplier is its supplier.
	for _, id := range tops {
		if c := doc.Component(id); c != nil && !c.Supplier.IsZero() {
			root.Supplier = c.Supplier
			break
		}
	}
	doc.Components = append(doc.Components, root)
	doc.Dependencies = append(doc.Dependencies, sbom.Dependency{Ref: "root", DependsOn: tops, Completeness: sbom.CompletenessComplete})
	return "root"
}

// rootName names a synthetic root after the longest module path prefix its
// sources share, or "release".
func rootName(doc *sbom.Document, tops []string) string {
	var names []string
	for _, id := range tops {
		if c := doc.Component(id); c != nil && c.PURL != "" {
			names = append(names, c.Name)
		}
	}
	if len(names) == 0 {
		return "release"
	}
	prefix := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n+"/", prefix+"/") && prefix != "." && prefix != "" {
			prefix = path.Dir(prefix)
		}
	}
	if prefix == "." || prefix == "" {
		return "release"
	}
	return prefix
}

// finish fills the document-level fields.
func finish(doc *sbom.Document, opts Options, shipped, failed bool) {
	if c := doc.Component(doc.Primary); c != nil {
		doc.Name = c.Name
		if len(opts.Authors) == 0 && !c.Supplier.IsZero() {
			doc.Authors = []sbom.Contact{c.Supplier}
		}
	}
	if len(opts.Authors) > 0 {
		doc.Authors = slices.Clone(opts.Authors)
	}
	if doc.Name == "" {
		doc.Name = "empty"
	}
	doc.Created = opts.Created
	if opts.Tool.Name != "" {
		doc.Tools = []sbom.Tool{opts.Tool}
	}
	doc.Lifecycle = "pre-build"
	if shipped {
		doc.Lifecycle = "post-build"
	}
	doc.Completeness = sbom.CompletenessComplete
	if failed {
		doc.Completeness = sbom.CompletenessIncomplete
	}
	doc.Normalize()
}
