package serve_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/servetest"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// trustOf is the Trust of a verifier trusting keys (and the public-good
// root, offline), named by what.
func trustOf(t *testing.T, dsn, what string, keys ...*trust.Key) serve.Trust {
	t.Helper()
	_, eng := servetest.Open(t, dsn, keys)
	return serve.Trust{Verifier: eng, SHA256: serve.TrustDigest(eng.KeyIDs(), []byte(what))}
}

// TestTrustRefresh: a refresh swaps the engine and its digest for later
// requests — a decision after the swap is made with the new engine and
// records the new digest, and OnTrustChange hears of it once; a refresh
// to the same digest changes nothing; a failed refresh keeps the last
// good trust and is counted, a good one sets the time of the last success.
func TestTrustRefresh(t *testing.T) { storetest.Run(t, testTrustRefresh) }

func testTrustRefresh(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	ctx := context.Background()
	genuine := readFile(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	dsn := db.NewDSN(t)
	withKey := trustOf(t, dsn, "root 1", publishKey(t))
	withoutKey := trustOf(t, dsn, "root 2")
	holder, err := serve.NewTrustHolder(withKey)
	if err != nil {
		t.Fatal(err)
	}
	var changes [][2]string
	holder.OnTrustChange = func(_ context.Context, old, new string) { changes = append(changes, [2]string{old, new}) }
	st, _ := servetest.Open(t, dsn, nil)
	srv, err := serve.New(serve.Config{Store: st, Trust: holder, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	token, err := serve.EnsureAdminToken(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, st: st, token: token, eng: withKey.Verifier, dsn: dsn}
	e.putPolicy("npm", emptyPolicy)
	body := verificationBody(publishSHA512, genuine)
	post := func(wantStatus int, want serve.Trust, verified bool) {
		t.Helper()
		code, resp := e.do("POST", "/v1/namespaces/npm/verifications", body)
		v := decode[serve.VerificationResponse](t, resp)
		if code != wantStatus || v.TrustSHA256 != want.SHA256 || v.Verified != verified {
			t.Errorf("POST: %d trust %s verified %v, want %d trust %s verified %v", code, v.TrustSHA256, v.Verified, wantStatus, want.SHA256, verified)
		}
	}
	post(http.StatusCreated, withKey, true)

	// A failed refresh: the last good trust stays, the failure is counted.
	before := e.scrape()
	if err := srv.RefreshTrustOnce(ctx, func(context.Context) (serve.Trust, error) { return serve.Trust{}, errors.New("tuf: offline") }); err == nil {
		t.Error("a failed refresh returned no error")
	}
	after := e.scrape()
	if d := after["vouch_trust_refresh_failures_total{}"] - before["vouch_trust_refresh_failures_total{}"]; d != 1 {
		t.Errorf("failures counted: %v, want 1", d)
	}
	if after["vouch_trust_refresh_last_success_timestamp_seconds{}"] != 0 {
		t.Error("a failed refresh set the time of the last success")
	}
	post(http.StatusOK, withKey, true) // the same record, the same trust

	// Control: a good refresh swaps; the same request is a new decision,
	// made by the new engine (which does not trust the key).
	if err := srv.RefreshTrustOnce(ctx, func(context.Context) (serve.Trust, error) { return withoutKey, nil }); err != nil {
		t.Fatal(err)
	}
	if got := e.scrape()["vouch_trust_refresh_last_success_timestamp_seconds{}"]; time.Since(time.Unix(int64(got), 0)) > time.Minute {
		t.Errorf("last success at %v, want now", got)
	}
	post(http.StatusCreated, withoutKey, false)
	if len(changes) != 1 || changes[0] != [2]string{withKey.SHA256, withoutKey.SHA256} {
		t.Errorf("OnTrustChange calls %v, want one from %s to %s", changes, withKey.SHA256, withoutKey.SHA256)
	}

	// The same digest again is no change.
	if err := srv.RefreshTrustOnce(ctx, func(context.Context) (serve.Trust, error) { return withoutKey, nil }); err != nil || len(changes) != 1 {
		t.Errorf("refresh to the same trust: %v, %d changes, want 1", err, len(changes))
	}
	if n := e.records("sha512:" + publishSHA512); n != 2 {
		t.Errorf("%d records, want 2 (one per trust)", n)
	}
}

// TestRefreshTrustLoop: RefreshTrust loads at once, then every interval,
// until its context ends.
func TestRefreshTrustLoop(t *testing.T) {
	e := newEnv(t, storetest.DBs()[0])
	ctx, cancel := context.WithCancel(context.Background())
	var loads atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.srv.RefreshTrust(ctx, 5*time.Millisecond, func(context.Context) (serve.Trust, error) {
			if loads.Add(1) == 3 {
				cancel()
			}
			return serve.Trust{}, errors.New("no root today")
		})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("RefreshTrust did not return after its context ended")
	}
	if n := loads.Load(); n != 3 {
		t.Errorf("%d loads, want 3", n)
	}
}

// TestTrustHolderRefusesEmpty: a trust without an engine or a digest is
// refused, at New and at a swap, and the current one stays.
func TestTrustHolderRefusesEmpty(t *testing.T) {
	good := trustOf(t, storetest.DBs()[0].NewDSN(t), "root")
	if _, err := serve.NewTrustHolder(serve.Trust{SHA256: "x"}); err == nil {
		t.Error("a trust without an engine was held")
	}
	h, err := serve.NewTrustHolder(good)
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := h.Swap(context.Background(), serve.Trust{Verifier: good.Verifier}); err == nil || changed || h.Current() != good {
		t.Errorf("swap to a trust without a digest: %v %v, current %v", changed, err, h.Current())
	}
}

// swapMidway is a store that swaps the trust once, during a request's
// first lookup (after the request took its trust, before it verifies).
type swapMidway struct {
	store.Store
	swap func()
	once sync.Once
}

func (s *swapMidway) VerificationByKey(ctx context.Context, ns, key string) (store.Verification, error) {
	s.once.Do(s.swap)
	return s.Store.VerificationByKey(ctx, ns, key)
}

// TestTrustSwapInFlight: a request in flight when the trust is swapped is
// decided with the trust it started with, engine and digest together; the
// next request uses the new one.
func TestTrustSwapInFlight(t *testing.T) {
	nonet.Forbid(t)
	ctx := context.Background()
	genuine := readFile(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	dsn := storetest.DBs()[0].NewDSN(t)
	withKey, withoutKey := trustOf(t, dsn, "root 1", publishKey(t)), trustOf(t, dsn, "root 2")
	holder, err := serve.NewTrustHolder(withKey)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := servetest.Open(t, dsn, nil)
	st := &swapMidway{Store: base, swap: func() {
		if _, err := holder.Swap(ctx, withoutKey); err != nil {
			t.Error(err)
		}
	}}
	srv, err := serve.New(serve.Config{Store: st, Trust: holder, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	token, err := serve.EnsureAdminToken(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, st: st, token: token, dsn: dsn}
	e.putPolicy("npm", emptyPolicy)
	body := verificationBody(publishSHA512, genuine)
	for i, want := range []struct {
		trust    serve.Trust
		verified bool
	}{{withKey, true}, {withoutKey, false}} {
		code, resp := e.do("POST", "/v1/namespaces/npm/verifications", body)
		v := decode[serve.VerificationResponse](t, resp)
		if code != http.StatusCreated || v.TrustSHA256 != want.trust.SHA256 || v.Verified != want.verified {
			t.Errorf("request %d: %d trust %s verified %v, want 201 trust %s verified %v", i, code, v.TrustSHA256, v.Verified, want.trust.SHA256, want.verified)
		}
	}
}
