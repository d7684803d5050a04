package serve_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/jobs"
	"github.com/vouchdev/vouch/pkg/serve/servetest"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// testPoll is the job poll interval of the tests' servers: SQLite has no
// notifications, so a short poll keeps the tests quick.
const testPoll = 20 * time.Millisecond

// strictPolicy requires SLSA provenance, which the publish bundle is not:
// the genuine bundle verifies under emptyPolicy and is refused under it.
const strictPolicy = emptyPolicy + "predicates: {required: [slsaprovenance1]}\n"

// bgConfig is the configuration of a server on the database dsn names
// (a replica when another is open), trusting the publish key under the
// trust named trustName, polling quickly.
func bgConfig(t testing.TB, dsn, trustName string) serve.Config {
	t.Helper()
	st, eng := servetest.Open(t, dsn, []*trust.Key{publishKey(t)})
	return serve.Config{Store: st, Verifier: eng, Logger: slog.New(slog.DiscardHandler),
		TrustSHA256: serve.TrustDigest(eng.KeyIDs(), []byte(trustName)), PollInterval: testPoll,
		// No webhook worker: the tests that deliver add their own.
		AddWorkers: func(*river.Workers) {}}
}

// startServer builds a server from cfg and starts its background work,
// stopped when the test ends.
func startServer(t testing.TB, cfg serve.Config) *serve.Server {
	t.Helper()
	srv, err := serve.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return srv
}

// bgEnv is an env whose server runs its background work under the trust
// named trustName.
func bgEnv(t *testing.T, db storetest.DB, trustName string) *env {
	t.Helper()
	dsn := db.NewDSN(t)
	cfg := bgConfig(t, dsn, trustName)
	token, err := serve.EnsureAdminToken(context.Background(), cfg.Store)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, srv: startServer(t, cfg), st: cfg.Store, token: token, eng: cfg.Verifier, dsn: dsn}
}

// waitFor polls cond until it holds, failing the test after a while.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(testPoll) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// idle waits until no job is left to do: none available, scheduled,
// retryable or running.
func idle(t testing.TB, st store.Store) {
	t.Helper()
	waitFor(t, "the job queue to be idle", func() bool {
		d, err := st.QueueDepth(context.Background())
		return err == nil && d["available"]+d["scheduled"]+d["retryable"]+d["running"] == 0
	})
}

// history lists the decisions for the publish digest, oldest first.
func (e *env) history() []serve.VerificationResponse {
	e.t.Helper()
	code, body := e.do("GET", "/v1/subjects/sha512:"+publishSHA512, "")
	if code != http.StatusOK {
		e.t.Fatalf("GET subject: %d %s", code, body)
	}
	return decode[serve.SubjectResponse](e.t, body).Verifications
}

// post sends the genuine publish bundle for its digest to ns and returns
// the decision.
func (e *env) post(ns string) serve.VerificationResponse {
	e.t.Helper()
	genuine := readFile(e.t, filepath.Join(publishDir, "bundle.sigstore.json"))
	code, body := e.do("POST", "/v1/namespaces/"+ns+"/verifications", verificationBody(publishSHA512, genuine))
	if code != http.StatusCreated && code != http.StatusOK {
		e.t.Fatalf("POST: %d %s", code, body)
	}
	return decode[serve.VerificationResponse](e.t, body)
}

// TestReevaluatePolicy: a stricter policy supersedes the passing decision
// with a refusing one (reason "policy"), a looser one the other way; the
// subject's history shows each record, the earlier ones unchanged but for
// supersededBy; a namespace whose policy did not change is not touched;
// the same job run again stores nothing.
func TestReevaluatePolicy(t *testing.T) { storetest.Run(t, testReevaluatePolicy) }

