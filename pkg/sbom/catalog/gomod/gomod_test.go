package gomod

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/licensecheck"
	"golang.org/x/mod/modfile"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/internal/golang"
)

// archiveFile is one file of a txtar archive.
type archiveFile struct {
	Name string
	Data []byte
}

// readArchive reads the txtar archive testdata/name: a comment, then files
// each introduced by a "-- NAME --" line. (go-internal's txtar package would
// pull golang.org/x/tools into the module for these few lines.)
func readArchive(t testing.TB, name string) []archiveFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var files []archiveFile
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if n, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "-- "); ok && strings.HasSuffix(n, " --") {
			files = append(files, archiveFile{Name: strings.TrimSpace(strings.TrimSuffix(n, " --"))})
			continue
		}
		if len(files) > 0 {
			files[len(files)-1].Data = append(files[len(files)-1].Data, line...)
		}
	}
	if len(files) == 0 {
		t.Fatalf("testdata/%s holds no files", name)
	}
	return files
}

// extract writes the txtar archive testdata/name into a new temporary
// directory and returns it.
func extract(t testing.TB, name string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range readArchive(t, name) {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// want describes one expected library component.
type want struct {
	name, path, version string // path/version give the ID; name is Component.Name
	h1                  string
	indirect            bool
	replace             string
	license             string
	deps                []string // module paths of the expected edges
	unknown             bool     // no go.mod found: dependencies unknown
}

func (w want) id() string { return golang.PURL(w.path, w.version) }

func TestCatalogBasic(t *testing.T) {
	root := extract(t, "basic.txtar")
	cache := extract(t, "modcache.txtar")
	frag, err := Catalog(context.Background(), filepath.Join(root, "app", "go.mod"),
		Options{ModCache: cache, RelPath: "app/go.mod"})
	if err != nil {
		t.Fatal(err)
	}
	mods := []want{
		{name: "example.com/Upper", version: "v1.0.0", h1: "h1:UPPERUPPERUPPERUPPERUPPERUPPERUPPERUPPER00=",
			license: "Apache-2.0 AND MIT", deps: []string{"example.com/gamma"}},
		{name: "example.com/alpha", version: "v1.0.0", h1: "h1:ALPHAALPHAALPHAALPHAALPHAALPHAALPHAALPHA00=",
			license: "MIT", deps: []string{"example.com/beta", "example.com/gamma"}},
		{name: "example.com/beta", version: "v1.2.0", h1: "h1:BETABETABETABETABETABETABETABETABETABETA00=",
			indirect: true, license: "Apache-2.0", deps: []string{"example.com/gamma"}},
		{name: "example.com/broken", version: "v1.0.0", h1: "h1:BROKENBROKENBROKENBROKENBROKENBROKENBROKE0=",
			indirect: true, unknown: true},
		{name: "example.com/excluded", version: "v1.0.0", indirect: true, unknown: true},
		{name: "example.com/gamma", version: "v0.3.0", h1: "h1:GAMMAGAMMAGAMMAGAMMAGAMMAGAMMAGAMMAGAMMA00=",
			indirect: true, deps: []string{}},
		{name: "example.com/local", version: "", replace: "../local", license: "MIT",
			deps: []string{"example.com/alpha"}},
		{name: "example.com/missing", version: "v0.1.0", unknown: true},
		{name: "example.com/orig", path: "example.com/forked", version: "v1.5.0",
			h1: "h1:FORKEDFORKEDFORKEDFORKEDFORKEDFORKEDFORKE0=", replace: "example.com/forked@v1.5.0",
			license: "BSD-3-Clause", deps: []string{"example.com/gamma"}},
		{name: "example.com/readme", version: "v1.0.0", h1: "h1:READMEREADMEREADMEREADMEREADMEREADMEREAD0=",
			indirect: true, deps: []string{}},
	}
	checkFragment(t, frag, "example.com/app", mods)

	main := frag.Components[0]
	if main.ID != frag.Primary || main.Type != sbom.TypeApplication || main.Version != "" {
		t.Errorf("main component = %+v, want primary application without version", main)
	}
	if v, _ := main.Property(sbom.PropVersionSource); v != sbom.VersionUnknown {
		t.Errorf("main version source = %q, want %q", v, sbom.VersionUnknown)
	}
	if v, _ := main.Property(sbom.PropSourcePath); v != "app/go.mod" {
		t.Errorf("main source path = %q", v)
	}
	if main.Licenses.Declared != "BSD-3-Clause" || main.Licenses.Concluded != "BSD-3-Clause" {
		t.Errorf("main licences = %+v, want BSD-3-Clause", main.Licenses)
	}
	// Direct requirements, plus the indirect ones no known edge reaches.
	wantMain := ids(mods, "example.com/Upper", "example.com/alpha", "example.com/broken", "example.com/excluded",
		"example.com/local", "example.com/missing", "example.com/orig", "example.com/readme")
	if d := dependency(frag, main.ID); d == nil || !slices.Equal(d.DependsOn, wantMain) || d.Completeness != sbom.CompletenessComplete {
		t.Errorf("main dependencies = %+v, want %v complete", d, wantMain)
	}

	cachePath := filepath.ToSlash(filepath.Join(cache, "cache/download/example.com/broken/@v/v1.0.0.mod"))
	checkWarnings(t, frag, []string{
		"app/go.mod: example.com/excluded@v1.0.0 is required but excluded: Go would select a higher version, which cannot be known offline",
		"app/go.mod: example.com/local is replaced by the local directory ../local: its version is unknown",
		cachePath + ": go.mod of example.com/broken unusable: line 3: usage: require module/path v1.2.3",
		"app/go.mod: main module version unknown: pass --version or tag the commit",
		"app/go.mod: 3 of 10 modules not in the module cache: their dependencies are unknown",
		"app/go.sum: 2 of 10 modules have no h1: checksum in go.sum",
		"app/go.mod: licence files not identified for 1 module(s): example.com/readme",
	})
}

func TestCatalogMainVersion(t *testing.T) {
	root := extract(t, "basic.txtar")
	cache := extract(t, "modcache.txtar")
	frag, err := Catalog(context.Background(), filepath.Join(root, "app", "go.mod"), Options{
		ModCache: cache, RelPath: "app/go.mod", MainVersion: "v1.2.3", MainVersionSource: sbom.VersionFromGitTag,
	})
	if err != nil {
		t.Fatal(err)
	}
	main := frag.Components[0]
	if main.Version != "v1.2.3" || main.ID != "pkg:golang/example.com/app@v1.2.3" || frag.Primary != main.ID {
		t.Errorf("main = %s %s (primary %s)", main.ID, main.Version, frag.Primary)
	}
	if v, _ := main.Property(sbom.PropVersionSource); v != sbom.VersionFromGitTag {
		t.Errorf("version source = %q", v)
	}
	for _, w := range frag.Warnings {
		if strings.Contains(w.Message, "main module version unknown") {
			t.Errorf("unexpected warning %q", w)
		}
	}
}

func TestCatalogVendor(t *testing.T) {
	cache := extract(t, "modcache.txtar")
	for _, tc := range []struct {
		name     string
		vendor   bool
		mods     []want
		warnings []string
	}{{
		name:   "vendor",
		vendor: true,
		mods: []want{
			{name: "example.com/alpha", version: "v1.0.0", h1: "h1:ALPHAALPHAALPHAALPHAALPHAALPHAALPHAALPHA00=",
				license: "Apache-2.0", deps: []string{"example.com/beta", "example.com/gamma"}},
			{name: "example.com/beta", version: "v1.2.0", h1: "h1:BETABETABETABETABETABETABETABETABETABETA00=",
				indirect: true, license: "Apache-2.0", deps: []string{"example.com/gamma"}},
			{name: "example.com/gamma", version: "v0.3.0", h1: "h1:GAMMAGAMMAGAMMAGAMMAGAMMAGAMMAGAMMAGAMMA00=",
				indirect: true, license: "BSD-3-Clause", deps: []string{}},
		},
		warnings: []string{
			"app/vendor/modules.txt: go.mod requires example.com/beta v1.2.0 but vendor/modules.txt does not list it",
			"app/vendor/modules.txt: example.com/gamma: vendor/modules.txt has v0.2.0, go.mod requires v0.3.0",
			"app/vendor/modules.txt: vendor/modules.txt lists example.com/stray as required but go.mod does not require it",
			"app/go.mod: main module version unknown: pass --version or tag the commit",
		},
	}, {
		name: "no vendor",
		mods: []want{
			{name: "example.com/alpha", version: "v1.0.0", h1: "h1:ALPHAALPHAALPHAALPHAALPHAALPHAALPHAALPHA00=",
				license: "MIT", deps: []string{"example.com/beta", "example.com/gamma"}},
			{name: "example.com/beta", version: "v1.2.0", h1: "h1:BETABETABETABETABETABETABETABETABETABETA00=",
				indirect: true, license: "Apache-2.0", deps: []string{"example.com/gamma"}},
			{name: "example.com/gamma", version: "v0.3.0", h1: "h1:GAMMAGAMMAGAMMAGAMMAGAMMAGAMMAGAMMAGAMMA00=",
				indirect: true, deps: []string{}},
		},
		warnings: []string{"app/go.mod: main module version unknown: pass --version or tag the commit"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			root := extract(t, "vendor.txtar")
			frag, err := Catalog(context.Background(), filepath.Join(root, "app", "go.mod"),
				Options{ModCache: cache, RelPath: "app/go.mod", Vendor: tc.vendor})
			if err != nil {
				t.Fatal(err)
			}
			checkFragment(t, frag, "example.com/vend", tc.mods)
			checkWarnings(t, frag, tc.warnings)
		})
	}
}

func TestCatalogErrors(t *testing.T) {
	root := extract(t, "errors.txtar")
	cache := extract(t, "modcache.txtar")
	for _, tc := range []struct {
		dir      string
		err      string   // substring of the error; "" means success
		warnings []string // substrings of expected warnings
	}{
		{dir: "malformed", err: "malformed/go.mod:5: usage: require module/path v1.2.3"},
		{dir: "nomodule", err: "nomodule/go.mod: no module directive"},
		{dir: "missingfile", err: "read go.mod"},
		{dir: "badsum", warnings: []string{"badsum/go.sum: cannot read go.sum, module checksums are unknown"}},
		{dir: "nosum", warnings: []string{"nosum/go.sum: no go.sum: module checksums are unknown"}},
		{dir: "garbledsum", warnings: []string{"garbledsum/go.sum: line 2: malformed"}},
		{dir: "duprequire", warnings: []string{
			"duprequire/go.mod: example.com/alpha is required twice (v0.9.0 and v1.0.0): using the higher version",
			"duprequire/go.mod: go.mod requires its own module path example.com/duprequire: ignored",
		}},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			frag, err := Catalog(context.Background(), filepath.Join(root, tc.dir, "go.mod"),
				Options{ModCache: cache, RelPath: tc.dir + "/go.mod", MainVersion: "v1.0.0"})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var msgs []string
			for _, w := range frag.Warnings {
				msgs = append(msgs, w.String())
			}
			for _, want := range tc.warnings {
				if !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, want) }) {
					t.Errorf("warnings %q lack %q", msgs, want)
				}
			}
			if n := len(frag.Components); n != 2 {
				t.Errorf("%d components, want the main module and alpha", n)
			}
			// The requirement is still catalogued, with its checksum when go.sum has one.
			alpha := component(frag, "example.com/alpha")
			if alpha == nil || alpha.Version != "v1.0.0" {
				t.Fatalf("alpha = %+v, want v1.0.0", alpha)
			}
			h1, _ := alpha.Property(sbom.PropGoH1)
			if wantH1 := tc.dir == "garbledsum"; (h1 != "") != wantH1 {
				t.Errorf("alpha h1 = %q", h1)
			}
		})
	}
}

