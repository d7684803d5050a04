package serve

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vouchdev/vouch/pkg/verify/engine"
)

// Trust is the engine a decision is made with and the digest naming its
// trust (TrustDigest): one pair, swapped together, so that a record never
// names a trust it was not verified with.
type Trust struct {
	Verifier *engine.Verifier
	SHA256   string
	// VulnDB is the vulnerability database a decision takes with the
	// trust (Server.current fills it from Config.VulnDB; a TrustHolder
	// does not hold it).
	VulnDB VulnDB
}

// TrustHolder holds a Server's current Trust. A request takes the current
// Trust once, when it starts, and uses it to the end: a swap changes what
// later requests use, never a request in flight. Safe for concurrent use.
type TrustHolder struct {
	cur atomic.Pointer[Trust]
	// mu orders swaps, so that OnTrustChange sees each change once, old
	// and new in the order they happened.
	mu sync.Mutex
	// OnTrustChange, when set, is called after each swap to a different
	// digest, with the digests before and after (the re-evaluation of
	// earlier decisions hooks in here). Set it before the holder is shared
	// (given to New, refreshed). It runs on the swapping goroutine, holding
	// the swap lock: it should hand long work to a queue.
	OnTrustChange func(ctx context.Context, oldSHA256, newSHA256 string)
}

// NewTrustHolder holds t.
func NewTrustHolder(t Trust) (*TrustHolder, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	h := &TrustHolder{}
	h.cur.Store(&t)
	return h, nil
}

func (t Trust) check() error {
	if t.Verifier == nil || t.SHA256 == "" {
		return errors.New("serve: a trust needs a verifier and its digest")
	}
	return nil
}

// Current returns the Trust requests use now.
func (h *TrustHolder) Current() Trust { return *h.cur.Load() }

// Swap makes t current and reports whether its digest differs from the
// one before (then OnTrustChange is called). The same digest again keeps
// the current Trust: it names the same keys and root.
func (h *TrustHolder) Swap(ctx context.Context, t Trust) (bool, error) {
	if err := t.check(); err != nil {
		return false, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.cur.Load()
	if old.SHA256 == t.SHA256 {
		return false, nil
	}
	h.cur.Store(&t)
	if h.OnTrustChange != nil {
		h.OnTrustChange(ctx, old.SHA256, t.SHA256)
	}
	return true, nil
}

// TrustLoader loads the trust to use now: for vouch serve, the Sigstore
// public-good trusted root through TUF, with the deployment's keys.
type TrustLoader func(ctx context.Context) (Trust, error)

// trustRefreshTimeout bounds one refresh: TUF fetches a few small files.
const trustRefreshTimeout = 2 * time.Minute

// trustMetrics count refreshes of the trusted root.
type trustMetrics struct {
	failures    prometheus.Counter
	lastSuccess prometheus.Gauge
}

func newTrustMetrics(reg *prometheus.Registry) *trustMetrics {
	m := &trustMetrics{
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vouch_trust_refresh_failures_total",
			Help: "Refreshes of the trusted root that failed (the last good root stays in use).",
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vouch_trust_refresh_last_success_timestamp_seconds",
			Help: "Unix time of the last successful refresh of the trusted root (0: none since start).",
		}),
	}
	reg.MustRegister(m.failures, m.lastSuccess)
	return m
}

// RefreshTrustOnce loads the trust and makes it current. A load that fails
// keeps the current trust, is logged and counted
// (vouch_trust_refresh_failures_total), and is returned; a success sets
// vouch_trust_refresh_last_success_timestamp_seconds.
func (s *Server) RefreshTrustOnce(ctx context.Context, load TrustLoader) error {
	ctx, cancel := context.WithTimeout(ctx, trustRefreshTimeout)
	defer cancel()
	t, err := load(ctx)
	if err == nil {
		var changed bool
		old := s.cfg.Trust.Current().SHA256
		if changed, err = s.cfg.Trust.Swap(ctx, t); err == nil {
			s.trustMetrics.lastSuccess.SetToCurrentTime()
			if changed {
				s.cfg.Logger.Info("trust refreshed: later decisions use the new trust", "old", old, "new", t.SHA256)
			}
			return nil
		}
	}
	s.trustMetrics.failures.Inc()
	s.cfg.Logger.Warn("trust refresh failed: the last good trust stays in use", "error", err)
	return err
}

// RefreshTrust refreshes the trust at once and then every interval until
// ctx ends.
func (s *Server) RefreshTrust(ctx context.Context, every time.Duration, load TrustLoader) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		s.RefreshTrustOnce(ctx, load) // logged and counted
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
