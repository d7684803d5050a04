package serve_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
)

// newToken makes a token through the API with the admin token and returns
// its secret.
func (e *env) newToken(scope, ns string) string {
	e.t.Helper()
	code, body := e.do("POST", "/v1/tokens", `{"scope":"`+scope+`","namespace":"`+ns+`"}`)
	if code != http.StatusCreated {
		e.t.Fatalf("POST /v1/tokens %s %s: %d %s", scope, ns, code, body)
	}
	return decode[serve.TokenResponse](e.t, body).Token
}

// TestScopes drives every endpoint with every scope, in the namespace of
// the resources (npm) and in another (pypi): each cell's status is stated,
// the allowed ones as well as the refused ones, and the subject listing
// shows each token only its namespace's records.
func TestScopes(t *testing.T) { storetest.Run(t, testScopes) }

func testScopes(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	genuine := readFile(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	e := newEnv(t, db, publishKey(t))
	e.putPolicy("npm", emptyPolicy)
	e.putPolicy("pypi", emptyPolicy)
	good := verificationBody(publishSHA512, genuine)
	code, body := e.do("POST", "/v1/namespaces/npm/verifications", good)
	if code != http.StatusCreated {
		t.Fatalf("POST verification: %d %s", code, body)
	}
	npmRecord := decode[serve.VerificationResponse](t, body).ID
	if code, body := e.do("POST", "/v1/namespaces/pypi/verifications", good); code != http.StatusCreated {
		t.Fatalf("POST verification in pypi: %d %s", code, body)
	}
	type endpoint struct{ name, method, path, body string }
	endpoints := []endpoint{
		{"put policy", "PUT", "/v1/namespaces/npm/policy", emptyPolicy},
		{"get policy", "GET", "/v1/namespaces/npm/policy", ""},
		{"head policy", "HEAD", "/v1/namespaces/npm/policy", ""},
		{"verify", "POST", "/v1/namespaces/npm/verifications", good},
		{"get verification", "GET", "/v1/verifications/" + npmRecord, ""},
		{"subject", "GET", "/v1/subjects/sha512:" + publishSHA512, ""},
		{"create token", "POST", "/v1/tokens", `{"scope":"read","namespace":"npm"}`},
		{"list tokens", "GET", "/v1/tokens", ""},
		{"revoke token", "DELETE", "/v1/tokens/nope", ""},
	}
	// want[token][endpoint] in the order above.
	want := []struct {
		scope, ns string
		status    []int
	}{
		{"admin", "", []int{200, 200, 200, 200, 200, 200, 201, 200, 404}},
		{"admin", "npm", []int{200, 200, 200, 200, 200, 200, 403, 403, 403}},
		{"verify", "npm", []int{403, 403, 403, 200, 403, 403, 403, 403, 403}},
		{"read", "npm", []int{403, 200, 200, 403, 200, 200, 403, 403, 403}},
		{"admin", "pypi", []int{403, 403, 403, 403, 404, 200, 403, 403, 403}},
		{"verify", "pypi", []int{403, 403, 403, 403, 403, 403, 403, 403, 403}},
		{"read", "pypi", []int{403, 403, 403, 403, 404, 200, 403, 403, 403}},
	}
	for _, tok := range want {
		secret := e.token
		if tok.ns != "" {
			secret = e.newToken(tok.scope, tok.ns)
		}
		for i, ep := range endpoints {
			t.Run(tok.scope+"@"+tok.ns+"/"+ep.name, func(t *testing.T) {
				code, body := e.doAuth(ep.method, ep.path, ep.body, "Bearer "+secret)
				if code != tok.status[i] {
					t.Fatalf("status %d, want %d: %s", code, tok.status[i], body)
				}
				if code == 403 && !strings.Contains(decode[serve.ErrorBody](t, body).Error.Message, "expected scope") &&
					!strings.Contains(string(body), "expected the global admin") {
					t.Errorf("a 403 should say which scope is expected: %s", body)
				}
				if ep.name == "get verification" && code == 404 {
					// Another namespace's record is as unknown as one
					// that does not exist.
					_, unknown := e.do("GET", "/v1/verifications/nope", "")
					if strings.ReplaceAll(string(body), npmRecord, "nope") != string(unknown) {
						t.Errorf("404 of another namespace's record %s differs from an unknown id's %s", body, unknown)
					}
				}
				if ep.name == "subject" && code == 200 {
					checkSubjectNamespaces(t, body, tok.ns)
				}
			})
		}
	}
}

// checkSubjectNamespaces checks that a subject listing holds the records
// of ns alone, one, or of both namespaces for the global admin (ns "").
func checkSubjectNamespaces(t *testing.T, body []byte, ns string) {
	t.Helper()
	got := map[string]int{}
	for _, v := range decode[serve.SubjectResponse](t, body).Verifications {
		got[v.Namespace]++
	}
	wantNS := map[string]int{ns: 1}
	if ns == "" {
		wantNS = map[string]int{"npm": 1, "pypi": 1}
	}
	if len(got) != len(wantNS) || got[ns] != wantNS[ns] || (ns == "" && (got["npm"] != 1 || got["pypi"] != 1)) {
		t.Errorf("records by namespace %v, want %v", got, wantNS)
	}
}

// TestTokenLifecycle: an expired, a revoked and an unknown token are 401s
// with their own codes, each beside a control that passes; the secret is
// returned once and never listed; a token cannot revoke itself.
func TestTokenLifecycle(t *testing.T) { storetest.Run(t, testTokenLifecycle) }

func testTokenLifecycle(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	ctx := context.Background()
	e := newEnv(t, db)
	e.putPolicy("npm", emptyPolicy)
	const pol = "/v1/namespaces/npm/policy"

	// Expiry: a token past its expiry, and its control, one before it.
	past, future := "vouch_expired", "vouch_notyet"
	for secret, exp := range map[string]time.Time{past: time.Now().Add(-time.Second), future: time.Now().Add(time.Hour)} {
		if err := e.st.CreateToken(ctx, store.Token{ID: secret, SHA256: sha256Hex([]byte(secret)), Scope: "read", Namespace: "npm", Expires: exp}); err != nil {
			t.Fatal(err)
		}
	}
	expectCode(t, e, "expired", "GET", pol, "", past, 401, "token_expired")
	expectCode(t, e, "control: not yet expired", "GET", pol, "", future, 200, "")

	// expiresIn through the API sets expiresAt.
	code, body := e.do("POST", "/v1/tokens", `{"scope":"verify","namespace":"npm","expiresIn":3600}`)
	made := decode[serve.TokenResponse](t, body)
	if code != 201 || made.ExpiresAt.Sub(made.Created) != time.Hour || !strings.HasPrefix(made.Token, "vouch_") {
		t.Errorf("token with expiresIn: %d %+v", code, made)
	}
	if st, err := e.st.TokenBySHA256(ctx, sha256Hex([]byte(made.Token))); err != nil || st.ID != made.ID {
		t.Errorf("the token is not stored by the SHA-256 of its secret: %+v %v", st, err)
	}

	// Revocation: the revoked token is refused, its sibling still passes.
	revoked, sibling := e.newToken("read", "npm"), e.newToken("read", "npm")
	id := tokenID(t, e, revoked)
	if code, body := e.do("DELETE", "/v1/tokens/"+id, ""); code != 204 {
		t.Fatalf("DELETE token: %d %s", code, body)
	}
	expectCode(t, e, "revoked", "GET", pol, "", revoked, 401, "token_revoked")
	expectCode(t, e, "control: not revoked", "GET", pol, "", sibling, 200, "")
	expectCode(t, e, "revoked again (kept revoked)", "DELETE", "/v1/tokens/"+id, "", e.token, 204, "")
	expectCode(t, e, "unknown token", "GET", pol, "", "vouch_unknown", 401, "unauthorized")
	expectCode(t, e, "revoke unknown id", "DELETE", "/v1/tokens/nope", "", e.token, 404, "not_found")
	expectCode(t, e, "revoke own token", "DELETE", "/v1/tokens/"+tokenID(t, e, e.token), "", e.token, 409, "conflict")

	// The list has every token and no secret.
	code, body = e.do("GET", "/v1/tokens", "")
	for _, secret := range []string{e.token, revoked, sibling, made.Token} {
		if code != 200 || strings.Contains(string(body), secret) || strings.Contains(string(body), sha256Hex([]byte(secret))) {
			t.Errorf("GET /v1/tokens: %d, shows a secret or its hash: %s", code, body)
		}
	}
	if n := len(decode[serve.TokenList](t, body).Tokens); n != 6 {
		t.Errorf("GET /v1/tokens: %d tokens, want 6", n)
	}
}

// expectCode sends a request with the token secret and checks the status
// and, for an error, its code.
func expectCode(t *testing.T, e *env, name, method, path, body, secret string, status int, code string) {
	t.Helper()
	got, resp := e.doAuth(method, path, body, "Bearer "+secret)
	if got != status {
		t.Errorf("%s: status %d, want %d: %s", name, got, status, resp)
		return
	}
	if code != "" {
		if eb := decode[serve.ErrorBody](t, resp); eb.Error.Code != code {
			t.Errorf("%s: code %q, want %q", name, eb.Error.Code, code)
		}
	}
}

// tokenID finds a token's id by its secret, as the store keeps it.
func tokenID(t *testing.T, e *env, secret string) string {
	t.Helper()
	tok, err := e.st.TokenBySHA256(context.Background(), sha256Hex([]byte(secret)))
	if err != nil {
		t.Fatal(err)
	}
	return tok.ID
}

// TestTokenRequests: POST /v1/tokens refuses what it cannot make, naming
// the field; the controls are made.
func TestTokenRequests(t *testing.T) { storetest.Run(t, testTokenRequests) }

func testTokenRequests(t *testing.T, db storetest.DB) {
	e := newEnv(t, db)
	tests := []struct {
		name, body string
		status     int
		says       string
	}{
		{"control: verify in a namespace", `{"scope":"verify","namespace":"npm"}`, 201, ""},
		{"control: global admin", `{"scope":"admin"}`, 201, ""},
		{"control: admin of a namespace, expiring", `{"scope":"admin","namespace":"npm","expiresIn":60}`, 201, ""},
		{"unknown scope", `{"scope":"write","namespace":"npm"}`, 400, "scope: expected"},
		{"no scope", `{"namespace":"npm"}`, 400, "scope: expected"},
		{"global read", `{"scope":"read"}`, 400, "only admin may be global"},
		{"bad namespace", `{"scope":"read","namespace":"NPM!"}`, 400, "NPM!"},
		{"zero expiry", `{"scope":"read","namespace":"npm","expiresIn":0}`, 400, "expiresIn: expected seconds"},
		{"negative expiry", `{"scope":"read","namespace":"npm","expiresIn":-5}`, 400, "expiresIn: expected seconds"},
		{"expiry past ten years", `{"scope":"read","namespace":"npm","expiresIn":315360001}`, 400, "expiresIn: expected seconds"},
		{"expiry not a number", `{"scope":"read","namespace":"npm","expiresIn":"1h"}`, 400, "expiresIn"},
		{"unknown field", `{"scope":"read","namespace":"npm","secret":"vouch_mine"}`, 400, "secret"},
		{"duplicate key", `{"scope":"read","scope":"admin","namespace":"npm"}`, 400, "scope"},
		{"trailing data", `{"scope":"read","namespace":"npm"}{}`, 400, "after the JSON object"},
		{"not JSON", `scope=admin`, 400, "token request"},
		{"oversized", `{"scope":"read","namespace":"` + strings.Repeat("a", 5000) + `"}`, 413, "over the limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.do("POST", "/v1/tokens", tc.body)
			if code != tc.status || !strings.Contains(string(body), tc.says) {
				t.Errorf("status %d, want %d saying %q: %s", code, tc.status, tc.says, body)
			}
		})
	}
	if n, err := e.st.CountTokens(context.Background()); err != nil || n != 4 {
		t.Errorf("%d tokens stored, want 4 (the admin and the three controls): %v", n, err)
	}
}
