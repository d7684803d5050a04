package npm

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/pnpmlock"
	"go.yaml.in/yaml/v3"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// pnpmLock is the part of a version 9 pnpm-lock.yaml vouch reads itself.
type pnpmLock struct {
	LockfileVersion string                `yaml:"lockfileVersion"`
	Importers       yamlMap[pnpmImporter] `yaml:"importers"`
	Packages        yamlMap[pnpmPackage]  `yaml:"packages"`
	// Snapshots are the packages as installed, keyed "name@version" plus
	// the peers they were resolved with: "name@1.0.0(peer@2.0.0)".
	Snapshots yamlMap[pnpmSnapshot] `yaml:"snapshots"`
}

// pnpmPackage is a package's resolution.
type pnpmPackage struct {
	Resolution struct {
		Integrity string `yaml:"integrity"`
		Tarball   string `yaml:"tarball"`
	} `yaml:"resolution"`
}

// pnpmSnapshot is an installed package's dependencies, name to version.
type pnpmSnapshot struct {
	Dependencies         map[string]string `yaml:"dependencies"`
	OptionalDependencies map[string]string `yaml:"optionalDependencies"`
}

// pnpmImporter is one workspace project's direct dependencies.
type pnpmImporter struct {
	Dependencies         map[string]pnpmRef `yaml:"dependencies"`
	DevDependencies      map[string]pnpmRef `yaml:"devDependencies"`
	OptionalDependencies map[string]pnpmRef `yaml:"optionalDependencies"`
}

// pnpmRef is an importer's dependency: {specifier, version} since lockfile
// version 6, the version alone before.
type pnpmRef struct {
	Version string `yaml:"version"`
}

// UnmarshalYAML reads either form.
func (r *pnpmRef) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		r.Version = n.Value
		return nil
	}
	type plain pnpmRef
	return n.Decode((*plain)(r))
}

// PnpmLock reads the pnpm-lock.yaml at path, lockfile versions 5, 6 and 9
// (pnpm 6 and 7, pnpm 8, pnpm 9 and later). The lockfile keys workspace
// projects by directory and does not name them: the project at "." is the
// fragment's anonymous root, depending on its direct dependencies and on
// the other projects, each an anonymous project with its own. What only
// the projects' devDependencies pull in is development.
func PnpmLock(ctx context.Context, path string, data []byte) (*sbom.Fragment, error) {
	var lock pnpmLock
	if err := yaml.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	switch v := lock.LockfileVersion; {
	case strings.HasPrefix(v, "9."):
	case strings.HasPrefix(v, "5.") || strings.HasPrefix(v, "6."):
		if err := fromLegacy(&lock, data, v[0] == '5'); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	default:
		return nil, fmt.Errorf("%s: lockfileVersion is %q, vouch reads 5.x, 6.x and 9.x", path, v)
	}
	b := ecosystem.NewBuilder(path)
	var fromScalibr map[string]bool // nil: no cross-check
	seen := map[string]bool{}
	// osv-scalibr decodes with yaml.v3's quadratic duplicate-key check: it
	// cross-checks vouch's reading only up to ecosystem.CrossCheckLimit.
	if len(data) <= ecosystem.CrossCheckLimit {
		pkgs, err := ecosystem.Extract(ctx, &pnpmlock.Extractor{}, path, data)
		if err != nil {
			return nil, err
		}
		fromScalibr = map[string]bool{}
		for _, p := range pkgs {
			fromScalibr[p.Name+"@"+p.Version] = true
		}
	}
	for _, key := range slices.Sorted(maps.Keys(lock.Packages)) {
		name, version := pnpmKey(key)
		if name == "" || version == "" {
			b.Warn("packages[%q]: not name@version", key)
			continue
		}
		c := ecosystem.Library(PURL(name, version), name, version, path)
		p := lock.Packages[key]
		c.Hashes = integrity(p.Resolution.Integrity)
		if p.Resolution.Tarball != "" {
			c.SetProperty(ecosystem.PropResolved, p.Resolution.Tarball)
		}
		b.Add(c)
		seen[name+"@"+version] = true
	}
	edges := pnpmEdges(b, lock)
	prod := pnpmProduction(lock, edges)
	pnpmImporters(b, lock)
	for _, c := range b.Fragment().Components {
		if !prod[c.ID] && !strings.HasPrefix(c.ID, ecosystem.RootPrefix) {
			ecosystem.MarkDevelopment(b.Get(c.ID))
		}
	}
	b.CrossCheck(fromScalibr, seen)
	return b.Fragment(), nil
}

