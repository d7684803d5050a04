package ruby

import (
	"context"
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

// TestGroundTruth compares real Gemfile.lock files with what
// testdata/truth.py reads from them.
func TestGroundTruth(t *testing.T) {
	for _, dir := range fixtures {
		t.Run(dir, func(t *testing.T) {
			ecotest.GroundTruth(t, GemfileLock, filepath.Join("testdata", dir), "Gemfile.lock", true)
		})
	}
}

// fixtures: devise's lockfile names the project (PATH "."); rubygems.org's
// does not (its DEPENDENCIES are the anonymous root's), has two GEM sources, platform gems and CHECKSUMS.
var fixtures = []string{"devise", "rubygems.org"}

// TestChecksums: a CHECKSUMS entry is the .gem's SHA-256, per platform.
func TestChecksums(t *testing.T) {
	frag := ecotest.Read(t, GemfileLock, "testdata/rubygems.org/Gemfile.lock")
	i := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.ID == "pkg:gem/actioncable@8.1.3.1" })
	if i < 0 || frag.Components[i].Hash(sbom.SHA256) != "e318528295c878a3efdfe25f0f2267c80cb7a76eba41bb5f64d44aa380a3d91b" {
		t.Errorf("actioncable: %+v", frag.Components[i])
	}
	for _, c := range frag.Components {
		if c.Hash(sbom.SHA256) == "" && c.ID != frag.Primary { // the project is no .gem
			t.Errorf("%s has no checksum", c.ID)
		}
	}
}

func TestPURL(t *testing.T) {
	for _, tc := range []struct{ name, version, platform, want string }{
		{"rails", "8.1.3", "", "pkg:gem/rails@8.1.3"},
		{"nokogiri", "1.18.0", "x86_64-linux-gnu", "pkg:gem/nokogiri@1.18.0?platform=x86_64-linux-gnu"},
		{"json", "2.9.1", "ruby", "pkg:gem/json@2.9.1"},
	} {
		if got := PURL(tc.name, tc.version, tc.platform); got != tc.want {
			t.Errorf("PURL(%q, %q, %q) = %s, want %s", tc.name, tc.version, tc.platform, got, tc.want)
		}
	}
}