func testReevaluatePolicy(t *testing.T, db storetest.DB) {
	e := bgEnv(t, db, "root A")
	e.putPolicy("npm", emptyPolicy)
	e.putPolicy("other", emptyPolicy)
	first := e.post("npm")
	control := e.post("other")
	if !first.Verified || !control.Verified {
		t.Fatalf("control: the genuine bundle is refused: %+v", first)
	}
	steps := []struct {
		doc      string
		verified bool
	}{{strictPolicy, false}, {emptyPolicy, true}}
	prev := first
	for i, step := range steps {
		e.putPolicy("npm", step.doc)
		want := 3 + i // two first decisions, then one per step
		waitFor(t, "the re-evaluation", func() bool { return len(e.history()) == want })
		h := e.history()
		next := h[len(h)-1]
		if next.Supersedes != prev.ID || next.Reason != store.ReasonPolicy || next.Verified != step.verified ||
			next.Policy.Version != int64(2+i) || next.Namespace != "npm" || next.SupersededBy != "" {
			t.Fatalf("step %d: the new record %s, want verified %v superseding %s for policy version %d", i, brief(next), step.verified, prev.ID, 2+i)
		}
		old := e.get(prev.ID)
		if old.SupersededBy != next.ID {
			t.Errorf("step %d: %s supersededBy %q, want %s", i, prev.ID, old.SupersededBy, next.ID)
		}
		old.SupersededBy = ""
		if !reflect.DeepEqual(old, prev) {
			t.Errorf("step %d: the superseded record changed:\n%s\nwas\n%s", i, brief(old), brief(prev))
		}
		prev = next
	}
	for _, v := range e.history() {
		if v.Namespace == "other" && (v.ID != control.ID || v.SupersededBy != "") {
			t.Errorf("a record of a namespace whose policy did not change was re-evaluated: %s", brief(v))
		}
	}
	// The current policy's job again, twice, and a stale policy's job:
	// nothing new.
	idle(t, e.st)
	for _, sum := range []string{sha256Hex([]byte(emptyPolicy)), sha256Hex([]byte(emptyPolicy)), sha256Hex([]byte(strictPolicy))} {
		if _, err := e.st.QueueReevaluate(context.Background(), jobs.Reevaluate{Namespace: "npm", PolicySHA256: sum, Reason: store.ReasonPolicy}); err != nil {
			t.Fatal(err)
		}
		idle(t, e.st)
	}
	if n := len(e.history()); n != 4 {
		t.Errorf("%d records after the jobs ran again, want 4", n)
	}
}

// brief describes a record for a test failure, without its report.
func brief(v serve.VerificationResponse) string {
	return fmt.Sprintf("{id %s ns %s reason %s supersedes %q supersededBy %q verified %v policy %d trust %.8s}",
		v.ID, v.Namespace, v.Reason, v.Supersedes, v.SupersededBy, v.Verified, v.Policy.Version, v.TrustSHA256)
}

// get reads one record.
func (e *env) get(id string) serve.VerificationResponse {
	e.t.Helper()
	code, body := e.do("GET", "/v1/verifications/"+id, "")
	if code != http.StatusOK {
		e.t.Fatalf("GET %s: %d %s", id, code, body)
	}
	return decode[serve.VerificationResponse](e.t, body)
}

// TestReevaluateTrust: servers started with another trust over the same
// database re-evaluate the records made under the earlier one (reason
// "trust"); two replicas starting together re-evaluate each record once;
// a replica restarted with the same trust re-evaluates nothing.
func TestReevaluateTrust(t *testing.T) { storetest.Run(t, testReevaluateTrust) }

func testReevaluateTrust(t *testing.T, db storetest.DB) {
	e := newEnv(t, db, publishKey(t))
	e.putPolicy("npm", emptyPolicy)
	e.putPolicy("pypi", strictPolicy)
	olds := map[string]serve.VerificationResponse{}
	for _, ns := range []string{"npm", "pypi"} {
		olds[ns] = e.post(ns)
	}
	replicas := []serve.Config{bgConfig(t, e.dsn, "root B"), bgConfig(t, e.dsn, "root B")}
	var wg sync.WaitGroup
	for _, cfg := range replicas {
		wg.Go(func() { startServer(t, cfg) })
	}
	wg.Wait()
	waitFor(t, "the re-evaluations", func() bool { return len(e.history()) >= 4 })
	idle(t, replicas[0].Store)
	h := e.history()
	if len(h) != 4 {
		t.Fatalf("%d records, want 4 (two, each re-evaluated once)", len(h))
	}
	for _, v := range h[2:] {
		old := olds[v.Namespace]
		if v.Supersedes != old.ID || v.Reason != store.ReasonTrust || v.TrustSHA256 != replicas[0].TrustSHA256 ||
			v.Verified != old.Verified || v.Policy != old.Policy {
			t.Errorf("re-evaluation %s of %s: want the same decision under the new trust", brief(v), brief(old))
		}
	}
	// Control: a third server with the same trust finds nothing to do.
	third := bgConfig(t, e.dsn, "root B")
	startServer(t, third)
	idle(t, third.Store)
	if n := len(e.history()); n != 4 {
		t.Errorf("%d records after a restart with the same trust, want 4", n)
	}
}

