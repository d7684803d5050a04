package serveacceptance

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/servetest"
)

// result is what became of one request of a load.
type result struct {
	sent   bool
	status int
	id     string
	err    error
	// to is the URL of the server it was sent to.
	to string
}

// ok reports a 2xx: the server said the decision is stored.
func (r result) ok() bool { return r.status/100 == 2 }

// load sends distinct verification requests (one artifact each) from
// workers, each to its own server, until stopped, out of requests, or the
// worker's first failure (a killed server fails the workers sending to it).
type load struct {
	reqs    []servetest.Signed
	token   string
	ns      string
	next    atomic.Int64
	results []result // by request; each written by the one worker that sent it
	oks     map[string]*atomic.Int64
	stopc   chan struct{}
	wg      sync.WaitGroup
}

// startLoad starts one worker per entry of targets (a server URL each).
func startLoad(reqs []servetest.Signed, token, ns string, targets []string) *load {
	l := &load{reqs: reqs, token: token, ns: ns, results: make([]result, len(reqs)),
		oks: map[string]*atomic.Int64{}, stopc: make(chan struct{})}
	for _, url := range targets {
		if l.oks[url] == nil {
			l.oks[url] = new(atomic.Int64)
		}
	}
	for _, url := range targets {
		l.wg.Go(func() { l.work(url) })
	}
	return l
}

func (l *load) work(url string) {
	for {
		select {
		case <-l.stopc:
			return
		default:
		}
		i := int(l.next.Add(1)) - 1
		if i >= len(l.reqs) {
			return
		}
		r := &l.results[i]
		r.sent, r.to = true, url
		var data []byte
		r.status, data, r.err = call(http.MethodPost, url+"/v1/namespaces/"+l.ns+"/verifications", l.token, l.reqs[i].Request())
		if r.err != nil || !r.ok() {
			return
		}
		var v serve.VerificationResponse
		if r.err = json.Unmarshal(data, &v); r.err != nil {
			return
		}
		r.id = v.ID
		l.oks[url].Add(1)
	}
}

// oksTo counts the 2xx answers from the server at url so far.
func (l *load) oksTo(url string) int64 { return l.oks[url].Load() }

// waitOKs waits until the server at url has answered n requests with a
// 2xx, failing t after timeout.
func (l *load) waitOKs(t testing.TB, url string, n int64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for l.oksTo(url) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s answered %d requests with a 2xx in %v, want %d", url, l.oksTo(url), timeout, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop stops the workers and waits for them.
func (l *load) stop() {
	close(l.stopc)
	l.wg.Wait()
}

// failed counts the requests sent to url that got no 2xx (a transport
// error: the server was killed with them in flight).
func (l *load) failed(url string) int {
	n := 0
	for _, r := range l.results {
		if r.sent && r.to == url && !r.ok() {
			n++
		}
	}
	return n
}

// checkStored asks the server at url about every request the load sent:
// each that got a 2xx is stored (by id, and as the one record of its
// subject), none is stored twice, and sending it again returns the same
// record (200, not a new one).
func (l *load) checkStored(t testing.TB, url string) (ok int) {
	t.Helper()
	for i, r := range l.results {
		if !r.sent {
			continue
		}
		recs := records(t, url, l.token, l.reqs[i].SHA256)
		if len(recs) > 1 {
			t.Errorf("request %d (sent to %s, status %d): %d records, want at most 1", i, r.to, r.status, len(recs))
		}
		if !r.ok() {
			continue
		}
		ok++
		if len(recs) != 1 || recs[0].ID != r.id {
			t.Errorf("request %d got %d from %s, id %s: stored %d records %+v", i, r.status, r.to, r.id, len(recs), recs)
			continue
		}
		mustCall(t, http.MethodGet, url+"/v1/verifications/"+r.id, l.token, "", http.StatusOK)
		again := mustCall(t, http.MethodPost, url+"/v1/namespaces/"+l.ns+"/verifications", l.token, l.reqs[i].Request(), http.StatusOK)
		if v := decode[serve.VerificationResponse](t, again); v.ID != r.id {
			t.Errorf("request %d again: id %s, want %s", i, v.ID, r.id)
		}
	}
	return ok
}

// checkUnique checks in the database that no request key is stored twice,
// that it holds at least the records the load was told were stored, and
// no more than the requests sent.
func (l *load) checkUnique(t testing.TB, db *sql.DB, ok int) {
	t.Helper()
	var rows, keys int
	if err := db.QueryRow("SELECT COUNT(*), COUNT(DISTINCT request_key) FROM verifications").Scan(&rows, &keys); err != nil {
		t.Fatal(err)
	}
	sent := 0
	for _, r := range l.results {
		if r.sent {
			sent++
		}
	}
	if rows != keys || rows < ok || rows > sent {
		t.Errorf("the database holds %d verifications under %d request keys; %d requests were sent, %d got a 2xx", rows, keys, sent, ok)
	}
}
