package ecosystems

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/gomod"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/npm"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/python"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ruby"
)

// Installed package trees are not one file but a directory of them. Each
// is found by a file its package manager writes into it, so that the walk
// (which hands catalogers single files) still finds the tree once; the
// tree is then read from disk around that file, and the concluded licence
// of each package comes from the licence files in its install directory.
func init() {
	cataloger.Register(cataloger.Registration{
		Name: "npm-node-modules", What: "installed node_modules tree",
		// npm (7 and later) writes node_modules/.package-lock.json and
		// Yarn 1 node_modules/.yarn-integrity once per install. pnpm's
		// node_modules holds links into its store, whose layout this
		// reader does not follow: its pnpm-lock.yaml is read instead.
		// Inside an archive or a layer there is no tree to walk, and npm's
		// hidden lockfile is read on its own (see nodeModules.stream).
		Globs: []string{".package-lock.json", ".yarn-integrity"},
		New: func(cfg cataloger.Config) cataloger.Cataloger {
			return cataloger.PerFile("npm-node-modules", nodeModules{cfg.LicenseCache}.read)
		},
		Post: dropBesideLockfile,
	})
	cataloger.Register(cataloger.Registration{
		Name: "python-installed", What: "installed Python distribution (dist-info, egg-info)",
		Globs: []string{"METADATA", "PKG-INFO"},
		New: func(cfg cataloger.Config) cataloger.Cataloger {
			return cataloger.PerFile("python-installed", (&sitePackages{cache: cfg.LicenseCache}).read)
		},
	})
	cataloger.Register(cataloger.Registration{
		Name: "ruby-installed-gemspec", What: "installed gem specification (GEM_HOME/specifications)",
		Globs: []string{"*.gemspec"},
		New: func(cfg cataloger.Config) cataloger.Cataloger {
			return cataloger.PerFile("ruby-installed-gemspec", (&gemSpecs{cache: cfg.LicenseCache}).read)
		},
	})
}

// npmLockfiles record the same packages as the node_modules tree installed
// beside them.
var npmLockfiles = []string{"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"}

// nodeModules reads the installed tree whose node_modules holds f, with
// the project's package.json beside it as the root; licence texts go
// through cache (nil: none).
//
// A lockfile beside the tree wins and the tree adds nothing: both describe
// the same packages, and the lockfile also records what an installed tree
// lacks (integrity hashes, where each package was resolved from, npm's own
// development flags rather than ones inferred by reachability). Reading
// both would give every package twice, with two edge sets. The tree is read
// where no lockfile is kept: a deployed application, an image layer.
type nodeModules struct{ cache cataloger.Cache }

func (n nodeModules) read(ctx context.Context, f cataloger.File) (*sbom.Fragment, error) {
	nm := path.Dir(f.Path())
	if path.Base(nm) != "node_modules" {
		return &sbom.Fragment{}, nil // a file of that name elsewhere
	}
	root, project, ok := treeRoot(f, path.Dir(nm))
	if !ok {
		return n.stream(ctx, f)
	}
	for _, l := range npmLockfiles {
		if isRegular(filepath.Join(root, filepath.FromSlash(project), l)) {
			return &sbom.Fragment{}, nil
		}
	}
	gomod.WarmUp(n.cache)
	fsys, done, err := rootFS(root)
	if err != nil {
		return nil, err
	}
	defer done()
	frag, err := npm.NodeModules(ctx, fsys, project)
	if err != nil {
		return nil, err
	}
	conclude(n.cache, frag, root)
	return frag, nil
}

// stream reads a tree's marker file inside an archive or a layer, where
// the tree's directories cannot be listed. npm's hidden lockfile
// (node_modules/.package-lock.json, lockfileVersion 3) lists what npm
// installed, keyed by "node_modules/…" like a package-lock.json, with the
// licence of each entry: it is read as one. A lockfile beside the tree in
// the same stream still wins (dropBesideLockfile). Yarn's .yarn-integrity
// holds hashes, not packages: that tree can be read only on disk.
func (nodeModules) stream(ctx context.Context, f cataloger.File) (*sbom.Fragment, error) {
	if path.Base(f.Path()) != ".package-lock.json" {
		return nil, fmt.Errorf("%s: a Yarn node_modules tree inside an archive or image is read only from a directory on disk: extract it to catalogue it", f.Path())
	}
	data, err := readAll(f)
	if err != nil {
		return nil, err
	}
	return npm.PackageLock(ctx, f.Path(), data)
}

