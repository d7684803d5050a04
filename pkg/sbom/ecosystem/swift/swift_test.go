package swift

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// TestGroundTruth compares real Package.resolved files of each version
// (tuist 1, SwiftLint 2, periphery 3) with a plain JSON reading of them,
// purls included.
func TestGroundTruth(t *testing.T) {
	// tuist's pins Stencil to a branch and SwiftLint's swift-syntax to a
	// commit: the commit is their version.
	for _, name := range []string{"v1-tuist", "v2-swiftlint", "v3-periphery"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			frag := ecotest.Read(t, PackageResolved, filepath.Join(dir, "Package.resolved"))
			ecotest.Compare(t, frag, ecotest.Load(t, filepath.Join(dir, "truth.json")), true)
			var truth struct {
				PURLs []string `json:"purls"`
			}
			data, err := os.ReadFile(filepath.Join(dir, "truth.json"))
			if err != nil || json.Unmarshal(data, &truth) != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range frag.Components {
				got = append(got, c.PURL)
			}
			ecotest.Score(t, "purls", got, truth.PURLs, 1)
		})
	}
}

// TestLocations: the repository URL forms SwiftPM writes give purl-spec
// purls; a location with no host or no owner path is a warning, not a
// component (control: the same pin with a URL is catalogued).
func TestLocations(t *testing.T) {
	for _, tc := range []struct{ location, want string }{
		{"https://github.com/apple/swift-nio.git", "pkg:swift/github.com/apple/swift-nio@1.0.0"},
		{"https://github.com/SwiftDocOrg/GraphViz/", "pkg:swift/github.com/SwiftDocOrg/GraphViz@1.0.0"},
		{"git@github.com:apple/swift-nio.git", "pkg:swift/github.com/apple/swift-nio@1.0.0"},
		{"ssh://git@GitLab.com/group/sub/repo.git", "pkg:swift/gitlab.com/group/sub/repo@1.0.0"},
		{"/Users/me/src/local-package", ""},
		{"https://github.com/apple", ""},
		{"", ""},
	} {
		got, _, ok := PURL(tc.location, "1.0.0")
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("PURL(%q) = %q, %v; want %q", tc.location, got, ok, tc.want)
		}
	}
	const file = `{"pins":[{"identity":"a","kind":"localSourceControl","location":"%s","state":{"revision":"abc","version":"1.0.0"}}],"version":2}`
	for _, tc := range []struct {
		location   string
		components int
	}{{"https://github.com/o/a.git", 1}, {"/Users/me/a", 0}} {
		frag, err := PackageResolved(context.Background(), "Package.resolved", []byte(strings.Replace(file, "%s", tc.location, 1)))
		if err != nil || len(frag.Components) != tc.components {
			t.Errorf("%s: %v %+v", tc.location, err, frag)
		}
	}
	if _, err := PackageResolved(context.Background(), "x/Package.resolved", []byte(`{"pins":[],"version":4}`)); err == nil ||
		!strings.Contains(err.Error(), "x/Package.resolved") || !strings.Contains(err.Error(), "version is 4") {
		t.Errorf("version 4: %v", err)
	}
}

func FuzzPackageResolved(f *testing.F) {
	ecotest.Fuzz(f, PackageResolved, []string{"testdata/v1-tuist/Package.resolved", "testdata/v2-swiftlint/Package.resolved", "testdata/v3-periphery/Package.resolved"})
}
