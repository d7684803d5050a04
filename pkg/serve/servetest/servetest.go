// Package servetest runs the real vouch serve API handler on a loopback
// server for the tests of its clients.
package servetest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// Server is a running API server and its admin token.
type Server struct {
	URL   string
	Token string
	// Client reaches URL with a transport of its own, so tests that call
	// nonet.Forbid (which replaces the process defaults) still can.
	Client *http.Client
	// Hits counts the requests the server received.
	Hits atomic.Int64
}

// Start runs the handler on a fresh database of kind db, trusting keys
// (and the embedded public-good root, offline), with policies (namespace →
// policy document) put; it stops when the test ends.
func Start(t testing.TB, db storetest.DB, keys []*trust.Key, policies map[string]string) *Server {
	t.Helper()
	ctx := context.Background()
	st, eng := Open(t, db.NewDSN(t), keys)
	srv, err := serve.New(serve.Config{Store: st, Verifier: eng, Logger: slog.New(slog.DiscardHandler),
		TrustSHA256: serve.TrustDigest(eng.KeyIDs(), []byte("public-good offline"))})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{}
	if s.Token, err = serve.EnsureAdminToken(ctx, st); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Hits.Add(1)
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	s.URL, s.Client = ts.URL, ts.Client()
	for ns, doc := range policies {
		s.putPolicy(t, ns, doc)
	}
	return s
}

// putPolicy stores doc as namespace ns's policy.
func (s *Server) putPolicy(t testing.TB, ns, doc string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, s.URL+"/v1/namespaces/"+ns+"/policy", strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatalf("PUT policy %s: %v", ns, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT policy %s: %s", ns, resp.Status)
	}
}

// Open opens the database dsn names (closed when the test ends) and a
// verifier trusting keys and the embedded public-good root, offline: what a
// server runs on. A second call on the same dsn is a second replica's.
func Open(t testing.TB, dsn string, keys []*trust.Key) (store.Store, *engine.Verifier) {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng, err := engine.New(engine.Options{Keys: keys,
		Roots: trust.NewPublicGoodProvider(trust.Options{Offline: true, CacheDir: t.TempDir()}, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return st, eng
}
