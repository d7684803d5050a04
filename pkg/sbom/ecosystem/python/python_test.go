package python

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// TestGroundTruth compares each real lockfile with what testdata/truth.py
// computes from it with Python's own parsers.
func TestGroundTruth(t *testing.T) {
	for _, tc := range []struct {
		dir, file string
		read      ecotest.Reader
		rootEdges bool
		warnings  []string
	}{
		// Poetry locks its own plugin, which depends on poetry: the project
		// itself, which poetry.lock does not name.
		{"poetry-1", "poetry.lock", Poetry, false, []string{"poetry-plugin-export 1.0.4 depends on poetry, which the lockfile does not hold"}},
		{"poetry-2", "poetry.lock", Poetry, false, nil},
		{"uv", "uv.lock", UV, true, nil},
		{"pipenv", "Pipfile.lock", Pipfile, false, nil},
		{"requirements-hashes", "requirements.txt", Requirements, true, nil},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			ecotest.GroundTruth(t, tc.read, filepath.Join("testdata", tc.dir), tc.file, tc.rootEdges, tc.warnings...)
		})
	}
}

// TestPURL checks purl-spec's PyPI rules: lower case, "_" as "-"; dots stay.
func TestPURL(t *testing.T) {
	for _, tc := range []struct{ name, version, want string }{
		{"Django", "5.1", "pkg:pypi/django@5.1"},
		{"typing_extensions", "4.12.2", "pkg:pypi/typing-extensions@4.12.2"},
		{"zope.interface", "7.0", "pkg:pypi/zope.interface@7.0"},
		{"torch", "2.5.0+cpu", "pkg:pypi/torch@2.5.0%2Bcpu"},
	} {
		if got := PURL(tc.name, tc.version); got != tc.want {
			t.Errorf("PURL(%q, %q) = %s, want %s", tc.name, tc.version, got, tc.want)
		}
	}
}

// TestRequirementsWarnings pairs each requirement vouch cannot pin with a
// pinned control.
func TestRequirementsWarnings(t *testing.T) {
	for _, tc := range []struct {
		name, text, version, warning string
	}{
		{"pinned", "requests==2.32.3 --hash=sha256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6\n", "2.32.3", ""},
		{"lower bound", "requests>=2.32.3\n", "", "not pinned"},
		{"compatible", "requests~=2.32\n", "", "not pinned"},
		{"include", "requests==2.32.3\n-r other.txt\n", "2.32.3", "includes another file"},
		{"constraint", "requests==2.32.3\n--constraint=c.txt\n", "2.32.3", "includes another file"},
		{"editable", "requests==2.32.3\n-e ./local\n", "2.32.3", "editable install"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frag, err := Requirements(context.Background(), "requirements.txt", []byte(tc.text))
			if err != nil {
				t.Fatal(err)
			}
			if len(frag.Components) != 1 || frag.Components[0].Version != tc.version {
				t.Fatalf("components = %+v", frag.Components)
			}
			switch {
			case tc.warning == "" && len(frag.Warnings) != 0:
				t.Errorf("warnings = %v", frag.Warnings)
			case tc.warning != "" && (len(frag.Warnings) != 1 || !strings.Contains(frag.Warnings[0].Message, tc.warning)):
				t.Errorf("warnings = %v, want one saying %q", frag.Warnings, tc.warning)
			}
		})
	}
}

// TestPipfileRejected: a repeated key is an error naming the file and the
// key path; the same lockfile without the repetition reads.
func TestPipfileRejected(t *testing.T) {
	const ok = `{"default":{"requests":{"version":"==2.32.3"}},"develop":{"pytest":{"version":"==8.3.3"}}}`
	attack := strings.Replace(ok, `"version":"==2.32.3"`, `"version":"==2.32.3","version":"==0.0.1"`, 1)
	frag, err := Pipfile(context.Background(), "Pipfile.lock", []byte(ok))
	if err != nil || len(frag.Components) != 2 {
		t.Fatalf("control: %v, %+v", err, frag)
	}
	for _, c := range frag.Components {
		if dev := c.Scope == sbom.ScopeExcluded; dev != (c.Name == "pytest") {
			t.Errorf("%s scope %s", c.Name, c.Scope)
		}
	}
	if _, err := Pipfile(context.Background(), "Pipfile.lock", []byte(attack)); err == nil ||
		!strings.Contains(err.Error(), "Pipfile.lock") || !strings.Contains(err.Error(), "version") {
		t.Errorf("err = %v", err)
	}
}

func FuzzPoetry(f *testing.F) { ecotest.Fuzz(f, Poetry, []string{"testdata/poetry-1/poetry.lock"}) }
func FuzzUV(f *testing.F)     { ecotest.Fuzz(f, UV, []string{"testdata/uv/uv.lock"}) }
func FuzzPipfile(f *testing.F) {
	ecotest.Fuzz(f, Pipfile, []string{"testdata/pipenv/Pipfile.lock"})
}
func FuzzRequirements(f *testing.F) {
	ecotest.Fuzz(f, Requirements, []string{"testdata/requirements-hashes/requirements.txt"})
}

