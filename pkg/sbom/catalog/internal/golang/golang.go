// Package golang builds model components for Go modules, shared by the
// go.mod and Go binary catalogers so that both name a module identically:
// the same ID, purl and supplier for the same module path and version.
package golang

import (
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// StdlibPath is the module path Go's purl convention gives the standard library.
const StdlibPath = "stdlib"

// PURL returns the package URL of a Go module (see [ecosystem.GoPURL]).
func PURL(path, version string) string { return ecosystem.GoPURL(path, version) }

// Module returns the component of a library module. sum is its h1: checksum, if known.
func Module(path, version, sum string) sbom.Component {
	c := sbom.Component{
		ID:       PURL(path, version),
		Type:     sbom.TypeLibrary,
		Name:     path,
		Version:  version,
		PURL:     PURL(path, version),
		Supplier: Supplier(path),
		Scope:    sbom.ScopeRequired,
	}
	if sum != "" {
		c.SetProperty(sbom.PropGoH1, sum)
	}
	c.References = []sbom.ExternalRef{{Type: sbom.RefVCS, URL: "https://" + path}}
	return c
}

// Stdlib returns the component of the Go standard library of a toolchain
// version such as "go1.26.8".
func Stdlib(goVersion string) sbom.Component {
	return sbom.Component{
		ID:       PURL(StdlibPath, goVersion),
		Type:     sbom.TypeLibrary,
		Name:     StdlibPath,
		Version:  goVersion,
		PURL:     PURL(StdlibPath, goVersion),
		Supplier: sbom.Contact{Name: "The Go Authors", URL: "https://go.dev"},
		Scope:    sbom.ScopeRequired,
		Licenses: sbom.Licenses{Declared: "BSD-3-Clause", Concluded: "BSD-3-Clause"},
		References: []sbom.ExternalRef{
			{Type: sbom.RefVCS, URL: "https://go.googlesource.com/go"},
			{Type: sbom.RefWebsite, URL: "https://go.dev"},
		},
	}
}

// forges are hosts where the first path element after the host is the owner.
var forges = map[string]bool{
	"github.com": true, "gitlab.com": true, "bitbucket.org": true, "codeberg.org": true,
}

// Supplier derives who publishes a module from its path: the owner's page on
// a known forge, the Go project for golang.org/x, otherwise the module host.
// It is a URL, never a guess at a person's name or email.
func Supplier(path string) sbom.Contact {
	parts := strings.Split(path, "/")
	host := parts[0]
	switch {
	case host == "golang.org" || host == "go.googlesource.com":
		return sbom.Contact{Name: "The Go Authors", URL: "https://go.dev"}
	case forges[host] && len(parts) >= 2:
		return sbom.Contact{Name: parts[1], URL: "https://" + host + "/" + parts[1]}
	case strings.Contains(host, "."):
		return sbom.Contact{Name: host, URL: "https://" + host}
	}
	return sbom.Contact{}
}
