package debian

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// TestGroundTruth compares a real Debian 12 dpkg database with what dpkg
// itself lists (testdata/truth.py runs dpkg-query over it).
func TestGroundTruth(t *testing.T) {
	frag := ecotest.GroundTruthFS(t, Status, "testdata/debian12", "var/lib/dpkg/status", "testdata/debian12/truth.json")
	i := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.Name == "adduser" })
	if i < 0 || frag.Components[i].PURL != "pkg:deb/debian/adduser@3.134?arch=all&distro=debian-12" ||
		frag.Components[i].Supplier.Email == "" {
		t.Errorf("adduser: %+v", frag.Components[i])
	}
}

// TestDistroless compares a distroless-style status.d (control data of
// eleven real Debian 12 packages, as distroless writes it) with dpkg's
// listing of the same entries; dependencies on packages distroless leaves
// out (debconf, openssl) are warnings.
func TestDistroless(t *testing.T) {
	frag, err := StatusDir(context.Background(), os.DirFS("testdata/distroless12"), "var/lib/dpkg/status.d")
	if err != nil {
		t.Fatal(err)
	}
	ecotest.Compare(t, frag, ecotest.Load(t, "testdata/distroless12/truth.json"), true, "which is not installed")
	i := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.Name == "libc6" })
	if i < 0 || frag.Components[i].PURL != "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12" {
		t.Errorf("libc6: %+v", frag.Components)
	}
	// One entry on its own (as an archive streams it): its package, no
	// graph and no claim that its dependencies are missing.
	one, err := StatusDir(context.Background(), os.DirFS("testdata/distroless12"), "var/lib/dpkg/status.d/libc6")
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Components) != 1 || len(one.Dependencies) != 0 || len(one.Warnings) != 0 {
		t.Errorf("one entry: %d components, %v, %v", len(one.Components), one.Dependencies, one.Warnings)
	}
	// An empty status.d is an error, not an empty database.
	if _, err := StatusDir(context.Background(), fstest.MapFS{"status.d/x.md5sums": {}}, "status.d"); err == nil {
		t.Error("a status.d with no entry read without error")
	}
}

const status = `Package: a
Status: install ok installed
Architecture: amd64
Version: 1.0-1
Depends: b (>= 2) | c, d:any
Provides: virt

Package: d
Status: install ok installed
Architecture: amd64
Version: 2:3.0+dfsg-1
%s
Package: gone
Status: deinstall ok config-files
Architecture: amd64
Version: 0.1
`

// TestRelations: alternatives, architecture qualifiers and epochs, a
// removed package left out; a dependency nothing satisfies is a warning
// beside the control where c is installed.
func TestRelations(t *testing.T) {
	root := func(extra string) fstest.MapFS {
		return fstest.MapFS{
			"var/lib/dpkg/status": {Data: []byte(strings.Replace(status, "%s", extra, 1))},
			"etc/os-release":      {Data: []byte("ID=debian\nVERSION_ID=\"12\"\n")},
		}
	}
	frag, err := Status(context.Background(), root("\nPackage: c\nStatus: install ok installed\nArchitecture: all\nVersion: 5\n\n"), "var/lib/dpkg/status")
	if err != nil {
		t.Fatal(err)
	}
	if len(frag.Warnings) != 0 || len(frag.Components) != 3 {
		t.Fatalf("warnings %v, components %+v", frag.Warnings, frag.Components)
	}
	want := []string{"pkg:deb/debian/c@5?arch=all&distro=debian-12", "pkg:deb/debian/d@2:3.0%2Bdfsg-1?arch=amd64&distro=debian-12"}
	if i := slices.IndexFunc(frag.Dependencies, func(d sbom.Dependency) bool { return strings.HasPrefix(d.Ref, "pkg:deb/debian/a@") }); i < 0 ||
		!slices.Equal(frag.Dependencies[i].DependsOn, want) {
		t.Errorf("dependencies %+v", frag.Dependencies)
	}
	frag, err = Status(context.Background(), root("\n"), "var/lib/dpkg/status")
	if err != nil || len(frag.Warnings) != 1 || !strings.Contains(frag.Warnings[0].Message, "b | c, which is not installed") {
		t.Errorf("unsatisfied: %v %v", err, frag.Warnings)
	}
}

func FuzzStatus(f *testing.F) {
	f.Add([]byte(strings.Replace(status, "%s", "\n", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		frag, err := Status(context.Background(), fstest.MapFS{"var/lib/dpkg/status": {Data: data}}, "var/lib/dpkg/status")
		if err == nil {
			ecotest.Consistent(t, frag)
		}
	})
}
