// Package sbomtest provides documents for format tests: every encoder's
// golden file is made from [Sample], so that the formats can be compared
// field by field.
package sbomtest

import (
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// Sample returns a small document that uses every field of the model that
// vouch's catalogers fill: a release archive holding a Go binary, two
// modules with licences and h1 sums, the Go standard library, dependency
// completeness of each kind, and BSI-relevant file data.
func Sample() *sbom.Document {
	d := &sbom.Document{
		Name:      "hello",
		Created:   time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Authors:   []sbom.Contact{{Name: "Example Org", Email: "sbom@example.com", URL: "https://example.com"}},
		Tools:     []sbom.Tool{{Vendor: "vouchdev", Name: "vouch", Version: "v0.1.0"}},
		Lifecycle: "build",
		Primary:   "archive-hello",
		Components: []sbom.Component{
			{
				ID: "archive-hello", Type: sbom.TypeArchive, Name: "hello_linux_amd64.tar.gz", Version: "v1.2.3",
				PURL:     "pkg:generic/hello_linux_amd64.tar.gz@v1.2.3?checksum=sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
				Supplier: sbom.Contact{Name: "Example Org", URL: "https://example.com"},
				Licenses: sbom.Licenses{Declared: "Apache-2.0", Concluded: "Apache-2.0"},
				Scope:    sbom.ScopeRequired, FileName: "hello_linux_amd64.tar.gz", Size: 4096,
				Hashes: []sbom.Hash{
					{Algorithm: sbom.SHA256, Value: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"},
					{Algorithm: sbom.SHA512, Value: "f7fbba6e0636f890e56fbbf3283e524c6fa3204ae298382d624741d0dc6638326e282c41be5e4254d8820772c5518a2c5a8c0c7f7eda19594a7eb539453e1ed7"},
				},
			},
			{
				ID: "pkg:golang/example.com/hello@v1.2.3", Type: sbom.TypeApplication, Name: "hello", Version: "v1.2.3",
				PURL:     "pkg:golang/example.com/hello@v1.2.3",
				Supplier: sbom.Contact{Name: "example.com", URL: "https://example.com"},
				Author:   "Example Org",
				Scope:    sbom.ScopeRequired,
				Licenses: sbom.Licenses{Declared: "Apache-2.0", Concluded: "Apache-2.0"},
				FileName: "hello", Size: 2048,
				Hashes: []sbom.Hash{
					{Algorithm: sbom.SHA256, Value: "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9"},
					{Algorithm: sbom.SHA512, Value: "d9e6762dd1c8eaf6d61b3c6192fc408d4d6d5f1176d0c29169bc24e71c3f274ad27fcd5811b313d681f7e55ec02d73d499c95455b6b5bb503acf574fba8ffe85"},
				},
				Properties: []sbom.Property{
					{Name: sbom.PropGoBuildPrefix + "GOARCH", Value: "amd64"},
					{Name: sbom.PropGoBuildPrefix + "GOOS", Value: "linux"},
					{Name: sbom.PropGoBuildPrefix + "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
					{Name: sbom.PropGoPackage, Value: "example.com/hello/cmd/hello"},
					{Name: sbom.PropVersionSource, Value: sbom.VersionFromGitTag},
				},
				References: []sbom.ExternalRef{{Type: sbom.RefVCS, URL: "https://example.com/hello"}},
			},
			{
				ID: "pkg:golang/github.com/spf13/cobra@v1.10.2", Type: sbom.TypeLibrary, Name: "github.com/spf13/cobra", Version: "v1.10.2",
				PURL:     "pkg:golang/github.com/spf13/cobra@v1.10.2",
				Supplier: sbom.Contact{Name: "spf13", URL: "https://github.com/spf13"},
				Scope:    sbom.ScopeRequired,
				Licenses: sbom.Licenses{Declared: "Apache-2.0", Concluded: "Apache-2.0"},
				Properties: []sbom.Property{
					{Name: sbom.PropGoH1, Value: "h1:9SW7/xiF9qHaCx5avp1b4p2mbCoxzBtBEOMT1ghv4vs="},
				},
				References: []sbom.ExternalRef{{Type: sbom.RefVCS, URL: "https://github.com/spf13/cobra"}},
			},
			{
				ID: "pkg:golang/golang.org/x/mod@v0.42.0", Type: sbom.TypeLibrary, Name: "golang.org/x/mod", Version: "v0.42.0",
				PURL:     "pkg:golang/golang.org/x/mod@v0.42.0",
				Supplier: sbom.Contact{Name: "The Go Authors", URL: "https://go.dev"},
				Scope:    sbom.ScopeOptional,
				// Declared only: encoders must write NOASSERTION for the
				// unknown concluded licence.
				Licenses: sbom.Licenses{Declared: "BSD-3-Clause"},
				Properties: []sbom.Property{
					{Name: sbom.PropGoIndirect, Value: "true"},
				},
			},
			{
				ID: "pkg:golang/stdlib@go1.26.8", Type: sbom.TypeLibrary, Name: "stdlib", Version: "go1.26.8",
				PURL:     "pkg:golang/stdlib@go1.26.8",
				Supplier: sbom.Contact{Name: "The Go Authors", URL: "https://go.dev"},
				Scope:    sbom.ScopeRequired,
				Licenses: sbom.Licenses{Declared: "BSD-3-Clause", Concluded: "BSD-3-Clause"},
			},
		},
		Dependencies: []sbom.Dependency{
			{Ref: "archive-hello", DependsOn: []string{"pkg:golang/example.com/hello@v1.2.3"}, Completeness: sbom.CompletenessComplete},
			{Ref: "pkg:golang/example.com/hello@v1.2.3", DependsOn: []string{
				"pkg:golang/github.com/spf13/cobra@v1.10.2", "pkg:golang/golang.org/x/mod@v0.42.0", "pkg:golang/stdlib@go1.26.8",
			}, Completeness: sbom.CompletenessComplete},
			{Ref: "pkg:golang/github.com/spf13/cobra@v1.10.2", Completeness: sbom.CompletenessIncomplete},
			{Ref: "pkg:golang/golang.org/x/mod@v0.42.0"},
		},
		Completeness: sbom.CompletenessComplete,
		Properties:   []sbom.Property{{Name: "vouch:scan:root", Value: "."}},
	}
	d.Normalize()
	return d
}
