package npm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// TestGroundTruth compares each fixture with what `npm ls --all --json
// --package-lock-only` reports for it (testdata/truth.py): packages,
// production packages (--omit=dev) and edges.
func TestGroundTruth(t *testing.T) {
	for _, tc := range []struct {
		dir       string
		rootEdges bool // v1 lockfiles do not record the root's dependencies
		warnings  []string
	}{
		{"v1-react", false, nil},
		{"v2-sigstore", true, nil},
		{"v3-express", true, nil},
		{"ws", true, nil},
		// A real monorepo, 14 workspaces; one package states its licence
		// as free text.
		{"sigstore-js", true, []string{`spawndamnit@3.0.1: licence "SEE LICENSE IN LICENSE" is not an SPDX expression`}},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			ecotest.GroundTruth(t, PackageLock, filepath.Join("testdata", tc.dir), "package-lock.json", tc.rootEdges, tc.warnings...)
		})
	}
}

// TestPURL checks purls against purl-spec's npm rules: the scope is the
// namespace with "@" percent-encoded, and "+" in a version is encoded.
func TestPURL(t *testing.T) {
	for _, tc := range []struct{ name, version, want string }{
		{"express", "4.21.2", "pkg:npm/express@4.21.2"},
		{"@babel/core", "7.26.0", "pkg:npm/%40babel/core@7.26.0"},
		{"@types/node", "22.0.0-rc.1+build", "pkg:npm/%40types/node@22.0.0-rc.1%2Bbuild"},
		{"fx-monorepo", "", "pkg:npm/fx-monorepo"},
	} {
		if got := PURL(tc.name, tc.version); got != tc.want {
			t.Errorf("PURL(%q, %q) = %s, want %s", tc.name, tc.version, got, tc.want)
		}
	}
}

// TestFields checks what vouch adds to scalibr's list on the v3 fixture:
// the root, licences, integrity hashes, development and optional scopes.
func TestFields(t *testing.T) {
	frag := ecotest.Read(t, PackageLock, "testdata/v3-express/package-lock.json")
	get := func(id string) sbom.Component {
		t.Helper()
		i := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.ID == id })
		if i < 0 {
			t.Fatalf("no component %s", id)
		}
		return frag.Components[i]
	}
	root := get("pkg:npm/fx-express@1.0.0")
	if frag.Primary != root.ID || root.Type != sbom.TypeApplication {
		t.Errorf("primary %s, root type %s", frag.Primary, root.Type)
	}
	express := get("pkg:npm/express@4.21.2")
	if express.Licenses.Declared != "MIT" || express.Scope != sbom.ScopeRequired || len(express.Hashes) != 1 ||
		express.Hashes[0].Algorithm != sbom.SHA512 || len(express.Hashes[0].Value) != 128 {
		t.Errorf("express = %+v", express)
	}
	babel := get("pkg:npm/%40babel/core@7.29.17")
	if v, _ := babel.Property(ecosystem.PropDevelopment); babel.Scope != sbom.ScopeExcluded || v != "true" {
		t.Errorf("@babel/core scope %s, dev %q", babel.Scope, v)
	}
	if fsevents := get("pkg:npm/fsevents@2.3.3"); fsevents.Scope != sbom.ScopeOptional {
		t.Errorf("fsevents scope %s", fsevents.Scope)
	}
	i := slices.IndexFunc(frag.Dependencies, func(d sbom.Dependency) bool { return d.Ref == root.ID })
	if i < 0 || frag.Dependencies[i].Completeness != sbom.CompletenessComplete ||
		!slices.Contains(frag.Dependencies[i].DependsOn, express.ID) {
		t.Errorf("root dependencies = %+v", frag.Dependencies)
	}
}

