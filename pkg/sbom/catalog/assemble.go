package catalog

import (
	"cmp"
	"context"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

// assemble merges the outcomes into one document, in an order that does not
// depend on which worker finished first.
func assemble(ctx context.Context, outs []outcome, opts Options) *Result {
	slices.SortFunc(outs, func(a, b outcome) int { return cmp.Compare(a.rel, b.rel) })
	res := &Result{Sources: map[Kind]int{}}
	set := opts.catalogers(nil)
	var found []cataloger.Found
	var unclaimed []sbom.FileStatus // failures of no cataloger: a directory, a SOURCE nobody reads
	shipped := false
	outs, fixtures := dropFixtureArtifacts(outs, set)
	res.Warnings = append(res.Warnings, fixtures...)
	for _, o := range outs {
		if o.err != nil {
			res.Errors = append(res.Errors, &SourceError{Path: o.rel, Err: o.err})
			if o.kind == "" {
				unclaimed = append(unclaimed, sbom.FileStatus{Path: o.rel, NotRead: cataloger.Reason(o.rel, o.err)})
				continue
			}
			found = append(found, cataloger.Found{Kind: string(o.kind), Path: o.rel, Err: o.err, Fragment: &sbom.Fragment{}})
			continue
		}
		// A kind "" is notes from the walk itself: warnings, no source.
		if o.kind != "" {
			res.Sources[o.kind]++
			if r := set.Lookup(string(o.kind)); (r != nil && r.Artifact) || o.kind == KindImage {
				shipped = true
			}
		}
		found = append(found, cataloger.Found{Kind: string(o.kind), Path: o.rel, Fragment: o.frag})
	}
	found = set.Post(found)
	res.Files = append(cataloger.Statuses(found), unclaimed...)
	sortFiles(res.Files)
	frags := make([]*sbom.Fragment, len(found))
	for i, f := range found {
		frags[i] = f.Fragment
	}
	doc := merge(frags)
	if opts.ExcludeDev {
		res.DevExcluded = dropDevelopment(doc)
	}
	set.Enrich(ctx, doc)
	inheritFromContents(doc)
	filePURL(doc)
	notRead := markNotRead(doc, res.Files)
	fallback := "release"
	if !shipped && opts.sourceName != "" {
		fallback = opts.sourceName
	}
	doc.Primary = primary(doc, frags, opts, fallback)
	if notRead > 0 {
		incompletePrimary(doc)
	}
	finish(doc, opts, shipped, len(res.Errors) > 0 || notRead > 0)
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

// sortFiles orders statuses by path and kind, so summaries do not depend
// on which worker finished first.
func sortFiles(files []sbom.FileStatus) {
	slices.SortFunc(files, func(a, b sbom.FileStatus) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Kind, b.Kind))
	})
}

// markNotRead names every file that was found but is not in doc in a
// document property, and returns how many there are: the document is
// complete only when there are none.
func markNotRead(doc *sbom.Document, files []sbom.FileStatus) int {
	n := 0
	for _, f := range files {
		if f.NotRead == "" {
			continue
		}
		n++
		doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropNotCatalogued, Value: f.Path + ": " + f.NotRead})
	}
	return n
}

// merge joins the fragments' components and dependency edges. A component
// found in several sources (a module linked into two binaries) appears once.
func merge(frags []*sbom.Fragment) *sbom.Document {
	doc := &sbom.Document{}
	seen := map[string]int{}
	for _, f := range frags {
		for _, c := range f.Components {
			if i, ok := seen[c.ID]; ok {
				keepRequired(&doc.Components[i], c)
				continue
			}
			seen[c.ID] = len(doc.Components)
			doc.Components = append(doc.Components, c)
		}
		doc.Dependencies = append(doc.Dependencies, f.Dependencies...)
	}
	return doc
}

