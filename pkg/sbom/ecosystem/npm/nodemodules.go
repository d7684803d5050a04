package npm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/packagejson"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// maxNesting bounds how deep node_modules directories are followed: real
// trees nest a few levels, and a symbolic link loop must end.
const maxNesting = 32

// NodeModules reads an installed npm tree: the project's package.json in
// dir of fsys and every package under its node_modules, at any depth. Each
// installed package.json gives the name, version and declared licence;
// dependencies resolve as Node resolves require(), from the package's own
// node_modules up to the project's; what only the project's
// devDependencies reach is development.
func NodeModules(ctx context.Context, fsys fs.FS, dir string) (*sbom.Fragment, error) {
	root, err := readManifest(fsys, path.Join(dir, "package.json"))
	if errors.Is(err, fs.ErrNotExist) {
		// A global install (usr/lib/node_modules) has no project: its
		// packages are all there, with nothing above them.
		root, err = entry{}, nil
	}
	if err != nil {
		return nil, err
	}
	r := &reader{b: ecosystem.NewBuilder(path.Join(dir, "node_modules")), seen: map[string]bool{}, flags: map[string]*usage{}}
	lock := lockfile{Packages: map[string]entry{"": root}}
	fromScalibr := map[string]bool{}
	r.installed(ctx, fsys, dir, "", lock.Packages, fromScalibr, 0)
	r.readPackages(lock)
	r.installDirs(dir, lock.Packages)
	r.markDevelopment(lock.Packages[""])
	r.b.CrossCheck(fromScalibr, r.seen)
	return r.b.Fragment(), nil
}

// installDirs records in sbom.PropSourcePath where each package is
// installed (the first of its install paths, in order): the directory
// holding its licence files, from which a licence can be concluded.
func (r *reader) installDirs(dir string, pkgs map[string]entry) {
	for _, key := range slices.Sorted(maps.Keys(pkgs)) {
		e := pkgs[key]
		name := cmp.Or(e.Name, nameFromPath(key))
		if key == "" || name == "" {
			continue
		}
		if c := r.b.Get(PURL(name, e.Version)); c != nil {
			if _, ok := c.Property(sbom.PropSourcePath); !ok {
				c.SetProperty(sbom.PropSourcePath, path.Join(dir, key))
			}
		}
	}
}

// readManifest reads one package.json as a lockfile entry.
func readManifest(fsys fs.FS, file string) (entry, error) {
	var e entry
	data, err := ecosystem.ReadFS(fsys, file, ecosystem.MaxFileSize)
	if err != nil {
		return e, err
	}
	if err := strictjson.Unmarshal(data, &e, ecosystem.MaxDepth); err != nil {
		return e, fmt.Errorf("%s: %w", file, strictjson.Explain(data, err))
	}
	return e, nil
}

// installed adds, under their install paths (relative to the project, as
// a lockfile keys them), the packages in key's node_modules and, below
// them, theirs.
func (r *reader) installed(ctx context.Context, fsys fs.FS, dir, key string, pkgs map[string]entry, fromScalibr map[string]bool, depth int) {
	nm := path.Join(key, "node_modules")
	entries, err := fs.ReadDir(fsys, path.Join(dir, nm))
	if err != nil || depth > maxNesting {
		return
	}
	for _, d := range entries {
		name := d.Name()
		switch {
		case strings.HasPrefix(name, "."): // .bin, .package-lock.json, .pnpm
		case strings.HasPrefix(name, "@"):
			scoped, err := fs.ReadDir(fsys, path.Join(dir, nm, name))
			if err != nil {
				r.b.Warn("%s: %v", path.Join(nm, name), err)
				continue
			}
			for _, s := range scoped {
				r.install(ctx, fsys, dir, path.Join(nm, name, s.Name()), pkgs, fromScalibr, depth)
			}
		default:
			r.install(ctx, fsys, dir, path.Join(nm, name), pkgs, fromScalibr, depth)
		}
	}
}

// install adds the package installed at key, then what it installs.
func (r *reader) install(ctx context.Context, fsys fs.FS, dir, key string, pkgs map[string]entry, fromScalibr map[string]bool, depth int) {
	file := path.Join(dir, key, "package.json")
	e, err := readManifest(fsys, file)
	if err != nil {
		r.b.Warn("%v", err)
		return
	}
	e.DevDependencies = nil // a dependency's devDependencies are not installed
	pkgs[key] = e
	if found, err := ecosystem.ExtractFS(ctx, &packagejson.Extractor{}, fsys, file); err == nil {
		for _, p := range found {
			fromScalibr[p.Name+"@"+p.Version] = true
		}
	}
	r.installed(ctx, fsys, dir, key, pkgs, fromScalibr, depth+1)
}

// markDevelopment marks what the project's production dependencies do not
// reach as development: installed package.json files carry no such flag.
func (r *reader) markDevelopment(root entry) {
	frag := r.b.Fragment()
	edges := map[string][]string{}
	for _, d := range frag.Dependencies {
		edges[d.Ref] = d.DependsOn
	}
	var start []string
	for _, id := range edges[frag.Primary] {
		if c := r.b.Get(id); c != nil && !isDevOnly(root, c.Name) {
			start = append(start, id)
		}
	}
	prod := ecosystem.Reachable(edges, start)
	for _, c := range frag.Components {
		if c.ID != frag.Primary && !prod[c.ID] {
			ecosystem.MarkDevelopment(r.b.Get(c.ID))
		}
	}
}

// isDevOnly reports whether the project lists name only as a devDependency.
func isDevOnly(root entry, name string) bool {
	_, dev := root.DevDependencies[name]
	_, dep := root.Dependencies[name]
	_, opt := root.OptionalDependencies[name]
	_, peer := root.PeerDependencies[name]
	return dev && !dep && !opt && !peer
}
