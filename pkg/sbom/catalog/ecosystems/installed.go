package ecosystems

import (
	"context"
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
		Globs: []string{".package-lock.json", ".yarn-integrity"}, DiskOnly: true,
		New: func(cataloger.Config) cataloger.Cataloger { return cataloger.PerFile("npm-node-modules", nodeModules) },
	})
	cataloger.Register(cataloger.Registration{
		Name: "python-installed", What: "installed Python distribution (dist-info, egg-info)",
		Globs: []string{"METADATA", "PKG-INFO"},
		New: func(cataloger.Config) cataloger.Cataloger {
			return cataloger.PerFile("python-installed", (&sitePackages{}).read)
		},
	})
}

// npmLockfiles record the same packages as the node_modules tree installed
// beside them.
var npmLockfiles = []string{"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"}

// nodeModules reads the installed tree whose node_modules holds f, with
// the project's package.json beside it as the root.
//
// A lockfile beside the tree wins and the tree adds nothing: both describe
// the same packages, and the lockfile also records what an installed tree
// lacks (integrity hashes, where each package was resolved from, npm's own
// development flags rather than ones inferred by reachability). Reading
// both would give every package twice, with two edge sets. The tree is read
// where no lockfile is kept: a deployed application, an image layer.
func nodeModules(ctx context.Context, f cataloger.File) (*sbom.Fragment, error) {
	nm := path.Dir(f.Path())
	if path.Base(nm) != "node_modules" {
		return &sbom.Fragment{}, nil // a file of that name elsewhere
	}
	root, project, ok := treeRoot(f, path.Dir(nm))
	if !ok {
		return &sbom.Fragment{}, nil
	}
	for _, l := range npmLockfiles {
		if fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(project), l)); err == nil && fi.Mode().IsRegular() {
			return &sbom.Fragment{}, nil
		}
	}
	frag, err := npm.NodeModules(ctx, os.DirFS(root), project)
	if err != nil {
		return nil, err
	}
	conclude(frag, root)
	return frag, nil
}

// sitePackages reads installed Python distributions. On disk, the first
// distribution of a directory (a site-packages) reads them all, so that
// each one's Requires-Dist resolves to the distributions installed beside
// it, and the others add nothing. Inside an archive, where there is no
// directory to list, each metadata file is read on its own.
type sitePackages struct {
	// first caches, per directory on disk, the name of its first
	// distribution: the one that reads the directory.
	first sync.Map
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
	if s.firstDist(root, dir) != path.Base(dist) {
		return &sbom.Fragment{}, nil
	}
	frag, err := python.SitePackages(ctx, os.DirFS(root), dir)
	if err != nil {
		return nil, err
	}
	// PEP 639 keeps licence files in the dist-info's licenses/; older
	// wheels put them in the dist-info itself.
	conclude(frag, root, "licenses")
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

// firstDist returns the name of the first directory, in lexical order, of
// dir under root that is a distribution with its metadata file.
func (s *sitePackages) firstDist(root, dir string) string {
	if v, ok := s.first.Load(dir); ok {
		return v.(string)
	}
	first := ""
	entries, _ := os.ReadDir(filepath.Join(root, filepath.FromSlash(dir)))
	for _, e := range entries {
		meta := distMetadata(e.Name())
		if meta == "" {
			continue
		}
		if fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(dir), e.Name(), meta)); err == nil && fi.Mode().IsRegular() {
			first = e.Name()
			break
		}
	}
	s.first.Store(dir, first)
	return first
}

// treeRoot returns the directory on disk that f's reported path is
// relative to, and dir (a directory named as f's path names it) as a
// path inside it, so that a reader given os.DirFS(root) names files as the
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
// subdirectories of it named by sub.
func conclude(frag *sbom.Fragment, root string, sub ...string) {
	for i := range frag.Components {
		c := &frag.Components[i]
		dir, ok := c.Property(sbom.PropSourcePath)
		if !ok || c.Licenses.Concluded != "" {
			continue
		}
		var ids []string
		for _, s := range append([]string{""}, sub...) {
			if expr := gomod.DirLicense(filepath.Join(root, filepath.FromSlash(dir), s)); expr != "" {
				ids = append(ids, strings.Split(expr, " AND ")...)
			}
		}
		slices.Sort(ids)
		c.Licenses.Concluded = strings.Join(slices.Compact(ids), " AND ")
	}
}
