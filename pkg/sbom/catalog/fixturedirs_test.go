package catalog

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// TestFixtureArchives: a release archive below a test or example folder of
// a source tree is a test's input, not a release: the SBOM stays the
// module's (pre-build, the module as primary) and says what it left out.
// Controls: the same archive in dist/ makes a release; a tree of
// artifacts only keeps it; a file named as a SOURCE is read.
func TestFixtureArchives(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "tool")
	app := t.TempDir()
	write(t, filepath.Join(app, "go.mod"), "module example.com/tool\n\ngo 1.22\n")
	write(t, filepath.Join(app, "main.go"), "package main\n\nfunc main() {}\n")
	goBuild(t, app, bin)
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	const archive = "tool_1.0_linux_amd64.tar.gz"
	for _, tc := range []struct {
		name, dir string
		source    bool // the tree holds a module too
		named     bool // the archive is also named as a SOURCE
		release   bool // want a post-build SBOM with the archive
	}{
		{"fixtures", "fixtures", true, false, false},
		{"test", "internal/test/data", true, false, false},
		{"examples", "examples", true, false, false},
		{"dist (control)", "dist", true, false, true},
		{"artifacts only (control)", "examples", false, false, true},
		{"named (control)", "fixtures", true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if tc.source {
				write(t, filepath.Join(root, "go.mod"), "module example.com/app\n\ngo 1.22\n")
			}
			p := filepath.Join(root, filepath.FromSlash(tc.dir), archive)
			writeTarGzFiles(t, p, map[string]string{"tool": string(data)})
			roots := []string{root}
			if tc.named {
				roots = append(roots, p)
			}
			res := run(t, roots, Options{})
			doc := res.Document
			has := slices.ContainsFunc(doc.Components, func(c sbom.Component) bool { return c.FileName == archive })
			post := doc.Lifecycle == "post-build"
			if has != tc.release || post != tc.release {
				t.Errorf("archive listed %v, lifecycle %s; want a release: %v", has, doc.Lifecycle, tc.release)
			}
			warned := slices.ContainsFunc(res.Warnings, func(w sbom.Warning) bool {
				return strings.Contains(w.Message, "test or example folder") && strings.HasSuffix(w.Path, archive)
			})
			if warned == tc.release {
				t.Errorf("warning about the left-out archive: %v; warnings %v", warned, res.Warnings)
			}
			if !tc.release && (doc.Primary == "" || doc.Component(doc.Primary).Name != "example.com/app") {
				t.Errorf("primary %q, want the module", doc.Primary)
			}
		})
	}
}

// TestSourceRootName: a source tree whose parts share no module path (a
// Go module beside other ecosystems' lockfiles) gets a root named after
// the scanned directory (however its path is spelled), not "release"; a
// tree of artifacts keeps "release".
func TestSourceRootName(t *testing.T) {
	root := filepath.Join(t.TempDir(), "myproject")
	write(t, filepath.Join(root, "go.mod"), "module example.com/app\n\ngo 1.22\n")
	for _, m := range mixedTree {
		data, err := os.ReadFile(m.src)
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(root, m.dst), string(data))
	}
	doc := run(t, []string{root}, Options{}).Document
	if doc.Name != "myproject" || doc.Lifecycle != "pre-build" {
		t.Errorf("source tree: name %q, lifecycle %s; want myproject, pre-build", doc.Name, doc.Lifecycle)
	}
	dist := filepath.Join(t.TempDir(), "dist")
	writeTarGzFiles(t, filepath.Join(dist, "a.tar.gz"), map[string]string{"package-lock.json": mustRead(t, mixedTree[0].src)})
	writeTarGzFiles(t, filepath.Join(dist, "b.tar.gz"), map[string]string{"Cargo.lock": mustRead(t, mixedTree[2].src)})
	doc = run(t, []string{dist}, Options{}).Document
	if doc.Name != "release" || doc.Lifecycle != "post-build" {
		t.Errorf("artifacts: name %q, lifecycle %s; want release, post-build", doc.Name, doc.Lifecycle)
	}
	// However the user spells the directory, from inside it (last: it changes the
	// working directory).
	t.Chdir(root)
	for _, spelling := range []string{".", "./", root, root + "/", "../myproject"} {
		if name := run(t, []string{spelling}, Options{}).Document.Name; name != "myproject" {
			t.Errorf("vouch sbom %s: name %q, want myproject", spelling, name)
		}
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBuildToolWrappers: a real Gradle wrapper jar, where Gradle and Maven
// check it into a source tree, bootstraps the build and is not shipped:
// the SBOM stays the project's (pre-build, no wrapper component) and says
// what it left out. Controls: the same jar as a project's library (libs/)
// is listed; a tree of the wrapper only keeps it; a wrapper named as a
// SOURCE is read.
func TestBuildToolWrappers(t *testing.T) {
	jar := readFixture(t, "testdata/wrapper/gradle-wrapper.jar")
	lock := readFixture(t, ecoDir+"java/testdata/terra-cli/gradle.lockfile")
	for _, tc := range []struct {
		name, at string
		source   bool // the tree holds a lockfile too
		named    bool // the jar is also named as a SOURCE
		listed   bool // want the jar as a component of a post-build SBOM
	}{
		{"gradle wrapper", "gradle/wrapper/gradle-wrapper.jar", true, false, false},
		{"gradle wrapper of a subproject", "sub/gradle/wrapper/gradle-wrapper.jar", true, false, false},
		{"maven wrapper", ".mvn/wrapper/maven-wrapper.jar", true, false, false},
		{"a library (control)", "libs/gradle-wrapper.jar", true, false, true},
		{"wrapper only (control)", "gradle/wrapper/gradle-wrapper.jar", false, false, true},
		{"named (control)", "gradle/wrapper/gradle-wrapper.jar", true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if tc.source {
				write(t, filepath.Join(root, "gradle.lockfile"), lock)
			}
			p := filepath.Join(root, filepath.FromSlash(tc.at))
			write(t, p, jar)
			roots := []string{root}
			if tc.named {
				roots = append(roots, p)
			}
			res := run(t, roots, Options{})
			doc := res.Document
			base := filepath.Base(p)
			has := slices.ContainsFunc(doc.Components, func(c sbom.Component) bool { return c.FileName == base })
			if post := doc.Lifecycle == "post-build"; has != tc.listed || post != tc.listed {
				t.Errorf("wrapper listed %v, lifecycle %s; want listed and post-build: %v", has, doc.Lifecycle, tc.listed)
			}
			warned := slices.ContainsFunc(res.Warnings, func(w sbom.Warning) bool {
				return strings.Contains(w.Message, "build tool's wrapper") && w.Path == tc.at
			})
			if warned == tc.listed {
				t.Errorf("warning about the left-out wrapper: %v; warnings %v", warned, res.Warnings)
			}
		})
	}
}
