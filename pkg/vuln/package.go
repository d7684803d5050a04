package vuln

import (
	"cmp"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/extractor"
	apkmeta "github.com/google/osv-scalibr/extractor/filesystem/os/apk/metadata"
	dpkgmeta "github.com/google/osv-scalibr/extractor/filesystem/os/dpkg/metadata"
	scalibrpurl "github.com/google/osv-scalibr/purl"
	purlecosystem "github.com/google/osv-scalibr/purl/ecosystem"
	"github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// ecosystems maps a purl type to its OSV ecosystem (the folder of the
// OSV export that holds its records).
var ecosystems = map[string]string{
	packageurl.TypeGolang:   "Go",
	packageurl.TypeNPM:      "npm",
	packageurl.TypePyPi:     "PyPI",
	packageurl.TypeMaven:    "Maven",
	packageurl.TypeCargo:    "crates.io",
	packageurl.TypeGem:      "RubyGems",
	packageurl.TypeNuget:    "NuGet",
	packageurl.TypeComposer: "Packagist",
	packageurl.TypeDebian:   "Debian",
	packageurl.TypeApk:      "Alpine",
}

// stdlib is the OSV name of the Go standard library, which vouch's SBOMs
// (and syft's, and osv-scalibr's) list as a component named "stdlib" (or
// "go", the toolchain) with the toolchain's version "go1.26.8".
const stdlib = "stdlib"

// pkg is one SBOM component as osv-scalibr's matcher sees it.
type pkg struct {
	comp Component
	// names are the names an advisory may list it under; loose are
	// their loose forms (the pre-filter's keys).
	names, loose []string
	x            *extractor.Package
	// target is x as osv-scalibr's matcher normalises it.
	target target
}

// packageOf builds the osv-scalibr package of a component, or reports
// false for a component without a purl of a supported ecosystem.
func packageOf(c *sbom.Component) (pkg, bool) {
	p, err := packageurl.FromString(c.PURL)
	if err != nil {
		return pkg{}, false
	}
	eco, ok := ecosystems[p.Type]
	if !ok || !ofDistribution(p) {
		return pkg{}, false
	}
	version := p.Version
	if version == "" {
		version = c.Version
	}
	name := osvName(p)
	if eco == "Go" && (name == stdlib || name == "go") {
		name, version = stdlib, strings.TrimPrefix(version, "go")
	}
	x := &extractor.Package{Name: name, Version: version, PURLType: p.Type}
	names := []string{name}
	switch p.Type {
	case packageurl.TypeDebian:
		source := sourceName(p, name)
		// Debian's advisories name major releases ("Debian:12"); Trivy
		// writes the point release ("distro=debian-12.5").
		release, _, _ := strings.Cut(distroSuffix(p), ".")
		x.Metadata = &dpkgmeta.Metadata{PackageName: name, SourceName: source, OSID: "debian", OSVersionID: release}
		names = append(names, source)
	case packageurl.TypeApk:
		origin := sourceName(p, name)
		x.Metadata = &apkmeta.Metadata{PackageName: name, OriginName: origin, OSID: "alpine", OSVersionID: strings.TrimPrefix(distroSuffix(p), "v")}
		names = append(names, origin)
	}
	if x.Ecosystem().IsEmpty() {
		return pkg{}, false
	}
	var loose []string
	for _, n := range names {
		if k := looseName(n); !slices.Contains(loose, k) {
			loose = append(loose, k)
		}
	}
	// The version matched, as the component names it.
	comp := Component{Ref: c.ID, Name: c.Name, Version: cmp.Or(p.Version, c.Version), PURL: c.PURL, Ecosystem: eco}
	if comp.Name == "" {
		comp.Name = osvName(p)
	}
	return pkg{
		comp:   comp,
		names:  names,
		loose:  loose,
		x:      x,
		target: newTarget(x),
	}, true
}

// packagesOf is packageOf, and when the component's version field names
// another version than its purl, the same package at that version too:
// sbom.matchArtifact compares the field with the artifact, so a purl
// naming a fixed release beside a field naming the vulnerable one must
// not leave the vulnerable one unmatched (fail closed: both are matched).
func packagesOf(c *sbom.Component) []pkg {
	p, ok := packageOf(c)
	if !ok {
		return nil
	}
	out := []pkg{p}
	if c.Version == "" || c.Version == p.comp.Version {
		return out
	}
	alt := *c
	if q, err := packageurl.FromString(c.PURL); err == nil {
		q.Version = c.Version
		alt.PURL = q.ToString()
	}
	if a, ok := packageOf(&alt); ok && a.x.Version != p.x.Version {
		a.comp.PURL = c.PURL // the component as the SBOM names it
		out = append(out, a)
	}
	return out
}

// distributions are the namespaces of deb and apk purls whose advisories
// the ecosystems above are: another distribution's package (Ubuntu's,
// Wolfi's) is not matched against them, it is not supported.
var distributions = map[string]string{packageurl.TypeDebian: "debian", packageurl.TypeApk: "alpine"}

// ofDistribution reports whether p, if a distribution package, is of the
// distribution its ecosystem's advisories are about.
func ofDistribution(p packageurl.PackageURL) bool {
	d, ok := distributions[p.Type]
	return !ok || strings.EqualFold(p.Namespace, d)
}

// named reports whether an advisory's package name may be p's (the
// loose comparison of the pre-filter; osv-scalibr decides exactly).
func (p pkg) named(name string) bool {
	return slices.Contains(p.loose, looseName(name))
}

// osvName is the package's name as OSV records spell it: Maven
// "group:artifact", others "namespace/name" (Go module paths, npm scopes,
// Packagist vendors).
func osvName(p packageurl.PackageURL) string {
	switch {
	case p.Namespace == "":
		return p.Name
	case p.Type == packageurl.TypeMaven:
		return p.Namespace + ":" + p.Name
	case p.Type == packageurl.TypeDebian || p.Type == packageurl.TypeApk:
		return p.Name // the namespace is the distribution
	}
	return p.Namespace + "/" + p.Name
}

// sourceName is a distribution package's source package (Debian and
// Alpine advisories name source packages), from the purl's "upstream"
// qualifier as syft and Trivy write it ("openssl" or "openssl@3.0.11-1").
func sourceName(p packageurl.PackageURL, name string) string {
	up := p.Qualifiers.Map()["upstream"]
	if up == "" {
		return name
	}
	src, _, _ := strings.Cut(up, "@")
	return src
}

// distroSuffix is the release an OS package comes from, from the purl's
// distro qualifier ("debian-12", "bookworm", "alpine-3.20.3"), as
// osv-scalibr reads it.
func distroSuffix(p packageurl.PackageURL) string {
	sp, err := scalibrpurl.FromString(p.ToString())
	if err != nil {
		return ""
	}
	return purlecosystem.FromPURL(&sp).Suffix
}
