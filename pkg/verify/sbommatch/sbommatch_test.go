package sbommatch

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/format"
	"github.com/vouchdev/vouch/pkg/sbom/sbomtest"
)

// sample is sbomtest.Sample with its archive's digests as the artifact's.
func sample() (*sbom.Document, map[string]string) {
	d := sbomtest.Sample()
	a := d.Component(d.Primary)
	return d, map[string]string{"sha256": a.Hash(sbom.SHA256), "sha512": a.Hash(sbom.SHA512)}
}

func component(d *sbom.Document, name string) *sbom.Component {
	for i := range d.Components {
		if d.Components[i].Name == name {
			return &d.Components[i]
		}
	}
	panic("no component " + name)
}

// twoBinaries adds a second binary of the sample's main module, under
// another file name with its own digest.
func twoBinaries(d *sbom.Document) {
	b := *component(d, "hello")
	b.ID, b.FileName = "file:hello-cli", "hello-cli"
	b.Hashes = []sbom.Hash{{Algorithm: sbom.SHA256, Value: strings.Repeat("12", 32)}}
	d.Components = append(d.Components, b)
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name             string
		claimed, derived func(*sbom.Document)
		digests          func(map[string]string)
		want             []string // Diff.String of each difference
		unshown          []string
	}{
		{name: "same document"},
		{name: "a component omitted", claimed: func(d *sbom.Document) {
			component(d, "golang.org/x/mod").PURL = "pkg:golang/golang.org/x/other@v0.42.0"
		},
			want:    []string{"pkg:golang/golang.org/x/mod: omitted from the SBOM (the artifact shows version v0.42.0)"},
			unshown: []string{"pkg:golang/golang.org/x/other: listed in the SBOM (v0.42.0), not shown by the artifact"}},
		{name: "a version misstated", claimed: func(d *sbom.Document) { component(d, "github.com/spf13/cobra").Version = "v1.9.0" },
			want: []string{"pkg:golang/github.com/spf13/cobra: version: SBOM v1.9.0, artifact v1.10.2"}},
		{name: "a binary's digest misstated", claimed: func(d *sbom.Document) { component(d, "hello").Hashes[0].Value = strings.Repeat("0", 64) },
			want: []string{"pkg:golang/example.com/hello (file hello): hash SHA-256: SBOM " + strings.Repeat("0", 64) + ", artifact "}},
		{name: "the archive's own digest misstated", claimed: func(d *sbom.Document) {
			component(d, "hello_linux_amd64.tar.gz").Hashes[1].Value = strings.Repeat("f", 128)
		},
			want: []string{"pkg:generic/hello_linux_amd64.tar.gz: hash SHA-512: SBOM " + strings.Repeat("f", 128)}},
		{name: "digests the SBOM does not state are not differences", claimed: func(d *sbom.Document) {
			for i := range d.Components {
				d.Components[i].Hashes = nil
			}
		}},
		{name: "two binaries of one module, each with its digest", claimed: twoBinaries, derived: twoBinaries},
		{name: "two binaries of one module, digests swapped", claimed: func(d *sbom.Document) {
			twoBinaries(d)
			a, b := component(d, "hello"), &d.Components[len(d.Components)-1]
			a.Hashes, b.Hashes = b.Hashes, a.Hashes
		}, derived: twoBinaries, want: []string{
			"pkg:golang/example.com/hello (file hello): hash SHA-256: SBOM " + strings.Repeat("12", 32),
			"pkg:golang/example.com/hello (file hello-cli): hash SHA-256: SBOM ",
		}},
		{name: "a main module version from -ldflags is not in the bytes", derived: func(d *sbom.Document) {
			c := component(d, "hello")
			c.Version = "v9.9.9"
			c.SetProperty(sbom.PropVersionSource, sbom.VersionFromLdflags)
		}},
		{name: "a main module version from build info is", derived: func(d *sbom.Document) {
			c := component(d, "hello")
			c.Version = "v9.9.9"
			c.SetProperty(sbom.PropVersionSource, sbom.VersionFromBuild)
		}, want: []string{"pkg:golang/example.com/hello (file hello): version: SBOM v1.2.3, artifact v9.9.9"}},
		{name: "a stamped pseudo-version may be named by a later tag", derived: func(d *sbom.Document) {
			c := component(d, "hello")
			c.Version = "v1.2.3-0.20260101000000-0123456789ab"
			c.SetProperty(sbom.PropVersionSource, sbom.VersionFromPseudo)
		}},
		{name: "a development dependency left out", claimed: func(d *sbom.Document) { component(d, "github.com/spf13/cobra").PURL = "pkg:golang/x/y" },
			derived: func(d *sbom.Document) { component(d, "github.com/spf13/cobra").Scope = sbom.ScopeExcluded },
			unshown: []string{"pkg:golang/x/y: listed in the SBOM (v1.10.2), not shown"}},
		{name: "a development dependency listed at another version", claimed: func(d *sbom.Document) { component(d, "github.com/spf13/cobra").Version = "v1.0.0" },
			derived: func(d *sbom.Document) { component(d, "github.com/spf13/cobra").Scope = sbom.ScopeExcluded },
			want:    []string{"pkg:golang/github.com/spf13/cobra: version: SBOM v1.0.0, artifact v1.10.2"}},
		{name: "a Go module sum misstated", claimed: func(d *sbom.Document) {
			component(d, "golang.org/x/mod").SetProperty(sbom.PropGoH1, "h1:forged=")
		}, derived: func(d *sbom.Document) { component(d, "golang.org/x/mod").SetProperty(sbom.PropGoH1, "h1:real=") },
			want: []string{"pkg:golang/golang.org/x/mod: vouch:golang:h1: SBOM h1:forged=, artifact h1:real="}},
		{name: "purl type case and qualifiers do not make another package", claimed: func(d *sbom.Document) {
			component(d, "golang.org/x/mod").PURL = "pkg:GOLANG/golang.org/x/mod@v0.42.0?type=module"
		}},
		{name: "a synthetic root names nothing to show", claimed: func(d *sbom.Document) {
			d.Components = append(d.Components, sbom.Component{ID: "root", Type: sbom.TypeApplication, Name: "release"})
		}},
		{name: "another artifact's digests", digests: func(m map[string]string) { m["sha256"] = strings.Repeat("9", 64) },
			want: []string{"pkg:generic/hello_linux_amd64.tar.gz: hash SHA-256: SBOM "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claimed, digests := sample()
			derived, _ := sample()
			for _, f := range []struct {
				edit func(*sbom.Document)
				doc  *sbom.Document
			}{{tt.claimed, claimed}, {tt.derived, derived}} {
				if f.edit != nil {
					f.edit(f.doc)
				}
			}
			if tt.digests != nil {
				tt.digests(digests)
			}
			res := Compare(claimed, derived, digests)
			check(t, "differences", res.Diffs, tt.want)
			check(t, "unshown", res.Unshown, tt.unshown)
			if res.Compared != len(derived.Components)-1 {
				t.Errorf("compared %d, want every component but the archive (%d)", res.Compared, len(derived.Components)-1)
			}
		})
	}
}

