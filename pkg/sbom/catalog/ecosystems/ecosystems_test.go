package ecosystems_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// fixture is an ecosystem package's real fixture placed in a project tree.
type fixture struct {
	src, dst string // a directory or a file under ../../ecosystem, and where it goes
}

// walkCases are the installed trees and lockfiles this package registers,
// each as a tree catalog.Run walks: every case is found by its kind, with
// the packages its ground truth lists (recall and precision ≥ 0.99).
var walkCases = []struct {
	name    string
	files   []fixture
	kind    catalog.Kind
	sources int    // how many sources of kind the walk reads
	purl    string // the purl prefix of the ecosystem's packages
	truth   string // truth.json under ../../ecosystem
	// concluded are licences the licence files of an installed package
	// must give it.
	concluded map[string]string
}{
	{
		name:  "npm node_modules",
		files: []fixture{{"npm/testdata/installed/app", "srv/app"}},
		kind:  "npm-node-modules", sources: 1, purl: "pkg:npm/", truth: "npm/testdata/installed/truth.json",
		concluded: map[string]string{"pkg:npm/express@4.21.2": "MIT", "pkg:npm/%40types/node@22.10.2": "MIT"},
	},
	{
		name:  "Yarn 1 node_modules",
		files: []fixture{{"npm/testdata/node-modules/express", "app"}},
		kind:  "npm-node-modules", sources: 1, purl: "pkg:npm/", truth: "npm/testdata/node-modules/truth.json",
	},
	{
		name:  "python site-packages",
		files: []fixture{{"python/testdata/site-packages", "venv/lib/python3.11/site-packages"}},
		kind:  "python-installed", sources: 94, purl: "pkg:pypi/", truth: "python/testdata/site-packages.truth.json",
		concluded: map[string]string{"pkg:pypi/flask@3.1.3": "BSD-3-Clause", "pkg:pypi/attrs@26.1.0": "MIT"},
	},
	{
		name:  "Ruby GEM_HOME",
		files: []fixture{{"ruby/testdata/gem-home", "usr/lib/ruby/gems/3.1.0"}},
		kind:  "ruby-installed-gemspec", sources: 85, purl: "pkg:gem/", truth: "ruby/testdata/gem-home.truth.json",
		concluded: map[string]string{"pkg:gem/rake@13.0.6": "MIT", "pkg:gem/debug@1.4.0": "BSD-2-Clause"},
	},
	{
		name:  "Swift Package.resolved v3",
		files: []fixture{{"swift/testdata/v3-periphery/Package.resolved", "app/Package.resolved"}},
		kind:  "swift-package-resolved", sources: 1, purl: "pkg:swift/", truth: "swift/testdata/v3-periphery/truth.json",
	},
	{
		name:  "Swift Package.resolved v1 in an Xcode project",
		files: []fixture{{"swift/testdata/v1-tuist/Package.resolved", "App.xcodeproj/project.xcworkspace/xcshareddata/swiftpm/Package.resolved"}},
		kind:  "swift-package-resolved", sources: 1, purl: "pkg:swift/", truth: "swift/testdata/v1-tuist/truth.json",
	},
	{
		name:  ".NET deps.json of a built app",
		files: []fixture{{"dotnet/testdata/deps-testlibrary/TestLibrary.deps.json", "bin/Release/net6.0/TestLibrary.deps.json"}},
		kind:  "dotnet-deps-json", sources: 1, purl: "pkg:nuget/", truth: "dotnet/testdata/deps-testlibrary/truth.json",
	},
	{
		name:  "Yarn berry lockfile",
		files: []fixture{{"npm/testdata/berry-express/yarn.lock", "web/yarn.lock"}},
		kind:  "npm-yarn-lock", sources: 1, purl: "pkg:npm/", truth: "npm/testdata/berry-express/truth.json",
	},
	{
		name:  "pnpm lockfile v6",
		files: []fixture{{"npm/testdata/pnpm6-express/pnpm-lock.yaml", "web/pnpm-lock.yaml"}},
		kind:  "npm-pnpm-lock", sources: 1, purl: "pkg:npm/", truth: "npm/testdata/pnpm6-express/truth.json",
	},
	{
		name:  "pnpm lockfile v5",
		files: []fixture{{"npm/testdata/pnpm5-express/pnpm-lock.yaml", "web/pnpm-lock.yaml"}},
		kind:  "npm-pnpm-lock", sources: 1, purl: "pkg:npm/", truth: "npm/testdata/pnpm5-express/truth.json",
	},
}

