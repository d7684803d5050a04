package catalog

import (
	"context"

	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image"
)

// imageRef says whether a SOURCE names an image: with a scheme
// ("docker-archive:app.tar", "registry:ghcr.io/o/app:1"), or as a plain
// path to an OCI layout directory or a docker or OCI archive (.tar).
func imageRef(root string) (image.Ref, bool) {
	if ref, ok := image.Parse(root); ok {
		return ref, true
	}
	ref, err := image.Detect(root)
	return ref, err == nil
}

// catalogImage reads the image ref names with the run's catalogers: one
// outcome, of kind image, reported under the reference as given.
func catalogImage(ctx context.Context, ref image.Ref, opts Options, set *cataloger.Set) outcome {
	o := outcome{job: job{path: ref.Target, rel: ref.String(), explicit: true}, kind: KindImage}
	img, err := image.Open(ctx, ref)
	if err != nil {
		o.err = err
		return o
	}
	defer img.Close()
	cfg := set.Config()
	// A file of an image has no git repository on disk around it.
	cfg.Repos = nil
	o.frag, o.err = image.Catalog(ctx, img, image.Options{Scope: opts.ImageScope, Config: cfg})
	return o
}
