package cli

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vouchdev/vouch/pkg/attest/oci"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/engine"
)

// verifyImage verifies a container image: its subject is its manifest
// digest, resolved once, and its bundles are those named by --bundle or
// else those attached to it (referrers, or the fallback tag). Any failure
// to read the registry is an error, never an empty verdict.
func (e *env) verifyImage(ctx context.Context, s *verifySetup, ref image.Ref, bundlePaths []string, purl string) (*engine.Result, error) {
	subj, found, err := e.imageEvidence(ctx, s, ref, len(bundlePaths) == 0)
	if err != nil {
		return nil, err
	}
	subj.PURL = purl
	var bundles []engine.Bundle
	for _, p := range bundlePaths {
		data, err := bundle.Read(p)
		bundles = append(bundles, engine.Bundle{Name: p, Data: data, Err: err})
	}
	for _, f := range found {
		bundles = append(bundles, engine.Bundle{Name: f.Name, Data: f.Data, Err: f.Err})
	}
	if len(bundles) == 0 {
		bundles = []engine.Bundle{{Err: fmt.Errorf("%w attached to %s (no Sigstore bundle among its referrers)", engine.ErrNoBundle, subj.Name+"@sha256:"+subj.Digests["sha256"])}}
	}
	return s.engine.Verify(ctx, subj, bundles, s.policy)
}

// imageEvidence resolves the image to its digest and, with discover,
// lists the bundles attached to it.
func (e *env) imageEvidence(ctx context.Context, s *verifySetup, ref image.Ref, discover bool) (engine.Subject, []oci.Found, error) {
	var subjName, source string
	var h v1.Hash
	var found []oci.Found
	var err error
	switch ref.Scheme {
	case image.Registry:
		if s.offline {
			return engine.Subject{}, nil, fmt.Errorf("%w: %s: --offline cannot read a registry: verify an OCI layout that carries the referrers (oci-dir:PATH)", bundle.ErrPolicy, ref)
		}
		var d name.Digest
		var desc v1.Descriptor
		if d, desc, err = oci.Resolve(ref.Target, oci.Options(ctx)...); err != nil {
			return engine.Subject{}, nil, err
		}
		subjName, h, source = d.Context().Name(), desc.Digest, image.Registry+":"+d.String()
		if discover {
			found, err = oci.Bundles(d, oci.Options(ctx)...)
		}
	case image.OCIDir:
		var desc v1.Descriptor
		if desc, err = oci.LayoutImage(ref.Target); err != nil {
			return engine.Subject{}, nil, err
		}
		subjName, h, source = layoutName(ref.Target, desc), desc.Digest, ref.String()
		if discover {
			found, err = oci.LayoutBundles(ref.Target, h)
		}
	default:
		return engine.Subject{}, nil, fmt.Errorf("%w: %s: vouch verify reads an image's attestations from a registry (registry:HOST/REPO:TAG) or an OCI layout (oci-dir:PATH)", bundle.ErrPolicy, ref)
	}
	if err != nil {
		return engine.Subject{}, nil, err
	}
	if h.Algorithm != "sha256" {
		return engine.Subject{}, nil, fmt.Errorf("%s: manifest digest %s: want sha256", ref, h)
	}
	return engine.Subject{Name: subjName, Digests: map[string]string{"sha256": h.Hex},
		Derive: engine.DeriveSource(source, isImage(h))}, found, nil
}

// isImage checks that a re-derived document is of the image with digest
// h: its root component carries the manifest digest it was read from.
func isImage(h v1.Hash) func(*sbom.Document) error {
	return func(doc *sbom.Document) error {
		var got []string
		for _, c := range doc.Components {
			if c.Type != image.TypeContainer {
				continue
			}
			for _, ch := range c.Hashes {
				if ch.Algorithm == sbom.SHA256 && ch.Value == h.Hex {
					return nil
				}
				got = append(got, "sha256:"+ch.Value)
			}
		}
		return fmt.Errorf("the image read to re-derive its components is %v, not %s", got, h)
	}
}
