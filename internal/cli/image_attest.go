package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/pkg/attest/oci"
	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image"
)

// cosignSignPredicateType is the predicate of cosign sign
// --new-bundle-format: a statement that says only "signed", about the
// image's digest.
const cosignSignPredicateType = "https://sigstore.dev/cosign/sign/v1"

// registerImage adds --image to sign and attest.
func (f *signerFlags) registerImage(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.image, "image", "", "sign the container image `REF` (registry:HOST/REPO:TAG or @sha256:..., a tag resolved once to its digest; or oci-dir:PATH) and attach the bundle to it as an OCI 1.1 referrer")
}

// imageTarget is an image to sign: its manifest, resolved once, and
// where its bundles are attached.
type imageTarget struct {
	// name is the statement subject's name: the repository.
	name string
	desc v1.Descriptor
	// ref names the image by digest, as printed.
	ref string
	// source is the image as vouch sbom reads it, by digest for a
	// registry: the image catalogued is the image signed.
	source string
	// attach stores a bundle as a referrer of the image and names it.
	attach func(ctx context.Context, b []byte, predType string, created time.Time) (string, error)
}

// imageRef parses an image argument: registry:REF, oci-dir:PATH, or a
// registry reference without a scheme; other schemes are refused with
// what is wanted.
func imageRef(flag, arg string) (image.Ref, error) {
	ref, ok := image.Parse(arg)
	if !ok {
		return image.Ref{Scheme: image.Registry, Target: arg}, nil
	}
	if ref.Scheme != image.Registry && ref.Scheme != image.OCIDir {
		return image.Ref{}, usagef("%s %s: bundles are attached in a registry or an OCI layout: want registry:HOST/REPO:TAG, HOST/REPO@sha256:... or oci-dir:PATH", flag, arg)
	}
	return ref, nil
}

// resolveImage resolves --image to the digest of its manifest: what is
// signed is that digest, whatever the tag names later.
func (e *env) resolveImage(ctx context.Context, arg string) (*imageTarget, error) {
	ref, err := imageRef("--image", arg)
	if err != nil {
		return nil, err
	}
	if ref.Scheme == image.OCIDir {
		desc, err := oci.LayoutImage(ref.Target)
		if err != nil {
			return nil, &exitError{code: ExitError, err: fmt.Errorf("--image: %w", err)}
		}
		return &imageTarget{name: layoutName(ref.Target, desc), desc: desc, ref: ref.String() + "@" + desc.Digest.String(), source: ref.String(),
			attach: func(_ context.Context, b []byte, predType string, created time.Time) (string, error) {
				h, err := oci.AttachLayout(ref.Target, desc, b, predType, created)
				return h.String(), err
			}}, nil
	}
	d, desc, err := oci.Resolve(ref.Target, oci.Options(ctx)...)
	if err != nil {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("--image: %w", err)}
	}
	return &imageTarget{name: d.Context().Name(), desc: desc, ref: d.String(), source: image.Registry + ":" + d.String(),
		attach: func(ctx context.Context, b []byte, predType string, created time.Time) (string, error) {
			r, err := oci.Attach(d, desc, b, predType, created, oci.Options(ctx)...)
			return r.DigestStr(), err
		}}, nil
}

// layoutName is the repository a layout's image is tagged with
// (org.opencontainers.image.ref.name, when a full reference), else the
// directory's name.
func layoutName(dir string, desc v1.Descriptor) string {
	if t, err := name.NewTag(desc.Annotations["org.opencontainers.image.ref.name"]); err == nil && strings.Contains(t.Name(), "/") {
		return t.Context().Name()
	}
	return filepath.Base(filepath.Clean(dir))
}

// subjects names the image in a statement as cosign does: its repository
// and its manifest digest.
func (t *imageTarget) subjects() []*ita.ResourceDescriptor {
	return []*ita.ResourceDescriptor{{
		Name:   t.name,
		Digest: map[string]string{t.desc.Digest.Algorithm: t.desc.Digest.Hex},
	}}
}

// signImage signs a statement of predType about the image, writes the
// bundle to out when given, and attaches it to the image.
func (e *env) signImage(ctx context.Context, s *sign.Signer, t *imageTarget, predType string, predicate []byte, out string) error {
	st, err := e.statement(t.subjects(), predType, predicate)
	if err != nil {
		return err
	}
	b, err := e.signAndAttach(ctx, s, t, predType, st)
	if err != nil {
		return err
	}
	if out != "" {
		var w output.Files
		w.Add(out, b)
		if err := w.Write(); err != nil {
			return &exitError{code: ExitError, err: err}
		}
		fmt.Fprintf(e.stderr, "Wrote bundle to %s\n", out)
	}
	fmt.Fprintln(e.stdout, t.ref)
	return nil
}

// signAndAttach signs the statement st (of predType) and attaches the
// bundle to the image; it returns the bundle.
func (e *env) signAndAttach(ctx context.Context, s *sign.Signer, t *imageTarget, predType string, st []byte) ([]byte, error) {
	created, err := e.timestamp("")
	if err != nil {
		return nil, err
	}
	b, err := s.Attest(ctx, st)
	if err != nil {
		return nil, signError(t.ref, err)
	}
	ref, err := t.attach(ctx, b, predType, created)
	if err != nil {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("--image %s: %w", t.ref, err)}
	}
	fmt.Fprintf(e.stderr, "Attached bundle %s (%s)\n", ref, predType)
	return b, nil
}

// imageArgs checks that --image and ARTIFACT arguments are not mixed.
func imageArgs(image string, args []string, cmd, what string) error {
	switch {
	case image != "" && len(args) > 0:
		return usagef("--image names what %s signs: give no %s too (got %s)", cmd, what, strings.Join(args, " "))
	case image == "" && len(args) == 0:
		return usagef("%s needs at least one %s (or --image REF)", cmd, what)
	}
	return nil
}

// runSignImage is vouch sign --image: the image is resolved before any
// password prompt, so a wrong reference costs nothing.
func (e *env) runSignImage(ctx context.Context, f *signerFlags) error {
	t, err := e.resolveImage(ctx, f.image)
	if err != nil {
		return err
	}
	s, err := e.newSigner(ctx, f)
	if err != nil {
		return err
	}
	return e.signImage(ctx, s, t, cosignSignPredicateType, []byte("{}"), f.bundle)
}

// runAttestImage is vouch attest --image.
func (e *env) runAttestImage(ctx context.Context, f *attestFlags, predType string, predicate []byte) error {
	t, err := e.resolveImage(ctx, f.image)
	if err != nil {
		return err
	}
	s, err := e.newSigner(ctx, &f.signerFlags)
	if err != nil {
		return err
	}
	return e.signImage(ctx, s, t, predType, predicate, f.bundle)
}
