package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/client"
	"github.com/vouchdev/vouch/pkg/serve/servetest"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// The npm publish attestation from sigstore-go's examples, a key-signed
// bundle (as in pkg/serve's tests).
const (
	publishDir    = "../../../testdata/sigstore/cases/sigstore/sigstore-go/example-bundle-publish"
	publishSHA512 = "76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"
	otherSHA512   = "00176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"
	emptyPolicy   = "apiVersion: vouch.dev/v1\nkind: Policy\n"
)

// server runs the real handler with the publish key trusted and namespace
// "npm" holding emptyPolicy.
func server(t *testing.T, db storetest.DB) *servetest.Server {
	t.Helper()
	key, err := trust.FromPublicKeyFile(filepath.Join(publishDir, "key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	return servetest.Start(t, db, []*trust.Key{key}, map[string]string{"npm": emptyPolicy})
}

func request(t *testing.T, sha512 string) client.Request {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(publishDir, "bundle.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	return client.Request{Subject: serve.RequestSubject{Digests: map[string]string{"sha512": sha512}},
		Bundles: []json.RawMessage{b}}
}

// nonet.Forbid disables http.DefaultTransport; the tests pass the loopback
// server's own client.

// TestClient drives the real handler: a genuine request verifies, its
// attack (another artifact's digest) is a refused record, and each API
// error reaches the caller with its code, after exactly one request.
func TestClient(t *testing.T) { storetest.Run(t, testClient) }

func testClient(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	srv := server(t, db)
	url, token, hc, hits := srv.URL, srv.Token, srv.Client, &srv.Hits
	ctx := context.Background()
	c, err := client.New(url, token, hc)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[bool]string{}
	for _, tc := range []struct {
		name     string
		sha512   string
		verified bool
	}{
		{"control: genuine", publishSHA512, true},
		{"another artifact's digest", otherSHA512, false},
	} {
		rec, err := c.Verify(ctx, "npm", request(t, tc.sha512))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if rec.Verified != tc.verified || !strings.Contains(string(rec.Report), `"verified"`) {
			t.Errorf("%s: verified %v, want %v: %s", tc.name, rec.Verified, tc.verified, rec.Report)
		}
		again, err := c.Verification(ctx, rec.ID)
		if err != nil || again.ID != rec.ID || string(again.Report) != string(rec.Report) {
			t.Errorf("%s: Verification(%s) = %+v, %v", tc.name, rec.ID, again, err)
		}
		ids[tc.verified] = rec.ID
	}
	// The same request again is the same record (idempotent).
	if rec, err := c.Verify(ctx, "npm", request(t, publishSHA512)); err != nil || rec.ID != ids[true] {
		t.Errorf("repeat: %+v, %v, want id %s", rec, err, ids[true])
	}
	s, err := c.Subject(ctx, "sha512:"+publishSHA512)
	if err != nil || len(s.Verifications) != 1 || s.Verifications[0].ID != ids[true] {
		t.Errorf("Subject: %+v, %v", s, err)
	}

	bad, err := client.New(url, "vouch_unknown", hc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		call   func() error
		status int
		code   string
	}{
		{"unknown namespace", func() error { _, err := c.Verify(ctx, "pypi", request(t, publishSHA512)); return err }, 404, "unknown_namespace"},
		{"invalid request", func() error { _, err := c.Verify(ctx, "npm", client.Request{}); return err }, 400, "invalid_request"},
		{"unknown id", func() error { _, err := c.Verification(ctx, "0123"); return err }, 404, "not_found"},
		{"bad digest", func() error { _, err := c.Subject(ctx, "sha1:00"); return err }, 400, "invalid_request"},
		{"unknown token", func() error { _, err := bad.Subject(ctx, "sha512:"+publishSHA512); return err }, 401, "unauthorized"},
	} {
		before := hits.Load()
		var apiErr *client.APIError
		if err := tc.call(); !errors.As(err, &apiErr) || apiErr.Status != tc.status || apiErr.Code != tc.code {
			t.Errorf("%s: %v, want %d %s", tc.name, err, tc.status, tc.code)
		}
		if n := hits.Load() - before; n != 1 {
			t.Errorf("%s: %d requests, want 1 (no retries)", tc.name, n)
		}
	}
}

// TestHostileServer: a response over the bound is an error, not read to
// its end; an error page that is not the API's shape keeps its status; a
// 5xx is not retried. The control, a small valid response, decodes.
func TestHostileServer(t *testing.T) {
	nonet.Forbid(t)
	var hits atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/v1/subjects/sha256:big":
			w.Write([]byte(`{"digest":"` + strings.Repeat("a", 2048) + `","verifications":[]}`))
		case "/v1/subjects/sha256:small":
			w.Write([]byte(`{"digest":"sha256:small","verifications":[]}`))
		default:
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html>bad gateway</html>"))
		}
	}))
	defer ts.Close()
	c, err := client.New(ts.URL, "vouch_x", ts.Client())
	if err != nil {
		t.Fatal(err)
	}
	c.SetLimit(1024)
	ctx := context.Background()
	if s, err := c.Subject(ctx, "sha256:small"); err != nil || s.Digest != "sha256:small" {
		t.Errorf("control: %+v, %v", s, err)
	}
	if _, err := c.Subject(ctx, "sha256:big"); err == nil || !strings.Contains(err.Error(), "over 1024 bytes") {
		t.Errorf("oversized response: %v", err)
	}
	before := hits.Load()
	var apiErr *client.APIError
	if _, err := c.Subject(ctx, "sha256:gateway"); !errors.As(err, &apiErr) || apiErr.Status != 502 || apiErr.Code != "" {
		t.Errorf("proxy error page: %v", err)
	}
	if n := hits.Load() - before; n != 1 {
		t.Errorf("5xx: %d requests, want 1", n)
	}
}

// TestNew refuses base URLs that would leak the token or change requests.
func TestNew(t *testing.T) {
	for _, tc := range []struct {
		url, token string
		ok         bool
	}{
		{"http://127.0.0.1:8321", "vouch_x", true},
		{"https://vouch.example/api/", "vouch_x", true},
		{"ftp://vouch.example", "vouch_x", false},
		{"https://user:pw@vouch.example", "vouch_x", false},
		{"https://vouch.example/?q=1", "vouch_x", false},
		{"vouch.example", "vouch_x", false},
		{"https://vouch.example", "", false},
	} {
		if _, err := client.New(tc.url, tc.token, nil); (err == nil) != tc.ok {
			t.Errorf("New(%q, %q): %v, want ok %v", tc.url, tc.token, err, tc.ok)
		}
	}
}
