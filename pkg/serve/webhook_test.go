package serve_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/jobs"
	"github.com/vouchdev/vouch/pkg/serve/servetest"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
)

const hookSecret = "0123456789abcdef0123456789abcdef-receiver"

// driftPayload is a publisher.drift event's data, as checkDrift writes it.
const driftPayload = `{"purl":"pkg:npm/demo@2.0.0","package":"pkg:npm/demo","version":"2.0.0",` +
	`"publisher":{"repository":"github.com/evil/demo","workflow":"github.com/evil/demo/.github/workflows/release.yml","builder":"runner:github-hosted"},` +
	`"previous":{"verificationId":"00112233445566778899aabbccddeeff","version":"1.0.0",` +
	`"publisher":{"repository":"github.com/acme/demo","workflow":"github.com/acme/demo/.github/workflows/release.yml","builder":"runner:github-hosted"}},` +
	`"mode":"fail","verified":false}`

// receiver is a webhook endpoint that checks each delivery's signature
// with serve.VerifyWebhookSignature, as a registry would, and answers with
// the statuses it is given in turn (200 once they run out).
type receiver struct {
	t        *testing.T
	secret   string
	mu       sync.Mutex
	statuses []int
	got      []delivered
}

// delivered is one request the receiver got.
type delivered struct {
	header http.Header
	body   []byte
	// sigErr is the signature check's verdict.
	sigErr error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Error(err)
	}
	sigErr := serve.VerifyWebhookSignature(rc.secret, r.Header.Get(serve.HeaderTimestamp), r.Header.Get(serve.HeaderSignature), body, time.Now(), 5*time.Minute)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.got = append(rc.got, delivered{header: r.Header.Clone(), body: body, sigErr: sigErr})
	status := http.StatusOK
	if len(rc.statuses) > 0 {
		status, rc.statuses = rc.statuses[0], rc.statuses[1:]
	}
	if sigErr != nil {
		status = http.StatusUnauthorized
	}
	w.WriteHeader(status)
	io.WriteString(w, strings.Repeat("x", 1<<20)) // a long answer: read bounded
}