// TestRejected pairs each malformed or hostile lockfile with a legitimate
// control that differs only in the point under test.
func TestRejected(t *testing.T) {
	const ok = `{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0","dependencies":{"a":"^1"}},` +
		`"node_modules/a":{"version":"1.0.0","license":"MIT"}}}`
	for _, tc := range []struct {
		name, attack, control, want string
	}{
		{"repeated package key", strings.Replace(ok, `}}}`, `},"node_modules/a":{"version":"6.6.6"}}}`, 1), ok, "node_modules/a"},
		{"repeated version key", strings.Replace(ok, `"version":"1.0.0","license"`, `"version":"1.0.0","version":"6.6.6","license"`, 1), ok, "version"},
		{"unknown lockfile version", strings.Replace(ok, `"lockfileVersion":3`, `"lockfileVersion":4`, 1), ok, "lockfileVersion is 4"},
		{"no lockfile version", strings.Replace(ok, `"lockfileVersion":3,`, ``, 1), ok, "lockfileVersion is 0"},
		{"deep nesting", `{"lockfileVersion":1,"dependencies":` + strings.Repeat(`{"a":{"version":"1","dependencies":`, 200) + `{}` + strings.Repeat(`}}`, 200) + `}`,
			`{"lockfileVersion":1,"dependencies":` + strings.Repeat(`{"a":{"version":"1","dependencies":`, 20) + `{}` + strings.Repeat(`}}`, 20) + `}`, "deep"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := PackageLock(context.Background(), "x/package-lock.json", []byte(tc.control)); err != nil {
				t.Fatalf("control rejected: %v", err)
			}
			_, err := PackageLock(context.Background(), "x/package-lock.json", []byte(tc.attack))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "x/package-lock.json") {
				t.Errorf("err = %v, want it to name the file and %q", err, tc.want)
			}
		})
	}
}

// TestWarnings checks that what vouch cannot resolve is a warning and an
// incomplete edge list, beside a control that resolves.
func TestWarnings(t *testing.T) {
	const lock = `{"lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0","dependencies":{"a":"^1","b":"^1"}},` +
		`"node_modules/a":{"version":"1.0.0","license":{"spdx":1}}%s}}`
	for _, tc := range []struct {
		extra    string
		warnings int
		complete sbom.Completeness
	}{
		{`,"node_modules/b":{"version":"2.0.0","license":"ISC"}`, 1, sbom.CompletenessComplete}, // control: only the licence
		{``, 2, sbom.CompletenessUnknown},
	} {
		frag, err := PackageLock(context.Background(), "package-lock.json", []byte(fmt.Sprintf(lock, tc.extra)))
		if err != nil {
			t.Fatal(err)
		}
		if len(frag.Warnings) != tc.warnings {
			t.Errorf("warnings = %v, want %d", frag.Warnings, tc.warnings)
		}
		for _, d := range frag.Dependencies {
			if d.Ref == frag.Primary && d.Completeness != tc.complete {
				t.Errorf("root completeness %q, want %q", d.Completeness, tc.complete)
			}
		}
	}
}

// FuzzPackageLock checks that any input either fails with an error or gives
// a fragment whose edges only name its own components.
func FuzzPackageLock(f *testing.F) {
	ecotest.Fuzz(f, PackageLock, []string{"testdata/v1-react/package-lock.json", "testdata/v3-express/package-lock.json", "testdata/ws/package-lock.json"},
		`{"lockfileVersion":3,"packages":{"":{"workspaces":{"packages":["a/*"]}},"a/b":{},"node_modules/b":{"link":true,"resolved":"a/b"}}}`)
}

// TestYarnGroundTruth compares a yarn v1 lockfile with what npm ls lists
// of the node_modules tree yarn installed from it. yarn.lock records no
// root, workspaces or development flags, so the truth's production list is
// all packages and its root edges are left out. fsevents is locked but not
// installed on Linux: it is the one package only the lockfile has.
func TestYarnGroundTruth(t *testing.T) {
	ecotest.GroundTruth(t, YarnLock, "testdata/yarn-express", "yarn.lock", false)
}

// TestYarnRejected: a dependency the lockfile does not hold is a warning
// beside the control; a berry lockfile that is not YAML is an error naming
// the file (control: the same lockfile, well-formed, is read).
func TestYarnRejected(t *testing.T) {
	const lock = "# yarn lockfile v1\n\n\"@s/a@^1.0.0\", \"@s/a@^1.1.0\":\n  version \"1.2.0\"\n  dependencies:\n    b \"%s\"\n\nb@^2:\n  version \"2.0.1\"\n"
	frag, err := YarnLock(context.Background(), "yarn.lock", []byte(strings.Replace(lock, "%s", "^2", 1)))
	if err != nil || len(frag.Warnings) != 0 || len(frag.Dependencies) != 2 || frag.Dependencies[0].Ref != "pkg:npm/%40s/a@1.2.0" ||
		!slices.Equal(frag.Dependencies[0].DependsOn, []string{"pkg:npm/b@2.0.1"}) {
		t.Fatalf("control: %v %+v", err, frag)
	}
	frag, err = YarnLock(context.Background(), "yarn.lock", []byte(strings.Replace(lock, "%s", "^3", 1)))
	if err != nil || len(frag.Warnings) != 1 || !strings.Contains(frag.Warnings[0].Message, "depends on b@^3") {
		t.Errorf("missing: %v %v", err, frag.Warnings)
	}
	const berry = "__metadata:\n  version: 8\n\n\"a@npm:^1\":\n  version: 1.0.0\n  resolution: \"a@npm:1.0.0\"\n%s"
	frag, err = YarnLock(context.Background(), "x/yarn.lock", []byte(strings.Replace(berry, "%s", "", 1)))
	if err != nil || len(frag.Components) != 1 || frag.Components[0].ID != "pkg:npm/a@1.0.0" {
		t.Errorf("berry control: %v %+v", err, frag)
	}
	_, err = YarnLock(context.Background(), "x/yarn.lock", []byte(strings.Replace(berry, "%s", "  dependencies: [\n", 1)))
	if err == nil || !strings.Contains(err.Error(), "x/yarn.lock") {
		t.Errorf("berry: %v", err)
	}
}