// dropBesideLockfile empties what a streamed hidden lockfile gave when a
// lockfile was read beside its node_modules: both list the same packages,
// and the real lockfile says more (see nodeModules). On disk, read already
// returned nothing for such a tree. A lockfile vouch failed to read does
// not count: the tree is then all there is.
func dropBesideLockfile(found []cataloger.Found) []cataloger.Found {
	locked := map[string]bool{}
	for _, f := range found {
		if f.Err == nil && slices.Contains(npmLockfiles, path.Base(f.Path)) && strings.HasPrefix(f.Kind, "npm-") {
			locked[path.Dir(f.Path)] = true
		}
	}
	for i, f := range found {
		if f.Kind == "npm-node-modules" && f.Err == nil && locked[path.Dir(path.Dir(f.Path))] {
			found[i].Fragment = &sbom.Fragment{}
		}
	}
	return found
}

// dirOnce lets the first of a directory's files read the whole directory,
// so that what its entries depend on resolves to the entries installed
// beside them, and the others add nothing. It caches, per directory on
// disk, which file is the first.
type dirOnce struct{ first sync.Map }

// isFirst reports whether name is the first of the entries members lists
// in dir on disk.
func (o *dirOnce) isFirst(dir, name string, members func(dir string) []string) bool {
	v, ok := o.first.Load(dir)
	if !ok {
		first := ""
		if m := members(dir); len(m) > 0 {
			first = m[0]
		}
		v, _ = o.first.LoadOrStore(dir, first)
	}
	return v.(string) == name
}

// sitePackages reads installed Python distributions: on disk, a directory
// of them (a site-packages) at once; inside an archive, where there is no
// directory to list, each metadata file on its own.
type sitePackages struct {
	dirOnce
	cache cataloger.Cache
}

func (s *sitePackages) read(ctx context.Context, f cataloger.File) (*sbom.Fragment, error) {
	dist := path.Dir(f.Path())
	if distMetadata(path.Base(dist)) != path.Base(f.Path()) {
		return &sbom.Fragment{}, nil // a METADATA or PKG-INFO of something else
	}
	root, dir, ok := treeRoot(f, path.Dir(dist))
	if !ok {
		data, err := readAll(f)
		if err != nil {
			return nil, err
		}
		return python.Distribution(ctx, f.Path(), data)
	}
	if !s.isFirst(filepath.Join(root, filepath.FromSlash(dir)), path.Base(dist), dists) {
		return &sbom.Fragment{}, nil
	}
	gomod.WarmUp(s.cache)
	fsys, done, err := rootFS(root)
	if err != nil {
		return nil, err
	}
	defer done()
	frag, err := python.SitePackages(ctx, fsys, dir)
	if err != nil {
		return nil, err
	}
	// PEP 639 keeps licence files in the dist-info's licenses/; older
	// wheels put them in the dist-info itself.
	conclude(s.cache, frag, root, "licenses")
	return frag, nil
}

// distMetadata is the metadata file of an installed distribution's
// directory, "" for a directory that is none.
func distMetadata(dir string) string {
	switch {
	case strings.HasSuffix(dir, ".dist-info"):
		return "METADATA"
	case strings.HasSuffix(dir, ".egg-info"):
		return "PKG-INFO"
	}
	return ""
}

// dists lists, in order, the distributions in dir that have their
// metadata file.
func dists(dir string) []string {
	var out []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if meta := distMetadata(e.Name()); meta != "" && isRegular(filepath.Join(dir, e.Name(), meta)) {
			out = append(out, e.Name())
		}
	}
	return out
}

// gemSpecs reads installed gems: on disk, a GEM_HOME's specifications
// directory at once (its default/ subdirectory included); inside an
// archive, each gemspec on its own. A gemspec elsewhere is a project's own
// source, not an installed gem: its Gemfile.lock says what it installs.
type gemSpecs struct {
	dirOnce
	cache cataloger.Cache
}

