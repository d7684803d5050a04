package serve

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/vouchdev/vouch/pkg/serve/jobs"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/verify"
)

// reevaluatePage bounds the records a re-evaluation loads at once, so that
// its memory does not grow with the namespace.
const reevaluatePage = 100

// reevaluateTimeout bounds one re-evaluation job. A job cut short is
// retried and resumes where it stopped: the records it re-evaluated are
// superseded and no longer listed.
const reevaluateTimeout = 30 * time.Minute

// reevaluateWorker runs jobs.Reevaluate on River.
type reevaluateWorker struct {
	river.WorkerDefaults[jobs.Reevaluate]
	s *Server
}

// Timeout implements river.Worker: River's default (a minute) is too short
// for a large namespace.
func (w *reevaluateWorker) Timeout(*river.Job[jobs.Reevaluate]) time.Duration {
	return reevaluateTimeout
}

// Work implements river.Worker.
func (w *reevaluateWorker) Work(ctx context.Context, job *river.Job[jobs.Reevaluate]) error {
	return w.s.reevaluate(ctx, job.Args)
}

// reevaluate verifies again, from its stored bundles, every record of the
// job's namespace that no record supersedes and that was made under
// another policy or trust than the job's, and stores each new decision as a
// record superseding the old one, which is kept unchanged, with the reason
// that applies to it (changed). A job whose
// policy is no longer the namespace's current one does nothing: the job of
// the current policy does the work. Running a job twice stores nothing
// twice (reevaluationKey).
func (s *Server) reevaluate(ctx context.Context, job jobs.Reevaluate) error {
	if job.Reason != store.ReasonPolicy && job.Reason != store.ReasonTrust && job.Reason != store.ReasonVulnDB {
		return river.JobCancel(fmt.Errorf("re-evaluation of %s: reason %q: expected %q, %q or %q", job.Namespace, job.Reason, store.ReasonPolicy, store.ReasonTrust, store.ReasonVulnDB))
	}
	// One read of the trust and the vulnerability database: every
	// decision of this job is made with the engine and database their
	// digests name.
	tr := s.current()
	trust := job.TrustSHA256
	if trust == "" {
		trust = tr.SHA256
	}
	if own := tr.SHA256; trust != own {
		// Another replica has that trust (a rollout): River retries the
		// job, and one of them takes it.
		return fmt.Errorf("re-evaluation of %s: the job's trust %s is not this process's %s", job.Namespace, trust, own)
	}
	p, err := s.cfg.Store.CurrentPolicy(ctx, job.Namespace)
	if err != nil {
		return fmt.Errorf("re-evaluation of %s: reading the policy: %w", job.Namespace, err)
	}
	if p.SHA256 != job.PolicySHA256 {
		s.cfg.Logger.InfoContext(ctx, "re-evaluation skipped: the namespace's policy changed since it was queued",
			"namespace", job.Namespace, "policy", job.PolicySHA256, "current", p.SHA256)
		return nil
	}
	stale := func(after string) ([]store.Verification, error) {
		return s.cfg.Store.StaleVerifications(ctx, job.Namespace, p.SHA256, trust, after, reevaluatePage)
	}
	if job.Reason == store.ReasonVulnDB {
		if stale, err = s.staleVulnDB(ctx, job, p, tr); err != nil || stale == nil {
			return err
		}
	}
	after := ""
	for {
		page, err := stale(after)
		if err != nil {
			return fmt.Errorf("re-evaluation of %s: listing records: %w", job.Namespace, err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, old := range page {
			if err := s.reevaluateOne(ctx, old, p, tr, changed(old, p, trust)); err != nil {
				return err
			}
		}
		after = page[len(page)-1].ID
	}
}

// staleVulnDB is the listing of a vulnerability database job: the
// records of its namespace's current policy p made against another
// database than tr's. nil (and no error) when there is nothing to do: p
// has no vulnerabilities gate, so no database changes its decisions.
func (s *Server) staleVulnDB(ctx context.Context, job jobs.Reevaluate, p store.Policy, tr Trust) (func(after string) ([]store.Verification, error), error) {
	if own := tr.VulnDB.SHA256; job.VulnDBSHA256 != own {
		// Another replica has that database (a rollout), or this one has
		// a newer one, whose own job does the work: River retries this.
		return nil, fmt.Errorf("re-evaluation of %s: the job's vulnerability database %s is not this process's %q", job.Namespace, job.VulnDBSHA256, own)
	}
	pol, err := s.compiled(p)
	if err != nil {
		return nil, fmt.Errorf("re-evaluation of %s: the policy does not compile: %w", job.Namespace, err)
	}
	if pol.Vulnerabilities == nil {
		return nil, nil
	}
	return func(after string) ([]store.Verification, error) {
		return s.cfg.Store.StaleVulnVerifications(ctx, job.Namespace, p.SHA256, job.VulnDBSHA256, after, reevaluatePage)
	}, nil
}

// changed is the reason old is re-evaluated under p and trust: what
// changed since it was made, the policy, else the trust, else the
// vulnerability database. It is the record's, not the job's: a policy job
// that runs after a trust change (queued before it, or while no worker
// ran) re-evaluates records that differ only by their trust.
func changed(old store.Verification, p store.Policy, trust string) string {
	switch {
	case old.PolicySHA256 != p.SHA256:
		return store.ReasonPolicy
	case old.TrustSHA256 != trust:
		return store.ReasonTrust
	}
	return store.ReasonVulnDB
}

// reevaluateOne decides again on old's subject and bundles under p and
// tr, this process's trust, as a request would (decide), and stores the
// decision as a record superseding old.
func (s *Server) reevaluateOne(ctx context.Context, old store.Verification, p store.Policy, tr Trust, reason string) error {
	trust := tr.SHA256
	stored, err := s.cfg.Store.VerificationBundles(ctx, old.ID)
	if err != nil {
		return fmt.Errorf("re-evaluating record %s: reading its bundles: %w", old.ID, err)
	}
	if len(stored) == 0 {
		s.cfg.Logger.WarnContext(ctx, "re-evaluation: record kept as it is: it was stored without its bundles", "record", old.ID)
		return nil
	}
	req := &VerificationRequest{Subject: recordSubject(old)}
	bundles := make([]requestBundle, len(stored))
	for i, b := range stored {
		bundles[i] = requestBundle{sha256: b.SHA256, data: b.Data}
	}
	rkey, err := s.decisionKey(old.Namespace, req, bundles, p, tr)
	if err != nil {
		return fmt.Errorf("re-evaluating record %s: %w", old.ID, err)
	}
	key := reevaluationKey(rkey, old.ID)
	v, status, msg := s.decide(ctx, tr, old.Namespace, req, bundles, p, key)
	if status == http.StatusUnprocessableEntity {
		// The new policy cannot decide on these bundles. Left current, the
		// record would stay verified under a policy the namespace no
		// longer has (registry reads and VSAs serve it): its successor
		// refuses instead, saying why (fail closed).
		s.cfg.Logger.WarnContext(ctx, "re-evaluation: the policy cannot decide on the record's bundles; refused", "record", old.ID, "reason", msg)
		v, status, msg = s.undecidable(ctx, tr, old.Namespace, req, bundles, p, key, msg)
	}
	if status != 0 {
		return fmt.Errorf("re-evaluating record %s: %s", old.ID, msg)
	}
	if v.TrustSHA256 != trust {
		// The trust changed during the job: its key would name the
		// wrong one. The job is retried, and finds its trust gone.
		return fmt.Errorf("re-evaluating record %s: the trust changed from %s to %s meanwhile", old.ID, trust, v.TrustSHA256)
	}
	v.Supersedes, v.Reason = old.ID, reason
	if hasFinding(old.Report, FindingPublisherDrift) {
		// The drift was told when the earlier decision found it: a
		// re-evaluation that keeps it has nothing new to tell, and a policy
		// change must not alert the namespace again for every drifted
		// version. The finding stays in the new record.
		v.Events = nil
	}
	v, created, err := s.cfg.Store.CreateVerification(ctx, v)
	if err != nil {
		return fmt.Errorf("re-evaluating record %s: storing the decision: %w", old.ID, err)
	}
	if created {
		s.metrics.decided(outcome(v.Verified))
	}
	return nil
}

// reevaluationKey is the request key of old's re-evaluation: the key a
// request with old's subject and bundles would have under the new policy
// and trust, bound to old. A retried or duplicated job computes the same
// key and stores nothing twice; it is not the request's own key, so a
// client's request with the same inputs and the re-evaluation are each
// stored, and every old record gets its successor.
func reevaluationKey(requestKey, oldID string) string {
	data, err := json.Marshal(map[string]any{"v": 1, "request": requestKey, "supersedes": oldID})
	if err != nil {
		panic(err) // strings always marshal
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// trustSHA256 is the digest of the trust this server verifies with now.
func (s *Server) trustSHA256() string { return s.cfg.Trust.Current().SHA256 }

// TrustChanged queues, for each namespace holding a current record made
// under another trust than newSHA256 (or under an earlier policy, which its
// policy's job missed), its re-evaluation under newSHA256 and the
// namespace's current policy. It is what a trusted-root refresh
// calls once the server verifies with the new trust (old names the trust
// it replaced, for the log), and what Start runs. The jobs are unique by
// their arguments among unfinished jobs, so replicas calling it together
// queue each once.
func (s *Server) TrustChanged(ctx context.Context, old, newSHA256 string) error {
	nss, err := s.cfg.Store.NamespacesWithOtherTrust(ctx, newSHA256)
	if err != nil {
		return fmt.Errorf("trust change: listing namespaces: %w", err)
	}
	var errs []error
	for _, p := range nss {
		queued, err := s.cfg.Store.QueueReevaluate(ctx, jobs.Reevaluate{Namespace: p.Namespace,
			PolicySHA256: p.SHA256, TrustSHA256: newSHA256, Reason: store.ReasonTrust})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if queued {
			s.cfg.Logger.InfoContext(ctx, "trust changed: re-evaluation queued", "namespace", p.Namespace, "old", old, "new", newSHA256)
		}
	}
	return errors.Join(errs...)
}

// hasFinding reports whether a stored report (vouch verify -o json) has a
// finding with the id; a report that does not parse has none.
func hasFinding(report []byte, id string) bool {
	var r verify.Report
	if json.Unmarshal(report, &r) != nil {
		return false
	}
	for _, a := range r.Artifacts {
		for _, f := range a.Findings {
			if f.ID == id {
				return true
			}
		}
	}
	return false
}
