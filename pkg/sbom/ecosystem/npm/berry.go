package npm

import (
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// berryEntry is one package of a Yarn 2+ lockfile, keyed by the
// descriptors it satisfies ("name@npm:^1.0.0, name@npm:^1.2.0").
type berryEntry struct {
	Version          string            `yaml:"version"`
	Resolution       string            `yaml:"resolution"`
	Dependencies     map[string]string `yaml:"dependencies"`
	DependenciesMeta map[string]struct {
		Optional bool `yaml:"optional"`
	} `yaml:"dependenciesMeta"`
	// Checksum is not read: it is the hash of Yarn's cache archive of the
	// package (its format depends on the cacheKey), not of the published
	// tarball that a purl and its hashes identify.
}

// parseBerry reads a Yarn 2+ lockfile into the entries Yarn 1's reader
// builds. A package's name is that of its resolution ("name@npm:1.0.0"),
// so that an alias or a patch ("typescript@patch:typescript@npm%3A5.9.3#…")
// is the package it installs; dependencies are descriptors, "name@range".
func parseBerry(b *ecosystem.Builder, data []byte) ([]*yarnEntry, error) {
	var doc yamlMap[berryEntry] // linear: see yamlMap
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	var entries []*yarnEntry
	for _, key := range slices.Sorted(maps.Keys(doc)) {
		if key == "__metadata" {
			continue
		}
		be := doc[key]
		e := &yarnEntry{optional: map[string]bool{}, version: be.Version}
		for _, d := range strings.Split(key, ",") {
			e.specifiers = append(e.specifiers, strings.TrimSpace(d))
		}
		name, protocol, ok := berryResolution(be.Resolution)
		if !ok || be.Version == "" {
			b.Warn("%q: resolution %q, version %q: expected name@protocol:… and a version", key, be.Resolution, be.Version)
			continue
		}
		e.name = name
		switch protocol {
		case "npm", "patch":
		case "workspace":
			e.workspace = strings.TrimPrefix(be.Resolution, name+"@workspace:")
		default:
			e.resolved = be.Resolution
		}
		for _, dep := range slices.Sorted(maps.Keys(be.Dependencies)) {
			spec := dep + "@" + be.Dependencies[dep]
			e.deps = append(e.deps, spec)
			e.optional[spec] = be.DependenciesMeta[dep].Optional
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// berryResolution splits a resolution, "name@protocol:rest", into the
// package name and the protocol ("npm", "patch", "workspace", "git", …).
// A patch's name is that of the package it patches, which leads the
// resolution too.
func berryResolution(res string) (name, protocol string, ok bool) {
	at := strings.Index(strings.TrimPrefix(res, "@"), "@")
	if at < 0 {
		return "", "", false
	}
	if strings.HasPrefix(res, "@") {
		at++
	}
	name, rest := res[:at], res[at+1:]
	protocol, _, ok = strings.Cut(rest, ":")
	if !ok || name == "" || name == "@" {
		return "", "", false
	}
	return name, protocol, true
}