// pnpmKey splits "name@version(peers...)" into name and version.
func pnpmKey(key string) (string, string) {
	key, _, _ = strings.Cut(key, "(")
	at := strings.LastIndex(key, "@")
	if at <= 0 {
		return "", ""
	}
	return key[:at], key[at+1:]
}

// pnpmTarget returns the component ID a dependency's version names: a
// plain version of name, or an alias's "real-name@version"; "" for a
// workspace link ("link:../a").
func pnpmTarget(name, version string) string {
	if strings.HasPrefix(version, "link:") {
		return ""
	}
	if n, v := pnpmKey(version); n != "" {
		return PURL(n, v)
	}
	v, _, _ := strings.Cut(version, "(")
	return PURL(name, v)
}

// pnpmEdges records the snapshots' dependencies and returns them by ID.
func pnpmEdges(b *ecosystem.Builder, lock pnpmLock) map[string][]string {
	edges := map[string][]string{}
	for _, key := range slices.Sorted(maps.Keys(lock.Snapshots)) {
		name, version := pnpmKey(key)
		from := PURL(name, version)
		if b.Get(from) == nil {
			b.Warn("snapshots[%q]: no packages entry for it", key)
			continue
		}
		s := lock.Snapshots[key]
		complete := true
		for _, deps := range []map[string]string{s.Dependencies, s.OptionalDependencies} {
			for _, dep := range slices.Sorted(maps.Keys(deps)) {
				to := pnpmTarget(dep, deps[dep])
				if to == "" {
					continue
				}
				if b.Get(to) == nil {
					b.Warn("snapshots[%q] depends on %s %s, which the lockfile does not hold", key, dep, deps[dep])
					complete = false
					continue
				}
				b.Edge(from, to)
				edges[from] = append(edges[from], to)
			}
		}
		if complete {
			b.Complete(from)
		}
	}
	return edges
}

// pnpmProduction returns the IDs the importers' dependencies and
// optionalDependencies reach: what pnpm install --prod keeps.
func pnpmProduction(lock pnpmLock, edges map[string][]string) map[string]bool {
	var queue []string
	for _, imp := range lock.Importers {
		for _, deps := range []map[string]pnpmRef{imp.Dependencies, imp.OptionalDependencies} {
			for name, ref := range deps {
				if to := pnpmTarget(name, ref.Version); to != "" {
					queue = append(queue, to)
				}
			}
		}
	}
	return ecosystem.Reachable(edges, queue)
}

// pnpmImporters records each importer's direct dependencies as the edges
// of its anonymous project; the root project depends on the others, as a
// workspace root does. A dependency on another importer ("link:") is an
// edge to that project.
func pnpmImporters(b *ecosystem.Builder, lock pnpmLock) {
	if len(lock.Importers) == 0 {
		return
	}
	root := b.Root()
	dirs := slices.Sorted(maps.Keys(lock.Importers))
	for _, dir := range dirs { // every project first: one may link to a later one
		if dir != "." {
			b.Edge(root, b.Project(dir))
		}
	}
	for _, dir := range dirs {
		from := b.ProjectID(dir)
		imp := lock.Importers[dir]
		complete := true
		for _, deps := range []map[string]pnpmRef{imp.Dependencies, imp.DevDependencies, imp.OptionalDependencies} {
			for _, name := range slices.Sorted(maps.Keys(deps)) {
				to := pnpmImporterTarget(b, dir, name, deps[name].Version)
				if b.Get(to) == nil {
					b.Warn("importers[%q] depends on %s %s, which the lockfile does not hold", dir, name, deps[name].Version)
					complete = false
					continue
				}
				b.Edge(from, to)
			}
		}
		if complete {
			b.Complete(from)
		}
	}
}

// pnpmImporterTarget is the component an importer's dependency names: a
// package, or for a workspace link ("link:../a") the project it points at.
func pnpmImporterTarget(b *ecosystem.Builder, dir, name, version string) string {
	target, ok := strings.CutPrefix(version, "link:")
	if !ok {
		return pnpmTarget(name, version)
	}
	return b.ProjectID(path.Clean(path.Join(dir, target)))
}
