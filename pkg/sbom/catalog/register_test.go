package catalog

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

// tinyCatalog reads the smallest ecosystem: a file named *.tiny whose
// first line is "TINY" and whose second is "name version". An ecosystem is
// this much: a function (or a Cataloger) and the one registration line in
// init.
func init() {
	cataloger.Register(cataloger.Registration{Name: "tiny", What: "tiny manifest", Globs: []string{"*.tiny"},
		Sniff: func(_ string, head []byte) bool { return bytes.HasPrefix(head, []byte("TINY\n")) },
		New:   func(cataloger.Config) cataloger.Cataloger { return cataloger.PerFile("tiny", tinyCatalog) }})
}

func tinyCatalog(_ context.Context, f cataloger.File) (*sbom.Fragment, error) {
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	sc := bufio.NewScanner(io.LimitReader(r, 1<<16))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var name, version string
	if len(lines) < 2 {
		return nil, fmt.Errorf("%s: line 2: expected \"name version\", found nothing", f.Path())
	}
	if _, err := fmt.Sscan(lines[1], &name, &version); err != nil {
		return nil, fmt.Errorf("%s: line 2: expected \"name version\", found %q", f.Path(), lines[1])
	}
	id := "pkg:generic/" + name + "@" + version
	c := sbom.Component{ID: id, Type: sbom.TypeLibrary, Name: name, Version: version, PURL: id, Scope: sbom.ScopeRequired}
	c.SetProperty(sbom.PropSourcePath, f.Path())
	return &sbom.Fragment{Primary: id, Components: []sbom.Component{c}}, nil
}

// tinyFile is a .tiny manifest, padded past cataloger.MinSniffSize so the
// directory walk sniffs it.
func tinyFile(name, version string) string {
	return "TINY\n" + name + " " + version + "\n# " + strings.Repeat("padding ", 10) + "\n"
}

// tinyTree holds, under dir/, one real manifest and two controls that a
// cataloger matching on the name alone or on the content alone would take.
func tinyTree(prefix string) map[string]string {
	return map[string]string{
		prefix + "a.tiny":   tinyFile("alpha", "1.0.0"),
		prefix + "b.tiny":   "NOT TINY\nbeta 2.0.0\n" + strings.Repeat("padding ", 10), // right name, wrong magic
		prefix + "tiny.txt": tinyFile("gamma", "3.0.0"),                                // right magic, wrong name
	}
}

func writeTarGzFiles(t *testing.T, p string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, files[name])
	}
	tw.Close()
	gz.Close()
	write(t, p, buf.String())
}

func writeZipFiles(t *testing.T, p string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, files[name])
	}
	zw.Close()
	write(t, p, buf.String())
}

