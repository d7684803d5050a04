package serve_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/servetest"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// The npm registry's publish attestation from sigstore-go's examples: a
// key-signed bundle logged in public-good Rekor, the fixture vouch verify's
// own tests use (engine TestKeySignedTlog).
const (
	publishDir    = "../../testdata/sigstore/cases/sigstore/sigstore-go/example-bundle-publish"
	publishSHA512 = "76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"
	// otherSHA512 is a digest the bundle does not sign.
	otherSHA512 = "00176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"
	// emptyPolicy requires a trusted signature and nothing else.
	emptyPolicy = "apiVersion: vouch.dev/v1\nkind: Policy\n"
	// keylessBundle is a keyless bundle (npm provenance of sigstore.js):
	// a policy naming no identity cannot decide on it (422).
	keylessBundle = "../../testdata/sigstore/cases/sigstore/sigstore-go/sigstore.js-2.0.0-provenance/bundle.sigstore.json"
)

// env is a server on a fresh database with its admin token.
type env struct {
	t     testing.TB
	srv   *serve.Server
	st    store.Store
	token string
	eng   *engine.Verifier
	// dsn names the database: a second server on it is a replica.
	dsn string
}

// newEnv starts a server on a fresh database of the kind db.
func newEnv(t testing.TB, db storetest.DB, keys ...*trust.Key) *env {
	t.Helper()
	dsn := db.NewDSN(t)
	st, srv, eng := openServer(t, dsn, keys...)
	token, err := serve.EnsureAdminToken(context.Background(), st)
	if err != nil || token == "" {
		t.Fatalf("admin token %q: %v", token, err)
	}
	if again, err := serve.EnsureAdminToken(context.Background(), st); err != nil || again != "" {
		t.Fatalf("a second admin token was made: %q, %v", again, err)
	}
	return &env{t: t, srv: srv, st: st, token: token, eng: eng, dsn: dsn}
}

// openServer opens the database dsn names and a server on it: a second
// call on the same dsn is a second replica.
func openServer(t testing.TB, dsn string, keys ...*trust.Key) (store.Store, *serve.Server, *engine.Verifier) {
	t.Helper()
	st, eng := servetest.Open(t, dsn, keys)
	return st, newServer(t, st, eng, slog.New(slog.DiscardHandler)), eng
}

