package cli

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/attest/sign"
)

// bundleSuffix is appended to an artifact's name for its signature bundle.
const bundleSuffix = ".sigstore.json"

// signerFlags are shared by sign and attest (and later release).
type signerFlags struct {
	key           string
	keyless       bool
	identityToken string
	signingConfig string
	bundle        string
	// image is --image, where sign and attest take it.
	image string
}

func (f *signerFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.key, "key", "", "sign with the private key in `FILE` (vouch keygen, cosign generate-key-pair, or PKCS#8 PEM)")
	fl.BoolVar(&f.keyless, "keyless", false, "sign with a short-lived Sigstore certificate for an OIDC identity")
	fl.StringVar(&f.identityToken, "identity-token", "", "OIDC identity `TOKEN` for keyless signing (implies --keyless; default $SIGSTORE_ID_TOKEN or GitHub Actions' token)")
	fl.StringVar(&f.signingConfig, "signing-config", "", "Sigstore signing_config.json `FILE` naming Fulcio, Rekor and TSA (keyless default: the public-good instance; with --key: none)")
	fl.StringVar(&f.bundle, "bundle", "", "write the bundle to `PATH` instead of the default name")
}

type keyFile struct {
	path   string
	signer crypto.Signer
}

// newSigner builds a Signer from the flags.
func (e *env) newSigner(ctx context.Context, f *signerFlags) (*sign.Signer, error) {
	keyless := f.keyless || f.identityToken != ""
	switch {
	case f.key != "" && keyless:
		return nil, usagef("--key and --keyless (or --identity-token) cannot be used together")
	case f.key == "" && !keyless:
		return nil, usagef("say how to sign: --key FILE or --keyless")
	}
	var opts sign.Options
	opts.Retries = 1
	if f.signingConfig != "" {
		sc, err := sign.LoadSigningConfig(f.signingConfig)
		if err != nil {
			return nil, &exitError{code: ExitError, err: err}
		}
		opts.SigningConfig = sc
	}
	if f.key != "" {
		k, err := e.loadKey("--key", f.key)
		if err != nil {
			return nil, err
		}
		s, err := sign.NewKeySigner(k.signer, opts)
		if err != nil {
			return nil, fmt.Errorf("--key %s: %w", f.key, err)
		}
		return s, nil
	}
	tok := strings.TrimSpace(f.identityToken)
	if tok == "" {
		var err error
		tok, err = sign.TokenFromEnv(ctx, e.getenv, http.DefaultClient)
		if errors.Is(err, sign.ErrNoToken) {
			return nil, &exitError{code: ExitError, err: fmt.Errorf("keyless signing: %w", err),
				hint: "pass --identity-token, set " + sign.EnvIDToken + ", or use --key (vouch keygen makes one)"}
		}
		if err != nil {
			return nil, &exitError{code: ExitError, err: fmt.Errorf("keyless signing: %w", err)}
		}
	}
	s, err := sign.NewKeylessSigner(tok, opts)
	if err != nil {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("keyless signing: %w", err)}
	}
	return s, nil
}

// signError adds a hint naming the failing service.
func signError(what string, err error) error {
	var se *sign.ServiceError
	if errors.As(err, &se) {
		hint := "the Sigstore service failed; retry, or check --signing-config"
		if se.Service == "fulcio" {
			hint = "Fulcio refused the identity token or failed: check that the token is fresh and has audience \"sigstore\""
		}
		return &exitError{code: ExitError, err: fmt.Errorf("sign %s: %w", what, err), hint: hint}
	}
	return fmt.Errorf("sign %s: %w", what, err)
}

func init() { register((*env).signCommand) }

