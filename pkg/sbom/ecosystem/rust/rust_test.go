package rust

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// TestGroundTruth compares real Cargo.lock files (format 1 and 4) with
// what testdata/truth.py computes from them with Python's tomllib.
func TestGroundTruth(t *testing.T) {
	ecotest.GroundTruths(t, CargoLock, "Cargo.lock", "ripgrep-v1", "ripgrep-v4", "fd")
}

// TestChecksums: format 4 carries checksums per package, format 1 in
// [metadata]; both become the .crate's SHA-256, and local crates have none.
func TestChecksums(t *testing.T) {
	for _, tc := range []struct{ dir, id, sum string }{
		{"ripgrep-v4", "pkg:cargo/aho-corasick@1.1.5", "c982642fa9e8606056828ee9a8505737230110bb1099153c79efe865c59d12ba"},
		{"ripgrep-v1", "pkg:cargo/aho-corasick@0.7.3", "e6f484ae0c99fec2e858eb6134949117399f222608d84cadb3f58c1f97c2364c"},
		{"ripgrep-v4", "pkg:cargo/globset@0.4.20", ""},
	} {
		frag := ecotest.Read(t, CargoLock, filepath.Join("testdata", tc.dir, "Cargo.lock"))
		i := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.ID == tc.id })
		if i < 0 {
			t.Fatalf("%s: no %s", tc.dir, tc.id)
		}
		if got := frag.Components[i].Hash(sbom.SHA256); got != tc.sum {
			t.Errorf("%s %s: sha256 %q, want %q", tc.dir, tc.id, got, tc.sum)
		}
	}
}

// TestWarnings pairs a lockfile with a dangling dependency and a bad
// checksum with its sound control.
func TestWarnings(t *testing.T) {
	const lock = "version = 4\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nchecksum = \"%s\"\ndependencies = [\"b %s\"]\n" +
		"[[package]]\nname = \"b\"\nversion = \"2.0.0\"\n"
	good := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		sum, dep string
		warnings int
		complete sbom.Completeness
	}{
		{good, "2.0.0", 0, sbom.CompletenessComplete},
		{good, "3.0.0", 1, sbom.CompletenessUnknown},
		{"xyz", "2.0.0", 1, sbom.CompletenessComplete},
	} {
		frag, err := CargoLock(context.Background(), "Cargo.lock", []byte(strings.ReplaceAll(strings.Replace(lock, "%s", tc.sum, 1), "%s", tc.dep)))
		if err != nil {
			t.Fatal(err)
		}
		if len(frag.Warnings) != tc.warnings {
			t.Errorf("%+v: warnings %v", tc, frag.Warnings)
		}
		i := slices.IndexFunc(frag.Dependencies, func(d sbom.Dependency) bool { return d.Ref == "pkg:cargo/a@1.0.0" })
		if got := sbom.CompletenessUnknown; i >= 0 {
			got = frag.Dependencies[i].Completeness
			if got != tc.complete {
				t.Errorf("%+v: completeness %q", tc, got)
			}
		} else if tc.complete != sbom.CompletenessUnknown {
			t.Errorf("%+v: no dependency entry", tc)
		}
	}
}

func FuzzCargoLock(f *testing.F) {
	ecotest.Fuzz(f, CargoLock, []string{"testdata/ripgrep-v1/Cargo.lock", "testdata/fd/Cargo.lock"})
}
