package ecosystems_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image/imagetest"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// installedApp is a real tree npm 11.19.1 installed (see the npm
// testdata ORIGIN): its node_modules/.package-lock.json is npm's own
// hidden lockfile.
const installedApp = "../../ecosystem/npm/testdata/installed/app"

// hiddenLock is where a streamed hidden lockfile's packages are recorded.
const hiddenLock = "app/node_modules/.package-lock.json"

// npmPackages lists name@version of doc's npm components.
func npmPackages(doc *sbom.Document) []string {
	var out []string
	for _, c := range doc.Components {
		if strings.HasPrefix(c.PURL, "pkg:npm/") {
			out = append(out, c.Name+"@"+c.Version)
		}
	}
	return out
}

// npmEdges lists "from -> to" of the dependencies between npm packages
// other than the project itself (named root), whose own list the hidden
// lockfile does not hold (it has no "" entry).
func npmEdges(doc *sbom.Document, root string) []string {
	var out []string
	for _, d := range doc.Dependencies {
		if strings.HasPrefix(d.Ref, "pkg:npm/") && !strings.HasPrefix(d.Ref, "pkg:npm/"+root+"@") {
			for _, to := range d.DependsOn {
				out = append(out, d.Ref+" -> "+to)
			}
		}
	}
	return out
}

// npmScopes lists "name@version scope" of doc's npm components.
func npmScopes(doc *sbom.Document) []string {
	var out []string
	for _, c := range doc.Components {
		if strings.HasPrefix(c.PURL, "pkg:npm/") {
			out = append(out, c.Name+"@"+c.Version+" "+string(c.Scope))
		}
	}
	return out
}

// npmLicences lists "name@version licence" of doc's npm components that
// declare one.
func npmLicences(doc *sbom.Document) []string {
	var out []string
	for _, c := range doc.Components {
		if strings.HasPrefix(c.PURL, "pkg:npm/") && c.Licenses.Declared != "" {
			out = append(out, c.Name+"@"+c.Version+" "+c.Licenses.Declared)
		}
	}
	return out
}

// fromFile reports whether any component was read from the streamed file
// whose path ends in name.
func fromFile(doc *sbom.Document, name string) bool {
	for _, c := range doc.Components {
		if v, _ := c.Property("vouch:source:lockfile"); strings.HasSuffix(v, name) {
			return true
		}
	}
	return false
}

// streamedTree is the fixture as a release tarball and as an image holding
// app/package.json and app/node_modules/.package-lock.json, plus extra
// files (dst: src).
func streamedTree(t *testing.T, kind string, extra map[string]string) string {
	t.Helper()
	files := map[string]string{
		"app/package.json": installedApp + "/package.json",
		hiddenLock:         installedApp + "/node_modules/.package-lock.json",
	}
	for k, v := range extra {
		files[k] = v
	}
	root := t.TempDir()
	if kind == "archive" {
		stage := t.TempDir()
		for dst, src := range files {
			place(t, src, filepath.Join(stage, filepath.FromSlash(dst)))
		}
		writeTarGz(t, filepath.Join(root, "dist", "app.tar.gz"), stage, "")
		return root
	}
	var entries []imagetest.Entry
	for dst, src := range files {
		entries = append(entries, imagetest.Entry{Name: dst, Src: src})
	}
	return imagetest.DockerArchive(t, root, "example.com/app:1", imagetest.Build(t, nil, entries))
}

// TestHiddenLockfileStreamed: inside an archive and an image, npm's hidden
// lockfile gives exactly the npm packages the on-disk reader finds in the
// same installed tree, with the same licences, development scopes and
// edges between them, and no file is left not catalogued (control: with a
// package-lock.json beside node_modules, the hidden lockfile adds nothing
// and the real lockfile is read).
func TestHiddenLockfileStreamed(t *testing.T) {
	disk := t.TempDir()
	place(t, installedApp, filepath.Join(disk, "app"))
	onDisk := run(t, disk).Document
	want, wantLic := npmPackages(onDisk), npmLicences(onDisk)
	const project = "vouch-installed-fixture"
	wantEdges, wantScopes := npmEdges(onDisk, project), npmScopes(onDisk)
	if len(want) < 50 {
		t.Fatalf("on-disk reader found %d npm packages", len(want))
	}
	for _, kind := range []string{"archive", "image"} {
		t.Run(kind, func(t *testing.T) {
			res := run(t, streamedTree(t, kind, nil))
			ecotest.Score(t, "packages", npmPackages(res.Document), want, 1.0)
			ecotest.Score(t, "licences", npmLicences(res.Document), wantLic, 1.0)
			ecotest.Score(t, "edges", npmEdges(res.Document, project), wantEdges, 1.0)
			ecotest.Score(t, "scopes", npmScopes(res.Document), wantScopes, 1.0)
			if !fromFile(res.Document, hiddenLock) {
				t.Error("no component records the hidden lockfile it came from")
			}
			if res.Document.Completeness != sbom.CompletenessComplete {
				t.Errorf("completeness %q, want complete", res.Document.Completeness)
			}
			for _, f := range res.Files {
				if f.NotRead != "" {
					t.Errorf("%s (%s) not read: %s", f.Path, f.Kind, f.NotRead)
				}
			}
		})
		t.Run(kind+"/lockfile beside", func(t *testing.T) {
			lock := "../../ecosystem/npm/testdata/v3-express/package-lock.json"
			res := run(t, streamedTree(t, kind, map[string]string{"app/package-lock.json": lock}))
			if !fromFile(res.Document, "app/package-lock.json") {
				t.Fatal("the lockfile beside node_modules was not read")
			}
			if fromFile(res.Document, hiddenLock) {
				t.Error("the hidden lockfile was read beside a package-lock.json")
			}
			truth := ecotest.Load(t, "../../ecosystem/npm/testdata/v3-express/truth.json")
			ecotest.Score(t, "packages", npmPackages(res.Document), truth.Packages, 0.99)
		})
	}
}

// TestYarnTreeStreamedNotRead: Yarn 1's .yarn-integrity inside an archive
// is reported not catalogued, naming why (its tree is read only on disk),
// so the SBOM does not claim to be complete (control: the same tree on
// disk is read).
func TestYarnTreeStreamedNotRead(t *testing.T) {
	const tree = "../../ecosystem/npm/testdata/node-modules/express"
	disk := t.TempDir()
	place(t, tree, filepath.Join(disk, "app"))
	if n := len(npmPackages(run(t, disk).Document)); n < 10 {
		t.Fatalf("on disk: %d npm packages", n)
	}
	root := t.TempDir()
	writeTarGz(t, filepath.Join(root, "dist", "app.tar.gz"), tree, "app")
	res := run(t, root)
	if res.Document.Completeness == sbom.CompletenessComplete {
		t.Error("an archive holding a tree vouch did not read is marked complete")
	}
	for _, f := range res.Files {
		if strings.HasSuffix(f.Path, ".yarn-integrity") {
			if !strings.Contains(f.NotRead, "only from a directory on disk") {
				t.Errorf("%s: status %q, want not read, naming why", f.Path, f.NotRead)
			}
			return
		}
	}
	t.Fatalf("no status for the .yarn-integrity inside the archive: %+v", res.Files)
}
