// Package manifests registers the manifests of the ecosystems vouch reads
// through their lockfiles: package.json, pyproject.toml, setup.py,
// setup.cfg, Pipfile, Cargo.toml, composer.json, Gemfile, .NET project
// files, Gradle build scripts and Package.swift.
//
// A manifest says what a project asks for (ranges, not versions), so vouch
// reads no components from it and does not even open it: its cataloger
// only records that it was found. The registration's post step then looks
// among the files found in the same run (in a directory, or in one
// archive) for a lockfile of its ecosystem beside it — or in a directory
// above, for ecosystems whose workspaces share the root's lockfile. A
// manifest without one is a project whose dependencies are not in the
// SBOM: a warning naming it, a status the run's summary lists as not read,
// and an incomplete document.
//
// A manifest found inside an installed tree (node_modules) belongs to a
// package, not to a project, and is left out.
package manifests

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

// manifest is one kind of manifest and the lockfiles that cover it.
type manifest struct {
	name, what string
	globs      []string
	// locks are globs of paths relative to the manifest's directory.
	locks []string
	// workspace: a lockfile in a directory above covers the manifest too.
	workspace bool
}

// table is every manifest kind vouch knows. Maven's pom.xml is not here:
// vouch reads it.
var table = []manifest{
	{"npm-manifest", "npm package.json", []string{"package.json"},
		[]string{"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "node_modules/.package-lock.json", "node_modules/.yarn-integrity"}, true},
	{"python-manifest", "Python project manifest", []string{"pyproject.toml", "setup.py", "setup.cfg"},
		[]string{"poetry.lock", "uv.lock", "pdm.lock", "pylock.toml", "pylock.*.toml", "Pipfile.lock", "requirements.txt", "requirements-*.txt", "requirements_*.txt"}, true},
	{"python-pipfile-manifest", "Pipfile", []string{"Pipfile"}, []string{"Pipfile.lock"}, false},
	{"rust-manifest", "Cargo.toml", []string{"Cargo.toml"}, []string{"Cargo.lock"}, true},
	{"php-manifest", "composer.json", []string{"composer.json"}, []string{"composer.lock"}, false},
	{"ruby-manifest", "Gemfile", []string{"Gemfile", "gems.rb"}, []string{"Gemfile.lock", "gems.locked"}, false},
	{"dotnet-manifest", ".NET project file", []string{"*.csproj", "*.fsproj", "*.vbproj"}, []string{"packages.lock.json"}, false},
	{"java-gradle-manifest", "Gradle build script", []string{"build.gradle", "build.gradle.kts"}, []string{"gradle.lockfile"}, false},
	{"swift-manifest", "Package.swift", []string{"Package.swift"}, []string{"Package.resolved"}, false},
}

// installedDir names directories whose manifests are installed packages'.
const installedDir = "node_modules"

func init() {
	for _, m := range table {
		cataloger.Register(cataloger.Registration{
			Name: m.name, What: m.what, Globs: m.globs,
			New:  func(cataloger.Config) cataloger.Cataloger { return cataloger.PerFile(m.name, found) },
			Post: m.post,
		})
	}
}

// found records a manifest: it has no components of its own.
func found(context.Context, cataloger.File) (*sbom.Fragment, error) {
	return &sbom.Fragment{}, nil
}

// post judges every manifest of kind m that was read: one inside an
// installed tree is dropped, one without a lockfile gets a warning and a
// not-read status. An installed npm tree nothing reads (no hidden
// lockfile in it, no lockfile for its project: a global install, a tree
// copied without them) is one warning and one not-read status, named by
// its node_modules directory, rather than silence.
func (m manifest) post(all []cataloger.Found) []cataloger.Found {
	out := make([]cataloger.Found, 0, len(all))
	var files map[string][]string // built when a manifest of kind m is found
	reported := map[string]bool{} // installed trees already named
	for _, f := range all {
		switch {
		case f.Kind != m.name || f.Err != nil:
		case installedRoot(f.Path) != "":
			root := installedRoot(f.Path)
			if m.name != npmManifest || reported[root] || m.locked(dirOf(root)+"package.json", filesOf(all, &files)) {
				continue
			}
			reported[root] = true
			f.Path = root
			f.Fragment = notRead(root, m.name, "an installed npm tree without the hidden lockfile npm writes (node_modules/.package-lock.json) or .yarn-integrity, and no lockfile for its project: its packages are not catalogued")
		case !m.locked(f.Path, filesOf(all, &files)):
			f.Fragment = notRead(f.Path, m.name, m.missing())
		}
		out = append(out, f)
	}
	return out
}

// npmManifest is the kind of npm's package.json, the manifest of every
// package installed in node_modules.
const npmManifest = "npm-manifest"

// notRead is the fragment of a file found but not catalogued: a warning
// and a not-read status saying why.
func notRead(p, kind, why string) *sbom.Fragment {
	return &sbom.Fragment{
		Warnings: []sbom.Warning{{Path: p, Message: why}},
		Files:    []sbom.FileStatus{{Path: p, Kind: kind, NotRead: why}},
	}
}

// missing says what a manifest without its lockfile lacks.
func (m manifest) missing() string {
	where := "beside it"
	if m.workspace {
		where = "beside it or in a directory above"
	}
	return fmt.Sprintf("%s without a lockfile (%s) %s: its dependencies are not catalogued", m.what, strings.Join(m.locks, ", "), where)
}

// filesOf indexes the base names of the files of a run by their
// directory (as dirOf returns it), once: a tree can hold thousands of
// manifests.
func filesOf(all []cataloger.Found, files *map[string][]string) map[string][]string {
	if *files == nil {
		*files = map[string][]string{}
		for _, f := range all {
			dir := dirOf(f.Path)
			(*files)[dir] = append((*files)[dir], f.Path[len(dir):])
		}
	}
	return *files
}

// locked reports whether a lockfile covering the manifest at p is among
// the files of the run, indexed by directory.
func (m manifest) locked(p string, files map[string][]string) bool {
	for dir := dirOf(p); ; {
		for _, g := range m.locks {
			sub, base := path.Split(g)
			for _, name := range files[dir+sub] {
				if ok, _ := path.Match(base, name); ok {
					return true
				}
			}
		}
		up, ok := parent(dir)
		if !m.workspace || !ok {
			return false
		}
		dir = up
	}
}

// dirOf is the directory part of a reported path, with its separator: a
// path inside an archive ("dist/app.tgz!web/package.json") is split at its
// last "/" or "!", so that lockfiles are looked for in the same archive.
// A file at the root has the prefix "".
func dirOf(p string) string {
	return p[:strings.LastIndexAny(p, "/!")+1]
}

// parent is the directory above dir (as dirOf returns it); ok is false at
// the root, and at the root of an archive: a manifest in an archive is
// covered by a lockfile in the same archive only.
func parent(dir string) (string, bool) {
	if dir == "" || strings.HasSuffix(dir, "!") {
		return "", false
	}
	return dirOf(dir[:len(dir)-1]), true
}

// installedRoot is the path of the outermost installed package tree
// (node_modules) p lies in, or "" when it lies in none.
func installedRoot(p string) string {
	for i := 0; i <= len(p); {
		end := len(p)
		if j := strings.IndexAny(p[i:], "/!"); j >= 0 {
			end = i + j
		}
		if p[i:end] == installedDir {
			return p[:end]
		}
		i = end + 1
	}
	return ""
}
