package alpine

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// TestGroundTruth compares an Alpine 3.18 base image's apk database with
// what testdata/truth.py reads from it.
func TestGroundTruth(t *testing.T) {
	frag := ecotest.GroundTruthFS(t, Installed, "testdata/alpine318", "lib/apk/db/installed", "testdata/alpine318/truth.json")
	i := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.Name == "busybox" })
	if c := frag.Components[i]; c.PURL != "pkg:apk/alpine/busybox@1.36.0-r9?arch=x86_64&distro=alpine-3.18.0" || c.Licenses.Declared != "GPL-2.0-only" {
		t.Errorf("busybox: %+v", c)
	}
}

const db = "P:a\nV:1.0-r0\nA:x86_64\nL:%s\nD:/bin/sh so:libc.so b>=2 !c\n\nP:sh\nV:1-r0\nA:x86_64\np:so:libc.so=1\nF:bin\nR:sh\n%s"

// TestRelations: file, shared-object and versioned dependencies resolve,
// conflicts are not edges; a missing dependency and a free-form licence
// are warnings beside the control.
func TestRelations(t *testing.T) {
	root := func(license, extra string) fstest.MapFS {
		return fstest.MapFS{"lib/apk/db/installed": {Data: []byte(strings.Replace(strings.Replace(db, "%s", license, 1), "%s", extra, 1))}}
	}
	frag, err := Installed(context.Background(), root("MIT", "\nP:b\nV:2-r0\nA:x86_64\n"), "lib/apk/db/installed")
	if err != nil {
		t.Fatal(err)
	}
	if len(frag.Warnings) != 1 || !strings.Contains(frag.Warnings[0].Message, "os-release") {
		t.Errorf("warnings %v", frag.Warnings)
	}
	want := []string{"pkg:apk/alpine/b@2-r0?arch=x86_64", "pkg:apk/alpine/sh@1-r0?arch=x86_64"}
	if i := slices.IndexFunc(frag.Dependencies, func(d sbom.Dependency) bool { return strings.HasPrefix(d.Ref, "pkg:apk/alpine/a@") }); i < 0 ||
		!slices.Equal(frag.Dependencies[i].DependsOn, want) || frag.Dependencies[i].Completeness != sbom.CompletenessComplete {
		t.Errorf("dependencies %+v", frag.Dependencies)
	}
	frag, err = Installed(context.Background(), root("MIT BSD", ""), "lib/apk/db/installed")
	if err != nil || len(frag.Warnings) != 3 {
		t.Fatalf("%v %v", err, frag.Warnings)
	}
	i := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.Name == "a" })
	if v, _ := frag.Components[i].Property(ecosystem.PropLicenseText); v != "MIT BSD" || frag.Components[i].Licenses.Declared != "" {
		t.Errorf("a: %+v", frag.Components[i])
	}
}

func FuzzInstalled(f *testing.F) {
	f.Add([]byte(strings.Replace(db, "%s", "MIT", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		frag, err := Installed(context.Background(), fstest.MapFS{"lib/apk/db/installed": {Data: data}}, "lib/apk/db/installed")
		if err == nil {
			ecotest.Consistent(t, frag)
		}
	})
}