// webhookCounter is a stand-in for the webhook delivery worker.
type webhookCounter struct {
	river.WorkerDefaults[jobs.Webhook]
	n atomic.Int64
}

func (w *webhookCounter) Work(context.Context, *river.Job[jobs.Webhook]) error {
	w.n.Add(1)
	return nil
}

// TestUnknownJobsWait: a webhook job queued with a new record stays in the
// queue, unattempted, while the servers running have no webhook worker,
// and is delivered once one with the worker (Config.AddWorkers) starts;
// vouch_queue_jobs counts it meanwhile.
func TestUnknownJobsWait(t *testing.T) { storetest.Run(t, testUnknownJobsWait) }

func testUnknownJobsWait(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	e := bgEnv(t, db, "root A")
	e.putPolicy("npm", emptyPolicy)
	e.post("npm")
	event := store.Verification{ID: "0123456789abcdef0123456789abcdef", Namespace: "npm", RequestKey: "event",
		SubjectSHA512: otherSHA512, Report: []byte("{}"), Events: []store.Event{{Type: "publisher.drift", Payload: []byte(`{}`)}}}
	if _, created, err := e.st.CreateVerification(ctx, event); err != nil || !created {
		t.Fatalf("record with an event: created %v, %v", created, err)
	}
	// Let the server poll many times; a policy change proves its worker
	// runs meanwhile.
	e.putPolicy("npm", strictPolicy)
	waitFor(t, "the re-evaluation", func() bool { return len(e.history()) == 2 })
	time.Sleep(10 * testPoll)
	if d, err := e.st.QueueDepth(ctx); err != nil || d["available"] != 1 || d["retryable"] != 0 {
		t.Fatalf("queue %v, %v; want the webhook job available, never attempted", d, err)
	}
	if got := scrape(t, e, `vouch_queue_jobs{state="available"} 1`); !got {
		t.Error(`/metrics lacks vouch_queue_jobs{state="available"} 1`)
	}
	hooks := &webhookCounter{}
	cfg := bgConfig(t, e.dsn, "root A")
	cfg.AddWorkers = func(w *river.Workers) { river.AddWorker(w, hooks) }
	startServer(t, cfg)
	waitFor(t, "the webhook delivery", func() bool { return hooks.n.Load() == 1 })
	idle(t, e.st)
	if n := hooks.n.Load(); n != 1 {
		t.Errorf("%d deliveries, want 1", n)
	}
	if got := scrape(t, e, `vouch_queue_jobs{state="available"} 0`); !got {
		t.Error(`/metrics lacks vouch_queue_jobs{state="available"} 0 once the queue is idle`)
	}
}

// scrape reports whether e's /metrics has the line want.
func scrape(t testing.TB, e *env, want string) bool {
	t.Helper()
	code, body := e.doAuth("GET", "/metrics", "", "")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d", code)
	}
	for _, line := range bytes.Split(body, []byte("\n")) {
		if string(line) == want {
			return true
		}
	}
	return false
}

// TestReevaluateRefuses: a job that cannot be done here stores nothing —
// an unknown reason is cancelled for good, another process's trust fails
// (River retries it, for a replica that has that trust), an earlier
// policy's job does nothing; the control, the current policy's job under
// this trust, re-evaluates, and again does nothing more.
func TestReevaluateRefuses(t *testing.T) { storetest.Run(t, testReevaluateRefuses) }