// hookStore is a store with namespace ns and, when url is not "", its
// webhook.
func hookStore(t *testing.T, db storetest.DB, url, secret string) store.Store {
	t.Helper()
	st, _ := servetest.Open(t, db.NewDSN(t), nil)
	ctx := context.Background()
	if _, _, err := st.PutPolicy(ctx, "npm", []byte(emptyPolicy), "sum"); err != nil {
		t.Fatal(err)
	}
	if url != "" {
		if err := st.PutWebhook(ctx, store.Webhook{Namespace: "npm", URL: url, Secret: secret}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// driftJob is a queued publisher.drift delivery at its attempt-th attempt.
func driftJob(attempt int) *river.Job[jobs.Webhook] {
	return &river.Job[jobs.Webhook]{
		JobRow: &rivertype.JobRow{ID: 42, Attempt: attempt, CreatedAt: time.Date(2026, 12, 6, 11, 0, 0, 0, time.UTC)},
		Args: jobs.Webhook{Namespace: "npm", Event: serve.EventPublisherDrift, VerificationID: "0123456789abcdef0123456789abcdef",
			Payload: []byte(driftPayload)},
	}
}

// TestWebhookDelivery: a delivery is a signed POST the receiver verifies;
// a receiver holding another secret refuses it; a 500 is retried and the
// retry carries the same delivery id; a redirect is not followed; no
// webhook completes without sending.
func TestWebhookDelivery(t *testing.T) { storetest.Run(t, testWebhookDelivery) }

func testWebhookDelivery(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	t.Run("signed, then retried with the same id", func(t *testing.T) {
		rc := &receiver{t: t, secret: hookSecret, statuses: []int{http.StatusInternalServerError}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		w := serve.NewWebhookWorker(hookStore(t, db, srv.URL+"/hook", hookSecret))
		if err := w.Work(ctx, driftJob(1)); err == nil || !strings.Contains(err.Error(), "500") {
			t.Fatalf("first attempt against a 500: %v, want an error naming the status", err)
		}
		if err := w.Work(ctx, driftJob(2)); err != nil {
			t.Fatalf("second attempt against a 200: %v", err)
		}
		if len(rc.got) != 2 {
			t.Fatalf("%d deliveries, want 2", len(rc.got))
		}
		for i, d := range rc.got {
			if d.sigErr != nil {
				t.Errorf("delivery %d: %v", i, d.sigErr)
			}
			if d.header.Get(serve.HeaderEvent) != serve.EventPublisherDrift || d.header.Get("Content-Type") != "application/json" {
				t.Errorf("delivery %d: headers %v", i, d.header)
			}
		}
		id := rc.got[0].header.Get(serve.HeaderDelivery)
		if id == "" || rc.got[1].header.Get(serve.HeaderDelivery) != id {
			t.Errorf("delivery ids %q and %q: want one id for the job", id, rc.got[1].header.Get(serve.HeaderDelivery))
		}
		body := decode[serve.Delivery](t, rc.got[1].body)
		if body.ID != id || body.Type != serve.EventPublisherDrift || body.Namespace != "npm" ||
			body.VerificationID != "0123456789abcdef0123456789abcdef" || string(body.Data) != driftPayload ||
			!body.Created.Equal(driftJob(1).CreatedAt) {
			t.Errorf("body %+v", body)
		}
		d := loadAPIDoc(t)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(rc.got[1].body))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.schema(t, pointer("components", "schemas", "Delivery")).Validate(doc); err != nil {
			t.Errorf("the delivery is not as schemas/openapi.yaml documents it: %v", err)
		}
	})
	t.Run("another secret", func(t *testing.T) {
		rc := &receiver{t: t, secret: hookSecret + "-other"}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		w := serve.NewWebhookWorker(hookStore(t, db, srv.URL, hookSecret))
		if err := w.Work(ctx, driftJob(1)); err == nil {
			t.Fatal("a receiver that refuses the signature: Work succeeded")
		}
		if len(rc.got) != 1 || rc.got[0].sigErr == nil {
			t.Fatalf("the receiver accepted a delivery signed with another secret: %+v", rc.got)
		}
	})
	t.Run("redirect not followed", func(t *testing.T) {
		target := &receiver{t: t, secret: hookSecret}
		dst := httptest.NewServer(target)
		defer dst.Close()
		src := httptest.NewServer(http.RedirectHandler(dst.URL, http.StatusTemporaryRedirect))
		defer src.Close()
		w := serve.NewWebhookWorker(hookStore(t, db, src.URL, hookSecret))
		if err := w.Work(ctx, driftJob(1)); err == nil || !strings.Contains(err.Error(), "307") {
			t.Fatalf("a redirect: %v, want an error naming it", err)
		}
		if len(target.got) != 0 {
			t.Fatalf("the redirect was followed: %d deliveries", len(target.got))
		}
	})
	t.Run("no webhook", func(t *testing.T) {
		w := serve.NewWebhookWorker(hookStore(t, db, "", ""))
		if err := w.Work(ctx, driftJob(1)); err != nil {
			t.Fatalf("no webhook: %v, want completed", err)
		}
	})
	t.Run("hanging receiver", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		defer srv.Close()
		defer close(release)
		w := serve.NewWebhookWorker(hookStore(t, db, srv.URL, hookSecret))
		tctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if err := w.Work(tctx, driftJob(1)); err == nil {
			t.Fatal("a receiver that never answers: Work succeeded")
		}
	})
	t.Run("last attempt cancels", func(t *testing.T) {
		rc := &receiver{t: t, secret: hookSecret, statuses: []int{http.StatusBadGateway, http.StatusBadGateway}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		w := serve.NewWebhookWorker(hookStore(t, db, srv.URL, hookSecret))
		var cancelled *river.JobCancelError
		if err := w.Work(ctx, driftJob(serve.WebhookMaxAttempts-1)); err == nil || errors.As(err, &cancelled) {
			t.Errorf("attempt %d: %v, want a retryable error", serve.WebhookMaxAttempts-1, err)
		}
		if err := w.Work(ctx, driftJob(serve.WebhookMaxAttempts)); !errors.As(err, &cancelled) {
			t.Errorf("attempt %d: %v, want the job cancelled", serve.WebhookMaxAttempts, err)
		}
	})
}

// TestVerifyWebhookSignature: the receiver's check accepts the delivery
// as signed, and refuses another secret, a changed body, a replay outside
// the tolerance and malformed headers.
func TestVerifyWebhookSignature(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	ts := "1800000000"
	body := []byte(`{"id":"x"}`)
	sig := serve.SignWebhook(hookSecret, ts, body)
	for _, c := range []struct {
		name, secret, ts, sig string
		body                  []byte
		now                   time.Time
		ok                    bool
	}{
		{"genuine", hookSecret, ts, sig, body, now, true},
		{"genuine, within tolerance", hookSecret, ts, sig, body, now.Add(4 * time.Minute), true},
		{"another secret", hookSecret + "x", ts, sig, body, now, false},
		{"changed body", hookSecret, ts, sig, []byte(`{"id":"y"}`), now, false},
		{"replayed an hour later", hookSecret, ts, sig, body, now.Add(time.Hour), false},
		{"from the future", hookSecret, ts, sig, body, now.Add(-time.Hour), false},
		{"timestamp changed to now", hookSecret, "1800003600", sig, body, now.Add(time.Hour), false},
		{"no prefix", hookSecret, ts, strings.TrimPrefix(sig, "sha256="), body, now, false},
		{"not a number", hookSecret, "soon", sig, body, now, false},
		{"no secret", "", ts, serve.SignWebhook("", ts, body), body, now, false},
	} {
		err := serve.VerifyWebhookSignature(c.secret, c.ts, c.sig, c.body, c.now, 5*time.Minute)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v, want ok %v", c.name, err, c.ok)
		}
	}
}

// TestNextRetry: retries back off exponentially with jitter, capped, and
// WebhookMaxAttempts attempts span about a day.
func TestNextRetry(t *testing.T) {
	w := serve.NewWebhookWorker(nil)
	var total time.Duration
	prevMax := time.Duration(0)
	for attempt := 1; attempt < serve.WebhookMaxAttempts; attempt++ {
		start := time.Now()
		d := w.NextRetry(driftJob(attempt)).Sub(start)
		if d <= 0 || d > 10*time.Hour {
			t.Fatalf("attempt %d: next retry in %s", attempt, d)
		}
		if attempt <= 5 && d < prevMax {
			t.Errorf("attempt %d: %s, shorter than an earlier attempt's %s", attempt, d, prevMax)
		}
		prevMax = max(prevMax, d)
		total += d
	}
	if total < 16*time.Hour || total > 36*time.Hour {
		t.Errorf("all retries span %s, want about a day", total)
	}
}

// TestWebhookAPI: a namespace's webhook is put (https, or http to
// loopback; a secret of 32 bytes or more), read back without its secret,
// and deleted; what is refused stores nothing.
func TestWebhookAPI(t *testing.T) { storetest.Run(t, testWebhookAPI) }

func testWebhookAPI(t *testing.T, db storetest.DB) {
	e := newEnv(t, db)
	e.putPolicy("npm", emptyPolicy)
	const hook = "/v1/namespaces/npm/webhook"
	body := func(url, secret string) string { return `{"url":"` + url + `","secret":"` + secret + `"}` }
	for _, c := range []struct {
		name, path, body string
		want             int
		code             string
	}{
		{"http to another host", hook, body("http://hooks.example/x", hookSecret), 400, "expected https"},
		{"another scheme", hook, body("ftp://hooks.example/x", hookSecret), 400, `expected scheme https, found \"ftp\"`},
		{"relative", hook, body("/x", hookSecret), 400, "absolute URL"},
		{"credentials in the URL", hook, body("https://u:p@hooks.example/x", hookSecret), 400, "no user or password"},
		{"short secret", hook, body("https://hooks.example/x", "short"), 400, "secret: expected 32 to 1024 bytes, found 5"},
		{"unknown field", hook, `{"url":"https://hooks.example/x","secret":"` + hookSecret + `","events":[]}`, 400, "events"},
		{"repeated key", hook, `{"url":"https://a.example/x","url":"https://b.example/x","secret":"` + hookSecret + `"}`, 400, "url"},
		{"unknown namespace", "/v1/namespaces/pypi/webhook", body("https://hooks.example/x", hookSecret), 404, "pypi"},
	} {
		code, resp := e.do("PUT", c.path, c.body)
		if code != c.want || !strings.Contains(string(resp), c.code) {
			t.Errorf("%s: %d %s, want %d naming %q", c.name, code, resp, c.want, c.code)
		}
	}
	if code, resp := e.do("GET", hook, ""); code != http.StatusNotFound {
		t.Fatalf("refused PUTs stored a webhook: %d %s", code, resp)
	}
	for _, url := range []string{"https://hooks.example/vouch", "http://127.0.0.1:9/hook", "http://[::1]:9/hook", "http://localhost:9/hook"} {
		code, resp := e.do("PUT", hook, body(url, hookSecret))
		if code != http.StatusOK || strings.Contains(string(resp), hookSecret) {
			t.Fatalf("PUT %s: %d %s", url, code, resp)
		}
		code, resp = e.do("GET", hook, "")
		got := decode[serve.WebhookResponse](t, resp)
		if code != http.StatusOK || got.URL != url || got.Namespace != "npm" || strings.Contains(string(resp), hookSecret) {
			t.Fatalf("GET after PUT %s: %d %s", url, code, resp)
		}
	}
	if code, resp := e.do("DELETE", hook, ""); code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", code, resp)
	}
	if code, _ := e.do("DELETE", hook, ""); code != http.StatusNotFound {
		t.Errorf("second DELETE: %d, want 404", code)
	}
	if code, _ := e.do("GET", hook, ""); code != http.StatusNotFound {
		t.Errorf("GET after DELETE: %d, want 404", code)
	}
}
