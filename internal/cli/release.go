package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/attest/provenance"
	"github.com/vouchdev/vouch/pkg/attest/release"
	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
	"github.com/vouchdev/vouch/pkg/vex"
)

type releaseFlags struct {
	signer    signerFlags
	out       string
	version   string
	epoch     string
	repo      string
	repoSet   bool // --repo was given: its checkout names the source, not an image's labels
	builderID string
	buildType string
	params    []string
	authors   []string
	quiet     bool
	image     string
	vex       []string
}

func init() { register((*env).releaseCommand) }

func (e *env) releaseCommand() *cobra.Command {
	var f releaseFlags
	cmd := &cobra.Command{
		Use:   "release [--key FILE | --keyless] [--out DIR] [flags] ARTIFACT_OR_DIR...",
		Short: "SBOMs, signatures, SBOM attestations, provenance and checksums for a release",
		Long: `Make a release provable in one command.

For each artifact A, writes:

  A` + release.SuffixCycloneDX + `             CycloneDX 1.6 JSON SBOM
  A` + release.SuffixSPDX + `            SPDX 2.3 JSON SBOM
  A` + release.SuffixSBOMBundle + `   signed CycloneDX attestation about A (in-toto, DSSE)
  A` + release.SuffixSignature + `        signature of A (like cosign sign-blob --bundle)

and once:

  ` + release.ProvenanceName + `     signed SLSA Provenance v1, every artifact a subject
  ` + release.ChecksumsName + `                SHA-256 of every artifact, sha256sum format, sorted
  ` + release.ChecksumsBundleName + `  signature of checksums.txt

and, for each --vex FILE (OpenVEX, or CycloneDX VEX converted to OpenVEX):

  FILE` + release.SuffixVEXBundle + `       signed OpenVEX attestation (predicate type
                               ` + vex.PredicateType + `), every artifact a subject

(FILE without its .json; a --vex document inside a DIR argument is not an
artifact).

All bundles are Sigstore bundles v0.3 JSON. A DIR argument means every regular
file directly in it, except hidden files and the outputs above, so running
vouch release twice on a directory signs the same artifacts. Outputs go to
--out DIR, by default the directory the artifacts are in.

Each artifact is read once, for its SHA-256, SHA-512 and SBOM; artifacts are
processed in parallel. Nothing is written until every output is made and
signed, and then all files are written atomically: a failure leaves no
partial release. With $SOURCE_DATE_EPOCH (or --source-date-epoch) the SBOMs and
the provenance are reproducible, and with an Ed25519 key so are the bundles.

--image REF releases a container image instead (registry:HOST/REPO:TAG or
oci-dir:PATH): REF is resolved once to its manifest digest, its squashed
SBOM made from that digest, and three bundles about the digest — the
CycloneDX attestation, the SLSA provenance and a signature (cosign's
` + cosignSignPredicateType + `) — are attached to the image as OCI 1.1
referrers; --out DIR also writes them, and the SBOM, named after the
repository's last segment (app.cdx.json, app.sbom.sigstore.json, ...).
The provenance's source is then the one the image's labels name
(org.opencontainers.image.source and .revision, read from the config the
digest names) where the CI does not say, unless --repo DIR or
--external-param workflow.repository=URL names it.

Provenance facts come from the CI environment and the git checkout, as for
vouch provenance (--repo, --builder-id, --build-type, --external-param).
Keys and keyless signing are as for vouch sign. cosign verifies the results
(root.json: an empty trusted root, see the README):

  cosign verify-blob --key vouch.pub --new-bundle-format --insecure-ignore-tlog \
    --trusted-root root.json --bundle A` + release.SuffixSignature + ` A
  cosign verify-blob-attestation --key vouch.pub --new-bundle-format --insecure-ignore-tlog \
    --trusted-root root.json --type slsaprovenance1 --bundle ` + release.ProvenanceName + ` A

(With an Ed25519 key, cosign checks the attestations but not A` + release.SuffixSignature + `:
vouch signs files with Ed25519ph, which cosign's --key path does not accept.
Use ECDSA, the default of vouch keygen, where cosign checks file signatures.)`,
		Example: `  # a directory of release files, signed with a key, reproducibly
  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) VOUCH_PASSWORD=... \
    vouch release --key vouch.key --version v1.2.3 release/

  # goreleaser's archives (its dist/ also holds metadata files: name the artifacts)
  vouch release --key vouch.key dist/*.tar.gz dist/*.zip

  # keyless in GitHub Actions (permissions: id-token: write), outputs elsewhere
  vouch release --keyless --out release/ dist/app_linux_amd64.tar.gz dist/app_darwin_arm64.zip`,
		Args: func(cmd *cobra.Command, args []string) error {
			return imageArgs(f.image, args, "release", "ARTIFACT or DIR")
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			f.repoSet = cmd.Flags().Changed("repo")
			return e.runRelease(cmd.Context(), &f, args)
		},
	}
	fl := cmd.Flags()
	s := &f.signer
	fl.StringVar(&s.key, "key", "", "sign with the private key in `FILE` (vouch keygen, cosign generate-key-pair, or PKCS#8 PEM)")
	fl.BoolVar(&s.keyless, "keyless", false, "sign with a short-lived Sigstore certificate for an OIDC identity")
	fl.StringVar(&s.identityToken, "identity-token", "", "OIDC identity `TOKEN` for keyless signing (implies --keyless; default $SIGSTORE_ID_TOKEN or GitHub Actions' token)")
	fl.StringVar(&s.signingConfig, "signing-config", "", "Sigstore signing_config.json `FILE` naming Fulcio, Rekor and TSA (keyless default: the public-good instance; with --key: none)")
	fl.StringVar(&f.out, "out", "", "write outputs to `DIR` (created if missing; default the artifacts' directory)")
	fl.StringVar(&f.version, "version", "", "release `VERSION` of the main module(s) in the SBOMs, e.g. v1.2.3")
	fl.StringVar(&f.epoch, "source-date-epoch", "", "SBOM and provenance time as Unix `SECONDS` (default $SOURCE_DATE_EPOCH, else now)")
	fl.StringVar(&f.repo, "repo", ".", "read the source repository, commit and ref from the git checkout in `DIR`")
	fl.StringVar(&f.builderID, "builder-id", "", "provenance builder id `URI` (default: detected from the CI)")
	fl.StringVar(&f.buildType, "build-type", "", "provenance build type `URI`")
	fl.StringArrayVar(&f.params, "external-param", nil, "add a provenance external parameter `KEY=VALUE` (repeatable)")
	fl.StringArrayVar(&f.authors, "author", nil, "SBOM creator as `\"Name <email>\"` or a URL (repeatable)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "do not print warnings, progress or the files written")
	fl.StringArrayVar(&f.vex, "vex", nil, "sign the VEX document `FILE` (OpenVEX or CycloneDX VEX) about the release (repeatable)")
	fl.StringVar(&f.image, "image", "", "release the container image `REF` (registry:HOST/REPO:TAG or oci-dir:PATH): its SBOM attestation, provenance and signature, attached to its digest (and written to --out DIR if given)")
	return cmd
}

func (e *env) runRelease(ctx context.Context, f *releaseFlags, args []string) error {
	params, err := parseParams(f.params)
	if err != nil {
		return err
	}
	for _, u := range []struct{ flag, v string }{{"--builder-id", f.builderID}, {"--build-type", f.buildType}} {
		if u.v == "" {
			continue
		}
		if err := attest.CheckURI(u.v); err != nil {
			return usagef("%s %q: %v", u.flag, u.v, err)
		}
	}
	authors, err := parseAuthors(f.authors)
	if err != nil {
		return err
	}
	opts := release.Options{
		OutDir: f.out,
		SBOM: catalog.Options{
			Version: f.version, Authors: authors,
			Tool: sbom.Tool{Vendor: "vouchdev", Name: "vouch", Version: Version()},
		},
		Provenance: provenance.Options{
			BuilderID: f.builderID, BuildType: f.buildType, ExternalParams: params,
			Env: e.getenv, Dir: f.repo,
		},
	}
	if f.epoch != "" || e.getenv("SOURCE_DATE_EPOCH") != "" {
		t, err := e.timestamp(f.epoch)
		if err != nil {
			return err
		}
		opts.SBOM.Created = t
		opts.Provenance.StartedOn, opts.Provenance.FinishedOn = t, t
	}
	if f.image != "" {
		if len(f.vex) > 0 {
			return usagef("--vex is not supported with --image yet: sign the VEX with vouch attest --type openvex --image")
		}
		return e.runReleaseImage(ctx, f, opts)
	}
	// Artifacts are found before the key's password is asked for.
	artifacts, err := release.Expand(args)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if len(f.vex) > 0 {
		if artifacts = withoutVEX(artifacts, f.vex); len(artifacts) == 0 {
			return &exitError{code: ExitError, err: release.ErrNoArtifacts}
		}
		now := opts.SBOM.Created
		if now.IsZero() {
			now = time.Now().UTC().Truncate(time.Second)
		}
		author := ""
		if len(f.authors) > 0 {
			author = f.authors[0]
		}
		if opts.Attestations, err = vexAttestations(f.vex, author, now); err != nil {
			return err
		}
	}
	if opts.Signer, err = e.newSigner(ctx, &f.signer); err != nil {
		return err
	}
	progress := output.NewByteProgress(e.stderr, !f.quiet && e.isTTY(e.stderr), "release")
	opts.Progress = progress.Update
	rel, err := release.Plan(ctx, artifacts, opts)
	progress.Done()
	if rel != nil && !f.quiet {
		for _, w := range rel.Warnings {
			fmt.Fprintf(e.stderr, "vouch: warning: %s\n", output.VisibleLines(fmt.Sprint(w)))
		}
	}
	if err != nil {
		return releaseError(err)
	}
	if err := rel.Write(); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if !f.quiet {
		for _, file := range rel.Files {
			fmt.Fprintf(e.stderr, "Wrote %s\n", filepath.ToSlash(file.Path))
		}
	}
	return nil
}

// releaseError adds the hint that fits a failed release.
func releaseError(err error) error {
	switch {
	case errors.Is(err, provenance.ErrExternalParam):
		return usageError{fmt.Errorf("--external-param: %w", err)}
	case errors.Is(err, provenance.ErrNothingKnown):
		return &exitError{code: ExitError, err: fmt.Errorf("%w; nothing written", err),
			hint: "run it in CI, in a git checkout (--repo DIR), or describe the build with --external-param KEY=VALUE"}
	case errors.Is(err, release.ErrConflict):
		return &exitError{code: ExitError, err: fmt.Errorf("%w; nothing written", err),
			hint: "name an output directory with --out DIR, or rename the artifacts"}
	case errors.Is(err, os.ErrNotExist), errors.Is(err, os.ErrPermission):
		return &exitError{code: ExitError, err: fmt.Errorf("%w; nothing written", err)}
	}
	var se *sign.ServiceError
	if errors.As(err, &se) {
		return signError("the release", err)
	}
	return &exitError{code: ExitError, err: fmt.Errorf("%w; nothing written", err)}
}
