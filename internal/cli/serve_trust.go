package cli

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// defaultTrustRefresh is how often vouch serve refreshes the public-good
// trusted root through TUF: its TUF cache is valid for a day, and Sigstore
// rotates keys with weeks of overlap.
const defaultTrustRefresh = 24 * time.Hour

// checkTrustRefresh refuses a --trust-refresh that is not positive, or
// given where nothing is refreshed (--offline, or a pinned --trusted-root):
// a refresh the user asked for is never silently dropped.
func checkTrustRefresh(f *serveFlags) error {
	switch {
	case f.trustRefresh <= 0:
		return usagef("--trust-refresh %s: want a positive duration (use --offline for no refresh)", f.trustRefresh)
	case f.trustRefreshSet && f.offline:
		return usagef("--trust-refresh and --offline: --offline never refreshes the trusted root; give one")
	case f.trustRefreshSet && f.trustedRoot != "":
		return usagef("--trust-refresh and --trusted-root: a root from a file is pinned, never refreshed; give one")
	}
	return nil
}

// loadPublicGood loads the public-good root; tests replace it, as they have
// no network to refresh through.
var loadPublicGood = trust.PublicGood

// publicGoodTrust is the Sigstore public-good trusted root (through TUF,
// or offline from the cache or the embedded copy, as opts says) with the
// deployment's options (keys, vulnerability database), as an engine and
// the digest naming it.
func publicGoodTrust(ctx context.Context, base engine.Options, opts trust.Options) (serve.Trust, error) {
	r, err := loadPublicGood(ctx, opts)
	if err != nil {
		return serve.Trust{}, fmt.Errorf("the public-good trusted root: %w", err)
	}
	rootJSON, err := r.TrustedRoot.MarshalJSON()
	if err != nil {
		return serve.Trust{}, fmt.Errorf("the public-good trusted root (%s): %w", r.Source, err)
	}
	base.Roots = engine.StaticRoot{Material: r.TrustedRoot}
	eng, err := engine.New(base)
	if err != nil {
		return serve.Trust{}, fmt.Errorf("the public-good trusted root (%s): %w", r.Source, err)
	}
	return serve.Trust{Verifier: eng, SHA256: serve.TrustDigest(eng.KeyIDs(), rootJSON)}, nil
}

// startTrustRefresh refreshes the public-good root through TUF in the
// background, at once (the start took the TUF cache or the embedded copy,
// which may be old) and then every --trust-refresh, unless --offline or
// --trusted-root pin it; the returned stop ends the refresh and waits for
// it. A failed refresh keeps the last good root (serve.RefreshTrustOnce).
func startTrustRefresh(ctx context.Context, f *serveFlags, srv *serve.Server, base engine.Options) (stop func()) {
	if f.offline || f.trustedRoot != "" {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		srv.RefreshTrust(ctx, f.trustRefresh, func(ctx context.Context) (serve.Trust, error) {
			return publicGoodTrust(ctx, base, trust.Options{})
		})
	})
	return func() { cancel(); wg.Wait() }
}