func (g *gemSpecs) read(ctx context.Context, f cataloger.File) (*sbom.Fragment, error) {
	specDir, name := path.Dir(f.Path()), path.Base(f.Path())
	if path.Base(specDir) == "default" {
		specDir, name = path.Dir(specDir), "default/"+name
	}
	if path.Base(specDir) != "specifications" {
		return &sbom.Fragment{}, nil
	}
	root, dir, ok := treeRoot(f, specDir)
	if !ok {
		data, err := readAll(f)
		if err != nil {
			return nil, err
		}
		return ruby.GemSpec(ctx, f.Path(), data)
	}
	if !g.isFirst(filepath.Join(root, filepath.FromSlash(dir)), name, gemspecFiles) {
		return &sbom.Fragment{}, nil
	}
	gomod.WarmUp(g.cache)
	fsys, done, err := rootFS(root)
	if err != nil {
		return nil, err
	}
	defer done()
	frag, err := ruby.Specifications(ctx, fsys, dir)
	if err != nil {
		return nil, err
	}
	conclude(g.cache, frag, root)
	return frag, nil
}

// gemspecFiles lists, in order, the gemspecs of a specifications
// directory, then those of its default/ ("default/name.gemspec").
func gemspecFiles(dir string) []string {
	var out []string
	for _, sub := range []string{"", "default"} {
		entries, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".gemspec") && e.Type().IsRegular() {
				out = append(out, path.Join(sub, e.Name()))
			}
		}
	}
	return out
}

// inside reports whether dir, its links resolved, is realRoot or below it.
func inside(realRoot, dir string) bool {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(realRoot, real)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// rootFS is the directory root on disk as a file system that no path or
// symbolic link leads out of (os.Root): an installed tree in the scanned
// source may link within itself (npm workspaces do), never to the rest of
// the machine. done releases it.
func rootFS(root string) (fsys fs.FS, done func(), err error) {
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, nil, err
	}
	return r.FS(), func() { r.Close() }, nil
}

// isRegular reports whether p is a regular file.
func isRegular(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// treeRoot returns the directory on disk that f's reported path is
// relative to, and dir (a directory named as f's path names it) as a
// path inside it, so that a reader given rootFS(root) names files as the
// rest of the SBOM does. When the reported path cannot be used inside an
// fs.FS (it climbs above the root: "../app"), root is dir itself on disk.
// ok is false for a file that is not on disk.
func treeRoot(f cataloger.File, dir string) (root, inside string, ok bool) {
	local, ok := f.Local()
	if !ok {
		return "", "", false
	}
	local = filepath.ToSlash(local)
	if r, found := strings.CutSuffix(local, f.Path()); found && fs.ValidPath(dir) {
		if r == "" {
			r = "."
		}
		return filepath.FromSlash(r), dir, true
	}
	// local ends with f's path below dir: cut that part off.
	below := strings.TrimPrefix(f.Path(), dir+"/")
	return filepath.FromSlash(strings.TrimSuffix(local, below)), ".", true
}

// conclude sets the concluded licence of each component of frag from the
// licence files licensecheck identifies in its install directory
// (sbom.PropSourcePath, relative to root on disk) and in the
// subdirectories of it named by sub, through the run's licence cache.
func conclude(cache cataloger.Cache, frag *sbom.Fragment, root string, sub ...string) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return
	}
	for i := range frag.Components {
		c := &frag.Components[i]
		dir, ok := c.Property(sbom.PropSourcePath)
		if !ok || c.Licenses.Concluded != "" {
			continue
		}
		var ids []string
		for _, s := range append([]string{""}, sub...) {
			d := filepath.Join(root, filepath.FromSlash(dir), s)
			if !inside(realRoot, d) {
				continue // a link out of the scanned tree: its files are not the package's
			}
			if expr := gomod.DirLicense(cache, d); expr != "" {
				ids = append(ids, strings.Split(expr, " AND ")...)
			}
		}
		slices.Sort(ids)
		c.Licenses.Concluded = strings.Join(slices.Compact(ids), " AND ")
	}
}
