package catalog

import (
	"github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/gomod"
)

// licenseFromSource gives a Go binary whose main module has no licence yet
// the licence of that module's source, when the binary sits inside the
// module's own repository (a release built in its checkout): the go.mod at
// the repository root names the module, its licence files are the binary's.
func licenseFromSource(cache cataloger.Cache, doc *sbom.Document, sourceDirs map[string]string) {
	for i := range doc.Components {
		c := &doc.Components[i]
		if _, ok := c.Property(sbom.PropGoPackage); !ok || c.Licenses != (sbom.Licenses{}) {
			continue
		}
		if dir, ok := sourceDirs[c.Name]; ok {
			if expr := gomod.DirLicense(cache, dir); expr != "" {
				c.Licenses = sbom.Licenses{Declared: expr, Concluded: expr}
			}
		}
	}
}

// inheritFromContents gives a release archive what its contents say: the
// licence its binaries agree on. An archive's licence is that of what it
// ships; when the binaries disagree it stays unknown rather than guessed.
func inheritFromContents(doc *sbom.Document) {
	contains := map[string][]string{}
	for _, d := range doc.Dependencies {
		contains[d.Ref] = append(contains[d.Ref], d.DependsOn...)
	}
	for i := range doc.Components {
		c := &doc.Components[i]
		if c.Type != sbom.TypeArchive || c.Licenses != (sbom.Licenses{}) {
			continue
		}
		var lic *sbom.Licenses
		agree := true
		for _, id := range contains[c.ID] {
			b := doc.Component(id)
			if b == nil || b.Type != sbom.TypeApplication {
				continue
			}
			if lic != nil && *lic != b.Licenses {
				agree = false
			}
			lic = &b.Licenses
		}
		if lic != nil && agree {
			c.Licenses = *lic
		}
	}
}

// filePURL gives shipped files that have no package identity (archives,
// executables without build info) a content-derived purl:
// pkg:generic/NAME@VERSION?checksum=sha256:HEX, so that every component
// carries a unique identifier (NTIA, BSI "other unique identifiers").
func filePURL(doc *sbom.Document) {
	for i := range doc.Components {
		c := &doc.Components[i]
		sum := c.Hash(sbom.SHA256)
		if c.PURL != "" || c.FileName == "" || sum == "" {
			continue
		}
		q := packageurl.QualifiersFromMap(map[string]string{"checksum": "sha256:" + sum})
		c.PURL = packageurl.NewPackageURL(packageurl.TypeGeneric, "", c.FileName, c.Version, q, "").ToString()
	}
}