// TestSitePackages compares the installed distributions of a real
// site-packages (their metadata headers) with pip's own listing and
// importlib.metadata's reading of them, licences included.
func TestSitePackages(t *testing.T) {
	frag, err := SitePackages(context.Background(), os.DirFS("testdata"), "site-packages")
	if err != nil {
		t.Fatal(err)
	}
	truth := ecotest.Load(t, "testdata/site-packages.truth.json")
	ecotest.Compare(t, frag, truth, true)
	var got, want []string
	for _, c := range frag.Components {
		if c.Licenses.Declared != "" {
			got = append(got, c.Name+"@"+c.Version+" "+c.Licenses.Declared)
		}
	}
	for k, v := range truth.Licenses {
		want = append(want, k+" "+v)
	}
	ecotest.Score(t, "licences", got, want, 0.99)
}

func FuzzSitePackages(f *testing.F) {
	f.Add([]byte("Metadata-Version: 2.4\nName: a_b\nVersion: 1.0\nLicense-Expression: MIT\nRequires-Dist: c>=1; python_version < \"3.8\"\nRequires-Dist: d; extra == \"x\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"sp/a-1.0.dist-info/METADATA": {Data: data}, "sp/c-2.dist-info/METADATA": {Data: []byte("Name: c\nVersion: 2\n")}}
		frag, err := SitePackages(context.Background(), fsys, "sp")
		if err == nil {
			ecotest.Consistent(t, frag)
		}
	})
}

// FuzzDistribution: one metadata file read alone is an error or a
// consistent fragment, whatever its bytes.
func FuzzDistribution(f *testing.F) {
	ecotest.Fuzz(f, Distribution, []string{"testdata/site-packages/flask-3.1.3.dist-info/METADATA"},
		"Name: a\nVersion: 1\nRequires-Dist: b; extra == \"x\"\n")
}

// TestRequirementsVia: pip-compile's "# via" annotations (one-line and
// block forms) give the edges and the project's direct dependencies, and
// the graph is complete when every requirement is annotated. Controls: a
// hand-written file (no annotations) has no root and no edges; one
// requirement without an annotation leaves the graph's completeness open.
func TestRequirementsVia(t *testing.T) {
	const compiled = "a==1.0\n    # via -r requirements.in\nb==2.0\n    # via\n    #   a\n    #   -r requirements.in\nc==3.0\n    # via b\n"
	frag, err := Requirements(context.Background(), "requirements.txt", []byte(compiled))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	complete := 0
	for _, d := range frag.Dependencies {
		got[d.Ref] = d.DependsOn
		if d.Completeness == sbom.CompletenessComplete {
			complete++
		}
	}
	want := map[string][]string{
		"lockfile:requirements.txt": {"pkg:pypi/a@1.0", "pkg:pypi/b@2.0"},
		"pkg:pypi/a@1.0":            {"pkg:pypi/b@2.0"},
		"pkg:pypi/b@2.0":            {"pkg:pypi/c@3.0"},
		"pkg:pypi/c@3.0":            nil,
	}
	if frag.Primary != "lockfile:requirements.txt" || complete != 4 || len(got) != len(want) {
		t.Fatalf("primary %q, %d complete, edges %v", frag.Primary, complete, got)
	}
	for from, to := range want {
		if !slices.Equal(got[from], to) {
			t.Errorf("%s -> %v, want %v", from, got[from], to)
		}
	}
	frag, err = Requirements(context.Background(), "requirements.txt", []byte("a==1.0\nb==2.0\n"))
	if err != nil || frag.Primary != "" || len(frag.Dependencies) != 0 {
		t.Errorf("hand-written: %v %+v", err, frag)
	}
	frag, err = Requirements(context.Background(), "requirements.txt", []byte(compiled+"d==4.0\n"))
	if err != nil || frag.Primary == "" || slices.ContainsFunc(frag.Dependencies, func(d sbom.Dependency) bool { return d.Completeness != "" }) {
		t.Errorf("one requirement not annotated: %v %+v", err, frag.Dependencies)
	}
}

// TestClassifierLicense: one trove licence classifier naming one SPDX
// licence exactly is the declared licence; a family name, several
// classifiers or none give nothing.
func TestClassifierLicense(t *testing.T) {
	const mit, apache = "License :: OSI Approved :: MIT License", "License :: OSI Approved :: Apache Software License"
	for _, tc := range []struct {
		classifiers []string
		want        string
	}{
		{[]string{mit}, "MIT"},
		{[]string{"License :: OSI Approved", " " + mit + " ", "Programming Language :: Python"}, "MIT"},
		{[]string{"License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)"}, "GPL-3.0-or-later"},
		{[]string{apache}, ""},
		{[]string{"License :: OSI Approved :: GNU General Public License v3 (GPLv3)"}, ""},
		{[]string{mit, apache}, ""},
		{nil, ""},
	} {
		if got := classifierLicense(tc.classifiers); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.classifiers, got, tc.want)
		}
	}
	// License-Expression, where there is one, wins over the classifiers.
	fsys := fstest.MapFS{"sp/a-1.0.dist-info/METADATA": {Data: []byte("Metadata-Version: 2.4\nName: a\nVersion: 1.0\nLicense-Expression: Apache-2.0\nClassifier: " + mit + "\n")}}
	frag, err := SitePackages(context.Background(), fsys, "sp")
	if err != nil || len(frag.Components) != 1 || frag.Components[0].Licenses.Declared != "Apache-2.0" {
		t.Errorf("%v %+v", err, frag)
	}
}