// TestWalkFindsEachKind runs the catalog over a temporary tree holding
// each fixture and scores the ecosystem's components in the SBOM against
// the fixture's ground truth.
func TestWalkFindsEachKind(t *testing.T) {
	for _, tc := range walkCases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for _, f := range tc.files {
				place(t, filepath.Join("../../ecosystem", f.src), filepath.Join(root, f.dst))
			}
			res := run(t, root)
			if res.Sources[tc.kind] != tc.sources {
				t.Errorf("sources %v, want %d of %s", res.Sources, tc.sources, tc.kind)
			}
			truth := ecotest.Load(t, filepath.Join("../../ecosystem", tc.truth))
			var got []string
			for _, c := range res.Document.Components {
				if strings.HasPrefix(c.PURL, tc.purl) && c.ID != res.Document.Primary && c.Type == sbom.TypeLibrary {
					got = append(got, c.Name+"@"+c.Version)
				}
			}
			ecotest.Score(t, tc.name, got, truth.Packages, 0.99)
			for id, lic := range tc.concluded {
				if c := res.Document.Component(id); c == nil || c.Licenses.Concluded != lic {
					t.Errorf("%s: concluded licence: got %+v, want %s", id, c, lic)
				}
			}
		})
	}
}

// TestLockfileWinsOverTree: a node_modules tree with the project's
// package-lock.json beside it is read once, from the lockfile (control:
// the same tree without the lockfile is read from node_modules).
func TestLockfileWinsOverTree(t *testing.T) {
	root := t.TempDir()
	place(t, "../../ecosystem/npm/testdata/installed/app", root)
	place(t, "../../ecosystem/npm/testdata/v3-express/package-lock.json", filepath.Join(root, "package-lock.json"))
	res := run(t, root)
	if res.Sources["npm-package-lock"] != 1 {
		t.Fatalf("sources %v: the lockfile was not read", res.Sources)
	}
	for _, c := range res.Document.Components {
		if v, _ := c.Property("vouch:source:lockfile"); strings.Contains(v, "node_modules") {
			t.Fatalf("%s read from the installed tree beside a lockfile (%s)", c.ID, v)
		}
	}
}

// TestInstalledInArchive: installed Python distributions and gems inside a
// release archive, where there is no directory to list, are read one
// metadata file at a time: every package is found, with its declared
// licence, and no dependency list is claimed for it.
func TestInstalledInArchive(t *testing.T) {
	for _, tc := range []struct {
		src, dst, purl, truth string
	}{
		{"python/testdata/site-packages", "lib/python3.11/site-packages", "pkg:pypi/", "python/testdata/site-packages.truth.json"},
		{"ruby/testdata/gem-home", "lib/ruby/gems/3.1.0", "pkg:gem/", "ruby/testdata/gem-home.truth.json"},
	} {
		t.Run(tc.purl, func(t *testing.T) {
			root := t.TempDir()
			writeTarGz(t, filepath.Join(root, "dist", "app.tar.gz"), filepath.Join("../../ecosystem", tc.src), tc.dst)
			res := run(t, root)
			truth := ecotest.Load(t, filepath.Join("../../ecosystem", tc.truth))
			var got, lic, wantLic []string
			for _, c := range res.Document.Components {
				if strings.HasPrefix(c.PURL, tc.purl) {
					got = append(got, c.Name+"@"+c.Version)
					declared := c.Licenses.Declared
					if text, ok := c.Property(ecosystem.PropLicenseText); ok {
						declared = text // words that are no SPDX expression, kept as stated
					}
					if declared != "" {
						lic = append(lic, c.Name+"@"+c.Version+" "+declared)
					}
				}
			}
			for k, v := range truth.Licenses {
				wantLic = append(wantLic, k+" "+v)
			}
			ecotest.Score(t, "packages", got, truth.Packages, 0.99)
			ecotest.Score(t, "licences", lic, wantLic, 0.99)
			for _, d := range res.Document.Dependencies {
				if strings.HasPrefix(d.Ref, tc.purl) && len(d.DependsOn) > 0 {
					t.Errorf("%s: edges %v from a file read alone", d.Ref, d.DependsOn)
				}
			}
		})
	}
}