// primary picks the component the SBOM describes: the only top-level source,
// or else a root that depends on every top-level source.
func primary(doc *sbom.Document, frags []*sbom.Fragment, opts Options, fallback string) string {
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
	root := sbom.Component{ID: "root", Type: sbom.TypeApplication, Name: rootName(doc, tops, fallback), Version: opts.Version, Scope: sbom.ScopeRequired}
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

// incompletePrimary marks the list of what the primary component consists
// of as incomplete: something in the sources it describes was found but
// not catalogued. Formats that state completeness per relationship only
// (SPDX 3) say it there.
func incompletePrimary(doc *sbom.Document) {
	if doc.Primary == "" {
		return
	}
	for i := range doc.Dependencies {
		if doc.Dependencies[i].Ref == doc.Primary {
			doc.Dependencies[i].Completeness = sbom.CompletenessIncomplete
			return
		}
	}
	doc.Dependencies = append(doc.Dependencies, sbom.Dependency{Ref: doc.Primary, Completeness: sbom.CompletenessIncomplete})
}

// rootName names a synthetic root after the longest module path prefix its
// sources share, or fallback: "release" for what ships, the scanned
// directory's name for a source tree (a Go module beside lockfiles of
// other ecosystems is not a release).
func rootName(doc *sbom.Document, tops []string, fallback string) string {
	var names []string
	for _, id := range tops {
		if c := doc.Component(id); c != nil && c.PURL != "" {
			names = append(names, c.Name)
		}
	}
	if len(names) == 0 {
		return fallback
	}
	prefix := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n+"/", prefix+"/") && prefix != "." && prefix != "" {
			prefix = path.Dir(prefix)
		}
	}
	if prefix == "." || prefix == "" {
		return fallback
	}
	return prefix
}

// finish fills the document-level fields; incomplete says that something
// found is not in the document.
func finish(doc *sbom.Document, opts Options, shipped, incomplete bool) {
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
	if incomplete {
		doc.Completeness = sbom.CompletenessIncomplete
	}
	doc.Normalize()
}

// dropFixtureArtifacts leaves out the release artifacts found below a test
// or example folder (fixtureDirs), and build tools' wrappers
// (buildToolGlobs), when the scan also found source outside such folders:
// a source tree's test fixtures and the jar that bootstraps its build are
// not what it ships, and would otherwise make its SBOM a post-build
// "release". Each is a
// warning. A tree of artifacts only (a dist/ folder) keeps them all, as
// does a file named as a SOURCE.
func dropFixtureArtifacts(outs []outcome, set *cataloger.Set) ([]outcome, []sbom.Warning) {
	artifact := func(o outcome) bool {
		r := set.Lookup(string(o.kind))
		return r != nil && r.Artifact
	}
	source := slices.ContainsFunc(outs, func(o outcome) bool {
		return o.err == nil && o.kind != "" && !o.fixture && !artifact(o)
	})
	if !source {
		return outs, nil
	}
	named := map[string]bool{}
	for _, o := range outs {
		if o.explicit {
			named[absPath(o.path)] = true
		}
	}
	var warnings []sbom.Warning
	kept := outs[:0:0]
	for _, o := range outs {
		if why := notShipped(o); why != "" && !o.explicit && artifact(o) {
			if !named[absPath(o.path)] { // else it is read as the SOURCE it also is
				warnings = append(warnings, sbom.Warning{Path: o.rel, Message: why + ", not part of what it ships: left out (name it as a SOURCE to include it)"})
			}
			continue
		}
		kept = append(kept, o)
	}
	return kept, warnings
}

// notShipped says why a file found in a source tree is not what the tree
// ships, or "" when it may be.
func notShipped(o outcome) string {
	switch {
	case o.fixture:
		return "a release artifact in a test or example folder of a source tree"
	case o.buildTool:
		return "a build tool's wrapper (Gradle's or Maven's) checked into a source tree"
	}
	return ""
}

// absPath is p made absolute, or p where it cannot be.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
