package sbomtest

import "github.com/vouchdev/vouch/pkg/sbom"

// DevID is the component [WithDevelopment] marks as development-only.
const DevID = "pkg:golang/golang.org/x/mod@v0.42.0"

// WithDevelopment is [Sample] with golang.org/x/mod marked as a
// development-only dependency of the main module, as a lockfile's dev
// dependency is: excluded scope and the PropDevelopment property. The
// other dependencies of the main module stay required.
func WithDevelopment() *sbom.Document {
	d := Sample()
	c := d.Component(DevID)
	c.Scope = sbom.ScopeExcluded
	c.SetProperty(sbom.PropDevelopment, "true")
	d.Normalize()
	return d
}