// TestRegisteredCatalogerFoundEverywhere: a cataloger registered from a
// test is run on its files in a directory and inside both archive formats,
// and only on its files.
func TestRegisteredCatalogerFoundEverywhere(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, root string)
		path  string // PropSourcePath of alpha
		kinds map[Kind]int
	}{
		{"directory", func(t *testing.T, root string) {
			for name, data := range tinyTree("lib/") {
				write(t, filepath.Join(root, name), data)
			}
		}, "lib/a.tiny", map[Kind]int{"tiny": 1}},
		{"tar.gz", func(t *testing.T, root string) {
			writeTarGzFiles(t, filepath.Join(root, "dist", "r.tar.gz"), tinyTree("x/"))
		}, "dist/r.tar.gz!x/a.tiny", map[Kind]int{KindArchive: 1}},
		{"zip", func(t *testing.T, root string) {
			writeZipFiles(t, filepath.Join(root, "dist", "r.zip"), tinyTree("x/"))
		}, "dist/r.zip!x/a.tiny", map[Kind]int{KindArchive: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			tc.setup(t, root)
			res := run(t, []string{root}, Options{})
			if len(res.Errors) != 0 || len(res.Warnings) != 0 {
				t.Fatalf("errors %v, warnings %v", res.Errors, res.Warnings)
			}
			d := res.Document
			alpha := d.Component("pkg:generic/alpha@1.0.0")
			if alpha == nil {
				t.Fatalf("the tiny manifest was not catalogued; have %v", ids(d))
			}
			if got, _ := alpha.Property(sbom.PropSourcePath); got != tc.path {
				t.Errorf("source path %q, want %q", got, tc.path)
			}
			for _, control := range []string{"beta", "gamma"} {
				if slices.ContainsFunc(d.Components, func(c sbom.Component) bool { return c.Name == control }) {
					t.Errorf("%s was catalogued: the registration's name and magic must both match", control)
				}
			}
			if !maps.Equal(res.Sources, tc.kinds) {
				t.Errorf("sources %v, want %v", res.Sources, tc.kinds)
			}
			if tc.name != "directory" {
				arch := d.Component(d.Primary)
				dep := dependencyOf(d, d.Primary)
				if arch == nil || arch.Type != sbom.TypeArchive || dep == nil || !slices.Equal(dep.DependsOn, []string{alpha.ID}) ||
					dep.Completeness != sbom.CompletenessComplete {
					t.Errorf("archive %+v depends on %+v, want alpha, complete", arch, dep)
				}
			}
		})
	}
}

// TestRegisteredCatalogerFailureInArchive: content a cataloger rejects is a
// warning naming the entry and what it is, and the archive's contents are
// incomplete; the same file on disk is a source error.
func TestRegisteredCatalogerFailureInArchive(t *testing.T) {
	root := t.TempDir()
	bad := "TINY\n\n" + strings.Repeat("#", 70)
	writeTarGzFiles(t, filepath.Join(root, "r.tar.gz"), map[string]string{"bad.tiny": bad, "a.tiny": tinyFile("alpha", "1.0.0")})
	res := run(t, []string{filepath.Join(root, "r.tar.gz")}, Options{})
	want := `r.tar.gz!bad.tiny: tiny manifest not catalogued: r.tar.gz!bad.tiny: line 2: expected "name version", found ""`
	if len(res.Warnings) != 1 || res.Warnings[0].String() != want {
		t.Errorf("warnings %v, want %s", res.Warnings, want)
	}
	if dep := dependencyOf(res.Document, res.Document.Primary); dep == nil || dep.Completeness != sbom.CompletenessIncomplete {
		t.Errorf("archive dependency %+v, want incomplete", dep)
	}
	if res.Document.Component("pkg:generic/alpha@1.0.0") == nil {
		t.Error("the good manifest next to the bad one is missing")
	}

	write(t, filepath.Join(root, "d", "bad.tiny"), bad)
	res = run(t, []string{filepath.Join(root, "d")}, Options{})
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "line 2") {
		t.Errorf("errors %v, want the bad manifest", res.Errors)
	}
}

func dependencyOf(d *sbom.Document, ref string) *sbom.Dependency {
	for i := range d.Dependencies {
		if d.Dependencies[i].Ref == ref {
			return &d.Dependencies[i]
		}
	}
	return nil
}

