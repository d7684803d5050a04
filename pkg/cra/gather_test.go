package cra

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
)

const sum = "f98cec6b363dd8c2bfe29976198ede8bafb7d97ecda40f4c5b7a653cc8c9028d"

func TestParseManifest(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
		err      string
	}{
		{"release", sum + "  app\n" + sum + "  app.tar.gz\n", []string{"app", "app.tar.gz"}, ""},
		{"sorted and once", sum + "  b\n" + sum + "  a\n" + sum + "  b\n", []string{"a", "b"}, ""},
		{"parent", sum + "  ../vouch.key\n", nil, `checksums.txt:1: want a file name in the release directory, found "../vouch.key"`},
		{"absolute", sum + "  /etc/passwd\n", nil, `found "/etc/passwd"`},
		{"subdirectory", sum + "  sub/app\n", nil, `found "sub/app"`},
		{"hidden", sum + "  .env\n", nil, `found ".env"`},
		{"control character", sum + "  ap\rp\n", nil, `found "ap\rp"`},
		{"short sum", "abcd  app\n", nil, `checksums.txt:1: want "<sha256 hex>  <file name>", found "abcd  app"`},
		{"one space", sum + " app\n", nil, `want "<sha256 hex>  <file name>"`},
		{"empty", "", nil, "checksums.txt: names no artifact"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseManifest("checksums.txt", []byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parseManifest error = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("parseManifest = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// FuzzParseManifest: whatever checksums.txt holds, every name accepted is
// a plain file name inside the release directory.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(sum + "  app\n" + sum + "  app.tar.gz\n"))
	f.Add([]byte(sum + "  ../x\n"))
	f.Add([]byte(sum + "  a\\b\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		names, err := parseManifest("checksums.txt", data)
		if err != nil {
			return
		}
		for _, n := range names {
			if n == "" || n != filepath.Base(n) || n == "." || n == ".." || strings.ContainsAny(n, "/\\\x00") || filepath.Join("dist", n) != "dist/"+n {
				t.Fatalf("accepted %q", n)
			}
		}
	})
}

// FuzzParseConfig: cra.yaml never panics the parser, and what it accepts
// has every required field.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("product: {name: a, version: '1', purl: pkg:generic/a@1}\nmanufacturer: {name: m, address: x, email: a@b.c}\nsupportPeriodEnd: 2031-12-31\nsecurityContact: mailto:a@b.c\ncvdPolicy: https://b.c/p\n"))
	f.Add([]byte("product: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig("cra.yaml", data)
		if err != nil {
			return
		}
		if c.Product.Name == "" || c.Manufacturer.Name == "" || c.CVDPolicy == "" || c.SecurityContact == "" {
			t.Fatalf("accepted %+v", c)
		}
	})
}

// TestUnmatched: components without a purl of an ecosystem the database
// reads are named, not counted as clean; a Go module is matched (the
// control).
func TestUnmatched(t *testing.T) {
	doc := &sbom.Document{Components: []sbom.Component{
		{ID: "a", Name: "golang.org/x/net", Version: "v0.1.0", PURL: "pkg:golang/golang.org/x/net@v0.1.0"},
		{ID: "b", Name: "a.txt", PURL: "pkg:generic/a.txt"},
		{ID: "c", Name: "libfoo", Version: "1.2"},
	}}
	got := unmatched("app", doc)
	want := []string{"app: pkg:generic/a.txt", "app: libfoo@1.2 (no purl)"}
	if !slices.Equal(got, want) {
		t.Errorf("unmatched = %q, want %q", got, want)
	}
}

// TestReview5UnmatchedPrimary: the SBOM's primary component is the
// artifact itself (a pkg:generic file for an archive), not a dependency
// to look up: it is not listed as unmatched; another pkg:generic
// component is.
func TestReview5UnmatchedPrimary(t *testing.T) {
	doc := &sbom.Document{Primary: "p", Components: []sbom.Component{
		{ID: "p", Name: "web.tar.gz", Version: "1.0.0", PURL: "pkg:generic/web.tar.gz@1.0.0"},
		{ID: "a", Name: "lodash", Version: "4.17.11", PURL: "pkg:npm/lodash@4.17.11"},
		{ID: "b", Name: "a.txt", PURL: "pkg:generic/a.txt"},
	}}
	got := unmatched("app", doc)
	if want := []string{"app: pkg:generic/a.txt"}; !slices.Equal(got, want) {
		t.Errorf("unmatched = %q, want %q", got, want)
	}
}
