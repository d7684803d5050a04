package ecosystem

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/osv-scalibr/extractor/filesystem/language/rust/cargolock"

	"github.com/vouchdev/vouch/pkg/sbom"
)

func TestPURLQualifiersSorted(t *testing.T) {
	got := PURL("deb", "debian", "curl", "7.88.1-10+deb12u5", "distro", "debian-12", "arch", "amd64", "upstream", "")
	if want := "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestExtractFS: scalibr only sees regular files; a directory or a named
// pipe in the scanned tree is refused beside a regular control.
func TestExtractFS(t *testing.T) {
	lock := []byte("version = 4\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n")
	fsys := fstest.MapFS{
		"ok/Cargo.lock":   {Data: lock},
		"dir/Cargo.lock":  {Mode: fs.ModeDir},
		"fifo/Cargo.lock": {Mode: fs.ModeNamedPipe},
	}
	pkgs, err := ExtractFS(context.Background(), &cargolock.Extractor{}, fsys, "ok/Cargo.lock")
	if err != nil || len(pkgs) != 1 || pkgs[0].Name != "a" {
		t.Fatalf("control: %v %v", err, pkgs)
	}
	for _, name := range []string{"dir/Cargo.lock", "fifo/Cargo.lock"} {
		if _, err := ExtractFS(context.Background(), &cargolock.Extractor{}, fsys, name); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// Extract shows the extractor one file, under a clean relative name.
	if pkgs, err := Extract(context.Background(), &cargolock.Extractor{}, "../../x/Cargo.lock", lock); err != nil || len(pkgs) != 1 {
		t.Errorf("Extract: %v %v", err, pkgs)
	}
}

func TestBuilder(t *testing.T) {
	b := NewBuilder("f")
	a := b.Add(Library("pkg:x/a@1", "a", "1", "f"))
	a.Scope = sbom.ScopeOptional
	if again := b.Add(Library("pkg:x/a@1", "a", "1", "f")); again.Scope != sbom.ScopeOptional {
		t.Errorf("a second Add replaced the first component")
	}
	b.Add(Library("pkg:x/b@1", "b", "1", "f"))
	b.Add(Library("pkg:x/c@1", "c", "1", "f"))
	b.Edge("pkg:x/a@1", "pkg:x/b@1")
	b.Edge("pkg:x/a@1", "pkg:x/b@1")
	b.Edge("pkg:x/a@1", "pkg:x/a@1")
	b.Complete("pkg:x/a@1")
	b.Complete("pkg:x/b@1")
	f := b.Fragment()
	want := []sbom.Dependency{
		{Ref: "pkg:x/a@1", DependsOn: []string{"pkg:x/b@1"}, Completeness: sbom.CompletenessComplete},
		{Ref: "pkg:x/b@1", DependsOn: nil, Completeness: sbom.CompletenessComplete},
	}
	if len(f.Components) != 3 || !slices.EqualFunc(f.Dependencies, want, func(x, y sbom.Dependency) bool {
		return x.Ref == y.Ref && slices.Equal(x.DependsOn, y.DependsOn) && x.Completeness == y.Completeness
	}) {
		t.Errorf("fragment %+v", f)
	}
}

// TestProject: a lockfile's anonymous projects are named after its
// directory (in an archive, the directory inside it, or the archive), have
// no purl or version, and IDs unique per lockfile and directory.
func TestProject(t *testing.T) {
	for _, tc := range []struct{ path, name string }{
		{"Gemfile.lock", "Gemfile.lock"},
		{"web/app/pnpm-lock.yaml", "app"},
		{"dist/src.tar.gz!app/Gemfile.lock", "app"},
		{"dist/src.tar.gz!Gemfile.lock", "src.tar.gz"},
	} {
		b := NewBuilder(tc.path)
		id := b.Root()
		member := b.Project("packages/a")
		c, m := b.Get(id), b.Get(member)
		if id != "lockfile:"+tc.path || b.Fragment().Primary != id || c.Name != tc.name || c.PURL != "" || c.Version != "" || c.Type != sbom.TypeApplication {
			t.Errorf("%s: root %s %+v, want named %q", tc.path, id, c, tc.name)
		}
		if member != "lockfile:"+tc.path+"#packages/a" || m.Name != "packages/a" || member != b.ProjectID("packages/a") {
			t.Errorf("%s: member %s %+v", tc.path, member, m)
		}
	}
}

// TestSetDeclaredListedOnly: a declared licence is an SPDX expression of
// listed ids or references; words that parse as one but name no listed
// licence ("BSD", "GPL") are kept as text with a warning, never as a
// licence a policy could match.
func TestSetDeclaredListedOnly(t *testing.T) {
	for _, tc := range []struct {
		text     string
		declared bool
	}{
		{"MIT", true},
		{"mit", true}, // SPDX ids match case-insensitively
		{"Apache-2.0 OR GPL-2.0-or-later WITH Classpath-exception-2.0", true},
		{"LicenseRef-Proprietary", true},
		{"BSD", false},
		{"GPL", false},
		{"MIT OR Ruby-ish", false},
		{"GPL-2.0-only WITH Not-An-Exception", false},
		{"SEE LICENSE IN LICENSE", false},
	} {
		b := NewBuilder("lock")
		c := sbom.Component{ID: "pkg:npm/x@1"}
		b.SetDeclared(&c, tc.text)
		text, kept := c.Property(PropLicenseText)
		if got := c.Licenses.Declared != ""; got != tc.declared || kept == tc.declared || (kept && text != tc.text) {
			t.Errorf("%q: declared %q, text %q", tc.text, c.Licenses.Declared, text)
		}
		if warned := len(b.Fragment().Warnings) > 0; warned == tc.declared {
			t.Errorf("%q: warnings %v", tc.text, b.Fragment().Warnings)
		}
	}
}