// TestIdentify: release asks the catalog which artifacts it reads.
func TestIdentify(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), "module example.com/x\n")
	writeZipFiles(t, filepath.Join(dir, "r.zip"), map[string]string{"a": "b"})
	write(t, filepath.Join(dir, "notes.txt"), strings.Repeat("text ", 20))
	for name, want := range map[string]string{"go.mod": string(KindGoMod), "r.zip": string(KindArchive), "notes.txt": ""} {
		r, err := Identify(filepath.Join(dir, name), Options{})
		got := ""
		if r != nil {
			got = r.Name
		}
		if err != nil || got != want {
			t.Errorf("Identify(%s) = %q, %v, want %q", name, got, err, want)
		}
	}
	if _, err := Identify(filepath.Join(dir, "missing"), Options{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestDirectoryIsASource: a directory walks as a cataloger.Source, in
// lexical order, without what a run skips, each file readable on disk.
func TestDirectoryIsASource(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"b/y", "a/x", "vendor/v", ".git/HEAD", "testdata/t"} {
		write(t, filepath.Join(root, p), "content of "+p)
	}
	var src cataloger.Source = &dirSource{root: root}
	var got []string
	err := src.Walk(context.Background(), func(f cataloger.File) error {
		got = append(got, f.Path())
		r, err := f.Open()
		if err != nil {
			return err
		}
		defer r.Close()
		b, err := io.ReadAll(r)
		if p, ok := f.Local(); err != nil || !ok || string(b) != "content of "+f.Path() || int64(len(b)) != f.Size() || p != f.Host() {
			t.Errorf("%s: read %q (%v), local %q %v, size %d", f.Path(), b, err, p, ok, f.Size())
		}
		return nil
	})
	if err != nil || !slices.Equal(got, []string{"a/x", "b/y"}) {
		t.Errorf("walked %v (%v), want a/x, b/y", got, err)
	}
	stop := errors.New("stop")
	if err := src.Walk(context.Background(), func(cataloger.File) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("an error from fn: walk returned %v", err)
	}
}

// TestGoStepsAreRegistered: the Go catalogers' run-wide steps — a binary's
// modules get their licences from the module cache — run through the
// registry. The control is a module the cache does not hold.
func TestGoStepsAreRegistered(t *testing.T) {
	cache := t.TempDir()
	license, err := os.ReadFile(filepath.Join("..", "..", "..", "LICENSE")) // vouch's own Apache-2.0 text
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(cache, "example.com", "dep@v1.0.0", "LICENSE"), string(license))
	bin := &sbom.Fragment{Primary: "file:app", Components: []sbom.Component{
		{ID: "file:app", Type: sbom.TypeApplication, Name: "example.com/app",
			Properties: []sbom.Property{{Name: sbom.PropGoPackage, Value: "example.com/app"}}},
		{ID: "pkg:golang/example.com/dep@v1.0.0", Type: sbom.TypeLibrary, Name: "example.com/dep", Version: "v1.0.0", PURL: "pkg:golang/example.com/dep@v1.0.0"},
		{ID: "pkg:golang/example.com/gone@v1.0.0", Type: sbom.TypeLibrary, Name: "example.com/gone", Version: "v1.0.0", PURL: "pkg:golang/example.com/gone@v1.0.0"},
	}}
	res := assemble(context.Background(), []outcome{{job: job{rel: "app"}, kind: KindBinary, frag: bin}},
		Options{Created: time.Unix(0, 0), ModCache: cache})
	d := res.Document
	if got := d.Component("pkg:golang/example.com/dep@v1.0.0").Licenses; got.Declared != "Apache-2.0" {
		t.Errorf("dep licences %+v, want Apache-2.0 from the module cache", got)
	}
	if got := d.Component("pkg:golang/example.com/gone@v1.0.0").Licenses; got != (sbom.Licenses{}) {
		t.Errorf("a module missing from the cache got licences %+v", got)
	}
	// Other ecosystems register steps of their own (manifests judge their
	// lockfiles in a Post step); Go's are go.mod's.
	for _, r := range cataloger.Default().Registrations() {
		goMod := r.Name == string(KindGoMod)
		// (Its licence scanner is no longer prepared at the start of every
		// run but at the first go.mod, or never with a warm licence cache.)
		if goMod && (r.Post == nil || r.Enrich == nil) {
			t.Errorf("go.mod registration lacks a Post or Enrich step")
		}
		if r.Name == string(KindBinary) && (r.Post != nil || r.Enrich != nil || r.Prepare != nil) {
			t.Errorf("the Go binary registration has run-wide steps, want go.mod's only")
		}
	}
}