// check compares diffs with wanted prefixes of their descriptions, in order.
func check(t *testing.T, what string, got []Diff, want []string) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = strings.HasPrefix(got[i].String(), want[i])
	}
	if !ok {
		var s []string
		for _, d := range got {
			s = append(s, d.String())
		}
		t.Errorf("%s:\n  got  %q\n  want %q", what, s, want)
	}
}

// FuzzCompare: any SBOM a decoder accepts can be compared without panic,
// with the sample as either side, and agrees with itself.
func FuzzCompare(f *testing.F) {
	d, digests := sample()
	for _, spec := range []string{"cyclonedx-json@1.6", "spdx-json@2.3"} {
		s, err := format.ParseSpec(spec)
		if err != nil {
			f.Fatal(err)
		}
		enc, err := format.NewEncoder(s)
		if err != nil {
			f.Fatal(err)
		}
		var buf bytes.Buffer
		if err := enc.Encode(&buf, d); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, _, err := format.Decode(context.Background(), bytes.NewReader(data))
		if err != nil {
			return
		}
		Compare(doc, d, digests)
		Compare(d, doc, digests)
		if self := Compare(doc, doc, nil); len(self.Diffs) > 0 || len(self.Unshown) > 0 {
			t.Fatalf("a document differs from itself: %v %v", self.Diffs, self.Unshown)
		}
	})
}