// TestPlatforms: two platform builds of one version are two components,
// both depended on; a GIT gem records its commit; the project is primary.
func TestPlatforms(t *testing.T) {
	const lock = "GIT\n  remote: https://example.com/g.git\n  revision: 0123abc\n  specs:\n    g (1.0)\n\n" +
		"PATH\n  remote: .\n  specs:\n    app (0.1.0)\n      nokogiri (>= 1.18)\n\n" +
		"GEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.18.0-arm64-darwin)\n      racc (~> 1.4)\n    nokogiri (1.18.0-x86_64-linux-gnu)\n      racc (~> 1.4)\n    racc (1.8.1)\n\n" +
		"PLATFORMS\n  arm64-darwin\n  x86_64-linux\n\nDEPENDENCIES\n  app!\n  g!\n  %s\n\nBUNDLED WITH\n   2.6.2\n"
	frag, err := GemfileLock(context.Background(), "Gemfile.lock", []byte(strings.Replace(lock, "%s", "racc", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(frag.Warnings) != 0 || frag.Primary != "pkg:gem/app@0.1.0" {
		t.Errorf("warnings %v, primary %q", frag.Warnings, frag.Primary)
	}
	i := slices.IndexFunc(frag.Dependencies, func(d sbom.Dependency) bool { return d.Ref == frag.Primary })
	want := []string{"pkg:gem/g@1.0", "pkg:gem/nokogiri@1.18.0?platform=arm64-darwin", "pkg:gem/nokogiri@1.18.0?platform=x86_64-linux-gnu", "pkg:gem/racc@1.8.1"}
	if i < 0 || !slices.Equal(frag.Dependencies[i].DependsOn, want) {
		t.Errorf("dependencies %+v", frag.Dependencies)
	}
	// The control above resolves every name; a DEPENDENCIES entry the
	// lockfile does not lock is a warning.
	frag, err = GemfileLock(context.Background(), "Gemfile.lock", []byte(strings.Replace(lock, "%s", "missing", 1)))
	if err != nil || len(frag.Warnings) != 1 || !strings.Contains(frag.Warnings[0].Message, "depends on missing") {
		t.Errorf("missing dependency: %v %v", err, frag.Warnings)
	}
}

func FuzzGemfileLock(f *testing.F) {
	ecotest.Fuzz(f, GemfileLock, []string{"testdata/devise/Gemfile.lock"},
		"GEM\n  specs:\n    a (1-x)\n      b\n    b (2)\nPATH\n  remote: .\n  specs:\n    c (3)\nDEPENDENCIES\n  a\n")
}

// TestSpecifications compares the gems installed with Debian's Ruby 3.1
// (its GEM_HOME's specifications, default gems included) with RubyGems'
// own loading of the same files (testdata/gem-truth.rb), licences
// included.
func TestSpecifications(t *testing.T) {
	frag, err := Specifications(context.Background(), os.DirFS("testdata/gem-home"), "specifications")
	if err != nil {
		t.Fatal(err)
	}
	truth := ecotest.Load(t, "testdata/gem-home.truth.json")
	// BSDL and PSFL are not SPDX ids: the gemspec's words are kept as text.
	ecotest.Compare(t, frag, truth, true, `test-unit@3.5.3: licence "Ruby OR BSDL OR PSFL" names BSDL, PSFL, not on the SPDX licence list`)
	var got, want []string
	for _, c := range frag.Components {
		lic := c.Licenses.Declared
		if text, ok := c.Property(ecosystem.PropLicenseText); ok {
			lic = text
		}
		if lic != "" {
			got = append(got, c.Name+"@"+c.Version+" "+lic)
		}
	}
	for k, v := range truth.Licenses {
		want = append(want, k+" "+v)
	}
	ecotest.Score(t, "licences", got, want, 0.99)
}

// TestGemSpecAlone: a gemspec read on its own gives its gem and no
// dependency list; one whose name is computed is a warning, not a gem.
func TestGemSpecAlone(t *testing.T) {
	data, err := os.ReadFile("testdata/gem-home/specifications/debug-1.4.0.gemspec")
	if err != nil {
		t.Fatal(err)
	}
	frag, err := GemSpec(context.Background(), "x/debug-1.4.0.gemspec", data)
	if err != nil || len(frag.Components) != 1 || frag.Components[0].ID != "pkg:gem/debug@1.4.0" ||
		frag.Components[0].Licenses.Declared != "Ruby OR BSD-2-Clause" || len(frag.Dependencies) != 0 || len(frag.Warnings) != 0 {
		t.Fatalf("control: %v %+v", err, frag)
	}
	computed := strings.Replace(string(data), `s.name = "debug".freeze`, `s.name = NAME`, 1)
	frag, err = GemSpec(context.Background(), "x/debug-1.4.0.gemspec", []byte(computed))
	if err != nil || len(frag.Components) != 0 || len(frag.Warnings) == 0 || !strings.Contains(frag.Warnings[0].Message, "x/debug-1.4.0.gemspec") {
		t.Errorf("computed name: %v %+v", err, frag)
	}
}

func FuzzGemSpec(f *testing.F) {
	ecotest.Fuzz(f, GemSpec, []string{"testdata/gem-home/specifications/debug-1.4.0.gemspec", "testdata/gem-home/specifications/minitest-5.15.0.gemspec"})
}

// TestSpecificationsRequirement: with two versions of a gem installed, a
// dependency's edge goes to the one its requirement accepts (control: a
// requirement both meet gives both edges); one nothing installed meets is
// a warning quoting the requirement.
func TestSpecificationsRequirement(t *testing.T) {
	spec := func(name, version, dep string) *fstest.MapFile {
		text := "Gem::Specification.new do |s|\n  s.name = \"" + name + "\".freeze\n  s.version = \"" + version + "\"\n"
		if dep != "" {
			text += "  s.add_runtime_dependency(%q<b>.freeze, [" + dep + "])\n  s.add_development_dependency(%q<c>.freeze, [\">= 0\"])\n"
		}
		return &fstest.MapFile{Data: []byte(text + "end\n")}
	}
	for _, tc := range []struct {
		req   string
		edges []string
		warn  bool
	}{
		{`"~> 1.2".freeze`, []string{"pkg:gem/b@1.9.0"}, false},
		{`">= 1.0".freeze`, []string{"pkg:gem/b@1.9.0", "pkg:gem/b@2.1.0"}, false},
		{`">= 3".freeze, "< 4"`, nil, true},
	} {
		fsys := fstest.MapFS{
			"specifications/a-1.0.gemspec":   spec("a", "1.0", tc.req),
			"specifications/b-1.9.0.gemspec": spec("b", "1.9.0", ""),
			"specifications/b-2.1.0.gemspec": spec("b", "2.1.0", ""),
		}
		frag, err := Specifications(context.Background(), fsys, "specifications")
		if err != nil {
			t.Fatal(err)
		}
		var edges []string
		for _, d := range frag.Dependencies {
			if d.Ref == "pkg:gem/a@1.0" {
				edges = d.DependsOn
			}
		}
		if !slices.Equal(edges, tc.edges) || (len(frag.Warnings) > 0) != tc.warn ||
			tc.warn && !strings.Contains(frag.Warnings[0].Message, "b >= 3, < 4") {
			t.Errorf("%s: edges %v, warnings %v", tc.req, edges, frag.Warnings)
		}
	}
}
