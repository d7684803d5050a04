package serve_test

import (
	"log/slog"
	"net/http"
	"strconv"
	"testing"

	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
)

// TestRateLimit: with a burst of 5 and a rate that does not refill during
// the test, a token's sixth request is the one 429 (with Retry-After and the
// JSON error), another token is unaffected, and the 429 is counted in
// vouch_http_requests_total. Control: the same requests to a server without
// a limit all pass.
func TestRateLimit(t *testing.T) { storetest.Run(t, testRateLimit) }

func testRateLimit(t *testing.T, db storetest.DB) {
	const burst = 5
	e := newEnv(t, db)
	e.putPolicy("npm", emptyPolicy)
	other := e.newToken("read", "npm")
	unlimited := *e
	srv, err := serve.New(serve.Config{Store: e.st, Verifier: e.eng, Logger: slog.New(slog.DiscardHandler),
		TrustSHA256: serve.TrustDigest(e.eng.KeyIDs(), nil), RateLimit: 0.001, Burst: burst})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	const pol = "/v1/namespaces/npm/policy"
	for name, env := range map[string]*env{"limited": e, "control: no limit": &unlimited} {
		limited := 0
		for i := range burst + 1 {
			code, body := env.do("GET", pol, "")
			if code == http.StatusTooManyRequests {
				limited++
				if eb := decode[serve.ErrorBody](t, body); i != burst || eb.Error.Code != "rate_limited" {
					t.Errorf("%s: request %d: 429 %+v, want the only 429 on request %d, code rate_limited", name, i, eb.Error, burst)
				}
			} else if code != http.StatusOK {
				t.Errorf("%s: request %d: %d %s", name, i, code, body)
			}
		}
		if want := map[bool]int{true: 1, false: 0}[env == e]; limited != want {
			t.Errorf("%s: %d requests limited, want %d", name, limited, want)
		}
	}
	w := e.send(exchange{"over the limit", "GET", pol, "", "", 429})
	if secs, err := strconv.Atoi(w.Header().Get("Retry-After")); w.Code != 429 || err != nil || secs < 900 || secs > 1000 {
		t.Errorf("over the limit: %d, Retry-After %q, want 429 and about 1000 seconds", w.Code, w.Header().Get("Retry-After"))
	}
	if code, body := e.doAuth("GET", pol, "", "Bearer "+other); code != http.StatusOK {
		t.Errorf("another token: %d %s, want 200", code, body)
	}
	if n := e.scrape()[`vouch_http_requests_total{code="429",route="GET /v1/namespaces/{ns}/policy"}`]; n != 2 {
		t.Errorf("429s counted: %v, want 2", n)
	}
}
