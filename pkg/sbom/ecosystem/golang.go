package ecosystem

import (
	"strings"

	"github.com/package-url/packageurl-go"
)

// GoPURL returns the package URL of a Go module: pkg:golang/PATH@VERSION,
// or without @VERSION when the version is unknown (never "(devel)"). The
// SBOM catalogers and the Go vulnerability analysis (pkg/vuln/govuln) name
// a module by it, so that both agree.
func GoPURL(path, version string) string {
	ns, name := "", path
	if i := strings.LastIndex(path, "/"); i >= 0 {
		ns, name = path[:i], path[i+1:]
	}
	if version == "(devel)" {
		version = ""
	}
	s := packageurl.NewPackageURL(packageurl.TypeGolang, ns, name, version, nil, "").ToString()
	// packageurl-go lower-cases golang namespaces when parsing; emit that
	// canonical form so that every purl vouch writes round-trips unchanged.
	if p, err := packageurl.FromString(s); err == nil {
		return p.ToString()
	}
	return s
}
