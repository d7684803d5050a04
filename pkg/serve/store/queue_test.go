package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/vouchdev/vouch/pkg/serve/jobs"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
)

// queuedJob is a row of River's job table.
type queuedJob struct {
	kind, state string
	args        []byte
}

// queued lists the jobs in River's table, oldest first.
func queued(t *testing.T, st *sqlStore) []queuedJob {
	t.Helper()
	// SQLite's River keeps args as JSONB, PostgreSQL's as jsonb: both as
	// text.
	args := "args::text"
	if st.d.placeholder == nil {
		args = "json(args)"
	}
	rows, err := st.reader.QueryContext(context.Background(), "SELECT kind, state, "+args+" FROM river_job ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []queuedJob
	for rows.Next() {
		var j queuedJob
		var args string
		if err := rows.Scan(&j.kind, &j.state, &args); err != nil {
			t.Fatal(err)
		}
		j.args = []byte(args)
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// jobsOf decodes the queued jobs of one kind.
func jobsOf[T interface{ Kind() string }](t *testing.T, st *sqlStore) []T {
	t.Helper()
	var zero T
	var out []T
	for _, j := range queued(t, st) {
		if j.kind != zero.Kind() {
			continue
		}
		var a T
		if err := json.Unmarshal(j.args, &a); err != nil {
			t.Fatalf("%s args %s: %v", j.kind, j.args, err)
		}
		out = append(out, a)
	}
	return out
}

// TestPolicyQueuesReevaluation: a new policy version queues one
// re-evaluation under it, in the same transaction; the same document again
// (no new version) queues nothing.
func TestPolicyQueuesReevaluation(t *testing.T) { storetest.Run(t, testPolicyQueuesReevaluation) }

func testPolicyQueuesReevaluation(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	st := openTest(t, db.NewDSN(t))
	for _, doc := range []string{"v1", "v2", "v2"} {
		if _, _, err := st.PutPolicy(ctx, "ns", []byte(doc), "sum-"+doc); err != nil {
			t.Fatal(err)
		}
	}
	got := jobsOf[jobs.Reevaluate](t, st)
	want := []jobs.Reevaluate{
		{Namespace: "ns", PolicySHA256: "sum-v1", Reason: ReasonPolicy},
		{Namespace: "ns", PolicySHA256: "sum-v2", Reason: ReasonPolicy},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("queued %+v, want %+v", got, want)
	}
	depth, err := st.QueueDepth(ctx)
	if err != nil || depth["available"] != 2 || depth["running"] != 0 || len(depth) != len(QueueStates) {
		t.Errorf("queue depth %v, %v; want 2 available and every state", depth, err)
	}
}

// TestEventsQueueWebhooks: a new record queues one webhook job per event;
// the same key again (an idempotent request, also racing) queues none, and
// a record whose insert fails queues none.
func TestEventsQueueWebhooks(t *testing.T) { storetest.Run(t, testEventsQueueWebhooks) }

func testEventsQueueWebhooks(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	st := openTest(t, db.NewDSN(t))
	if _, _, err := st.PutPolicy(ctx, "ns", []byte("doc"), "sum"); err != nil {
		t.Fatal(err)
	}
	ev := []Event{{Type: "publisher.drift", Payload: []byte(`{"purl":"pkg:npm/x@2"}`)}, {Type: "other", Payload: []byte(`{}`)}}
	rec := func(id, ns string) Verification {
		return Verification{ID: id, Namespace: ns, RequestKey: "k", SubjectSHA256: "aa", PolicyVersion: 1,
			PolicySHA256: "sum", Report: []byte("{}"), Events: ev}
	}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if _, _, err := st.CreateVerification(ctx, rec(fmt.Sprint("v", i), "ns")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if _, _, err := st.CreateVerification(ctx, rec("bad", "unknown")); err == nil {
		t.Fatal("a record in an unknown namespace was stored")
	}
	if _, _, err := st.CreateVerification(ctx, Verification{ID: "badjson", Namespace: "ns", RequestKey: "k2",
		Report: []byte("{}"), Events: []Event{{Type: "x", Payload: []byte("{")}}}); err == nil {
		t.Fatal("an event whose payload is not JSON was queued")
	}
	if _, err := st.Verification(ctx, "badjson"); err == nil {
		t.Error("the record of a refused event was stored")
	}
	got := jobsOf[jobs.Webhook](t, st)
	if len(got) != 2 {
		t.Fatalf("queued %d webhook jobs, want 2 (one per event of the one new record): %+v", len(got), got)
	}
	stored, err := st.VerificationByKey(ctx, "ns", "k")
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range got {
		if w.Namespace != "ns" || w.Event != ev[i].Type || string(w.Payload) != string(ev[i].Payload) || w.VerificationID != stored.ID {
			t.Errorf("webhook job %d: %+v, want event %s of record %s", i, w, ev[i].Type, stored.ID)
		}
	}
}

// TestQueueReevaluateUnique: replicas queueing the same re-evaluation at
// once queue one job; other arguments are another job.
func TestQueueReevaluateUnique(t *testing.T) { storetest.Run(t, testQueueReevaluateUnique) }

func testQueueReevaluateUnique(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	dsn := db.NewDSN(t)
	replicas := []*sqlStore{openTest(t, dsn), openTest(t, dsn)}
	args := jobs.Reevaluate{Namespace: "ns", PolicySHA256: "p", TrustSHA256: "t", Reason: ReasonTrust}
	var wg sync.WaitGroup
	var mu sync.Mutex
	inserted := 0
	for i := range 6 {
		wg.Go(func() {
			ok, err := replicas[i%2].QueueReevaluate(ctx, args)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				inserted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if inserted != 1 {
		t.Errorf("%d inserts queued the job, want 1", inserted)
	}
	other := args
	other.TrustSHA256 = "t2"
	if ok, err := replicas[0].QueueReevaluate(ctx, other); err != nil || !ok {
		t.Errorf("control, another trust: queued %v, %v", ok, err)
	}
	if n := len(jobsOf[jobs.Reevaluate](t, replicas[0])); n != 2 {
		t.Errorf("%d jobs queued, want 2", n)
	}
}

// TestStaleVerifications: the records to re-evaluate are those of the
// namespace not superseded and made under another policy or trust, listed
// a page at a time.
func TestStaleVerifications(t *testing.T) { storetest.Run(t, testStaleVerifications) }

func testStaleVerifications(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	st := openTest(t, db.NewDSN(t))
	for _, ns := range []string{"ns", "other", "late", "fresh"} {
		if _, _, err := st.PutPolicy(ctx, ns, []byte("doc"), "p1"); err != nil {
			t.Fatal(err)
		}
	}
	recs := []Verification{
		{ID: "a", Namespace: "ns", PolicySHA256: "p1", TrustSHA256: "t1"},                   // stale policy
		{ID: "b", Namespace: "ns", PolicySHA256: "p2", TrustSHA256: "t0"},                   // stale trust
		{ID: "c", Namespace: "ns", PolicySHA256: "p2", TrustSHA256: "t1"},                   // current
		{ID: "d", Namespace: "ns", PolicySHA256: "p1", TrustSHA256: "t1"},                   // superseded by e
		{ID: "e", Namespace: "ns", PolicySHA256: "p2", TrustSHA256: "t1", Supersedes: "d"},  // current
		{ID: "f", Namespace: "other", PolicySHA256: "p1", TrustSHA256: "t0"},                // another namespace
		{ID: "g", Namespace: "ns", PolicySHA256: "p1", TrustSHA256: "t0", Reason: "policy"}, // stale both
		{ID: "h", Namespace: "late", PolicySHA256: "p0", TrustSHA256: "t1"},                 // an earlier policy of late
		{ID: "i", Namespace: "other", PolicySHA256: "p1", TrustSHA256: "t1"},                // current
		{ID: "j", Namespace: "fresh", PolicySHA256: "p1", TrustSHA256: "t1"},                // current
	}
	for _, v := range recs {
		v.RequestKey, v.Report = "key-"+v.ID, []byte("{}")
		if _, _, err := st.CreateVerification(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	after := ""
	for {
		page, err := st.StaleVerifications(ctx, "ns", "p2", "t1", after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, v := range page {
			ids = append(ids, v.ID)
		}
		after = page[len(page)-1].ID
	}
	if fmt.Sprint(ids) != "[a b g]" {
		t.Errorf("stale records %v, want [a b g]", ids)
	}
	nss, err := st.NamespacesWithOtherTrust(ctx, "t1")
	if err != nil || len(nss) != 3 || nss[0].Namespace != "late" || nss[1].Namespace != "ns" || nss[2].Namespace != "other" || nss[1].SHA256 != "p1" {
		t.Errorf("namespaces to re-evaluate under t1: %+v, %v; want late (an earlier policy), ns and other (another trust), with their policy; not fresh", nss, err)
	}
	if nss, err := st.NamespacesWithOtherTrust(ctx, "t0"); err != nil || len(nss) != 4 || nss[0].Namespace != "fresh" {
		t.Errorf("namespaces to re-evaluate under t0: %+v, %v; want fresh too", nss, err)
	}
	if next, err := st.SupersededBy(ctx, "d"); err != nil || next != "e" {
		t.Errorf("d superseded by %q, %v; want e", next, err)
	}
	if next, err := st.SupersededBy(ctx, "e"); err != nil || next != "" {
		t.Errorf("e superseded by %q, %v; want none", next, err)
	}
}

// TestStaleVulnVerifications: the records to re-evaluate against a new
// vulnerability database are those of the namespace's policy not
// superseded and made against another database (none too), a page at a
// time; a namespace is listed when it holds one under its current policy.
func TestStaleVulnVerifications(t *testing.T) { storetest.Run(t, testStaleVulnVerifications) }

func testStaleVulnVerifications(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	st := openTest(t, db.NewDSN(t))
	for _, ns := range []string{"ns", "current", "earlier"} {
		if _, _, err := st.PutPolicy(ctx, ns, []byte("doc"), "p1"); err != nil {
			t.Fatal(err)
		}
	}
	recs := []Verification{
		{ID: "a", Namespace: "ns", PolicySHA256: "p1", VulnDBSHA256: "d1"},                  // another database
		{ID: "b", Namespace: "ns", PolicySHA256: "p1", VulnDBSHA256: "d2"},                  // current
		{ID: "c", Namespace: "ns", PolicySHA256: "p1", VulnDBSHA256: ""},                    // none
		{ID: "d", Namespace: "ns", PolicySHA256: "p1", VulnDBSHA256: "d1"},                  // superseded by e
		{ID: "e", Namespace: "ns", PolicySHA256: "p1", VulnDBSHA256: "d2", Supersedes: "d"}, // current
		{ID: "f", Namespace: "ns", PolicySHA256: "p0", VulnDBSHA256: "d1"},                  // another policy's
		{ID: "g", Namespace: "ns", PolicySHA256: "p1", VulnDBSHA256: "d0"},                  // another database
		{ID: "h", Namespace: "current", PolicySHA256: "p1", VulnDBSHA256: "d2"},             // current
		{ID: "i", Namespace: "earlier", PolicySHA256: "p0", VulnDBSHA256: "d1"},             // an earlier policy's
	}
	for _, v := range recs {
		v.RequestKey, v.Report, v.TrustSHA256 = "key-"+v.ID, []byte("{}"), "t1"
		if _, _, err := st.CreateVerification(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := st.Verification(ctx, "a"); err != nil || v.VulnDBSHA256 != "d1" {
		t.Fatalf("record a read back: %+v, %v; want database d1", v, err)
	}
	var ids []string
	after := ""
	for {
		page, err := st.StaleVulnVerifications(ctx, "ns", "p1", "d2", after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, v := range page {
			ids = append(ids, v.ID)
		}
		after = page[len(page)-1].ID
	}
	if fmt.Sprint(ids) != "[a c g]" {
		t.Errorf("stale records %v, want [a c g]", ids)
	}
	nss, err := st.NamespacesWithOtherVulnDB(ctx, "d2")
	if err != nil || len(nss) != 1 || nss[0].Namespace != "ns" || nss[0].SHA256 != "p1" {
		t.Errorf("namespaces to re-evaluate against d2: %+v, %v; want ns alone, with its policy", nss, err)
	}
	if nss, err := st.NamespacesWithOtherVulnDB(ctx, "d3"); err != nil || len(nss) != 2 || nss[0].Namespace != "current" {
		t.Errorf("namespaces to re-evaluate against d3: %+v, %v; want current and ns", nss, err)
	}
}
