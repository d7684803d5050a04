package gomod

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

// Kind is the name go.mod files are registered under.
const Kind = "go.mod"

func init() {
	cataloger.Register(cataloger.Registration{
		Name: Kind, What: "go.mod", Globs: []string{"go.mod"},
		// go.sum, vendor/ and local replacements are read next to it.
		DiskOnly: true,
		New: func(cfg cataloger.Config) cataloger.Cataloger {
			return cataloger.PerFile(Kind, modCataloger{cfg}.catalog)
		},
		Post:   PreferBinaries,
		Enrich: EnrichLicenses,
	})
}

// modCataloger is the registered cataloger: it reads one go.mod on disk
// with the configuration of the run.
type modCataloger struct{ cfg cataloger.Config }

// catalog resolves the main module's version (--version, then a release
// tag on the checked-out commit) and catalogs the module.
func (m modCataloger) catalog(ctx context.Context, f cataloger.File) (*sbom.Fragment, error) {
	p, ok := f.Local()
	if !ok {
		return nil, fmt.Errorf("%s: a go.mod is read only from a directory, next to its go.sum", f.Path())
	}
	warmUp(m.cfg)
	mo := Options{ModCache: m.cfg.ModCache, Vendor: true, RelPath: f.Path(), LicenseCache: m.cfg.LicenseCache}
	switch {
	case m.cfg.Version != "":
		mo.MainVersion, mo.MainVersionSource = m.cfg.Version, sbom.VersionFromFlag
	case m.cfg.Repos != nil:
		dir := filepath.Dir(p)
		if tag, ok := m.cfg.Repos.CheckoutTag(dir); ok {
			mo.MainVersion, mo.MainVersionSource = tag, sbom.VersionFromGitTag
			break
		}
		// An untagged checkout: the pseudo-version the go command would
		// stamp, never a guess.
		mo.VCSVersion = func(modPath string) (string, bool) { return m.cfg.Repos.PseudoVersion(dir, modPath) }
	}
	return Catalog(ctx, p, mo)
}
