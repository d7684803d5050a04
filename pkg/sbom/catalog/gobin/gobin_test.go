package gobin

import (
	"context"
	"debug/buildinfo"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"runtime/debug"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
)

func TestIsExecutable(t *testing.T) {
	for _, tc := range []struct {
		name string
		head string
		want bool
	}{
		{"elf", "\x7fELF\x02\x01\x01", true},
		{"pe", "MZ\x90\x00", true},
		{"macho32", "\xfe\xed\xfa\xce", true},
		{"macho64", "\xfe\xed\xfa\xcf", true},
		{"macho32 le", "\xce\xfa\xed\xfe", true},
		{"macho64 le", "\xcf\xfa\xed\xfe", true},
		{"fat", "\xca\xfe\xba\xbe\x00\x00\x00\x02", true},
		{"fat64", "\xca\xfe\xba\xbf\x00\x00\x00\x01", true},
		{"java class", "\xca\xfe\xba\xbe\x00\x00\x00\x34", false},
		{"fat too short", "\xca\xfe\xba\xbe", false},
		{"script", "#!/bin/sh\necho hi\n", false},
		{"gzip", "\x1f\x8b\x08\x00", false},
		{"empty", "", false},
		{"short", "\x7fEL", false},
	} {
		if got := IsExecutable([]byte(tc.head)); got != tc.want {
			t.Errorf("%s: IsExecutable = %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, fx := range []string{fxPlain, fxWindows, fxDarwin} {
		b, err := os.ReadFile(fixture(t, fx))
		if err != nil {
			t.Fatal(err)
		}
		if !IsExecutable(b[:512]) {
			t.Errorf("%s fixture not recognised as executable", fx)
		}
	}
}

// goVersionM runs `go version -m` on path and parses its output back into
// build info: the reference this cataloger must agree with.
func goVersionM(t *testing.T, path string) *debug.BuildInfo {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", path).Output()
	if err != nil {
		t.Fatalf("go version -m %s: %v", path, err)
	}
	first, rest, _ := strings.Cut(string(out), "\n")
	var lines []string
	for l := range strings.SplitSeq(rest, "\n") {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	bi, err := debug.ParseBuildInfo(strings.Join(lines, "\n"))
	if err != nil {
		t.Fatalf("parse go version -m output: %v\n%s", err, out)
	}
	_, bi.GoVersion, _ = strings.Cut(first, ": ")
	return bi
}

// asDocument wraps a fragment so that sbom.Validate checks its references.
func asDocument(f *sbom.Fragment) *sbom.Document {
	return &sbom.Document{Primary: f.Primary, Components: f.Components, Dependencies: f.Dependencies}
}

func prop(c *sbom.Component, name string) string {
	v, _ := c.Property(name)
	return v
}

// TestCatalogMatchesGoVersionM checks every real binary against the go
// command's own reading of it: the same modules (with replacements), the
// same build settings, the toolchain's standard library.
func TestCatalogMatchesGoVersionM(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{"test binary": self}
	for _, fx := range []string{fxPlain, fxLdflags, fxTrimpath, fxReplace, fxDeps, fxWindows, fxDarwin} {
		paths[fx] = fixture(t, fx)
	}
	for name, path := range paths {
		t.Run(name, func(t *testing.T) {
			want := goVersionM(t, path)
			frag, err := Catalog(context.Background(), path, Options{RelPath: "bin/" + name})
			if err != nil {
				t.Fatal(err)
			}
			if err := asDocument(frag).Validate(); err != nil {
				t.Fatal(err)
			}
			bin := &frag.Components[0]
			if bin.ID != "file:bin/"+name || frag.Primary != bin.ID {
				t.Errorf("binary ID %q, primary %q", bin.ID, frag.Primary)
			}
			if bin.Type != sbom.TypeApplication || bin.Name != want.Main.Path || bin.FileName != name {
				t.Errorf("binary type/name/filename = %q/%q/%q, want application/%q/%q", bin.Type, bin.Name, bin.FileName, want.Main.Path, name)
			}
			if got := prop(bin, sbom.PropGoPackage); got != want.Path {
				t.Errorf("package property %q, want %q", got, want.Path)
			}
			if got := prop(bin, sbom.PropSourcePath); got != "bin/"+name {
				t.Errorf("source path %q", got)
			}
			d, err := digest.File(path)
			if err != nil {
				t.Fatal(err)
			}
			if bin.Hash(sbom.SHA256) != d.SHA256 || bin.Hash(sbom.SHA512) != d.SHA512 || bin.Size != d.Size {
				t.Errorf("hashes/size %v %d, want %+v", bin.Hashes, bin.Size, d)
			}

			var wantMods, gotMods []string
			for _, m := range want.Deps {
				ver, repl, sum := m.Version, "", m.Sum
				if r := m.Replace; r != nil {
					ver, repl, sum = r.Version, r.Path, r.Sum
					if r.Version == "(devel)" { // a local directory
						ver = ""
					} else {
						repl += "@" + r.Version
					}
				}
				wantMods = append(wantMods, m.Path+" "+ver+" "+repl+" "+sum)
			}
			var stdlib *sbom.Component
			for i := range frag.Components[1:] {
				c := &frag.Components[1+i]
				if c.Name == "stdlib" {
					stdlib = c
					continue
				}
				gotMods = append(gotMods, c.Name+" "+c.Version+" "+prop(c, sbom.PropGoReplace)+" "+prop(c, sbom.PropGoH1))
			}
			slices.Sort(wantMods)
			slices.Sort(gotMods)
			if !slices.Equal(gotMods, wantMods) {
				t.Errorf("modules:\n got %q\nwant %q", gotMods, wantMods)
			}
			if (name == fxDeps || name == fxReplace) && len(wantMods) == 0 {
				t.Error("the fixture should link modules")
			}
			if name == fxDeps && !strings.Contains(strings.Join(gotMods, "\n"), "golang.org/x/mod v0.42.0  h1:") {
				t.Errorf("x/mod with its checksum missing from %q", gotMods)
			}

			wantGo, _, _ := strings.Cut(runtime.Version(), " ")
			if stdlib == nil || stdlib.Version != wantGo || trimGoVersion(want.GoVersion) != wantGo {
				t.Errorf("stdlib %+v, want version %s (go version -m says %s)", stdlib, wantGo, want.GoVersion)
			}

			var wantSettings, gotSettings []string
			for _, s := range want.Settings {
				wantSettings = append(wantSettings, s.Key+"="+s.Value)
			}
			for _, p := range bin.Properties {
				if k, ok := strings.CutPrefix(p.Name, sbom.PropGoBuildPrefix); ok {
					gotSettings = append(gotSettings, k+"="+p.Value)
				}
			}
			slices.Sort(wantSettings)
			slices.Sort(gotSettings)
			if !slices.Equal(gotSettings, wantSettings) || len(gotSettings) == 0 {
				t.Errorf("settings:\n got %q\nwant %q", gotSettings, wantSettings)
			}

			// The binary depends on every module and stdlib, completely.
			top := frag.Dependencies[0]
			if top.Ref != bin.ID || top.Completeness != sbom.CompletenessComplete || len(top.DependsOn) != len(frag.Components)-1 {
				t.Errorf("top dependency %+v for %d components", top, len(frag.Components))
			}
			for _, dep := range frag.Dependencies[1:] {
				if dep.Completeness != sbom.CompletenessUnknown || len(dep.DependsOn) != 0 {
					t.Errorf("module dependency %+v: want no edges, completeness unknown", dep)
				}
			}
		})
	}
}

func TestFixtureProperties(t *testing.T) {
	for _, tc := range []struct {
		fx                string
		version, source   string
		purl              string
		settings          map[string]string
		warnings          []string // substrings, one per expected warning
		replaceComponents map[string]string
	}{
		{
			fx: fxPlain, source: sbom.VersionUnknown, purl: "pkg:golang/example.com/hello",
			settings: map[string]string{"GOOS": "linux", "GOARCH": "amd64", "CGO_ENABLED": "0"},
			warnings: []string{"main module version unknown (build info says (devel)"},
		},
		{
			fx: fxLdflags, version: "v1.2.3", source: sbom.VersionFromLdflags, purl: "pkg:golang/example.com/hello@v1.2.3",
			settings: map[string]string{"-ldflags": "-X main.version=v1.2.3"},
		},
		{
			fx: fxTrimpath, source: sbom.VersionUnknown, purl: "pkg:golang/example.com/hello",
			settings: map[string]string{"-trimpath": "true"},
			warnings: []string{"main module version unknown"},
		},
		{
			fx: fxReplace, source: sbom.VersionUnknown, purl: "pkg:golang/example.com/withdep",
			warnings:          []string{"main module version unknown", "module example.com/dep is replaced by the local directory ../dep"},
			replaceComponents: map[string]string{"pkg:golang/example.com/dep": "../dep"},
		},
		{
			fx: fxWindows, source: sbom.VersionUnknown, purl: "pkg:golang/example.com/hello",
			settings: map[string]string{"GOOS": "windows", "GOARCH": "amd64"},
			warnings: []string{"main module version unknown"},
		},
		{
			fx: fxDarwin, source: sbom.VersionUnknown, purl: "pkg:golang/example.com/hello",
			settings: map[string]string{"GOOS": "darwin", "GOARCH": "arm64"},
			warnings: []string{"main module version unknown"},
		},
	} {
		t.Run(tc.fx, func(t *testing.T) {
			frag, err := Catalog(context.Background(), fixture(t, tc.fx), Options{RelPath: "dist/" + tc.fx})
			if err != nil {
				t.Fatal(err)
			}
			bin := &frag.Components[0]
			if bin.Version != tc.version || prop(bin, sbom.PropVersionSource) != tc.source || bin.PURL != tc.purl {
				t.Errorf("version %q source %q purl %q, want %q %q %q", bin.Version, prop(bin, sbom.PropVersionSource), bin.PURL, tc.version, tc.source, tc.purl)
			}
			if bin.Supplier.URL != "https://example.com" {
				t.Errorf("supplier %+v", bin.Supplier)
			}
			for k, v := range tc.settings {
				if got := prop(bin, sbom.PropGoBuildPrefix+k); got != v {
					t.Errorf("setting %s = %q, want %q", k, got, v)
				}
			}
			if len(frag.Warnings) != len(tc.warnings) {
				t.Fatalf("warnings %v, want %d", frag.Warnings, len(tc.warnings))
			}
			for i, w := range tc.warnings {
				if frag.Warnings[i].Path != "dist/"+tc.fx || !strings.Contains(frag.Warnings[i].Message, w) {
					t.Errorf("warning %d = %v, want %q", i, frag.Warnings[i], w)
				}
			}
			for id, repl := range tc.replaceComponents {
				c := asDocument(frag).Component(id)
				if c == nil || prop(c, sbom.PropGoReplace) != repl || c.Version != "" {
					t.Errorf("replaced component %s = %+v, want replace %q and no version", id, c, repl)
				}
			}
		})
	}
}

func TestFlagOverridesEverything(t *testing.T) {
	frag, err := Catalog(context.Background(), fixture(t, fxLdflags), Options{
		Version:        "v9.0.0",
		TagForRevision: func(string) (string, bool) { t.Error("tag lookup despite --version"); return "", false },
	})
	if err != nil {
		t.Fatal(err)
	}
	bin := frag.Components[0]
	if bin.Version != "v9.0.0" || prop(&bin, sbom.PropVersionSource) != sbom.VersionFromFlag || len(frag.Warnings) != 0 {
		t.Errorf("got %q from %q, warnings %v", bin.Version, prop(&bin, sbom.PropVersionSource), frag.Warnings)
	}
	if bin.ID != "file:"+fxLdflags {
		t.Errorf("empty RelPath: ID %q, want file:<base name>", bin.ID)
	}
}

func TestGivenDigestsAreUsed(t *testing.T) {
	given := digest.Digests{SHA256: "aa", SHA512: "bb", Size: 42}
	frag, err := Catalog(context.Background(), fixture(t, fxPlain), Options{Digests: &given})
	if err != nil {
		t.Fatal(err)
	}
	if c := frag.Components[0]; c.Hash(sbom.SHA256) != "aa" || c.Hash(sbom.SHA512) != "bb" || c.Size != 42 {
		t.Errorf("got %v size %d, want the caller's digests", c.Hashes, c.Size)
	}
}

func copyFile(t *testing.T, src, dst string, n int64) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = in
	if n >= 0 {
		r = io.LimitReader(in, n)
	}
	if _, err := io.Copy(out, r); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestNoBuildInfo(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "run.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nexec true\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	elf := filepath.Join(dir, "true")
	copyFile(t, "/bin/true", elf, -1)
	for _, p := range []string{script, elf} {
		name := filepath.Base(p)
		frag, err := Catalog(context.Background(), p, Options{RelPath: "x/" + name, Version: "v1.0.0"})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(frag.Components) != 1 || len(frag.Dependencies) != 0 {
			t.Fatalf("%s: %d components, %d dependencies, want the file alone", name, len(frag.Components), len(frag.Dependencies))
		}
		c := frag.Components[0]
		d, _ := digest.File(p)
		if c.ID != "file:x/"+name || c.Type != sbom.TypeFile || c.Name != name || c.FileName != name ||
			c.Version != "" || c.Hash(sbom.SHA512) != d.SHA512 || c.Size != d.Size {
			t.Errorf("%s: component %+v", name, c)
		}
		if prop(&c, sbom.PropBuildInfo) != "absent" {
			t.Errorf("%s: no %s=absent property", name, sbom.PropBuildInfo)
		}
		if len(frag.Warnings) != 1 || frag.Warnings[0].Path != "x/"+name || !strings.Contains(frag.Warnings[0].Message, "no Go build info") {
			t.Errorf("%s: warnings %v", name, frag.Warnings)
		}
	}
}

// TestBuildInfoErrorTexts pins the texts of debug/buildinfo's unexported
// errors, which classify relies on: a toolchain that renames them fails here.
func TestBuildInfoErrorTexts(t *testing.T) {
	read := func(p string) error {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, err = buildinfo.Read(f)
		return err
	}
	if err := read("/bin/true"); err == nil || err.Error() != msgNotGo {
		t.Errorf("non-Go ELF: %v, want %q", err, msgNotGo)
	}
	p := filepath.Join(t.TempDir(), "trunc")
	copyFile(t, fixture(t, fxPlain), p, 4096)
	if err := read(p); err == nil || err.Error() != msgUnrecognized {
		t.Errorf("truncated ELF: %v, want %q", err, msgUnrecognized)
	}
}

func TestTruncatedIsError(t *testing.T) {
	dir := t.TempDir()
	for _, fx := range []string{fxPlain, fxWindows, fxDarwin} {
		for _, n := range []int64{64, 4096} {
			p := filepath.Join(dir, fx)
			copyFile(t, fixture(t, fx), p, n)
			frag, err := Catalog(context.Background(), p, Options{RelPath: "dist/" + fx})
			if err == nil {
				t.Errorf("%s cut at %d: no error, fragment %+v", fx, n, frag)
				continue
			}
			if !strings.Contains(err.Error(), "dist/"+fx) || !errors.Is(err, errCorrupt) {
				t.Errorf("%s cut at %d: error %q should name the file and say it is corrupt", fx, n, err)
			}
		}
	}
}

func TestMissingFileAndDirectory(t *testing.T) {
	if _, err := Catalog(context.Background(), filepath.Join(t.TempDir(), "nope"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Catalog(context.Background(), t.TempDir(), Options{}); err == nil {
		t.Error("directory: no error")
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Catalog(ctx, fixture(t, fxPlain), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestFromBuildInfoReplacements(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8 X:rangefunc",
		Path:      "github.com/acme/tool/cmd/tool",
		Main:      debug.Module{Path: "github.com/acme/tool", Version: "v2.0.0", Sum: "h1:main="},
		Deps: []*debug.Module{
			{Path: "github.com/spf13/cobra", Version: "v1.10.2", Sum: "h1:cobra="},
			{Path: "github.com/orig/lib", Version: "v1.0.0", Replace: &debug.Module{Path: "github.com/fork/lib", Version: "v1.0.1", Sum: "h1:fork="}},
			{Path: "example.com/local", Version: "v0.0.0-00010101000000-000000000000", Replace: &debug.Module{Path: "../local"}},
			nil,
		},
	}
	frag := fromBuildInfo(bi, "bin/tool", "tool", digest.Digests{SHA256: "a", SHA512: "b", Size: 1}, Options{})
	if err := asDocument(frag).Validate(); err != nil {
		t.Fatal(err)
	}
	doc := asDocument(frag)
	bin := doc.Component("file:bin/tool")
	if bin.Version != "v2.0.0" || prop(bin, sbom.PropVersionSource) != sbom.VersionFromBuild ||
		bin.PURL != "pkg:golang/github.com/acme/tool@v2.0.0" || prop(bin, sbom.PropGoH1) != "h1:main=" ||
		bin.Supplier.URL != "https://github.com/acme" {
		t.Errorf("binary %+v", bin)
	}
	for _, tc := range []struct{ id, name, version, replace, sum string }{
		{"pkg:golang/github.com/spf13/cobra@v1.10.2", "github.com/spf13/cobra", "v1.10.2", "", "h1:cobra="},
		{"pkg:golang/github.com/fork/lib@v1.0.1", "github.com/orig/lib", "v1.0.1", "github.com/fork/lib@v1.0.1", "h1:fork="},
		{"pkg:golang/example.com/local", "example.com/local", "", "../local", ""},
		{"pkg:golang/stdlib@go1.26.8", "stdlib", "go1.26.8", "", ""},
	} {
		c := doc.Component(tc.id)
		if c == nil {
			t.Errorf("no component %s", tc.id)
			continue
		}
		if c.Name != tc.name || c.Version != tc.version || prop(c, sbom.PropGoReplace) != tc.replace || prop(c, sbom.PropGoH1) != tc.sum {
			t.Errorf("%s: name %q version %q replace %q sum %q", tc.id, c.Name, c.Version, prop(c, sbom.PropGoReplace), prop(c, sbom.PropGoH1))
		}
	}
	if fork := doc.Component("pkg:golang/github.com/fork/lib@v1.0.1"); fork.Supplier.URL != "https://github.com/fork" {
		t.Errorf("a replaced module is supplied by its replacement: %+v", fork.Supplier)
	}
	if len(frag.Warnings) != 1 || !strings.Contains(frag.Warnings[0].Message, "example.com/local") {
		t.Errorf("warnings %v, want one about the local replacement", frag.Warnings)
	}
	if len(frag.Components) != 5 || len(frag.Dependencies[0].DependsOn) != 4 {
		t.Errorf("%d components, top edges %v", len(frag.Components), frag.Dependencies[0].DependsOn)
	}
}

func TestFromBuildInfoWithoutMainModule(t *testing.T) {
	// go build main.go: no main module, path command-line-arguments:
	// nothing names the code, so no purl.
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Path: "command-line-arguments"}
	frag := fromBuildInfo(bi, "hello", "hello", digest.Digests{}, Options{})
	bin := frag.Components[0]
	if bin.Name != "hello" || bin.PURL != "" || bin.Type != sbom.TypeApplication {
		t.Errorf("binary %+v: want its file name and no purl", bin)
	}
	// GOPATH mode (GO111MODULE=off, Debian's builds): no main module, but
	// the main package's import path names the binary and its purl.
	gopath := &debug.BuildInfo{GoVersion: "go1.26.8", Path: "example.org/tools/hello"}
	bin = fromBuildInfo(gopath, "hello", "hello", digest.Digests{}, Options{}).Components[0]
	if bin.Name != "example.org/tools/hello" || bin.PURL != "pkg:golang/example.org/tools/hello" || bin.Version != "" {
		t.Errorf("GOPATH binary %+v: want its package path, no version", bin)
	}
	bi.GoVersion = ""
	frag = fromBuildInfo(bi, "hello", "hello", digest.Digests{}, Options{})
	if frag.Dependencies[0].Completeness != sbom.CompletenessIncomplete || len(frag.Components) != 1 {
		t.Errorf("no toolchain version: %+v", frag)
	}
}

// BenchmarkCatalogLargeBinary catalogs the test binary itself: hashing
// dominates, so MB/s should approach the digest package's.
func BenchmarkCatalogLargeBinary(b *testing.B) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(self)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	for b.Loop() {
		if _, err := Catalog(context.Background(), self, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	// After the loop: b.Loop resets the timer, which drops extra metrics.
	b.ReportMetric(float64(fi.Size())/(1<<20), "MiB/binary")
}
