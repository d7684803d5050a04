package gobin

import (
	"fmt"
	"runtime/debug"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/internal/golang"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
)

// fromBuildInfo maps a binary's build info onto a fragment. It is pure, so
// that shapes a real build cannot produce offline (module replacements,
// tagged releases) are tested with hand-made BuildInfo values.
func fromBuildInfo(bi *debug.BuildInfo, rel, base string, d digest.Digests, opts Options) *sbom.Fragment {
	frag := &sbom.Fragment{}
	warn := func(format string, args ...any) {
		frag.Warnings = append(frag.Warnings, sbom.Warning{Path: rel, Message: fmt.Sprintf(format, args...)})
	}

	res := resolveVersion(bi, opts.Version, opts.TagForRevision)
	for _, w := range res.warnings {
		warn("%s", w)
	}

	bin := sbom.Component{
		ID:       "file:" + rel,
		Type:     sbom.TypeApplication,
		Name:     base,
		Version:  res.version,
		FileName: base,
		Size:     d.Size,
		Hashes:   d.Hashes(),
		Scope:    sbom.ScopeRequired,
	}
	// Name the binary after its main module, as `go version -m` does. A
	// binary built without modules (GOPATH mode, GO111MODULE=off, as
	// Debian builds Go) has no main module but its main package's import
	// path, which is what the code is known by: it names the binary and
	// its purl. A binary built from loose files ("command-line-arguments")
	// has neither, and then no purl either.
	switch {
	case bi.Main.Path != "":
		bin.Name = bi.Main.Path
		bin.PURL = golang.PURL(bi.Main.Path, res.version)
		bin.Supplier = golang.Supplier(bi.Main.Path)
		if bi.Main.Sum != "" {
			bin.SetProperty(sbom.PropGoH1, bi.Main.Sum)
		}
	case bi.Path != "" && bi.Path != "command-line-arguments":
		bin.Name = bi.Path
		bin.PURL = golang.PURL(bi.Path, res.version)
		bin.Supplier = golang.Supplier(bi.Path)
	}
	bin.SetProperty(sbom.PropSourcePath, rel)
	if bi.Path != "" {
		bin.SetProperty(sbom.PropGoPackage, bi.Path)
	}
	bin.SetProperty(sbom.PropVersionSource, res.source)
	for _, s := range bi.Settings {
		// Append, not SetProperty: a setting is recorded once per key by
		// the linker, and appending keeps this linear for long lists.
		bin.Properties = append(bin.Properties, sbom.Property{Name: sbom.PropGoBuildPrefix + s.Key, Value: s.Value})
	}
	frag.Primary = bin.ID
	frag.Components = append(frag.Components, bin)

	// Build info lists every module linked into the binary, so the binary's
	// own dependency list is complete; it says nothing about which module
	// needs which, so each module's list is unknown.
	top := sbom.Dependency{Ref: bin.ID, Completeness: sbom.CompletenessComplete}
	seen := map[string]bool{}
	add := func(c sbom.Component) {
		top.DependsOn = append(top.DependsOn, c.ID)
		if seen[c.ID] {
			return
		}
		seen[c.ID] = true
		frag.Components = append(frag.Components, c)
		frag.Dependencies = append(frag.Dependencies, sbom.Dependency{Ref: c.ID, Completeness: sbom.CompletenessUnknown})
	}
	for _, m := range bi.Deps {
		if m == nil || m.Path == "" {
			continue
		}
		c, w := depComponent(m)
		if w != "" {
			warn("%s", w)
		}
		add(c)
	}
	if gv := trimGoVersion(bi.GoVersion); gv != "" {
		add(golang.Stdlib(gv))
	} else {
		warn("build info names no Go toolchain version: the standard library is not listed")
		top.Completeness = sbom.CompletenessIncomplete
	}
	frag.Dependencies = append([]sbom.Dependency{top}, frag.Dependencies...)
	return frag
}

// depComponent is the component of one linked module. A module replaced by
// another module is identified (ID, purl, version, supplier) by the
// replacement, since those are the bytes linked in, and keeps the path the
// code imports as its name, with [sbom.PropGoReplace] saying what replaced it.
// A module replaced by a local directory has no version anyone else can
// fetch (build info says "(devel)" or nothing): it keeps its own path, no
// version, and a warning.
func depComponent(m *debug.Module) (sbom.Component, string) {
	r := m.Replace
	switch {
	case r == nil:
		return golang.Module(m.Path, m.Version, m.Sum), ""
	case r.Version != "" && r.Version != "(devel)":
		c := golang.Module(r.Path, r.Version, r.Sum)
		c.Name = m.Path
		c.SetProperty(sbom.PropGoReplace, r.Path+"@"+r.Version)
		return c, ""
	default:
		c := golang.Module(m.Path, "", "")
		c.SetProperty(sbom.PropGoReplace, r.Path)
		return c, fmt.Sprintf("module %s is replaced by the local directory %s: its version is unknown", m.Path, r.Path)
	}
}
