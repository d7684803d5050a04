package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/attest/provenance"
	"github.com/vouchdev/vouch/pkg/attest/release"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/archive"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image"
	"github.com/vouchdev/vouch/pkg/sbom/format"
)

// runReleaseImage is vouch release --image: the image's CycloneDX SBOM
// attestation, its SLSA provenance and its signature, each signed about
// the image's manifest digest (resolved once, and the SBOM read by that
// digest) and attached to it; with --out DIR, also written there as the
// release layout names them after the repository's last segment.
func (e *env) runReleaseImage(ctx context.Context, f *releaseFlags, opts release.Options) error {
	t, err := e.resolveImage(ctx, f.image)
	if err != nil {
		return err
	}
	if t.desc.MediaType.IsIndex() {
		// The SBOM would be of one platform's image, attested about all.
		return &exitError{code: ExitError, err: fmt.Errorf("--image %s: a multi-platform index: release each platform's image by its digest (REPO@sha256:...)", t.ref)}
	}
	doc, cdx, err := e.imageSBOM(ctx, t, opts.SBOM)
	if err != nil {
		return err
	}
	if c := labelledSource(doc); c != (provenance.Claimed{}) && !f.repoSet && !namesSource(opts.Provenance.ExternalParams) {
		// The image says where it was built from; the checkout vouch
		// happens to run in (--repo's default) need not be that source.
		opts.Provenance.Dir, opts.Provenance.Claimed = "", c
	}
	prov, warns, err := provenance.Generate(ctx, t.subjects(), opts.Provenance)
	if !f.quiet {
		for _, w := range warns {
			fmt.Fprintf(e.stderr, "vouch: warning: %s\n", output.VisibleLines(fmt.Sprint(w)))
		}
	}
	if err != nil {
		return releaseError(err)
	}
	provJSON, err := attest.MarshalStatement(prov)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	sbomSt, err := e.statement(t.subjects(), attest.PredicateCycloneDX, cdx)
	if err != nil {
		return err
	}
	signSt, err := e.statement(t.subjects(), cosignSignPredicateType, []byte("{}"))
	if err != nil {
		return err
	}
	s, err := e.newSigner(ctx, &f.signer)
	if err != nil {
		return err
	}
	base := path.Base(t.name)
	files := []struct {
		name, predType string
		statement      []byte
	}{
		{base + release.SuffixSBOMBundle, attest.PredicateCycloneDX, sbomSt},
		{release.ProvenanceName, prov.GetPredicateType(), provJSON},
		{base + release.SuffixSignature, cosignSignPredicateType, signSt},
	}
	var w output.Files
	w.Add(filepath.Join(f.out, base+release.SuffixCycloneDX), cdx)
	for _, file := range files {
		b, err := e.signAndAttach(ctx, s, t, file.predType, file.statement)
		if err != nil {
			return err
		}
		w.Add(filepath.Join(f.out, file.name), b)
	}
	if f.out != "" {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("--out: %w", err)}
		}
		if err := w.Write(); err != nil {
			return &exitError{code: ExitError, err: err}
		}
		for _, file := range w {
			fmt.Fprintf(e.stderr, "Wrote %s\n", filepath.ToSlash(file.Path))
		}
	}
	fmt.Fprintln(e.stdout, t.ref)
	return nil
}

// imageSBOM catalogues the image as vouch sbom does (squashed) and
// returns the SBOM and its encoding as the release's CycloneDX.
func (e *env) imageSBOM(ctx context.Context, t *imageTarget, opts catalog.Options) (*sbom.Document, []byte, error) {
	opts.Limits, opts.ImageScope = archive.DefaultLimits(), image.Squashed
	res, err := catalog.Run(ctx, []string{t.source}, opts)
	if err != nil {
		return nil, nil, &exitError{code: ExitError, err: fmt.Errorf("--image: %w", err)}
	}
	if len(res.Errors) > 0 {
		return nil, nil, &exitError{code: ExitError, err: fmt.Errorf("--image %s: %v; nothing attached", t.ref, res.Errors[0])}
	}
	spec, err := format.ParseSpec(release.CycloneDXSpec)
	if err != nil {
		return nil, nil, err
	}
	enc, err := format.NewEncoder(spec)
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	if err := enc.Encode(&buf, res.Document); err != nil {
		return nil, nil, &exitError{code: ExitError, err: err}
	}
	return res.Document, buf.Bytes(), nil
}

// labelledSource is the source the image's OCI labels name, as its SBOM's
// root records them: read from the config of the digest released.
func labelledSource(doc *sbom.Document) provenance.Claimed {
	root := doc.Component(doc.Primary)
	if root == nil {
		return provenance.Claimed{}
	}
	repo, _ := root.Property(image.PropLabelPrefix + image.LabelSource)
	commit, _ := root.Property(image.PropLabelPrefix + image.LabelRevision)
	if repo == "" && commit == "" {
		return provenance.Claimed{}
	}
	return provenance.Claimed{From: "the image's labels (" + image.LabelSource + ", " + image.LabelRevision + ")", Repository: repo, Commit: commit}
}

// namesSource says whether --external-param names the source repository
// itself: then the user's word, not the image's labels, is the source.
func namesSource(params map[string]string) bool {
	_, ok := params["workflow.repository"]
	return ok
}