// newServer is a server on st with eng, logging to logger, signing VSAs
// with the tests' key (servetest.WithVSA).
func newServer(t testing.TB, st store.Store, eng *engine.Verifier, logger *slog.Logger) *serve.Server {
	t.Helper()
	srv, err := serve.New(servetest.WithVSA(t, serve.Config{Store: st, Verifier: eng, Logger: logger, TrustSHA256: serve.TrustDigest(eng.KeyIDs(), []byte("public-good offline"))}))
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func publishKey(t testing.TB) *trust.Key {
	t.Helper()
	k, err := trust.FromPublicKeyFile(filepath.Join(publishDir, "key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// do sends a request with the admin token and returns the status and body.
func (e *env) do(method, path, body string) (int, []byte) {
	return e.doAuth(method, path, body, "Bearer "+e.token)
}

func (e *env) doAuth(method, path, body, auth string) (int, []byte) {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, r)
	return w.Code, w.Body.Bytes()
}

func (e *env) putPolicy(ns, doc string) {
	e.t.Helper()
	if code, body := e.do("PUT", "/v1/namespaces/"+ns+"/policy", doc); code != http.StatusCreated && code != http.StatusOK {
		e.t.Fatalf("PUT policy: %d %s", code, body)
	}
}

// verificationBody is a request for the subject's sha512 with bundles.
func verificationBody(sha512 string, bundles ...[]byte) string {
	return requestBody("sha512", sha512, bundles...)
}

// requestBody is a request for the subject's digest alg:hex with bundles.
func requestBody(alg, hex string, bundles ...[]byte) string {
	// The bundles' bytes are sent as they are (json.Marshal would compact
	// them): a bundle is named by the digest of the bytes received.
	parts := make([]string, len(bundles))
	for i, b := range bundles {
		parts[i] = string(b)
	}
	return `{"subject":{"digests":{"` + alg + `":"` + hex + `"}},"bundles":[` + strings.Join(parts, ",") + `]}`
}

func decode[T any](t testing.TB, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

// records counts the stored decisions for a digest.
func (e *env) records(digest string) int {
	e.t.Helper()
	code, body := e.do("GET", "/v1/subjects/"+digest, "")
	if code != http.StatusOK {
		e.t.Fatalf("GET subject: %d %s", code, body)
	}
	return len(decode[serve.SubjectResponse](e.t, body).Verifications)
}

// TestVerify posts real bundles: the genuine one verifies, each attack
// (a forged log entry, another artifact's digest) is stored as refused.
func TestVerify(t *testing.T) { storetest.Run(t, testVerify) }

func testVerify(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	genuine := readFile(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	const set = "MEYCIQDhoULWkbm7KZ4P4qAWHLw7d9X66AM"
	if !bytes.Contains(genuine, []byte(set)) {
		t.Fatal("fixture changed: signedEntryTimestamp not found")
	}
	forged := bytes.Replace(genuine, []byte(set), []byte("MEYCIQDhoULWkbm7KZ4P4qAWHLw7d9X66AN"), 1)
	tests := []struct {
		name     string
		sha512   string
		bundle   []byte
		verified bool
		says     string
	}{
		{"control: genuine", publishSHA512, genuine, true, "signed by key"},
		{"forged log entry", publishSHA512, forged, false, "failed to verify log inclusion"},
		{"another artifact's digest", otherSHA512, genuine, false, "artifact does not match"},
	}
	e := newEnv(t, db, publishKey(t))
	e.putPolicy("npm", emptyPolicy)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := verificationBody(tc.sha512, tc.bundle)
			code, resp := e.do("POST", "/v1/namespaces/npm/verifications", body)
			if code != http.StatusCreated {
				t.Fatalf("POST: %d %s", code, resp)
			}
			v := decode[serve.VerificationResponse](t, resp)
			rep := decode[verify.Report](t, v.Report)
			if v.Verified != tc.verified || rep.Verified != tc.verified {
				t.Fatalf("verified %v (report %v), want %v: %s", v.Verified, rep.Verified, tc.verified, v.Report)
			}
			if !strings.Contains(rep.Artifacts[0].Findings[0].Message, tc.says) {
				t.Errorf("bundle finding %+v should say %q", rep.Artifacts[0].Findings[0], tc.says)
			}
			// The same request again is the same record.
			code, resp = e.do("POST", "/v1/namespaces/npm/verifications", body)
			if again := decode[serve.VerificationResponse](t, resp); code != http.StatusOK || again.ID != v.ID {
				t.Errorf("repeat: %d id %s, want 200 and id %s", code, again.ID, v.ID)
			}
			code, resp = e.do("GET", "/v1/verifications/"+v.ID, "")
			if got := decode[serve.VerificationResponse](t, resp); code != http.StatusOK || !bytes.Equal(got.Report, v.Report) {
				t.Errorf("GET verification: %d %s", code, resp)
			}
		})
	}
	if n := e.records("sha512:" + publishSHA512); n != 2 {
		t.Errorf("records for the published digest: %d, want 2 (genuine and forged)", n)
	}
}

// TestReportIsVerifyJSON: the stored report is what vouch verify -o json
// prints for the same subject, bundles and policy.
func TestReportIsVerifyJSON(t *testing.T) { storetest.Run(t, testReportIsVerifyJSON) }

func testReportIsVerifyJSON(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	genuine := readFile(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	e := newEnv(t, db, publishKey(t))
	e.putPolicy("npm", emptyPolicy)
	_, resp := e.do("POST", "/v1/namespaces/npm/verifications", verificationBody(publishSHA512, genuine))
	v := decode[serve.VerificationResponse](t, resp)

	pol, err := policy.Parse("p", []byte(emptyPolicy), "")
	if err != nil {
		t.Fatal(err)
	}
	name := "sha512:" + publishSHA512
	res, err := e.eng.Verify(context.Background(), engine.Subject{Name: name, Digests: map[string]string{"sha512": publishSHA512}},
		[]engine.Bundle{{Name: "sha256:" + sha256Hex(bytes.TrimSpace(genuine)), Data: genuine}}, pol)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := output.VerifyJSON(&want, verify.NewReport([]verify.ArtifactReport{res.ArtifactReport})); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := json.Indent(&got, v.Report, "", "  "); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got.String()) != strings.TrimSpace(want.String()) {
		t.Errorf("report:\n%s\nwant:\n%s", got.String(), want.String())
	}
}

// TestBadInput: every refused request gets a 4xx with a machine-readable
// error and stores nothing; the controls, well-formed requests, pass.
func TestBadInput(t *testing.T) { storetest.Run(t, testBadInput) }

func testBadInput(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	genuine := readFile(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	good := verificationBody(publishSHA512, genuine)
	keyless := readFile(t, keylessBundle)
	e := newEnv(t, db, publishKey(t))
	e.putPolicy("npm", emptyPolicy)
	big := `{"subject":{"digests":{"sha512":"` + publishSHA512 + `"}},"bundles":[{"x":"` + strings.Repeat("a", serve.DefaultMaxBody) + `"}]}`
	tests := []struct {
		name, method, path, body, auth string
		status                         int
		code                           string
	}{
		{"no token", "POST", "/v1/namespaces/npm/verifications", good, "-", 401, "unauthorized"},
		{"unknown token", "POST", "/v1/namespaces/npm/verifications", good, "Bearer vouch_AAAA", 401, "unauthorized"},
		{"basic auth", "POST", "/v1/namespaces/npm/verifications", good, "Basic dm91Y2g6eA==", 401, "unauthorized"},
		{"unknown namespace", "POST", "/v1/namespaces/pypi/verifications", good, "", 404, "unknown_namespace"},
		{"bad namespace name", "POST", "/v1/namespaces/NPM!/verifications", good, "", 400, "invalid_request"},
		{"malformed JSON", "POST", "/v1/namespaces/npm/verifications", `{"subject":`, "", 400, "invalid_request"},
		{"duplicate key", "POST", "/v1/namespaces/npm/verifications", `{"subject":{"digests":{"sha512":"` + publishSHA512 + `"}},"bundles":[],"bundles":[` + string(genuine) + `]}`, "", 400, "invalid_request"},
		{"folded duplicate key", "POST", "/v1/namespaces/npm/verifications", `{"subject":{"digests":{"sha512":"` + publishSHA512 + `"}},"Bundles":[],"bundles":[` + string(genuine) + `]}`, "", 400, "invalid_request"},
		{"unknown field", "POST", "/v1/namespaces/npm/verifications", strings.Replace(good, `"subject"`, `"policy":"x","subject"`, 1), "", 400, "invalid_request"},
		{"trailing data", "POST", "/v1/namespaces/npm/verifications", good + "{}", "", 400, "invalid_request"},
		{"no bundle", "POST", "/v1/namespaces/npm/verifications", verificationBody(publishSHA512), "", 400, "invalid_request"},
		{"bundle not an object", "POST", "/v1/namespaces/npm/verifications", `{"subject":{"digests":{"sha512":"` + publishSHA512 + `"}},"bundles":["x"]}`, "", 400, "invalid_request"},
		{"short digest", "POST", "/v1/namespaces/npm/verifications", verificationBody("abcd", genuine), "", 400, "invalid_request"},
		{"md5 digest", "POST", "/v1/namespaces/npm/verifications", `{"subject":{"digests":{"md5":"d41d8cd98f00b204e9800998ecf8427e"}},"bundles":[` + string(genuine) + `]}`, "", 400, "invalid_request"},
		{"bad purl", "POST", "/v1/namespaces/npm/verifications", `{"subject":{"digests":{"sha512":"` + publishSHA512 + `"},"purl":"npm:x"},"bundles":[` + string(genuine) + `]}`, "", 400, "invalid_request"},
		{"keyless bundle, no identity required", "POST", "/v1/namespaces/npm/verifications", verificationBody(publishSHA512, keyless), "", 422, "unverifiable_request"},
		{"oversized body", "POST", "/v1/namespaces/npm/verifications", big, "", 413, "body_too_large"},
		{"oversized policy", "PUT", "/v1/namespaces/npm/policy", emptyPolicy + "#" + strings.Repeat("x", policy.MaxPolicyBytes), "", 413, "body_too_large"},
		{"policy does not compile", "PUT", "/v1/namespaces/npm/policy", "apiVersion: vouch.dev/v1\nkind: Policy\nslsa: {sourceRefs: ['[']}\n", "", 400, "invalid_policy"},
		{"policy unknown field", "PUT", "/v1/namespaces/npm/policy", emptyPolicy + "trsut: {}\n", "", 400, "invalid_policy"},
		{"policy names a server key file", "PUT", "/v1/namespaces/npm/policy", emptyPolicy + "trust: {keys: [/etc/hostname]}\n", "", 400, "invalid_policy"},
		{"policy names a server root file", "PUT", "/v1/namespaces/npm/policy", emptyPolicy + "trust: {trustedRoot: /etc/hostname}\n", "", 400, "invalid_policy"},
		{"policy names a server key file, beside a type error", "PUT", "/v1/namespaces/npm/policy", emptyPolicy + "trust: {keys: [/etc/hostname], identities: 3}\n", "", 400, "invalid_policy"},
		{"policy names a layout on the server", "PUT", "/v1/namespaces/npm/policy", emptyPolicy + "layout: {file: /etc/hostname, keys: [/etc/hostname]}\n", "", 400, "invalid_policy"},
		{"policy not YAML", "PUT", "/v1/namespaces/npm/policy", "{", "", 400, "invalid_policy"},
		{"unknown verification", "GET", "/v1/verifications/nope", "", "", 404, "not_found"},
		{"bad subject digest", "GET", "/v1/subjects/sha1:abc", "", "", 400, "invalid_request"},
		{"unknown endpoint", "GET", "/v2/", "", "", 404, "not_found"},
		{"wrong method", "GET", "/v1/namespaces/npm/verifications", "", "", 405, "method_not_allowed"},
		{"wrong method on policy", "POST", "/v1/namespaces/npm/policy", emptyPolicy, "", 405, "method_not_allowed"},
		{"policy of unknown namespace", "GET", "/v1/namespaces/pypi/policy", "", "", 404, "unknown_namespace"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			auth := "Bearer " + e.token
			switch tc.auth {
			case "-":
				auth = ""
			case "":
			default:
				auth = tc.auth
			}
			code, body := e.doAuth(tc.method, tc.path, tc.body, auth)
			if code != tc.status {
				t.Fatalf("status %d, want %d: %s", code, tc.status, body)
			}
			eb := decode[serve.ErrorBody](t, body)
			if eb.Error.Code != tc.code || eb.Error.Message == "" {
				t.Errorf("error %+v, want code %q and a message", eb.Error, tc.code)
			}
			// A policy naming server files is refused for that, before
			// they are read.
			if strings.Contains(tc.name, "server") && !strings.Contains(eb.Error.Message, "on the server") {
				t.Errorf("message %q should say files on the server are not read", eb.Error.Message)
			}
		})
	}
	// Nothing was stored: no decision, the policy still at version 1.
	if n := e.records("sha512:" + publishSHA512); n != 0 {
		t.Errorf("%d decisions stored by refused requests", n)
	}
	p, err := e.st.CurrentPolicy(context.Background(), "npm")
	if err != nil || p.Version != 1 || string(p.Document) != emptyPolicy {
		t.Errorf("policy after refused PUTs: %+v %v", p, err)
	}
	// Control: the well-formed request is accepted.
	if code, body := e.do("POST", "/v1/namespaces/npm/verifications", good); code != http.StatusCreated {
		t.Errorf("control: %d %s", code, body)
	}
}

// TestPolicyVersions: a policy is versioned and content-addressed; putting
// the current document again is not a new version; a namespace's
// verifications use its newest policy.
func TestPolicyVersions(t *testing.T) { storetest.Run(t, testPolicyVersions) }

func testPolicyVersions(t *testing.T, db storetest.DB) {
	e := newEnv(t, db)
	second := emptyPolicy + "predicates: {required: [slsaprovenance1]}\n"
	steps := []struct {
		doc     string
		status  int
		version int64
	}{
		{emptyPolicy, 201, 1},
		{emptyPolicy, 200, 1},
		{second, 201, 2},
		{emptyPolicy, 201, 3},
	}
	for i, s := range steps {
		code, body := e.do("PUT", "/v1/namespaces/pypi/policy", s.doc)
		ref := decode[serve.PolicyRef](t, body)
		if code != s.status || ref.Version != s.version || ref.SHA256 != sha256Hex([]byte(s.doc)) {
			t.Errorf("step %d: %d %+v, want %d version %d", i, code, ref, s.status, s.version)
		}
	}
	r := httptest.NewRequest("GET", "/v1/namespaces/pypi/policy", nil)
	r.Header.Set("Authorization", "Bearer "+e.token)
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, r)
	if w.Code != 200 || w.Body.String() != emptyPolicy || w.Header().Get("Vouch-Policy-Version") != "3" ||
		w.Header().Get("ETag") != `"sha256:`+sha256Hex([]byte(emptyPolicy))+`"` {
		t.Errorf("GET policy: %d %q %v", w.Code, w.Body.String(), w.Header())
	}
}

// TestConcurrentIdempotency: 50 identical requests at once over loopback,
// alternating between two replicas (two servers, each with its own store
// connections, on one database), are one record — every response names it,
// and exactly one created it: the database's unique key decides, not a lock
// in a process.
func TestConcurrentIdempotency(t *testing.T) { storetest.Run(t, testConcurrentIdempotency) }

func testConcurrentIdempotency(t *testing.T, db storetest.DB) {
	genuine := readFile(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	e := newEnv(t, db, publishKey(t))
	e.putPolicy("npm", emptyPolicy)
	_, replica, _ := openServer(t, e.dsn, publishKey(t))
	servers := []*httptest.Server{httptest.NewServer(e.srv), httptest.NewServer(replica)}
	for _, ts := range servers {
		defer ts.Close()
	}
	body := verificationBody(publishSHA512, genuine)
	const n = 50
	ids := make([]string, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			ts := servers[i%len(servers)]
			req, _ := http.NewRequest("POST", ts.URL+"/v1/namespaces/npm/verifications", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+e.token)
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			codes[i] = resp.StatusCode
			var v serve.VerificationResponse
			if err := json.Unmarshal(data, &v); err != nil {
				t.Errorf("%d: %s", resp.StatusCode, data)
			}
			ids[i] = v.ID
		})
	}
	close(start)
	wg.Wait()
	created := 0
	for i := range n {
		if codes[i] == http.StatusCreated {
			created++
		} else if codes[i] != http.StatusOK {
			t.Errorf("request %d: status %d", i, codes[i])
		}
		if ids[i] != ids[0] || ids[i] == "" {
			t.Errorf("request %d: id %q, request 0: %q", i, ids[i], ids[0])
		}
	}
	if created != 1 {
		t.Errorf("%d requests created a record, want 1", created)
	}
	if got := e.records("sha512:" + publishSHA512); got != 1 {
		t.Errorf("%d records stored, want 1", got)
	}
	// Control: a different request (another digest) is another record.
	if code, resp := e.do("POST", "/v1/namespaces/npm/verifications", verificationBody(otherSHA512, genuine)); code != http.StatusCreated {
		t.Errorf("control: %d %s", code, resp)
	}
	if got := e.records("sha512:" + otherSHA512); got != 1 {
		t.Errorf("control: %d records, want 1", got)
	}
}

func sha256Hex(b []byte) string {
	return fmt.Sprintf("%x", sha256.Sum256(b))
}
