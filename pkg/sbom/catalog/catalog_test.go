package catalog

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
)

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goBuild builds the main package in dir offline into out.
func goBuild(t testing.TB, dir, out string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", append(append([]string{"build", "-o", out}, args...), ".")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOPROXY=off", "GOWORK=off", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
}

// fixture is a module with a locally replaced dependency, built into bin/.
func fixture(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	write(t, filepath.Join(root, "go.mod"), "module example.com/app\n\ngo 1.22\n\nrequire example.com/dep v1.0.0\n\nreplace example.com/dep => ./dep\n")
	write(t, filepath.Join(root, "main.go"), "package main\n\nimport \"example.com/dep\"\n\nfunc main() { dep.F() }\n")
	write(t, filepath.Join(root, "dep", "go.mod"), "module example.com/dep\n\ngo 1.22\n")
	write(t, filepath.Join(root, "dep", "dep.go"), "package dep\n\nfunc F() {}\n")
	// No -trimpath: with it, Go leaves -ldflags out of the build info.
	goBuild(t, root, filepath.Join(root, "bin", "app"), "-ldflags", "-X main.version=v2.3.4")
	return root
}

func run(t testing.TB, roots []string, opts Options) *Result {
	t.Helper()
	opts.Created = time.Unix(1700000000, 0)
	res, err := Run(context.Background(), roots, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Document.Validate(); err != nil {
		t.Fatalf("invalid document: %v", err)
	}
	return res
}

func ids(d *sbom.Document) []string {
	var out []string
	for _, c := range d.Components {
		out = append(out, c.ID)
	}
	return out
}

func TestBinaryIsTruthForWhatShips(t *testing.T) {
	root := fixture(t)
	// dep/ is a module of its own, used through a local replace: keep it
	// out so the binary is the one top-level source.
	res := run(t, []string{root}, Options{Exclude: []string{"dep"}})
	d := res.Document
	if len(res.Errors) != 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	bin := d.Component("file:bin/app")
	if bin == nil {
		t.Fatalf("no binary component; have %v", ids(d))
	}
	if d.Primary != bin.ID {
		t.Errorf("primary = %q, want the binary", d.Primary)
	}
	if bin.Version != "v2.3.4" {
		t.Errorf("binary version = %q, want v2.3.4 from -ldflags", bin.Version)
	}
	// The go.mod view (main module as its own component) is gone...
	if c := d.Component("pkg:golang/example.com/app"); c != nil {
		t.Errorf("go.mod's main module still listed: %+v", c)
	}
	// ...and the locally replaced dependency has no version in either view.
	for _, c := range d.Components {
		if c.Name == "example.com/dep" && c.Version != "" {
			t.Errorf("example.com/dep version %q, want none (local replacement)", c.Version)
		}
	}
	var msgs []string
	for _, w := range res.Warnings {
		msgs = append(msgs, w.String())
	}
	if all := strings.Join(msgs, "\n"); !strings.Contains(all, "go.mod: binaries built from example.com/app were found") {
		t.Errorf("warnings do not say the binary superseded go.mod:\n%s", all)
	}
	if d.Lifecycle != "post-build" || d.Completeness != sbom.CompletenessComplete {
		t.Errorf("lifecycle %q completeness %q", d.Lifecycle, d.Completeness)
	}
}

// TestGoModDiffRecorded: where go.mod and a binary's build info disagree on
// a module's version, the binary wins and the difference is kept.
func TestGoModDiffRecorded(t *testing.T) {
	mod := &sbom.Fragment{Primary: "pkg:golang/example.com/app", Components: []sbom.Component{
		{ID: "pkg:golang/example.com/app", Type: sbom.TypeApplication, Name: "example.com/app",
			Properties: []sbom.Property{{Name: sbom.PropSourcePath, Value: "go.mod"}}},
		{ID: "pkg:golang/example.com/dep@v1.0.0", Type: sbom.TypeLibrary, Name: "example.com/dep", Version: "v1.0.0",
			Properties: []sbom.Property{{Name: sbom.PropGoReplace, Value: "example.com/fork@v1.0.1"}}},
		{ID: "pkg:golang/example.com/same@v1.0.0", Type: sbom.TypeLibrary, Name: "example.com/same", Version: "v1.0.0"},
	}}
	bin := &sbom.Fragment{Primary: "file:app", Components: []sbom.Component{
		{ID: "file:app", Type: sbom.TypeApplication, Name: "example.com/app",
			Properties: []sbom.Property{{Name: sbom.PropGoPackage, Value: "example.com/app"}}},
		{ID: "pkg:golang/example.com/dep@v1.2.0", Type: sbom.TypeLibrary, Name: "example.com/dep", Version: "v1.2.0"},
		{ID: "pkg:golang/example.com/same@v1.0.0", Type: sbom.TypeLibrary, Name: "example.com/same", Version: "v1.0.0"},
	}}
	res := assemble(context.Background(), []outcome{
		{job: job{rel: "go.mod"}, kind: KindGoMod, frag: mod},
		{job: job{rel: "app"}, kind: KindBinary, frag: bin},
	}, Options{Created: time.Unix(0, 0)})
	d := res.Document
	if d.Component("pkg:golang/example.com/dep@v1.0.0") != nil || d.Component("pkg:golang/example.com/app") != nil {
		t.Errorf("go.mod's view is still listed: %v", ids(d))
	}
	dep := d.Component("pkg:golang/example.com/dep@v1.2.0")
	if dep == nil {
		t.Fatalf("binary's dep missing: %v", ids(d))
	}
	if got, _ := dep.Property(sbom.PropGoModDiff); got != "go.mod requires v1.0.0 (replaced by example.com/fork@v1.0.1)" {
		t.Errorf("%s = %q", sbom.PropGoModDiff, got)
	}
	if same := d.Component("pkg:golang/example.com/same@v1.0.0"); same == nil {
		t.Error("agreeing module missing")
	} else if _, ok := same.Property(sbom.PropGoModDiff); ok {
		t.Error("agreeing module marked as differing")
	}
	want := []sbom.Warning{
		{Path: "go.mod", Message: "binaries built from example.com/app were found: their build info, not go.mod, describes what ships"},
		{Path: "go.mod", Message: "example.com/dep: go.mod requires v1.0.0, the binaries link v1.2.0"},
	}
	if !slices.Equal(res.Warnings, want) {
		t.Errorf("warnings = %v, want %v", res.Warnings, want)
	}
	if d.Primary != "file:app" {
		t.Errorf("primary %q", d.Primary)
	}
}

func TestSkipsAndExcludes(t *testing.T) {
	root := t.TempDir()
	for _, dir := range []string{"a", "vendor/v", "testdata/t", ".git/g", "skip/me"} {
		write(t, filepath.Join(root, dir, "go.mod"), "module example.com/"+strings.ReplaceAll(dir, "/", "")+"\n\ngo 1.22\n")
	}
	names := func(o Options) []string {
		var out []string
		for _, c := range run(t, []string{root}, o).Document.Components {
			if c.ID != "root" {
				out = append(out, c.Name)
			}
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		opts Options
		want []string
	}{
		{Options{}, []string{"example.com/a", "example.com/skipme"}},
		{Options{Exclude: []string{"skip"}}, []string{"example.com/a"}},
		{Options{Exclude: []string{"skip/*"}}, []string{"example.com/a"}},
		{Options{Vendor: true, Testdata: true}, []string{"example.com/a", "example.com/skipme", "example.com/testdatat", "example.com/vendorv"}},
	} {
		if got := names(tc.opts); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: got %v, want %v", tc.opts, got, tc.want)
		}
	}
}

func TestErrorsMarkIncomplete(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "ok", "go.mod"), "module example.com/ok\n\ngo 1.22\n")
	write(t, filepath.Join(root, "bad", "go.mod"), "module example.com/bad\n\nrequire (\n")
	res := run(t, []string{root, filepath.Join(root, "missing")}, Options{})
	if len(res.Errors) != 2 {
		t.Fatalf("errors = %v, want the bad go.mod and the missing path", res.Errors)
	}
	if res.Document.Completeness != sbom.CompletenessIncomplete {
		t.Errorf("completeness = %q, want incomplete", res.Document.Completeness)
	}
	if res.Document.Component("pkg:golang/example.com/ok") == nil {
		t.Errorf("the good module is missing: %v", ids(res.Document))
	}
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	root := fixture(t)
	for i := range 10 {
		write(t, filepath.Join(root, fmt.Sprintf("m%d", i), "go.mod"), fmt.Sprintf("module example.com/m%d\n\ngo 1.22\n", i))
	}
	a := run(t, []string{root}, Options{Workers: 1}).Document
	b := run(t, []string{root}, Options{Workers: 8}).Document
	if a.Digest() != b.Digest() {
		t.Fatal("the document depends on the number of workers")
	}
}