func FuzzYarnLock(f *testing.F) {
	ecotest.Fuzz(f, YarnLock, []string{"testdata/yarn-express/yarn.lock", "testdata/berry-express/yarn.lock"})
}

// TestBerryGroundTruth compares a Yarn 4 lockfile with Yarn's own reading
// of it (yarn info --all --recursive; testdata/berry-truth.py): the
// packages, with patched ones as the package they patch, and every edge,
// the root workspace's included.
func TestBerryGroundTruth(t *testing.T) {
	frag := ecotest.Read(t, YarnLock, "testdata/berry-express/yarn.lock")
	ecotest.Compare(t, frag, ecotest.Load(t, "testdata/berry-express/truth.json"), true)
	if frag.Primary != "pkg:npm/fx-express@0.0.0-use.local" {
		t.Errorf("primary %q", frag.Primary)
	}
}

// TestPnpmGroundTruth compares pnpm 9, 6 and 5 lockfiles (pnpm 9.15, 8.15, 7.33) with pnpm's own listing
// of what it installed from it (testdata/pnpm-truth.py).
func TestPnpmGroundTruth(t *testing.T) {
	for _, tc := range []struct {
		dir      string
		expected []string
	}{
		{"pnpm-express", nil},
		// osv-scalibr splits a version 6 key at every "/", so a package
		// whose peer is scoped ("/@babel/x@1(@babel/core@2)") is lost to
		// it; pnpm ls lists it, as vouch does.
		{"pnpm6-express", []string{"vouch lists @babel/helper-module-transforms@7.29.17, which osv-scalibr's reading"}},
		{"pnpm5-express", nil},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			ecotest.GroundTruth(t, PnpmLock, filepath.Join("testdata", tc.dir), "pnpm-lock.yaml", true, tc.expected...)
		})
	}
}

func FuzzPnpmLock(f *testing.F) {
	ecotest.Fuzz(f, PnpmLock, []string{"testdata/pnpm-express/pnpm-lock.yaml", "testdata/pnpm6-express/pnpm-lock.yaml", "testdata/pnpm5-express/pnpm-lock.yaml"})
}

