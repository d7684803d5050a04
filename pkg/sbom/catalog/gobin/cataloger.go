package gobin

import (
	"context"
	"path/filepath"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

// Kind is the name Go binaries are registered under.
const Kind = "binary"

func init() {
	cataloger.Register(cataloger.Registration{
		Name: Kind, What: "executable", Artifact: true,
		Sniff: func(_ string, head []byte) bool { return IsExecutable(head) },
		New: func(cfg cataloger.Config) cataloger.Cataloger {
			return cataloger.PerFile(Kind, binCataloger{cfg}.catalog)
		},
	})
}

// binCataloger is the registered cataloger: it reads one executable, on
// disk or copied out of an archive, with the configuration of the run.
type binCataloger struct{ cfg cataloger.Config }

func (b binCataloger) catalog(ctx context.Context, f cataloger.File) (*sbom.Fragment, error) {
	// Read errors pass through unwrapped: the archive tells its own
	// failures (limits, corrupt streams) from the binary's.
	p, d, remove, err := cataloger.Local(ctx, f, b.cfg.TempDir)
	defer remove()
	if err != nil {
		return nil, err
	}
	opts := Options{RelPath: f.Path(), Version: b.cfg.Version, Digests: d}
	if b.cfg.Repos != nil {
		opts.TagForRevision = b.cfg.Repos.RevisionTagger(filepath.Dir(f.Host()))
	}
	return Catalog(ctx, p, opts)
}
