package ecosystem_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/alpine"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/debian"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/dotnet"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/java"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/npm"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/php"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/python"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ruby"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/rust"
)

// fixture is one real fixture of an ecosystem reader and its ground truth
// (see each package's testdata/ORIGIN; licences from testdata/licenses.py).
type fixture struct {
	eco, name string
	// read reads the fixture; dir is the folder it is in.
	read  func(ctx context.Context) (*sbom.Fragment, error)
	truth string
	// direct says the format records the project's own dependencies: the
	// root's edges are then exactly the truth's "" edges; otherwise the
	// reader must not make any up.
	direct bool
}

// file reads a lockfile with one of the readers of bytes.
func file(fn ecotest.Reader, p string) func(context.Context) (*sbom.Fragment, error) {
	return func(ctx context.Context) (*sbom.Fragment, error) {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		return fn(ctx, filepath.ToSlash(p), data)
	}
}

// tree reads a directory tree (a root file system, node_modules,
// site-packages) with one of the readers of a file system.
func tree(fn func(context.Context, fs.FS, string) (*sbom.Fragment, error), root, p string) func(context.Context) (*sbom.Fragment, error) {
	return func(ctx context.Context) (*sbom.Fragment, error) { return fn(ctx, os.DirFS(root), p) }
}

// lock is the fixture of a lockfile named name in eco/testdata/dir.
func lock(eco, dir, name string, fn ecotest.Reader, direct bool) fixture {
	d := filepath.Join(eco, "testdata", dir)
	return fixture{eco, dir, file(fn, filepath.Join(d, name)), filepath.Join(d, "truth.json"), direct}
}

var fixtures = []fixture{
	lock("npm", "v1-react", "package-lock.json", npm.PackageLock, false), // v1 keeps the project's dependencies in package.json only
	lock("npm", "v2-sigstore", "package-lock.json", npm.PackageLock, true),
	lock("npm", "v3-express", "package-lock.json", npm.PackageLock, true),
	lock("npm", "sigstore-js", "package-lock.json", npm.PackageLock, true),
	lock("npm", "ws", "package-lock.json", npm.PackageLock, true),
	lock("npm", "yarn-express", "yarn.lock", npm.YarnLock, false), // yarn.lock does not list the project
	lock("npm", "pnpm-express", "pnpm-lock.yaml", npm.PnpmLock, true),
	{"npm", "node-modules", tree(npm.NodeModules, "npm/testdata/node-modules", "express"), "npm/testdata/node-modules/truth.json", true},
	lock("python", "poetry-1", "poetry.lock", python.Poetry, false), // the project's requirements are in pyproject.toml
	lock("python", "poetry-2", "poetry.lock", python.Poetry, false),
	lock("python", "uv", "uv.lock", python.UV, true),
	lock("python", "pipenv", "Pipfile.lock", python.Pipfile, false),                      // a flat list, no graph
	lock("python", "requirements-hashes", "requirements.txt", python.Requirements, true), // pip-compile's "# via" annotations
	{"python", "site-packages", tree(python.SitePackages, "python/testdata", "site-packages"), "python/testdata/site-packages.truth.json", false},
	lock("rust", "ripgrep-v1", "Cargo.lock", rust.CargoLock, true),
	lock("rust", "ripgrep-v4", "Cargo.lock", rust.CargoLock, true),
	lock("rust", "fd", "Cargo.lock", rust.CargoLock, true),
	lock("php", "composer-2017", "composer.lock", php.ComposerLock, false), // the project's requirements are in composer.json
	lock("php", "composer-2026", "composer.lock", php.ComposerLock, false),
	lock("ruby", "devise", "Gemfile.lock", ruby.GemfileLock, true),
	lock("ruby", "rubygems.org", "Gemfile.lock", ruby.GemfileLock, true),
	lock("dotnet", "bitwarden-api", "packages.lock.json", dotnet.PackagesLock, true),
	lock("dotnet", "simpletweaks", "packages.lock.json", dotnet.PackagesLock, true),
	lock("java", "terra-cli", "gradle.lockfile", java.GradleLockfile, false), // a flat list per configuration
	lock("java", "dd-javac-plugin", "gradle.lockfile", java.GradleLockfile, false),
	{"debian", "debian12", tree(debian.Status, "debian/testdata/debian12", "var/lib/dpkg/status"), "debian/testdata/debian12/truth.json", false},
	{"alpine", "alpine318", tree(alpine.Installed, "alpine/testdata/alpine318", "lib/apk/db/installed"), "alpine/testdata/alpine318/truth.json", false},
}

// TestDirectAndLicences: for every fixture of every ecosystem, the root's
// edges are exactly the project's direct dependencies where the format
// records them (and none where it does not), and each package carries the
// declared licence its file states, for the share of packages the format
// carries one for (reported per fixture).
func TestDirectAndLicences(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.eco+"/"+fx.name, func(t *testing.T) {
			frag, err := fx.read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			truth := ecotest.Load(t, fx.truth)
			got, want := rootEdges(frag), wantRoot(truth)
			switch {
			case fx.direct && len(want) == 0:
				t.Fatalf("the truth has no edges of the project: the fixture shows nothing")
			case fx.direct && !slices.Equal(got, want):
				t.Errorf("the root's edges differ from the project's direct dependencies\n got %v\nwant %v", got, want)
			case !fx.direct && len(got) > 0:
				t.Errorf("the format does not record the project's dependencies, yet the root has edges %v", got)
			}
			licences := declared(frag)
			ecotest.Score(t, "licences", licences, truthLicences(truth), 0.99)
			t.Logf("direct dependencies: %d; licences: %d of %d packages (%.0f%%)",
				len(got), len(licences), len(truth.Packages), 100*float64(len(licences))/float64(max(1, len(truth.Packages))))
		})
	}
}

// key names a component as the truths do: name@version, the primary "".
func key(frag *sbom.Fragment, id string) string {
	if id == frag.Primary {
		return ""
	}
	if i := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.ID == id }); i >= 0 {
		return frag.Components[i].Name + "@" + frag.Components[i].Version
	}
	return id
}

// rootEdges lists the primary component's edges as " -> name@version",
// once each (a gem's platform builds are one name@version).
func rootEdges(frag *sbom.Fragment) []string {
	var out []string
	for _, d := range frag.Dependencies {
		if d.Ref == frag.Primary && frag.Primary != "" {
			for _, to := range d.DependsOn {
				out = append(out, " -> "+key(frag, to))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func wantRoot(truth ecotest.Truth) []string {
	var out []string
	for _, e := range truth.Edges {
		if strings.HasPrefix(e, " -> ") {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	return out
}

// declared lists "name@version licence" for each package with a declared
// licence, as an SPDX expression or, where it is none, the text kept.
func declared(frag *sbom.Fragment) []string {
	var out []string
	for _, c := range frag.Components {
		if c.ID == frag.Primary {
			continue
		}
		lic := c.Licenses.Declared
		if text, ok := c.Property(ecosystem.PropLicenseText); ok && lic == "" {
			lic = text
		}
		if lic != "" {
			out = append(out, c.Name+"@"+c.Version+" "+lic)
		}
	}
	return out
}

func truthLicences(truth ecotest.Truth) []string {
	var out []string
	for k, v := range truth.Licenses {
		out = append(out, k+" "+v)
	}
	return out
}