func testReevaluateRefuses(t *testing.T, db storetest.DB) {
	e := newEnv(t, db, publishKey(t)) // not started: the test runs the jobs
	e.putPolicy("npm", emptyPolicy)
	e.post("npm")
	e.putPolicy("npm", strictPolicy)
	current, earlier := sha256Hex([]byte(strictPolicy)), sha256Hex([]byte(emptyPolicy))
	var cancel *river.JobCancelError
	tests := []struct {
		name    string
		job     jobs.Reevaluate
		err     func(error) bool
		records int
	}{
		{"unknown reason", jobs.Reevaluate{Namespace: "npm", PolicySHA256: current, Reason: "whim"},
			func(err error) bool { return errors.As(err, &cancel) }, 1},
		{"another process's trust", jobs.Reevaluate{Namespace: "npm", PolicySHA256: current, TrustSHA256: "ff", Reason: store.ReasonTrust},
			func(err error) bool { return err != nil && !errors.As(err, &cancel) }, 1},
		{"an earlier policy", jobs.Reevaluate{Namespace: "npm", PolicySHA256: earlier, Reason: store.ReasonPolicy},
			func(err error) bool { return err == nil }, 1},
		{"control: the current policy", jobs.Reevaluate{Namespace: "npm", PolicySHA256: current, Reason: store.ReasonPolicy},
			func(err error) bool { return err == nil }, 2},
		{"control again", jobs.Reevaluate{Namespace: "npm", PolicySHA256: current, Reason: store.ReasonPolicy},
			func(err error) bool { return err == nil }, 2},
	}
	for _, tc := range tests {
		err := e.srv.Reevaluate(context.Background(), tc.job)
		if !tc.err(err) {
			t.Errorf("%s: unexpected result %v", tc.name, err)
		}
		if n := len(e.history()); n != tc.records {
			t.Errorf("%s: %d records, want %d", tc.name, n, tc.records)
		}
	}
}

// blockingHooks is a webhook worker that holds its job until cancelled.
type blockingHooks struct {
	river.WorkerDefaults[jobs.Webhook]
	started, cancelled chan struct{}
}

func (w *blockingHooks) Work(ctx context.Context, _ *river.Job[jobs.Webhook]) error {
	close(w.started)
	<-ctx.Done()
	close(w.cancelled)
	return ctx.Err()
}

// TestStopCancelsRunningJobs: Stop waits for a running job until its
// context ends, then cancels it and returns; the job is not lost, it runs
// again later. The control: stopping an idle server returns at once.
func TestStopCancelsRunningJobs(t *testing.T) { storetest.Run(t, testStopCancelsRunningJobs) }

func testStopCancelsRunningJobs(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	cfg := bgConfig(t, db.NewDSN(t), "root A")
	if _, _, err := cfg.Store.PutPolicy(ctx, "npm", []byte(emptyPolicy), sha256Hex([]byte(emptyPolicy))); err != nil {
		t.Fatal(err)
	}
	idleSrv := startServer(t, cfg)
	idle(t, cfg.Store)
	if err := idleSrv.Stop(ctx); err != nil {
		t.Fatalf("control: stopping an idle server: %v", err)
	}
	event := store.Verification{ID: "0123456789abcdef0123456789abcdef", Namespace: "npm", RequestKey: "event",
		SubjectSHA512: otherSHA512, PolicySHA256: sha256Hex([]byte(emptyPolicy)), TrustSHA256: cfg.TrustSHA256,
		Report: []byte("{}"), Events: []store.Event{{Type: "publisher.drift", Payload: []byte(`{}`)}}}
	if _, _, err := cfg.Store.CreateVerification(ctx, event); err != nil {
		t.Fatal(err)
	}
	hooks := &blockingHooks{started: make(chan struct{}), cancelled: make(chan struct{})}
	cfg.AddWorkers = func(w *river.Workers) { river.AddWorker(w, hooks) }
	srv, err := serve.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	<-hooks.started
	sctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := srv.Stop(sctx); err != nil {
		t.Errorf("stop: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("stop took %v", d)
	}
	select {
	case <-hooks.cancelled:
	default:
		t.Error("the running job was not cancelled")
	}
	// River makes a job its shutdown cancelled available again.
	if d, err := cfg.Store.QueueDepth(ctx); err != nil || d["available"]+d["retryable"] != 1 || d["running"] != 0 {
		t.Errorf("queue %v, %v; want the cancelled job to run again", d, err)
	}
}
