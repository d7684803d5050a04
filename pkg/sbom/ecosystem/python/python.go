// Package python reads Python lockfiles — poetry.lock, uv.lock,
// Pipfile.lock and pinned requirements files — into vouch's model.
//
// osv-scalibr's extractors give the package lists. vouch reads the same
// files for what they do not report or report wrongly: development groups
// (scalibr's uv extractor takes them from whichever package comes last),
// the dependency graph of poetry and uv, the root project of uv, and
// requirements that are not pinned (an SBOM cannot name ">=2.0" as a
// version).
package python

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"

	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// PropDistHashes lists the hashes a lockfile pins for a package's
// distribution files (one per wheel or sdist), "sha256:<hex>" separated by
// spaces. They are not hashes of one component's bytes, so they are not
// the component's Hashes.
const PropDistHashes = "vouch:pypi:dist-hashes"

// PURL returns the purl of a PyPI package: per purl-spec the name is
// lower-cased and "_" becomes "-".
func PURL(name, version string) string {
	return ecosystem.PURL("pypi", "", Normalize(name), version)
}

// Normalize is purl-spec's PyPI name normalisation: lower case, "_" as "-".
func Normalize(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), "_", "-")
}

// key is how packages are matched between scalibr's list and vouch's,
// and between a dependency's name and the package it names: PEP 503
// normalisation, under which "-", "_" and "." runs are one character.
func key(name, version string) string {
	return pep503(name) + "@" + version
}

func pep503(name string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(name) {
		if r == '-' || r == '_' || r == '.' {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		b.WriteRune(r)
	}
	return b.String()
}

// run runs a scalibr extractor and returns the keys of what it listed.
func run(ctx context.Context, ext filesystem.Extractor, path string, data []byte) (map[string]bool, []*extractor.Package, error) {
	pkgs, err := ecosystem.Extract(ctx, ext, path, data)
	if err != nil {
		return nil, nil, err
	}
	keys := map[string]bool{}
	for _, p := range pkgs {
		keys[key(p.Name, p.Version)] = true
	}
	return keys, pkgs, nil
}

// lockPackage is one package of a poetry or uv lockfile as vouch keeps it
// while building the graph.
type lockPackage struct {
	name, version string
	id            string
	deps          []depRef
}

// depRef is one dependency of a lockfile package: a name, and for uv a
// version when the lockfile holds several of that name.
type depRef struct {
	name, version string
	optional      bool // only installed with an extra
	dev           bool // a development group's
}

// graph resolves each package's dependencies and records the edges. A
// dependency the lockfile does not hold is a warning unless it is
// optional, and leaves the package's edge list incomplete.
func graph(b *ecosystem.Builder, pkgs []lockPackage) {
	lookup := index(pkgs)
	for _, p := range pkgs {
		complete := true
		for _, d := range p.deps {
			targets := lookup(d)
			if len(targets) == 0 && !d.optional {
				b.Warn("%s %s depends on %s, which the lockfile does not hold", p.name, p.version, d.name)
				complete = false
			}
			for _, t := range targets {
				b.Edge(p.id, t)
			}
		}
		if complete {
			b.Complete(p.id)
		}
	}
}

// index returns a function that finds the IDs of the packages a
// dependency names: by normalised name, and version where one is given.
func index(pkgs []lockPackage) func(depRef) []string {
	byName := map[string][]*lockPackage{}
	for i := range pkgs {
		n := pep503(pkgs[i].name)
		byName[n] = append(byName[n], &pkgs[i])
	}
	return func(d depRef) []string {
		var ids []string
		for _, t := range byName[pep503(d.name)] {
			if d.version == "" || t.version == d.version {
				ids = append(ids, t.id)
			}
		}
		return ids
	}
}

// production returns the IDs reachable from roots along dependencies
// that are not development ones.
func production(pkgs []lockPackage, roots []string) map[string]bool {
	lookup := index(pkgs)
	edges := map[string][]string{}
	for _, p := range pkgs {
		for _, d := range p.deps {
			if !d.dev {
				edges[p.id] = append(edges[p.id], lookup(d)...)
			}
		}
	}
	return reachable(edges, roots)
}

// reachable returns the IDs reachable from the start IDs along edges.
func reachable(edges map[string][]string, start []string) map[string]bool {
	seen := map[string]bool{}
	queue := slices.Clone(start)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		queue = append(queue, edges[id]...)
	}
	return seen
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// joinSorted sorts and de-duplicates xs and joins them with spaces.
func joinSorted(xs []string) string {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return strings.Join(slices.Compact(xs), " ")
}
