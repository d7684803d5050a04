// Package python reads Python lockfiles — poetry.lock, uv.lock,
// Pipfile.lock and pinned requirements files — and installed distributions
// (a site-packages' dist-info and egg-info metadata) into vouch's model.
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

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// joinSorted sorts and de-duplicates xs and joins them with spaces.
func joinSorted(xs []string) string {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return strings.Join(slices.Compact(xs), " ")
}
