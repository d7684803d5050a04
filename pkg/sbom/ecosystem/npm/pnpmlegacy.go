package npm

import (
	"maps"
	"strings"

	"go.yaml.in/yaml/v3"
)

// pnpmLegacy is what lockfile versions 5 and 6 hold where version 9 does
// not: each package's dependencies inside its packages entry (version 9
// moved them to snapshots) and, for a project without workspaces, its
// direct dependencies at the top level rather than under importers["."].
type pnpmLegacy struct {
	pnpmImporter `yaml:",inline"`
	Packages     yamlMap[pnpmSnapshot] `yaml:"packages"`
}

// fromLegacy turns a version 5 or 6 lockfile, already read into lock for
// what all versions share, into version 9's shape, so that one reading of
// the graph serves every version. The formats differ in how a package is
// named: "/name/1.0.0_peer@2.0.0" (5), "/name@1.0.0(peer@2.0.0)" (6) and
// "name@1.0.0(peer@2.0.0)" (9); an alias's version is "/real/1.0.0" (5),
// "/real@1.0.0" (6) and "real@1.0.0" (9).
func fromLegacy(lock *pnpmLock, data []byte, v5 bool) error {
	var legacy pnpmLegacy
	if err := yaml.Unmarshal(data, &legacy); err != nil {
		return err
	}
	if lock.Importers == nil {
		lock.Importers = map[string]pnpmImporter{".": legacy.pnpmImporter}
	}
	for dir, imp := range lock.Importers {
		for _, deps := range []map[string]pnpmRef{imp.Dependencies, imp.DevDependencies, imp.OptionalDependencies} {
			for name, ref := range deps {
				deps[name] = pnpmRef{Version: legacyRef(ref.Version, v5)}
			}
		}
		lock.Importers[dir] = imp
	}
	pkgs := lock.Packages
	lock.Packages = make(map[string]pnpmPackage, len(pkgs))
	lock.Snapshots = make(map[string]pnpmSnapshot, len(pkgs))
	for key, p := range pkgs {
		k := legacyRef(key, v5)
		lock.Packages[k] = p
		s := legacy.Packages[key]
		lock.Snapshots[k] = pnpmSnapshot{Dependencies: legacyDeps(s.Dependencies, v5), OptionalDependencies: legacyDeps(s.OptionalDependencies, v5)}
	}
	return nil
}

// legacyDeps returns deps with each version in version 9's form.
func legacyDeps(deps map[string]string, v5 bool) map[string]string {
	out := maps.Clone(deps)
	for name, v := range out {
		out[name] = legacyRef(v, v5)
	}
	return out
}

// legacyRef returns a package key or dependency version of a version 5 or
// 6 lockfile in version 9's form ("link:" references are left as they
// are).
func legacyRef(ref string, v5 bool) string {
	if strings.HasPrefix(ref, "link:") {
		return ref
	}
	p, isPath := strings.CutPrefix(ref, "/")
	if !v5 {
		return p
	}
	// Version 5 names a package "name/version" (a scope's "/" stays in the
	// name: peers write it as "+") and appends its peers after "_";
	// version 9 writes "name@version" and the peers in parentheses, which
	// pnpmKey drops.
	name, version := "", p
	if isPath {
		slash := strings.LastIndex(p, "/")
		if slash <= 0 {
			return p
		}
		name, version = p[:slash]+"@", p[slash+1:]
	}
	if v, peers, ok := strings.Cut(version, "_"); ok {
		version = v + "(" + peers + ")"
	}
	return name + version
}