func TestCatalogCancelled(t *testing.T) {
	root := extract(t, "basic.txtar")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Catalog(ctx, filepath.Join(root, "app", "go.mod"), Options{ModCache: t.TempDir()}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

func TestCatalogDeterministic(t *testing.T) {
	root := extract(t, "basic.txtar")
	cache := extract(t, "modcache.txtar")
	var first *sbom.Fragment
	for range 5 {
		frag, err := Catalog(context.Background(), filepath.Join(root, "app", "go.mod"), Options{ModCache: cache})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = frag
		} else if !reflect.DeepEqual(first, frag) {
			t.Fatal("two runs over the same input differ")
		}
	}
}

// TestCatalogThisRepository catalogs vouch's own go.mod. The real module
// cache may lack modules, so only the component set is asserted.
func TestCatalogThisRepository(t *testing.T) {
	const gomod = "../../../../go.mod"
	data, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range f.Require {
		want = append(want, r.Mod.Path+"@"+r.Mod.Version)
	}
	slices.Sort(want)
	frag, err := Catalog(context.Background(), gomod, Options{RelPath: "go.mod", MainVersion: "v0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range frag.Components {
		if c.ID == frag.Primary {
			if c.Name != f.Module.Mod.Path {
				t.Errorf("main module = %q, want %q", c.Name, f.Module.Mod.Path)
			}
			continue
		}
		got = append(got, c.Name+"@"+c.Version)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("components %v\nwant go.mod's requirements %v", got, want)
	}
	if err := (&sbom.Document{Primary: frag.Primary, Components: frag.Components, Dependencies: frag.Dependencies}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestDefaultModCache(t *testing.T) {
	home := t.TempDir()
	for _, tc := range []struct{ gomodcache, gopath, want string }{
		{"/x/modcache", "/y", "/x/modcache"},
		{"", "/y" + string(os.PathListSeparator) + "/z", filepath.Join("/y", "pkg", "mod")},
		{"", "", filepath.Join(home, "go", "pkg", "mod")},
	} {
		t.Setenv("GOMODCACHE", tc.gomodcache)
		t.Setenv("GOPATH", tc.gopath)
		t.Setenv("HOME", home)
		t.Setenv("USERPROFILE", home)
		if got := defaultModCache(); got != tc.want {
			t.Errorf("GOMODCACHE=%q GOPATH=%q: got %q, want %q", tc.gomodcache, tc.gopath, got, tc.want)
		}
	}
}

func TestIsLicenseFile(t *testing.T) {
	for name, want := range map[string]bool{
		"LICENSE": true, "LICENSE.md": true, "license.txt": true, "LICENCE": true, "COPYING": true,
		"COPYING.LESSER": true, "LICENSE-APACHE": true, "LICENSE_MIT": true, "License": true,
		"NOTICE": false, "license.go": false, "LICENSES": false, "licensecheck": false, "README.md": false,
		"UNLICENSE": true, "license.json": false, "MIT-LICENSE": true, "mit-license.txt": true, "Apache_License.md": true,
		"-license": false, "check-license.go": false, "UNLICENSED.go": false,
	} {
		if got := isLicenseFile(name); got != want {
			t.Errorf("isLicenseFile(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestScanLicense(t *testing.T) {
	a := readArchive(t, "modcache.txtar")
	for _, tc := range []struct{ file, want string }{
		{"example.com/alpha@v1.0.0/LICENSE", "MIT"},
		{"example.com/beta@v1.2.0/LICENSE.txt", "Apache-2.0"},
		{"example.com/forked@v1.5.0/LICENSE", "BSD-3-Clause"},
		{"example.com/readme@v1.0.0/LICENSE.md", ""},
	} {
		i := slices.IndexFunc(a, func(f archiveFile) bool { return f.Name == tc.file })
		if i < 0 {
			t.Fatalf("%s not in modcache.txtar", tc.file)
		}
		if got := strings.Join(scanLicense(nil, a[i].Data), " AND "); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.file, got, tc.want)
		}
	}
	// Half a licence is not a licence: below minCoverage nothing is claimed.
	mit := a[slices.IndexFunc(a, func(f archiveFile) bool { return f.Name == "example.com/alpha@v1.0.0/LICENSE" })].Data
	padded := append(slices.Clone(mit), []byte(strings.Repeat("This paragraph is about something else entirely. ", 60))...)
	if got := scanLicense(nil, padded); got != nil {
		t.Errorf("MIT text drowned in prose: %q, want nothing", got)
	}
}

func TestParseModulesTxt(t *testing.T) {
	got := parseModulesTxt([]byte(`# example.com/a v1.2.3
## explicit; go 1.21
example.com/a
# example.com/b v1.0.0 => example.com/c v1.1.0
## explicit
# example.com/d v0.0.0-00010101000000-000000000000 => ../d
example.com/d
# example.com/d => ../d
# malformed line with many words
## explicit
`))
	want := map[string]vendorModule{
		"example.com/a": {version: "v1.2.3", explicit: true},
		"example.com/b": {version: "v1.0.0", replace: "example.com/c v1.1.0", explicit: true},
		"example.com/d": {version: "v0.0.0-00010101000000-000000000000", replace: "../d"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// checkFragment compares the library components and their dependency
// entries with mods, and checks that the fragment is a valid document.
func checkFragment(t *testing.T, frag *sbom.Fragment, mainPath string, mods []want) {
	t.Helper()
	if len(frag.Components) != len(mods)+1 || frag.Components[0].Name != mainPath {
		t.Fatalf("got %d components (first %q), want main %s and %d requirements", len(frag.Components), frag.Components[0].Name, mainPath, len(mods))
	}
	for _, w := range mods {
		if w.path == "" {
			w.path = w.name
		}
		c := component(frag, w.name)
		if c == nil {
			t.Errorf("%s: no component", w.name)
			continue
		}
		if c.ID != w.id() || c.PURL != w.id() || c.Version != w.version || c.Type != sbom.TypeLibrary || c.Scope != sbom.ScopeRequired {
			t.Errorf("%s: id %q purl %q version %q type %q scope %q, want id/purl %q version %q library required",
				w.name, c.ID, c.PURL, c.Version, c.Type, c.Scope, w.id(), w.version)
		}
		for prop, v := range map[string]string{
			sbom.PropGoH1: w.h1, sbom.PropGoReplace: w.replace, sbom.PropVersionSource: sbom.VersionFromGoMod,
			sbom.PropGoIndirect: map[bool]string{true: "true"}[w.indirect],
		} {
			if got, _ := c.Property(prop); got != v {
				t.Errorf("%s: %s = %q, want %q", w.name, prop, got, v)
			}
		}
		if c.Licenses.Declared != w.license || c.Licenses.Concluded != w.license {
			t.Errorf("%s: licences %+v, want %q", w.name, c.Licenses, w.license)
		}
		d := dependency(frag, c.ID)
		if d == nil {
			t.Errorf("%s: no dependency entry", w.name)
			continue
		}
		if w.unknown {
			if d.Completeness != sbom.CompletenessUnknown || len(d.DependsOn) != 0 {
				t.Errorf("%s: dependencies %+v, want unknown and none", w.name, d)
			}
			continue
		}
		wantDeps := ids(mods, w.deps...)
		if d.Completeness != sbom.CompletenessComplete || !slices.Equal(d.DependsOn, wantDeps) {
			t.Errorf("%s: dependencies %v (%q), want %v complete", w.name, d.DependsOn, d.Completeness, wantDeps)
		}
	}
	doc := &sbom.Document{Primary: frag.Primary, Components: frag.Components, Dependencies: frag.Dependencies}
	if err := doc.Validate(); err != nil {
		t.Error(err)
	}
	if len(frag.Dependencies) != len(frag.Components) {
		t.Errorf("%d dependency entries for %d components", len(frag.Dependencies), len(frag.Components))
	}
}

func checkWarnings(t *testing.T, frag *sbom.Fragment, want []string) {
	t.Helper()
	var got []string
	for _, w := range frag.Warnings {
		got = append(got, w.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// ids maps module names to the sorted component IDs of mods.
func ids(mods []want, names ...string) []string {
	out := []string{}
	for _, n := range names {
		for _, w := range mods {
			if w.name == n {
				if w.path == "" {
					w.path = w.name
				}
				out = append(out, w.id())
			}
		}
	}
	slices.Sort(out)
	return out
}

func component(frag *sbom.Fragment, name string) *sbom.Component {
	for i := range frag.Components {
		if frag.Components[i].Name == name {
			return &frag.Components[i]
		}
	}
	return nil
}

func dependency(frag *sbom.Fragment, id string) *sbom.Dependency {
	for i := range frag.Dependencies {
		if frag.Dependencies[i].Ref == id {
			return &frag.Dependencies[i]
		}
	}
	return nil
}

// TestCommonLicensesExist guards the fast scanner's list against typos and
// licensecheck upgrades that rename IDs: a missing ID would silently push
// every file of that licence onto the slow path.
func TestCommonLicensesExist(t *testing.T) {
	have := map[string]bool{}
	for _, l := range licensecheck.BuiltinLicenses() {
		if l.LRE != "" {
			have[l.ID] = true
		}
	}
	for _, id := range commonLicenses {
		if !have[id] {
			t.Errorf("%s is not one of licensecheck's built-in licences", id)
		}
	}
	if fastScanner() == nil {
		t.Error("the common-licence scanner failed to build")
	}
}

// unlicenseText is the Unlicense (https://unlicense.org/UNLICENSE), as
// projects ship it in a file named UNLICENSE.
const unlicenseText = `This is free and unencumbered software released into the public domain.

Anyone is free to copy, modify, publish, use, compile, sell, or
distribute this software, either in source code form or as a compiled
binary, for any purpose, commercial or non-commercial, and by any
means.

In jurisdictions that recognize copyright laws, the author or authors
of this software dedicate any and all copyright interest in the
software to the public domain. We make this dedication for the benefit
of the public at large and to the detriment of our heirs and
successors. We intend this dedication to be an overt act of
relinquishment in perpetuity of all present and future rights to this
software under copyright law.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,
EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
IN NO EVENT SHALL THE AUTHORS BE LIABLE FOR ANY CLAIM, DAMAGES OR
OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE,
ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR
OTHER DEALINGS IN THE SOFTWARE.

For more information, please refer to <https://unlicense.org>
`

// TestDetectUnlicense: a module whose licence is in UNLICENSE (or
// MIT-LICENSE) has it detected. Control: the same text in NOTICE is not a
// licence file.
func TestDetectUnlicense(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"UNLICENSE", "Unlicense"},
		{"NOTICE", ""},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, tc.file), []byte(unlicenseText), 0o644); err != nil {
			t.Fatal(err)
		}
		if got, _ := detectLicense(nil, dir); got != tc.want {
			t.Errorf("%s: detected %q, want %q", tc.file, got, tc.want)
		}
	}
}
