package serve

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/vouchdev/vouch/pkg/serve/store"
)

// Background work runs on River (github.com/riverqueue/river) in the
// store's database, so that every replica shares one queue.
const (
	// DefaultPollInterval is how often a replica looks for new jobs. The
	// jobs are polled, not notified (SQLite has no LISTEN, and River's
	// database/sql driver none either): background work is not urgent, and
	// each poll is a write on SQLite's one writer.
	DefaultPollInterval = time.Second
	// backgroundWorkers bounds the jobs one replica runs at once.
	backgroundWorkers = 2
	// cancelWait bounds how long Stop waits for cancelled jobs to return
	// once its context has ended.
	cancelWait = 5 * time.Second
	// queueDepthTimeout bounds the scrape-time read of the job table.
	queueDepthTimeout = time.Second
)

// background is a Server's River client, set between Start and Stop.
type background struct {
	mu     sync.Mutex
	client *river.Client[*sql.Tx]
}

// addWorkers registers the workers of the service's jobs: one line per
// job kind (river.AddWorker), then those of Config.AddWorkers. A job of a
// kind no worker here takes stays queued for a process that has one
// (FetchOnlyKnownKinds), rather than failing.
func (s *Server) addWorkers(w *river.Workers) {
	river.AddWorker(w, &reevaluateWorker{s: s})
	if s.cfg.AddWorkers != nil {
		s.cfg.AddWorkers(w)
	}
}

// Start starts the background work: River's client with the service's
// workers; then it queues the re-evaluation of the namespaces holding
// records made under another trust than this server's (TrustChanged) or
// against another vulnerability database (VulnDBChanged).
// Stop stops it.
func (s *Server) Start(ctx context.Context) error {
	s.bg.mu.Lock()
	defer s.bg.mu.Unlock()
	if s.bg.client != nil {
		return errors.New("serve: background work already started")
	}
	workers := river.NewWorkers()
	s.addWorkers(workers)
	poll := s.cfg.PollInterval
	if poll <= 0 {
		poll = DefaultPollInterval
	}
	client, err := river.NewClient(s.cfg.Store.RiverDriver(), &river.Config{
		Queues:              map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: backgroundWorkers}},
		Workers:             workers,
		FetchOnlyKnownKinds: true,
		PollOnly:            true,
		FetchPollInterval:   poll,
		FetchCooldown:       min(poll, river.FetchCooldownDefault),
		Logger:              s.cfg.Logger,
	})
	if err != nil {
		return fmt.Errorf("serve: job queue: %w", err)
	}
	// The client lives until Stop, not until the caller's context ends.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("serve: starting the job queue: %w", err)
	}
	s.bg.client = client
	if err := s.TrustChanged(ctx, "", s.trustSHA256()); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// Records matched against another database than this start's (the
	// directory changed while no process ran) are re-evaluated too; so are
	// those matched against any when this start has none: they must not
	// stay verified while the same request now fails for want of one.
	if err := s.VulnDBChanged(ctx, "", s.current().VulnDB.SHA256); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// Stop stops the background work: no new job is fetched, and running jobs
// have until ctx ends to finish; then they are cancelled, and River runs
// them again later (re-evaluation is idempotent; a job that ignores the
// cancellation is left to River's rescuer). Stopping a server not started
// does nothing.
func (s *Server) Stop(ctx context.Context) error {
	s.bg.mu.Lock()
	defer s.bg.mu.Unlock()
	client := s.bg.client
	if client == nil {
		return nil
	}
	s.bg.client = nil
	err := client.Stop(ctx)
	if err == nil || ctx.Err() == nil {
		return wrapStop(err)
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelWait)
	defer cancel()
	if err := client.StopAndCancel(cctx); err != nil {
		return wrapStop(err)
	}
	s.cfg.Logger.Warn("background jobs still running at shutdown were cancelled: they will run again")
	return nil
}

func wrapStop(err error) error {
	if err != nil {
		return fmt.Errorf("serve: stopping the job queue: %w", err)
	}
	return nil
}

// queueCollector reports vouch_queue_jobs{state} from River's job table at
// scrape time: every replica reports the shared queue.
type queueCollector struct {
	s    *Server
	desc *prometheus.Desc
}

func newQueueCollector(s *Server) *queueCollector {
	return &queueCollector{s: s, desc: prometheus.NewDesc("vouch_queue_jobs",
		"Background jobs not yet done, by state (available, scheduled, retryable, running), in the queue all replicas share.",
		[]string{"state"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector. A failed or slow read reports
// no sample rather than a false zero (the scrape goes on).
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queueDepthTimeout)
	defer cancel()
	depth, err := c.s.cfg.Store.QueueDepth(ctx)
	if err != nil {
		c.s.cfg.Logger.Warn("metrics: reading the job queue failed", "error", err)
		return
	}
	for _, state := range store.QueueStates {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(depth[state]), state)
	}
}