// TestPnpmRejected: a lockfile format older than 5 is an error naming the file
// and the version found; a dependency the lockfile does not hold is a
// warning; each beside its control.
func TestPnpmRejected(t *testing.T) {
	const lock = "lockfileVersion: '%s'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1\n        version: 1.0.0\n" +
		"packages:\n  a@1.0.0:\n    resolution: {integrity: sha512-AAAA}\n  b@2.0.0:\n    resolution: {}\nsnapshots:\n  a@1.0.0:\n    dependencies:\n      b: %s\n  b@2.0.0: {}\n"
	frag, err := PnpmLock(context.Background(), "pnpm-lock.yaml", []byte(fmt.Sprintf(lock, "9.0", "2.0.0")))
	// The importer "." is the anonymous root, depending on a.
	if err != nil || len(frag.Warnings) != 0 || len(frag.Dependencies) != 3 || frag.Primary != "lockfile:pnpm-lock.yaml" ||
		!slices.Equal(frag.Dependencies[0].DependsOn, []string{"pkg:npm/a@1.0.0"}) {
		t.Fatalf("control: %v %+v", err, frag)
	}
	for _, c := range frag.Components {
		if c.Scope != sbom.ScopeRequired {
			t.Errorf("%s: scope %s", c.ID, c.Scope)
		}
	}
	// A workspace: the root links to packages/a, which depends on b; each
	// importer is a project, the root depending on the member.
	const ws = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: workspace:*\n        version: link:packages/a\n" +
		"  packages/a:\n    dependencies:\n      b:\n        specifier: ^2\n        version: 2.0.0\n" +
		"packages:\n  b@2.0.0:\n    resolution: {}\nsnapshots:\n  b@2.0.0: {}\n"
	frag, err = PnpmLock(context.Background(), "pnpm-lock.yaml", []byte(ws))
	if err != nil || len(frag.Warnings) != 0 || frag.Primary != "lockfile:pnpm-lock.yaml" ||
		!slices.Equal(frag.Dependencies[0].DependsOn, []string{"lockfile:pnpm-lock.yaml#packages/a"}) ||
		!slices.Equal(frag.Dependencies[1].DependsOn, []string{"pkg:npm/b@2.0.0"}) {
		t.Errorf("workspace: %v %+v", err, frag)
	}
	if _, err := PnpmLock(context.Background(), "x/pnpm-lock.yaml", []byte(fmt.Sprintf(lock, "4.0", "2.0.0"))); err == nil ||
		!strings.Contains(err.Error(), "x/pnpm-lock.yaml") || !strings.Contains(err.Error(), `"4.0"`) {
		t.Errorf("v4: %v", err)
	}
	frag, err = PnpmLock(context.Background(), "pnpm-lock.yaml", []byte(fmt.Sprintf(lock, "9.0", "3.0.0")))
	if err != nil || len(frag.Warnings) != 1 || !strings.Contains(frag.Warnings[0].Message, "depends on b 3.0.0") {
		t.Errorf("missing: %v %v", err, frag.Warnings)
	}
}

// TestNodeModules compares an installed tree (its package.json files)
// with npm ls's reading of the same tree.
func TestNodeModules(t *testing.T) {
	frag := ecotest.GroundTruthFS(t, NodeModules, "testdata/node-modules", "express", "testdata/node-modules/truth.json")
	i := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.ID == "pkg:npm/express@4.21.2" })
	if i < 0 || frag.Components[i].Licenses.Declared != "MIT" {
		t.Errorf("express: %+v", frag.Components)
	}
}

func FuzzNodeModules(f *testing.F) {
	f.Add([]byte(`{"name":"a","version":"1.0.0","license":"MIT","dependencies":{"b":"^1"},"peerDependencies":{"c":"*"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"p/package.json":                                  {Data: []byte(`{"name":"p","version":"0.1.0","dependencies":{"a":"1"},"devDependencies":{"b":"1"}}`)},
			"p/node_modules/a/package.json":                   {Data: data},
			"p/node_modules/b/package.json":                   {Data: []byte(`{"name":"b","version":"1.0.0"}`)},
			"p/node_modules/a/node_modules/@s/c/package.json": {Data: data},
		}
		frag, err := NodeModules(context.Background(), fsys, "p")
		if err == nil {
			ecotest.Consistent(t, frag)
		}
	})
}

// TestInstalledTree compares a tree npm installed here (its package.json
// files, licence files and node_modules/.package-lock.json) with npm ls's
// reading of it, and checks each package's install directory is recorded.
func TestInstalledTree(t *testing.T) {
	frag := ecotest.GroundTruthFS(t, NodeModules, "testdata/installed", "app", "testdata/installed/truth.json")
	for _, c := range frag.Components {
		dir, ok := c.Property(sbom.PropSourcePath)
		if c.ID == frag.Primary {
			continue
		}
		if _, err := os.Stat(filepath.Join("testdata/installed", dir, "package.json")); !ok || err != nil {
			t.Errorf("%s: install directory %q: %v", c.ID, dir, err)
		}
	}
}

// TestPnpmDuplicateKeys: a package listed twice in a pnpm lockfile's
// packages is refused (vouch decodes those maps itself, in linear time);
// control: the same lockfile without the repetition is read.
func TestPnpmDuplicateKeys(t *testing.T) {
	const lock = "lockfileVersion: '9.0'\nimporters:\n  .: {}\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha512-AA}\n%s"
	if _, err := PnpmLock(context.Background(), "pnpm-lock.yaml", []byte(fmt.Sprintf(lock, ""))); err != nil {
		t.Fatalf("control: %v", err)
	}
	dup := "  a@1.0.0:\n    resolution: {integrity: sha512-BB}\n"
	_, err := PnpmLock(context.Background(), "pnpm-lock.yaml", []byte(fmt.Sprintf(lock, dup)))
	if err == nil || !strings.Contains(err.Error(), `key "a@1.0.0" repeated`) {
		t.Errorf("duplicate package key: %v", err)
	}
}
