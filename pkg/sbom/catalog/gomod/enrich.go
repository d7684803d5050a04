package gomod

import (
	"context"
	"runtime"
	"strings"
	"sync"

	"github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

// EnrichLicenses is the Go enrichment step of a run: it fills the licences
// of Go module components that came without one — a binary's build info
// names modules but not their licences — from the local module cache
// (cfg.ModCache), over GOMAXPROCS workers. Each worker writes only its own
// component.
func EnrichLicenses(ctx context.Context, cfg cataloger.Config, doc *sbom.Document) {
	modCache := cfg.ModCache
	type job struct {
		c             *sbom.Component
		path, version string
	}
	var jobs []job
	for i := range doc.Components {
		c := &doc.Components[i]
		if c.Licenses != (sbom.Licenses{}) || c.PURL == "" {
			continue
		}
		p, err := packageurl.FromString(c.PURL)
		if err != nil || p.Type != packageurl.TypeGolang || p.Version == "" || c.Name == "stdlib" {
			continue
		}
		// The purl's path is lower-cased; the component name keeps the
		// module path's case, which the cache's escaping needs.
		path := c.Name
		if !strings.EqualFold(path, strings.TrimPrefix(p.Namespace+"/"+p.Name, "/")) {
			continue
		}
		jobs = append(jobs, job{c, path, p.Version})
	}
	work := make(chan job)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				if expr := ModuleLicense(cfg.LicenseCache, modCache, j.path, j.version); expr != "" {
					j.c.Licenses = sbom.Licenses{Declared: expr, Concluded: expr}
				}
			}
		}()
	}
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		work <- j
	}
	close(work)
	wg.Wait()
}
