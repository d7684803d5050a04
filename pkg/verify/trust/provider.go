package trust

import (
	"context"
	"sync"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// DefaultRefresh is how long a [PublicGoodProvider] serves the root it
// loaded before loading it again; the TUF cache itself refreshes daily.
const DefaultRefresh = time.Hour

// loadTimeout bounds one load of the public-good root, detached from the
// request that triggered it.
const loadTimeout = 2 * time.Minute

// PublicGoodProvider gives the Sigstore public-good trusted root to a
// long-lived verifier: loaded on first need and again after Refresh, by
// one load at a time that no caller's context can cancel (a request that
// gives up must not leave every later request without a root). A failed
// load is returned to the callers waiting for it and retried by the next.
type PublicGoodProvider struct {
	opts    Options
	refresh time.Duration

	mu      sync.Mutex
	root    *Root
	at      time.Time
	loading chan struct{}
	err     error
}

// NewPublicGoodProvider returns a provider loading [PublicGood] with opts,
// at most once per refresh interval (0: [DefaultRefresh]).
func NewPublicGoodProvider(opts Options, refresh time.Duration) *PublicGoodProvider {
	if refresh <= 0 {
		refresh = DefaultRefresh
	}
	return &PublicGoodProvider{opts: opts, refresh: refresh}
}

// TrustedMaterial returns the current root, loading it if it is missing
// or older than the refresh interval. ctx bounds only this caller's wait.
func (p *PublicGoodProvider) TrustedMaterial(ctx context.Context) (root.TrustedMaterial, error) {
	r, err := p.Root(ctx)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Root is [PublicGoodProvider.TrustedMaterial] with where the root came from.
func (p *PublicGoodProvider) Root(ctx context.Context) (*Root, error) {
	p.mu.Lock()
	if p.root != nil && time.Since(p.at) < p.refresh {
		r := p.root
		p.mu.Unlock()
		return r, nil
	}
	if p.loading == nil {
		p.loading = make(chan struct{})
		go p.load(p.loading)
	}
	done := p.loading
	p.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return nil, p.err
	}
	// The load this call waited for succeeded (it may already be older
	// than a very short refresh interval: it is still the newest).
	return p.root, nil
}

func (p *PublicGoodProvider) load(done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	defer cancel()
	r, err := PublicGood(ctx, p.opts)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		p.root, p.at, p.err = r, time.Now(), nil
	} else {
		// Fail closed: a root past its refresh is not served after a
		// failed refresh; the next call tries again.
		p.root, p.err = nil, err
	}
	p.loading = nil
	close(done)
}