func (e *env) signCommand() *cobra.Command {
	var f signerFlags
	cmd := &cobra.Command{
		Use:   "sign [--key FILE | --keyless] [flags] FILE...",
		Short: "Sign files into Sigstore bundles (like cosign sign-blob --bundle)",
		Long: `Sign files. For each FILE, writes FILE` + bundleSuffix + `: a Sigstore bundle v0.3
(application/vnd.dev.sigstore.bundle.v0.3+json) holding a message signature
over the file, the equivalent of cosign sign-blob --bundle. --bundle PATH
names the output instead, for a single FILE.

With --key, the bundle holds the signature and a hint of the key; no Sigstore
service is contacted unless --signing-config names one (then its transparency
log and timestamp authority are used). Verify with the public key:

  cosign verify-blob --key vouch.pub --bundle FILE` + bundleSuffix + ` --new-bundle-format \
    --insecure-ignore-tlog FILE

With --keyless, vouch gets a ten-minute certificate from Fulcio for an OIDC
identity (--identity-token, $SIGSTORE_ID_TOKEN, or GitHub Actions' ambient
token), records the signature in Rekor and gets an RFC 3161 timestamp, from
the public-good Sigstore instance unless --signing-config says otherwise.

Bundles are written atomically: a failure leaves no partial file.

--image REF signs a container image instead of files: REF (registry:HOST/
REPO:TAG or HOST/REPO@sha256:...) is resolved once to its manifest digest,
which is printed; the bundle holds a DSSE statement about that digest of
cosign's type ` + cosignSignPredicateType + `, as cosign sign
--new-bundle-format writes it, and is attached to the image as an OCI 1.1
referrer (under the tag sha256-<hex> where the registry has no referrers
API); --bundle PATH also writes it. Registry credentials come from the
Docker config and its credential helpers. --image oci-dir:PATH attaches it
in an OCI layout directory instead, listed in its index.json.`,
		Example: `  # key-signed: dist/app.tar.gz.sigstore.json
  VOUCH_PASSWORD=... vouch sign --key vouch.key dist/app.tar.gz

  # keyless in GitHub Actions (permissions: id-token: write)
  vouch sign --keyless dist/*.tar.gz

  # cosign's --bundle naming
  vouch sign --key vouch.key --bundle app.bundle app

  # an image: its digest is signed, the bundle attached in the registry
  vouch sign --key vouch.key --image registry:ghcr.io/example/app:1.0`,
		Args: func(cmd *cobra.Command, args []string) error { return imageArgs(f.image, args, "sign", "FILE") },
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.image != "" {
				return e.runSignImage(cmd.Context(), &f)
			}
			return e.runSign(cmd.Context(), &f, args)
		},
	}
	f.register(cmd)
	f.registerImage(cmd)
	return cmd
}

func (e *env) runSign(ctx context.Context, f *signerFlags, files []string) error {
	if f.bundle != "" && len(files) != 1 {
		return usagef("--bundle names one output: give exactly one FILE (got %d)", len(files))
	}
	for _, name := range files {
		fh, _, err := safefile.Open("artifact", name)
		if err != nil {
			return &exitError{code: ExitError, err: err}
		}
		fh.Close()
	}
	s, err := e.newSigner(ctx, f)
	if err != nil {
		return err
	}
	// Sign everything before writing anything: a failure on the last file
	// leaves no bundle for the first.
	out := make([][]byte, len(files))
	for i, name := range files {
		// Opened again through safefile: the path may have been swapped
		// for a FIFO since the check above.
		fh, _, err := safefile.Open("artifact", name)
		if err != nil {
			return &exitError{code: ExitError, err: err}
		}
		out[i], err = s.SignBlob(ctx, fh)
		fh.Close()
		if err != nil {
			return signError(name, err)
		}
	}
	// All bundles or none: a failure on the last leaves the first as it was.
	var writes output.Files
	for i, name := range files {
		dest := name + bundleSuffix
		if f.bundle != "" {
			dest = f.bundle
		}
		writes.Add(dest, out[i])
	}
	if err := writes.Write(); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	for _, w := range writes {
		fmt.Fprintf(e.stderr, "Wrote bundle to %s\n", w.Path)
	}
	return nil
}