var benchTree struct {
	once sync.Once
	dir  string
}

// BenchmarkRunTree2000 catalogs a tree of 2,000 modules (each requiring
// three others) and a Go binary: the walk, the sniffing of every file, the
// go.mod parsing and the merge. The module cache is empty, so no licence
// scanning happens here; gomod's BenchmarkCatalog2000Modules covers that.
func BenchmarkRunTree2000(b *testing.B) {
	benchTree.once.Do(func() {
		dir, err := os.MkdirTemp("", "vouch-bench-tree")
		if err != nil {
			b.Fatal(err)
		}
		for i := range 2000 {
			var req strings.Builder
			for j := 1; j <= 3; j++ {
				fmt.Fprintf(&req, "\texample.com/m%04d v1.0.%d\n", (i+j)%2000, j)
			}
			write(b, filepath.Join(dir, fmt.Sprintf("m%04d", i), "go.mod"),
				fmt.Sprintf("module example.com/m%04d\n\ngo 1.22\n\nrequire (\n%s)\n", i, req.String()))
			write(b, filepath.Join(dir, fmt.Sprintf("m%04d", i), "main.go"), "package main\n\nfunc main() {}\n// padding so the sniffer opens this file\n")
		}
		exe, err := os.Executable()
		if err != nil {
			b.Fatal(err)
		}
		src, _ := os.Open(exe)
		dst, _ := os.Create(filepath.Join(dir, "bin", "tool"))
		if dst == nil {
			os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
			dst, _ = os.Create(filepath.Join(dir, "bin", "tool"))
		}
		io.Copy(dst, src)
		src.Close()
		dst.Close()
		benchTree.dir = dir
	})
	b.ReportAllocs()
	for b.Loop() {
		res, err := Run(context.Background(), []string{benchTree.dir}, Options{Created: time.Unix(0, 0), ModCache: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		if n := len(res.Document.Components); n < 2000 {
			b.Fatalf("%d components", n)
		}
	}
}
