package dotnet

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// TestGroundTruth compares real packages.lock.json files with what
// testdata/truth.py computes from them with Python's json.
func TestGroundTruth(t *testing.T) {
	ecotest.GroundTruths(t, PackagesLock, "packages.lock.json", "bitwarden-api", "simpletweaks")
}

// TestFields: the content hash is the .nupkg's SHA-512; a project is
// marked as one; a repeated key and an unknown version are errors beside a
// control that reads.
func TestFields(t *testing.T) {
	frag := ecotest.Read(t, PackagesLock, "testdata/simpletweaks/packages.lock.json")
	i := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.ID == "pkg:nuget/SixLabors.ImageSharp@3.1.12" })
	if i < 0 || frag.Components[i].Hash(sbom.SHA512) != "88083ace27e28571054bfb7b7e21e1641180742a7715abec1788b66480e9d097de61e0d5cef9a56d8d423618482a299a233af34a2e4cfcd045716bd94f6ac1fc" {
		t.Errorf("ImageSharp: %+v", frag.Components)
	}
	j := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.Name == "kamitoolkit" })
	if v, _ := frag.Components[j].Property(PropProject); j < 0 || v != "true" {
		t.Errorf("kamitoolkit: %+v", frag.Components[j])
	}
	const ok = `{"version":1,"dependencies":{"net8.0":{"A":{"type":"Direct","resolved":"1.0.0","dependencies":{"b":"[2.0.0, )"}},"B":{"type":"Transitive","resolved":"2.0.0"}}}}`
	// The anonymous root depends on the Direct A only; B is transitive.
	if frag, err := PackagesLock(context.Background(), "packages.lock.json", []byte(ok)); err != nil || len(frag.Warnings) != 0 || len(frag.Dependencies) != 3 ||
		frag.Dependencies[0].Ref != frag.Primary || !slices.Equal(frag.Dependencies[0].DependsOn, []string{"pkg:nuget/A@1.0.0"}) ||
		frag.Dependencies[0].Completeness != sbom.CompletenessComplete {
		t.Fatalf("control: %v %+v", err, frag)
	}
	for _, bad := range []string{
		strings.Replace(ok, `"resolved":"2.0.0"`, `"resolved":"2.0.0","resolved":"6.6.6"`, 1),
		strings.Replace(ok, `"version":1`, `"version":3`, 1),
	} {
		if _, err := PackagesLock(context.Background(), "packages.lock.json", []byte(bad)); err == nil || !strings.Contains(err.Error(), "packages.lock.json") {
			t.Errorf("%s: err = %v", bad, err)
		}
	}
}

func FuzzPackagesLock(f *testing.F) {
	ecotest.Fuzz(f, PackagesLock, []string{"testdata/simpletweaks/packages.lock.json"})
}

// TestDepsJSON compares .deps.json files the .NET SDK wrote (syft's test
// fixtures of a real build) with a plain JSON reading of them.
func TestDepsJSON(t *testing.T) {
	for _, f := range []string{"deps-testlibrary/TestLibrary.deps.json", "deps-referenceassembly/MyApp.deps.json"} {
		t.Run(f, func(t *testing.T) {
			dir, file := filepath.Split(filepath.Join("testdata", f))
			ecotest.GroundTruth(t, DepsJSON, dir, file, true)
		})
	}
	frag := ecotest.Read(t, DepsJSON, "testdata/deps-testlibrary/TestLibrary.deps.json")
	if frag.Primary != "pkg:nuget/TestLibrary@1.0.0" {
		t.Errorf("primary %q", frag.Primary)
	}
	if c := slices.IndexFunc(frag.Components, func(c sbom.Component) bool {
		return c.ID == "pkg:nuget/Serilog@2.10.0" && c.Hash(sbom.SHA512) != ""
	}); c < 0 {
		t.Errorf("Serilog has no SHA-512: %+v", frag.Components)
	}
}

// TestDepsJSONRejected: a dependency the libraries do not hold is a
// warning (control: the same file with it held reads cleanly); a file
// with no libraries is an error naming it.
func TestDepsJSONRejected(t *testing.T) {
	const deps = `{"runtimeTarget":{"name":"t"},"targets":{"t":{"App/1.0.0":{"dependencies":{"A":"%s"}},"A/1.0.0":{}}},` +
		`"libraries":{"App/1.0.0":{"type":"project"},"A/1.0.0":{"type":"package"}}}`
	for _, tc := range []struct {
		version  string
		warnings int
	}{{"1.0.0", 0}, {"2.0.0", 1}} {
		frag, err := DepsJSON(context.Background(), "App.deps.json", []byte(strings.Replace(deps, "%s", tc.version, 1)))
		if err != nil || len(frag.Warnings) != tc.warnings {
			t.Errorf("A %s: %v %v", tc.version, err, frag)
		}
	}
	if _, err := DepsJSON(context.Background(), "x/App.deps.json", []byte(`{"libraries":{}}`)); err == nil || !strings.Contains(err.Error(), "x/App.deps.json") {
		t.Errorf("empty: %v", err)
	}
}

func FuzzDepsJSON(f *testing.F) {
	ecotest.Fuzz(f, DepsJSON, []string{"testdata/deps-testlibrary/TestLibrary.deps.json", "testdata/deps-referenceassembly/MyApp.deps.json"})
}
