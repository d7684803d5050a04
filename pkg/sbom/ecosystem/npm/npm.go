// Package npm reads npm's package-lock.json and npm-shrinkwrap.json
// (lockfile versions 1, 2 and 3, with workspaces), Yarn 1's yarn.lock,
// pnpm 9's pnpm-lock.yaml and installed node_modules trees into vouch's
// model.
//
// osv-scalibr's extractor gives the package list; vouch reads the same file
// for what scalibr does not report — the root project, declared licences,
// integrity hashes, and the dependency graph, resolved the way Node resolves
// require(): from a package's own node_modules up to the root's — and warns
// when the two lists disagree.
package npm

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/packagelockjson"
	"github.com/google/osv-scalibr/stats"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// lockfile is the part of package-lock.json vouch reads itself.
type lockfile struct {
	Name            string           `json:"name"`
	Version         string           `json:"version"`
	LockfileVersion int              `json:"lockfileVersion"`
	Packages        map[string]entry `json:"packages"`
	Dependencies    map[string]v1dep `json:"dependencies"`
}

// entry is one "packages" entry (lockfile v2 and v3), keyed by install path.
type entry struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	Resolved             string            `json:"resolved"`
	Integrity            string            `json:"integrity"`
	License              json.RawMessage   `json:"license"`
	Link                 bool              `json:"link"`
	Dev                  bool              `json:"dev"`
	Optional             bool              `json:"optional"`
	DevOptional          bool              `json:"devOptional"`
	Dependencies         map[string]string `json:"dependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	PeerDependenciesMeta map[string]struct {
		Optional bool `json:"optional"`
	} `json:"peerDependenciesMeta"`
	// Workspaces is the root's list of member globs: an array, or yarn's
	// {"packages": [...]} form.
	Workspaces json.RawMessage `json:"workspaces"`
}

// v1dep is one "dependencies" entry of a version 1 lockfile, nested as
// node_modules is.
type v1dep struct {
	Version      string            `json:"version"`
	Resolved     string            `json:"resolved"`
	Integrity    string            `json:"integrity"`
	Dev          bool              `json:"dev"`
	Optional     bool              `json:"optional"`
	Requires     map[string]string `json:"requires"`
	Dependencies map[string]v1dep  `json:"dependencies"`
}

// PackageLock reads the package-lock.json or npm-shrinkwrap.json at path
// (slash-separated, as named in the scanned source). An error means the
// file could not be read at all; problems with parts of it are warnings in
// the fragment.
func PackageLock(ctx context.Context, path string, data []byte) (*sbom.Fragment, error) {
	var lock lockfile
	if err := strictjson.Unmarshal(data, &lock, ecosystem.MaxDepth); err != nil {
		return nil, fmt.Errorf("%s: %w", path, strictjson.Explain(data, err))
	}
	if lock.LockfileVersion < 1 || lock.LockfileVersion > 3 {
		return nil, fmt.Errorf("%s: lockfileVersion is %d, vouch reads 1, 2 and 3", path, lock.LockfileVersion)
	}
	// osv-scalibr's extractor finds a line number for every package by
	// searching the whole file again: quadratic (a 5 MB lockfile takes a
	// minute). vouch's own reading is the SBOM's; scalibr's is a cross-check
	// run only where it stays cheap.
	var pkgs []*extractor.Package
	crossCheck := len(data) <= ecosystem.CrossCheckLimit
	if crossCheck {
		var err error
		if pkgs, err = ecosystem.Extract(ctx, &packagelockjson.Extractor{Stats: stats.NoopCollector{}}, path, data); err != nil {
			return nil, err
		}
	}
	r := &reader{b: ecosystem.NewBuilder(path), seen: map[string]bool{}, flags: map[string]*usage{}}
	if lock.Packages != nil {
		r.readPackages(lock)
	} else {
		r.readV1(lock)
	}
	r.applyScopes()
	if crossCheck {
		fromScalibr := map[string]bool{}
		for _, p := range pkgs {
			fromScalibr[p.Name+"@"+p.Version] = true
		}
		r.b.CrossCheck(fromScalibr, r.seen)
	}
	return r.b.Fragment(), nil
}

// reader carries the state of reading one lockfile.
type reader struct {
	b *ecosystem.Builder
	// seen holds name@version of every package read, to compare with scalibr.
	seen map[string]bool
	// flags holds, per component ID, how its occurrences are used.
	flags map[string]*usage
}

// usage records whether every occurrence of a package is a development or
// an optional one: a package is dev only if no production path needs it.
type usage struct{ allDev, allOptional bool }

func (r *reader) use(id string, dev, optional bool) {
	u, ok := r.flags[id]
	if !ok {
		r.flags[id] = &usage{allDev: dev, allOptional: optional}
		return
	}
	u.allDev = u.allDev && dev
	u.allOptional = u.allOptional && optional
}

func (r *reader) applyScopes() {
	for id, u := range r.flags {
		c := r.b.Get(id)
		switch {
		case u.allDev:
			ecosystem.MarkDevelopment(c)
		case u.allOptional:
			c.Scope = sbom.ScopeOptional
		}
	}
}

// root adds the project itself as the fragment's primary component.
func (r *reader) root(name, version string) string {
	if name == "" {
		name = "unnamed"
		r.b.Warn("the lockfile names no root project: it is called %q", name)
	}
	c := ecosystem.Library(PURL(name, version), name, version, r.b.Path)
	c.Type = sbom.TypeApplication
	r.b.Add(c)
	r.b.SetPrimary(c.ID)
	return c.ID
}

// PURL returns the purl of an npm package: a scope is the namespace, its
// "@" percent-encoded as purl-spec requires (pkg:npm/%40babel/core@7.0.0).
func PURL(name, version string) string {
	ns, n := "", name
	if scope, rest, ok := strings.Cut(name, "/"); ok && strings.HasPrefix(scope, "@") {
		ns, n = scope, rest
	}
	return ecosystem.PURL("npm", ns, n, version)
}

// readPackages reads a v2 or v3 lockfile's "packages" map.
func (r *reader) readPackages(lock lockfile) {
	top := lock.Packages[""]
	if top.Name == "" {
		top.Name = lock.Name
	}
	if top.Version == "" {
		top.Version = lock.Version
	}
	ids := map[string]string{"": r.root(top.Name, top.Version)}
	keys := slices.Sorted(maps.Keys(lock.Packages))
	for _, key := range keys {
		e := lock.Packages[key]
		if key == "" || e.Link {
			continue
		}
		if id := r.addEntry(key, e); id != "" {
			ids[key] = id
		}
	}
	for _, key := range keys {
		if _, ok := ids[key]; ok {
			r.edges(lock.Packages, ids, key, lock.Packages[key])
		}
	}
	r.workspaces(lock.Packages, ids, keys)
}

// workspaces records the root's dependency on each workspace member, as
// npm does: members are installed because the root lists them, not through
// a dependencies entry.
func (r *reader) workspaces(pkgs map[string]entry, ids map[string]string, keys []string) {
	raw := pkgs[""].Workspaces
	if len(raw) == 0 {
		return
	}
	var globs []string
	if json.Unmarshal(raw, &globs) != nil {
		var obj struct {
			Packages []string `json:"packages"`
		}
		if json.Unmarshal(raw, &obj) != nil {
			r.b.Warn(`packages[""].workspaces: expected an array of globs, found %s`, raw)
			return
		}
		globs = obj.Packages
	}
	for _, key := range keys {
		if key == "" || pkgs[key].Link || strings.Contains(key, "node_modules/") {
			continue
		}
		for _, g := range globs {
			if ok, _ := path.Match(path.Clean(g), key); ok {
				r.b.Edge(ids[""], ids[key])
				break
			}
		}
	}
}

// addEntry adds the component of one installed package and returns its ID.
func (r *reader) addEntry(key string, e entry) string {
	name := e.Name
	if name == "" {
		name = nameFromPath(key)
	}
	if name == "" {
		r.b.Skip("packages[%q]: no package name", key)
		return ""
	}
	c := ecosystem.Library(PURL(name, e.Version), name, e.Version, r.b.Path)
	if lic, ok := license(e.License); ok {
		r.b.SetDeclared(&c, lic)
	} else {
		r.b.Warn("packages[%q].license: expected a string, found %s", key, e.License)
	}
	c.Hashes = integrity(e.Integrity)
	if e.Resolved != "" && !isRegistry(e.Resolved) {
		c.SetProperty(ecosystem.PropResolved, e.Resolved)
	}
	if !strings.Contains(key, "node_modules/") {
		c.SetProperty(sbom.PropSourcePath, key) // a workspace member
	}
	stored := r.b.Add(c)
	r.seen[name+"@"+e.Version] = true
	r.use(stored.ID, e.Dev, e.Optional || e.DevOptional)
	return stored.ID
}

// edges records the dependencies of the package installed at key.
func (r *reader) edges(pkgs map[string]entry, ids map[string]string, key string, e entry) {
	from := ids[key]
	complete := true
	dev := e.DevDependencies
	if strings.Contains(key, "node_modules/") {
		dev = nil // only the root and workspace members install their devDependencies
	}
	for _, group := range []struct {
		deps     map[string]string
		optional bool
	}{{e.Dependencies, false}, {dev, false}, {e.OptionalDependencies, true}, {e.PeerDependencies, false}} {
		for _, dep := range slices.Sorted(maps.Keys(group.deps)) {
			target, ok := resolve(pkgs, key, dep)
			if _, listed := ids[target]; ok && !listed {
				r.b.Warn("packages[%q]: %s resolves to %q, which is not a package vouch lists", key, dep, target)
				complete = false
				continue
			}
			if !ok {
				if !group.optional && !e.PeerDependenciesMeta[dep].Optional && e.PeerDependencies[dep] == "" {
					r.b.Warn("packages[%q] depends on %s, which the lockfile does not install", key, dep)
					complete = false
				}
				continue
			}
			r.b.Edge(from, ids[target])
		}
	}
	if complete {
		r.b.Complete(from)
	}
}

// resolve finds the install path a package at key gets for require(dep):
// its own node_modules first, then each enclosing directory's, as Node does.
// A workspace link is followed to the member it points at.
func resolve(pkgs map[string]entry, key, dep string) (string, bool) {
	for dir := key; ; dir = parent(dir) {
		if path.Base(dir) != "node_modules" {
			cand := path.Join(dir, "node_modules", dep)
			if e, ok := pkgs[cand]; ok {
				if e.Link {
					_, ok := pkgs[e.Resolved]
					return e.Resolved, ok && e.Resolved != ""
				}
				return cand, true
			}
		}
		if dir == "" {
			return "", false
		}
	}
}

// parent returns the directory enclosing dir, "" for the root; keys are
// relative, but a hostile "/x" or "../x" must still end at the root.
func parent(dir string) string {
	p := path.Dir(dir)
	if p == "." || p == "/" || p == ".." || p == dir {
		return ""
	}
	return p
}

// nameFromPath returns the package name of an install path: what follows
// its last node_modules/ ("@scope/name" or "name").
func nameFromPath(key string) string {
	if i := strings.LastIndex(key, "node_modules/"); i >= 0 {
		return key[i+len("node_modules/"):]
	}
	return path.Base(key)
}

// license returns the declared licence of an entry; package.json's old
// {"type": "MIT"} form is accepted too. ok is false for any other form.
func license(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var obj struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.Type != "" {
		return obj.Type, true
	}
	return "", false
}

// integrity turns a Subresource Integrity string ("sha512-<base64>", several
// separated by spaces) into hashes; forms vouch does not know are skipped.
func integrity(sri string) []sbom.Hash {
	var out []sbom.Hash
	for _, f := range strings.Fields(sri) {
		alg, b64, _ := strings.Cut(f, "-")
		b64, _, _ = strings.Cut(b64, "?") // SRI options
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		var a sbom.HashAlgorithm
		switch {
		case alg == "sha512" && len(raw) == 64:
			a = sbom.SHA512
		case alg == "sha384" && len(raw) == 48:
			a = sbom.SHA384
		case alg == "sha256" && len(raw) == 32:
			a = sbom.SHA256
		case alg == "sha1" && len(raw) == 20:
			a = sbom.SHA1
		default:
			continue
		}
		out = append(out, sbom.Hash{Algorithm: a, Value: hex.EncodeToString(raw)})
	}
	return out
}

// isRegistry reports whether resolved is a tarball URL of a registry
// (https://registry.npmjs.org/..., or a mirror's .../-/name-1.0.0.tgz).
func isRegistry(resolved string) bool {
	return strings.HasPrefix(resolved, "https://") && strings.Contains(resolved, "/-/") && strings.HasSuffix(resolved, ".tgz")
}

// readV1 reads a version 1 lockfile's nested "dependencies" tree. It does
// not record the root's own dependencies (v1 lists them only in
// package.json), so the root's edge list stays of unknown completeness.
func (r *reader) readV1(lock lockfile) {
	r.root(lock.Name, lock.Version)
	r.walkV1([]frame{r.addLevel(lock.Dependencies)})
}

// frame is one level of the v1 tree: the dependencies installed there and
// their component IDs by key.
type frame struct {
	deps map[string]v1dep
	ids  map[string]string
}

// addLevel adds the packages installed at one level of the v1 tree.
func (r *reader) addLevel(deps map[string]v1dep) frame {
	level := frame{deps: deps, ids: map[string]string{}}
	for _, key := range slices.Sorted(maps.Keys(deps)) {
		d := deps[key]
		name, version := v1name(key, d.Version)
		if name == "" {
			r.b.Skip("dependencies: an entry with no package name")
			continue
		}
		c := ecosystem.Library(PURL(name, version), name, version, r.b.Path)
		c.Hashes = integrity(d.Integrity)
		if d.Resolved != "" && !isRegistry(d.Resolved) {
			c.SetProperty(ecosystem.PropResolved, d.Resolved)
		}
		stored := r.b.Add(c)
		r.seen[name+"@"+version] = true
		r.use(stored.ID, d.Dev, d.Optional)
		level.ids[key] = stored.ID
	}
	return level
}

// v1name returns the package name and version of a v1 entry; an alias
// ("string-width-cjs": {"version": "npm:string-width@4.2.3"}) names the
// real package.
func v1name(key, version string) (string, string) {
	if rest, ok := strings.CutPrefix(version, "npm:"); ok {
		if i := strings.LastIndex(rest, "@"); i > 0 {
			return rest[:i], rest[i+1:]
		}
	}
	return key, version
}

// walkV1 records the edges of the innermost level of stack and walks into
// the levels nested under it. A requirement resolves to the nearest level
// that installs it, the entry's own nested dependencies first.
func (r *reader) walkV1(stack []frame) {
	level := stack[len(stack)-1]
	for _, key := range slices.Sorted(maps.Keys(level.deps)) {
		d := level.deps[key]
		if _, ok := level.ids[key]; !ok {
			continue
		}
		inner := stack
		if len(d.Dependencies) > 0 {
			inner = append(slices.Clip(stack), r.addLevel(d.Dependencies))
			r.walkV1(inner)
		}
		r.requiresV1(inner, level.ids[key], key, d.Requires)
	}
}

// requiresV1 records the edges from one v1 entry to what it requires.
func (r *reader) requiresV1(stack []frame, from, key string, requires map[string]string) {
	complete := true
	for _, dep := range slices.Sorted(maps.Keys(requires)) {
		id := ""
		for i := len(stack) - 1; i >= 0 && id == ""; i-- {
			id = stack[i].ids[dep]
		}
		if id == "" {
			r.b.Warn("dependencies[%q] requires %s, which the lockfile does not install", key, dep)
			complete = false
			continue
		}
		r.b.Edge(from, id)
	}
	if complete {
		r.b.Complete(from)
	}
}
