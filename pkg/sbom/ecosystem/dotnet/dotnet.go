// Package dotnet reads NuGet's packages.lock.json into vouch's model.
//
// osv-scalibr's extractor gives the package list; vouch reads the same file
// for the graph (each entry's dependencies, resolved within its target
// framework, names compared without case as NuGet does) and the packages'
// content hashes, which scalibr does not report.
package dotnet

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/language/dotnet/packageslockjson"
	"github.com/google/osv-scalibr/stats"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// PropProject is "true" on a component that is a project of the solution
// (a ProjectReference), not a NuGet package.
const PropProject = "vouch:nuget:project"

// lockfile is the part of packages.lock.json vouch reads itself: per
// target framework ("net8.0", "net8.0/linux-x64"), entries by name.
type lockfile struct {
	Version      int                         `json:"version"`
	Dependencies map[string]map[string]entry `json:"dependencies"`
}

type entry struct {
	Type         string            `json:"type"` // Direct, Transitive, Project, CentralTransitive
	Resolved     string            `json:"resolved"`
	ContentHash  string            `json:"contentHash"`
	Dependencies map[string]string `json:"dependencies"`
}

// PURL returns the purl of a NuGet package: pkg:nuget/Name@version.
func PURL(name, version string) string { return ecosystem.PURL("nuget", "", name, version) }

// PackagesLock reads the packages.lock.json at path. The project the file
// belongs to is not named in it: the fragment's primary component is the
// lockfile's anonymous root, depending on the "Direct" packages of every
// target framework. NuGet records no development dependencies.
func PackagesLock(ctx context.Context, path string, data []byte) (*sbom.Fragment, error) {
	var lock lockfile
	if err := strictjson.Unmarshal(data, &lock, ecosystem.MaxDepth); err != nil {
		return nil, fmt.Errorf("%s: %w", path, strictjson.Explain(data, err))
	}
	if lock.Version < 1 || lock.Version > 2 {
		return nil, fmt.Errorf("%s: version is %d, vouch reads 1 and 2", path, lock.Version)
	}
	scalibr, err := ecosystem.Extract(ctx, &packageslockjson.Extractor{Stats: stats.NoopCollector{}}, path, data)
	if err != nil {
		return nil, err
	}
	b := ecosystem.NewBuilder(path)
	fromScalibr, seen := map[string]bool{}, map[string]bool{}
	for _, p := range scalibr {
		fromScalibr[strings.ToLower(p.Name)+"@"+p.Version] = true
	}
	root := b.Root()
	rootComplete := true
	for _, target := range slices.Sorted(maps.Keys(lock.Dependencies)) {
		entries := lock.Dependencies[target]
		if !direct(b, root, entries) {
			rootComplete = false
		}
		var pkgs []ecosystem.LockPackage
		for _, name := range slices.Sorted(maps.Keys(entries)) {
			e := entries[name]
			if name == "" {
				b.Skip("dependencies[%q]: an entry with no package name", target)
				continue
			}
			stored := b.Add(component(b, target, name, e))
			seen[strings.ToLower(name)+"@"+e.Resolved] = true
			lp := ecosystem.LockPackage{Name: name, Version: e.Resolved, ID: stored.ID}
			for _, d := range slices.Sorted(maps.Keys(e.Dependencies)) {
				lp.Deps = append(lp.Deps, ecosystem.Dep{Name: d})
			}
			pkgs = append(pkgs, lp)
		}
		ecosystem.Graph(b, pkgs, strings.ToLower)
	}
	if rootComplete {
		b.Complete(root)
	}
	b.CrossCheck(fromScalibr, seen)
	return b.Fragment(), nil
}

// component builds the component of one entry; contentHash is the
// base64 SHA-512 of the .nupkg.
func component(b *ecosystem.Builder, target, name string, e entry) sbom.Component {
	c := ecosystem.Library(PURL(name, e.Resolved), name, e.Resolved, b.Path)
	if e.Type == "Project" {
		c.SetProperty(PropProject, "true")
		return c
	}
	if e.Resolved == "" {
		b.Warn("dependencies[%q][%q]: no resolved version", target, name)
	}
	if e.ContentHash != "" {
		raw, err := base64.StdEncoding.DecodeString(e.ContentHash)
		if err != nil || len(raw) != 64 {
			b.Warn("dependencies[%q][%q].contentHash: expected a base64 SHA-512, found %q", target, name, e.ContentHash)
		} else {
			c.Hashes = []sbom.Hash{{Algorithm: sbom.SHA512, Value: hex.EncodeToString(raw)}}
		}
	}
	return c
}

// direct records the root's edges to one target framework's direct
// dependencies: the "Direct" packages, and the "Project" references no
// other entry depends on (they can only be there because the project
// references them). The lockfile does not say whether a project another
// entry depends on is also referenced directly: then the root's list may
// lack it, and direct returns false.
func direct(b *ecosystem.Builder, root string, entries map[string]entry) bool {
	needed := map[string]bool{}
	for _, e := range entries {
		for d := range e.Dependencies {
			needed[strings.ToLower(d)] = true
		}
	}
	complete := true
	for _, name := range slices.Sorted(maps.Keys(entries)) {
		e := entries[name]
		switch {
		case name == "":
		case e.Type == "Direct", e.Type == "Project" && !needed[strings.ToLower(name)]:
			b.Edge(root, PURL(name, e.Resolved))
		case e.Type == "Project":
			complete = false
		}
	}
	return complete
}
