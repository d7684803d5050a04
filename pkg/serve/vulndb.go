package serve

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/serve/jobs"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// VulnDB is the vulnerability database policies' vulnerabilities gates
// match against, with the digest naming what it holds (vuln.DB.Digest):
// one pair, swapped together, so that a record never names a database it
// was not matched against.
type VulnDB struct {
	Matcher vuln.Matcher
	SHA256  string
}

// VulnDBHolder holds a Server's current VulnDB, as TrustHolder holds its
// trust: a request takes the current database once, when it starts (it
// rides in the request's context), and matches against it to the end; a
// swap changes what later requests use. Give the holder itself to the
// engine as its vulnerability database (engine.Options.Vulns) and to the
// Server (Config.VulnDB). Safe for concurrent use.
type VulnDBHolder struct {
	cur atomic.Pointer[VulnDB]
	// mu orders swaps, so that OnChange sees each change once, in order.
	mu sync.Mutex
	// OnChange, when set, is called after each swap to a different
	// digest, with the digests before and after. Set it before the holder
	// is shared; it runs holding the swap lock and should only queue work.
	OnChange func(ctx context.Context, oldSHA256, newSHA256 string)
}

// NewVulnDBHolder holds db.
func NewVulnDBHolder(db VulnDB) (*VulnDBHolder, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	h := &VulnDBHolder{}
	h.cur.Store(&db)
	return h, nil
}

func (db VulnDB) check() error {
	if db.Matcher == nil || db.SHA256 == "" {
		return errors.New("serve: a vulnerability database needs a matcher and its digest")
	}
	return nil
}

// Current returns the database requests use now.
func (h *VulnDBHolder) Current() VulnDB { return *h.cur.Load() }

// Swap makes db current and reports whether its digest differs from the
// one before (then OnChange is called). The same digest again keeps the
// current database: it holds the same files.
func (h *VulnDBHolder) Swap(ctx context.Context, db VulnDB) (bool, error) {
	if err := db.check(); err != nil {
		return false, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.cur.Load()
	if old.SHA256 == db.SHA256 {
		return false, nil
	}
	h.cur.Store(&db)
	if h.OnChange != nil {
		h.OnChange(ctx, old.SHA256, db.SHA256)
	}
	return true, nil
}

// vulnDBKey is the context key of the database a decision took.
type vulnDBKey struct{}

// withVulnDB makes ctx carry the database a decision took when it started.
func withVulnDB(ctx context.Context, db VulnDB) context.Context {
	if db.Matcher == nil {
		return ctx
	}
	return context.WithValue(ctx, vulnDBKey{}, db)
}

// Match implements vuln.Matcher with the database the decision took (the
// one its context carries), else the current one.
func (h *VulnDBHolder) Match(ctx context.Context, doc *sbom.Document) ([]vuln.Match, error) {
	db, ok := ctx.Value(vulnDBKey{}).(VulnDB)
	if !ok {
		db = h.Current()
	}
	return db.Matcher.Match(ctx, doc)
}

// current is what a decision starting now is made with: the trust and the
// vulnerability database, each read once.
func (s *Server) current() Trust {
	tr := s.cfg.Trust.Current()
	if s.cfg.VulnDB != nil {
		tr.VulnDB = s.cfg.VulnDB.Current()
	}
	return tr
}

// vulnDBOf is the digest of the vulnerability database a decision under
// pol with tr depends on: tr's, when pol has a vulnerabilities gate; else
// "" (no database changes that decision).
func vulnDBOf(pol *policy.Policy, tr Trust) string {
	if pol == nil || pol.Vulnerabilities == nil {
		return ""
	}
	return tr.VulnDB.SHA256
}

// VulnDBChanged queues, for each namespace whose current policy has a
// vulnerabilities gate and that holds a current record under that policy
// made against another database than newSHA256, its re-evaluation against
// newSHA256 (reason store.ReasonVulnDB). A database swap calls it (old
// names the database replaced, for the log), and Start does. Jobs are
// unique by their arguments among unfinished jobs.
func (s *Server) VulnDBChanged(ctx context.Context, old, newSHA256 string) error {
	nss, err := s.cfg.Store.NamespacesWithOtherVulnDB(ctx, newSHA256)
	if err != nil {
		return fmt.Errorf("vulnerability database change: listing namespaces: %w", err)
	}
	var errs []error
	for _, p := range nss {
		pol, err := s.compiled(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("vulnerability database change: the policy of %s: %w", p.Namespace, err))
			continue
		}
		if pol.Vulnerabilities == nil {
			continue
		}
		queued, err := s.cfg.Store.QueueReevaluate(ctx, jobs.Reevaluate{Namespace: p.Namespace,
			PolicySHA256: p.SHA256, VulnDBSHA256: newSHA256, Reason: store.ReasonVulnDB})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if queued {
			s.cfg.Logger.InfoContext(ctx, "vulnerability database changed: re-evaluation queued", "namespace", p.Namespace, "old", old, "new", newSHA256)
		}
	}
	return errors.Join(errs...)
}

// VulnDBLoader opens the vulnerability database to use now and computes
// its digest: for vouch serve, --vuln-db's directory.
type VulnDBLoader func(ctx context.Context) (VulnDB, error)

// vulnDBRefreshTimeout bounds one reload: hashing a full OSV export takes
// seconds.
const vulnDBRefreshTimeout = 10 * time.Minute

// vulnDBMetrics count reloads of the vulnerability database.
type vulnDBMetrics struct {
	failures    prometheus.Counter
	lastSuccess prometheus.Gauge
}

func newVulnDBMetrics(reg *prometheus.Registry) *vulnDBMetrics {
	m := &vulnDBMetrics{
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vouch_vuln_db_refresh_failures_total",
			Help: "Reloads of the vulnerability database that failed (the last good database stays in use).",
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vouch_vuln_db_refresh_last_success_timestamp_seconds",
			Help: "Unix time of the last successful reload of the vulnerability database (0: none since start).",
		}),
	}
	reg.MustRegister(m.failures, m.lastSuccess)
	return m
}

// RefreshVulnDBOnce loads the database and makes it current when its
// digest differs. A load that fails keeps the current database, is logged
// and counted (vouch_vuln_db_refresh_failures_total), and is returned.
func (s *Server) RefreshVulnDBOnce(ctx context.Context, load VulnDBLoader) error {
	if s.cfg.VulnDB == nil {
		return errors.New("serve: no vulnerability database to refresh (Config.VulnDB)")
	}
	ctx, cancel := context.WithTimeout(ctx, vulnDBRefreshTimeout)
	defer cancel()
	db, err := load(ctx)
	if err == nil {
		var changed bool
		old := s.cfg.VulnDB.Current().SHA256
		if changed, err = s.cfg.VulnDB.Swap(ctx, db); err == nil {
			s.vulnDBMetrics.lastSuccess.SetToCurrentTime()
			if changed {
				s.cfg.Logger.Info("vulnerability database reloaded: later decisions use it", "old", old, "new", db.SHA256)
			}
			return nil
		}
	}
	s.vulnDBMetrics.failures.Inc()
	s.cfg.Logger.Warn("vulnerability database reload failed: the last good database stays in use", "error", err)
	return err
}

// RefreshVulnDB reloads the database every interval (none when every is
// 0) and whenever kick receives (SIGHUP), until ctx ends.
func (s *Server) RefreshVulnDB(ctx context.Context, every time.Duration, kick <-chan os.Signal, load VulnDBLoader) {
	var tick <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		case <-kick:
		}
		s.RefreshVulnDBOnce(ctx, load) // logged and counted
	}
}
