package cli

import (
	"context"
	"fmt"
	"strings"

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
	cmd.Flags().StringVar(&f.image, "image", "", "sign the container image `REF` (registry:HOST/REPO:TAG or @sha256:...; a tag is resolved once to its digest) and attach the bundle to it in the registry (OCI 1.1 referrer)")
}

// imageTarget is an image to sign: its manifest, resolved once.
type imageTarget struct {
	digest name.Digest
	desc   v1.Descriptor
}

// registryTarget is what follows registry: in an image argument, or the
// argument itself when it has no scheme; other schemes are refused with
// what is wanted.
func registryTarget(flag, arg string) (string, error) {
	ref, ok := image.Parse(arg)
	if !ok {
		return arg, nil
	}
	if ref.Scheme != image.Registry {
		return "", usagef("%s %s: bundles are attached in a registry: want registry:HOST/REPO:TAG or HOST/REPO@sha256:...", flag, arg)
	}
	return ref.Target, nil
}

// resolveImage resolves --image to the digest of its manifest: what is
// signed is that digest, whatever the tag names later.
func (e *env) resolveImage(ctx context.Context, arg string) (*imageTarget, error) {
	target, err := registryTarget("--image", arg)
	if err != nil {
		return nil, err
	}
	d, desc, err := oci.Resolve(target, oci.Options(ctx)...)
	if err != nil {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("--image: %w", err)}
	}
	return &imageTarget{digest: d, desc: desc}, nil
}

// subjects names the image in a statement as cosign does: its repository
// and its manifest digest.
func (t *imageTarget) subjects() []*ita.ResourceDescriptor {
	return []*ita.ResourceDescriptor{{
		Name:   t.digest.Context().Name(),
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
	created, err := e.timestamp("")
	if err != nil {
		return err
	}
	b, err := s.Attest(ctx, st)
	if err != nil {
		return signError(t.digest.String(), err)
	}
	if out != "" {
		var w output.Files
		w.Add(out, b)
		if err := w.Write(); err != nil {
			return &exitError{code: ExitError, err: err}
		}
		fmt.Fprintf(e.stderr, "Wrote bundle to %s\n", out)
	}
	ref, err := oci.Attach(t.digest, t.desc, b, predType, created, oci.Options(ctx)...)
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("--image %s: %w", t.digest, err)}
	}
	fmt.Fprintf(e.stderr, "Attached bundle %s\n", ref.DigestStr())
	fmt.Fprintln(e.stdout, t.digest.String())
	return nil
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