// writeTarGz writes the files under dir into a new .tar.gz at file, below
// prefix.
func writeTarGz(t *testing.T, file, dir, prefix string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	gz := gzip.NewWriter(out)
	tw := tar.NewWriter(gz)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		hdr := &tar.Header{Name: path.Join(prefix, filepath.ToSlash(rel)), Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestWheel: a wheel, found in a directory and inside a release archive,
// gives its distribution (control: the wheel's METADATA read by Python's
// zipfile and email modules says wheel 0.43.0 and the same purl).
func TestWheel(t *testing.T) {
	const src = "../../ecosystem/python/testdata/wheel/wheel-0.43.0-py3-none-any.whl"
	for _, tc := range []struct {
		name  string
		kind  catalog.Kind // what the walk counts: an archive's entries are its own
		setup func(t *testing.T, root string)
	}{
		{"directory", "python-wheel", func(t *testing.T, root string) {
			place(t, src, filepath.Join(root, "dist", "wheel-0.43.0-py3-none-any.whl"))
		}},
		{"tar.gz", catalog.KindArchive, func(t *testing.T, root string) {
			writeTarGz(t, filepath.Join(root, "release.tar.gz"), filepath.Dir(src), "wheels")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			tc.setup(t, root)
			res := run(t, root)
			if res.Sources[tc.kind] != 1 {
				t.Errorf("sources %v, want one %s", res.Sources, tc.kind)
			}
			if c := res.Document.Component("pkg:pypi/wheel@0.43.0"); c == nil || c.Name != "wheel" {
				t.Errorf("no pkg:pypi/wheel@0.43.0 in %+v", res.Document.Components)
			}
		})
	}
}

// TestRootAboveWorkingDirectory: a root named "../web" (whose reported
// paths cannot be used inside an fs.FS) still finds the installed tree
// and its licence files (control: the same tree named from its parent).
func TestRootAboveWorkingDirectory(t *testing.T) {
	parent := t.TempDir()
	place(t, "../../ecosystem/npm/testdata/installed/app", filepath.Join(parent, "web"))
	if err := os.Mkdir(filepath.Join(parent, "cwd"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ cwd, root string }{{parent, "web"}, {filepath.Join(parent, "cwd"), "../web"}} {
		t.Run(tc.root, func(t *testing.T) {
			t.Chdir(tc.cwd)
			res := run(t, tc.root)
			c := res.Document.Component("pkg:npm/express@4.21.2")
			if c == nil || c.Licenses.Concluded != "MIT" || res.Sources["npm-node-modules"] != 1 {
				t.Errorf("express: %+v, sources %v", c, res.Sources)
			}
		})
	}
}

// run catalogs root.
func run(t *testing.T, root string) *catalog.Result {
	t.Helper()
	res, err := catalog.Run(context.Background(), []string{root}, catalog.Options{Created: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors {
		t.Errorf("source error: %v", e)
	}
	return res
}

// place copies the file or directory src to dst.
func place(t *testing.T, src, dst string) {
	t.Helper()
	fi, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if fi.IsDir() {
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(dst, os.DirFS(src)); err != nil && !os.IsExist(err) {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestInstalledTreeStaysInside: a package of an installed node_modules
// that is a symbolic link out of the scanned tree is not read (the reader
// sees the tree through os.Root), while a link inside the tree, as npm
// workspaces make, is. Control first: the same tree with the package
// linked from inside.
func TestInstalledTreeStaysInside(t *testing.T) {
	outside := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pkg := `{"name":"secret-pkg","version":"6.6.6","license":"MIT"}`
	write(filepath.Join(outside, "secret", "package.json"), pkg)
	for _, tc := range []struct {
		name, target string
		found        bool
	}{
		{"inside", "../packages/secret", true},
		{"outside", filepath.Join(outside, "secret"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			write(filepath.Join(root, "package.json"), `{"name":"app","version":"1.0.0","dependencies":{"secret-pkg":"*"}}`)
			write(filepath.Join(root, "packages", "secret", "package.json"), pkg)
			write(filepath.Join(root, "node_modules", ".package-lock.json"), `{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{}}`)
			if err := os.Symlink(tc.target, filepath.Join(root, "node_modules", "secret-pkg")); err != nil {
				t.Fatal(err)
			}
			res := run(t, root)
			found := false
			for _, c := range res.Document.Components {
				if c.Name == "secret-pkg" {
					found = true
				}
			}
			if found != tc.found {
				t.Errorf("secret-pkg in the SBOM: %v, want %v", found, tc.found)
			}
		})
	}
}

// TestConcludedLicenceStaysInside: the concluded licence of an installed
// package comes from licence files inside the scanned tree; a licenses/
// directory that links out of it is not read. Control: the same directory
// linked from inside the tree is.
func TestConcludedLicenceStaysInside(t *testing.T) {
	lic, err := os.ReadFile("../../ecosystem/python/testdata/site-packages/requests-2.34.2.dist-info/licenses/LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "LICENSE"), lic, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		inside bool
	}{{"inside", true}, {"outside", false}} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dist := filepath.Join(root, "lib", "site-packages", "x-1.0.dist-info")
			if err := os.MkdirAll(dist, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dist, "METADATA"), []byte("Metadata-Version: 2.1\nName: x\nVersion: 1.0\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			target := outside
			if tc.inside {
				target = filepath.Join(root, "share", "x-licences")
				if err := os.MkdirAll(target, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(target, "LICENSE"), lic, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Symlink(target, filepath.Join(dist, "licenses")); err != nil {
				t.Fatal(err)
			}
			res := run(t, root)
			var concluded string
			for _, c := range res.Document.Components {
				if c.Name == "x" {
					concluded = c.Licenses.Concluded
				}
			}
			if got := concluded != ""; got != tc.inside {
				t.Errorf("concluded licence %q", concluded)
			}
		})
	}
}
