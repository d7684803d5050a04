// Package conformance implements the sigstore-conformance client CLI
// protocol (verify-bundle only) on top of vouch's verification library,
// so the Sigstore conformance suite can exercise pkg/verify/bundle and
// pkg/verify/trust exactly as `vouch verify` uses them.
//
//	verify-bundle [--staging] --bundle FILE --certificate-identity ID --certificate-oidc-issuer URL [--trusted-root FILE] FILE_OR_DIGEST
//	verify-bundle [--staging] --bundle FILE --key KEY [--trusted-root FILE] FILE_OR_DIGEST
//
// Exit status: 0 when the bundle verifies, 1 when it does not or on any
// error, 2 on a usage error.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// Exit codes of the protocol.
const (
	ExitOK    = 0
	ExitFail  = 1
	ExitUsage = 2
)

// Options configure the adapter beyond the protocol's arguments.
type Options struct {
	// Offline uses the TUF cache or the embedded public-good snapshot
	// instead of the network when no --trusted-root is given.
	Offline bool
	// CacheDir is the TUF cache directory (default: trust's default).
	CacheDir string
}

type request struct {
	staging      bool
	bundlePath   string
	identity     string
	issuer       string
	keyPath      string
	trustedRoot  string
	fileOrDigest string
}

var errUsage = errors.New("usage: verify-bundle [--staging] --bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key KEY) [--trusted-root FILE] FILE_OR_DIGEST")

// Run executes one protocol command and returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, opts Options) int {
	if len(args) == 0 || args[0] != "verify-bundle" {
		if len(args) > 0 && args[0] == "sign-bundle" {
			fmt.Fprintln(stderr, "vouch-conformance: error: sign-bundle is not supported")
			return ExitUsage
		}
		fmt.Fprintln(stderr, "vouch-conformance: error:", errUsage)
		return ExitUsage
	}
	req, err := parse(args[1:])
	if err != nil {
		fmt.Fprintln(stderr, "vouch-conformance: error:", err)
		return ExitUsage
	}
	if err := verifyBundle(ctx, req, opts); err != nil {
		fmt.Fprintln(stderr, "vouch-conformance: error:", err)
		return ExitFail
	}
	fmt.Fprintln(stdout, "OK:", req.bundlePath)
	return ExitOK
}

func parse(args []string) (*request, error) {
	req := &request{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("%s needs a value", a)
			}
			i++
			return args[i], nil
		}
		var err error
		switch a {
		case "--staging":
			req.staging = true
		case "--bundle":
			req.bundlePath, err = value()
		case "--certificate-identity":
			req.identity, err = value()
		case "--certificate-oidc-issuer":
			req.issuer, err = value()
		case "--key":
			req.keyPath, err = value()
		case "--trusted-root":
			req.trustedRoot, err = value()
		default:
			if i != len(args)-1 || len(a) > 1 && a[0] == '-' && a[1] == '-' {
				return nil, fmt.Errorf("unexpected argument %q; %w", a, errUsage)
			}
			req.fileOrDigest = a
		}
		if err != nil {
			return nil, err
		}
	}
	if req.bundlePath == "" || req.fileOrDigest == "" {
		return nil, errUsage
	}
	if req.keyPath == "" && (req.identity == "" || req.issuer == "") {
		return nil, fmt.Errorf("keyless verification needs --certificate-identity and --certificate-oidc-issuer; %w", errUsage)
	}
	return req, nil
}

func verifyBundle(ctx context.Context, req *request, opts Options) error {
	b, err := bundle.Load(req.bundlePath)
	if err != nil {
		return err
	}
	var tm root.TrustedMaterial
	if req.trustedRoot != "" {
		tr, err := trust.FromTrustedRootFile(req.trustedRoot)
		if err != nil {
			return err
		}
		tm = tr
	} else {
		pg, err := trust.PublicGood(ctx, trust.Options{Offline: opts.Offline, CacheDir: opts.CacheDir, Staging: req.staging})
		if err != nil {
			return err
		}
		tm = pg
	}
	if req.keyPath != "" {
		key, err := trust.FromPublicKeyFile(req.keyPath)
		if err != nil {
			return err
		}
		tm = trust.Combine(key, tm)
	}
	policy := bundle.Policy{Identity: req.identity, Issuer: req.issuer}
	_, err = bundle.Verify(ctx, b, bundle.ParseArtifact(req.fileOrDigest), tm, policy)
	return err
}
