package serve_test

import (
	"database/sql"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify/policy"
)

// queueBookkeeping are tables whose rows change by the job queue's own
// clock (leader election, client registration), not by requests.
var queueBookkeeping = []string{"river_leader", "river_client", "river_client_queue", "river_queue"}

// tableRows counts the rows of every table of the database dsn names, by
// table: what a request stored anywhere shows up here, whatever table a
// later change adds.
func tableRows(t testing.TB, dbName, dsn string) map[string]int {
	t.Helper()
	driver, list := "sqlite", "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if dbName == "postgres" {
		driver, list = "pgx", "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(list)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(queueBookkeeping, name) {
			tables = append(tables, name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, name := range tables {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM "` + name + `"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[name] = n
	}
	if len(counts) == 0 {
		t.Fatal("the database has no tables")
	}
	return counts
}

// refusal is one request of TestRefusalsStoreNothing: a refused one (a
// 4xx with the error code and a message saying says) or a control that
// must store (a 201) or find what is stored (a 200).
type refusal struct {
	name, method, path string
	body               string
	// chunked sends the body without a Content-Length.
	chunked bool
	// auth is the Authorization header; "" is the admin token.
	auth   string
	status int
	code   string
	says   string
}

// TestRefusalsStoreNothing sends every kind of bad input over loopback
// HTTP — oversized, malformed, duplicated, unknown, too deep, unknown
// namespace, no or an unknown token, a policy that does not compile — and
// checks that each is refused with a 4xx, a JSON error whose code a
// machine can act on and whose message names what was wrong, and that no
// row of any table changed. The controls, well-formed requests between
// them, must store (so a server that stores nothing cannot pass).
func TestRefusalsStoreNothing(t *testing.T) { storetest.Run(t, testRefusalsStoreNothing) }

func testRefusalsStoreNothing(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	genuine := readFile(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	e := newEnv(t, db, publishKey(t))
	e.putPolicy("npm", emptyPolicy)
	ts := httptest.NewServer(e.srv)
	defer ts.Close()

	expired, revoked, reader := refusedTokens(t, e)
	good := verificationBody(publishSHA512, genuine)
	subject := `{"digests":{"sha512":"` + publishSHA512 + `"}}`
	withBundles := func(bundles string) string { return `{"subject":` + subject + `,"bundles":[` + bundles + `]}` }
	deep := strings.Repeat(`{"a":`, 70) + `1` + strings.Repeat(`}`, 70)
	tooMany := strings.TrimSuffix(strings.Repeat(string(genuine)+",", serve.MaxBundles+1), ",")
	big := withBundles(`{"x":"` + strings.Repeat("a", serve.DefaultMaxBody) + `"}`)
	const verifications = "/v1/namespaces/npm/verifications"
	tests := []refusal{
		{name: "no token", method: "POST", path: verifications, body: good, auth: "-", status: 401, code: "unauthorized", says: "Authorization"},
		{name: "unknown token", method: "POST", path: verifications, body: good, auth: "Bearer vouch_AAAAAAAAAAAAAAAAAAAA", status: 401, code: "unauthorized", says: "not known"},
		{name: "token in another scheme", method: "POST", path: verifications, body: good, auth: "Token " + "x", status: 401, code: "unauthorized", says: "Bearer"},
		{name: "expired token", method: "POST", path: verifications, body: good, auth: "Bearer " + expired, status: 401, code: "token_expired", says: "expired"},
		{name: "revoked token", method: "POST", path: verifications, body: good, auth: "Bearer " + revoked, status: 401, code: "token_revoked", says: "revoked"},
		{name: "read token verifying", method: "POST", path: verifications, body: good, auth: "Bearer " + reader, status: 403, code: "forbidden", says: "read"},
		{name: "control: the read token reads", method: "GET", path: "/v1/namespaces/npm/policy", auth: "Bearer " + reader, status: 200},
		{name: "unknown namespace", method: "POST", path: "/v1/namespaces/pypi/verifications", body: good, status: 404, code: "unknown_namespace", says: "pypi"},
		{name: "oversized body", method: "POST", path: verifications, body: big, status: 413, code: "body_too_large", says: "limit"},
		{name: "oversized body, chunked", method: "POST", path: verifications, body: big, chunked: true, status: 413, code: "body_too_large", says: "limit"},
		{name: "empty body", method: "POST", path: verifications, body: "", status: 400, code: "invalid_request"},
		{name: "malformed JSON", method: "POST", path: verifications, body: good[:len(good)/2], status: 400, code: "invalid_request"},
		{name: "YAML, not JSON", method: "POST", path: verifications, body: "subject: {}\n", status: 400, code: "invalid_request"},
		{name: "duplicate key", method: "POST", path: verifications, body: `{"subject":` + subject + `,"subject":` + subject + `,"bundles":[` + string(genuine) + `]}`, status: 400, code: "invalid_request", says: "subject"},
		{name: "duplicate key inside a bundle", method: "POST", path: verifications, body: withBundles(strings.Replace(string(genuine), `{`, `{"mediaType":"x",`, 1)), status: 400, code: "invalid_request", says: "mediaType"},
		{name: "unknown field", method: "POST", path: verifications, body: strings.Replace(good, `{"subject"`, `{"policy":"allow-all","subject"`, 1), status: 400, code: "invalid_request", says: "policy"},
		{name: "unknown subject field", method: "POST", path: verifications, body: `{"subject":{"digests":{"sha512":"` + publishSHA512 + `"},"verified":true},"bundles":[` + string(genuine) + `]}`, status: 400, code: "invalid_request", says: "verified"},
		{name: "nested too deep", method: "POST", path: verifications, body: withBundles(deep), status: 400, code: "invalid_request", says: "deep"},
		{name: "too many bundles", method: "POST", path: verifications, body: withBundles(tooMany), status: 400, code: "invalid_request", says: "bundles"},
		{name: "bundles null", method: "POST", path: verifications, body: `{"subject":` + subject + `,"bundles":null}`, status: 400, code: "invalid_request", says: "bundles"},
		{name: "digest of the wrong length", method: "POST", path: verifications, body: verificationBody(publishSHA512[:100], genuine), status: 400, code: "invalid_request", says: "subject.digests.sha512"},
		{name: "control: a verification is stored", method: "POST", path: verifications, body: good, status: 201},
		{name: "control: the same again is found, not stored", method: "POST", path: verifications, body: good, status: 200},
		{name: "policy not YAML", method: "PUT", path: "/v1/namespaces/npm/policy", body: "{", status: 400, code: "invalid_policy"},
		{name: "policy does not compile", method: "PUT", path: "/v1/namespaces/npm/policy", body: emptyPolicy + "slsa: {sourceRefs: ['[']}\n", status: 400, code: "invalid_policy", says: "sourceRefs"},
		{name: "policy with an unknown field", method: "PUT", path: "/v1/namespaces/npm/policy", body: emptyPolicy + "trsut: {}\n", status: 400, code: "invalid_policy", says: "trsut"},
		{name: "policy naming a key file on the server", method: "PUT", path: "/v1/namespaces/npm/policy", body: emptyPolicy + "trust: {keys: [/etc/hostname]}\n", status: 400, code: "invalid_policy", says: "trust.keys"},
		{name: "policy oversized", method: "PUT", path: "/v1/namespaces/npm/policy", body: emptyPolicy + "#" + strings.Repeat("x", policy.MaxPolicyBytes), status: 413, code: "body_too_large", says: "limit"},
		{name: "policy of a namespace with a bad name", method: "PUT", path: "/v1/namespaces/NPM!/policy", body: emptyPolicy, status: 400, code: "invalid_request", says: "NPM!"},
		{name: "policy without a token", method: "PUT", path: "/v1/namespaces/npm/policy", body: emptyPolicy + "# v2\n", auth: "-", status: 401, code: "unauthorized"},
		{name: "token request with an unknown scope", method: "POST", path: "/v1/tokens", body: `{"scope":"root","namespace":"npm"}`, status: 400, code: "invalid_request", says: "scope"},
		{name: "token request with a duplicate key", method: "POST", path: "/v1/tokens", body: `{"scope":"read","scope":"admin","namespace":"npm"}`, status: 400, code: "invalid_request", says: "scope"},
		{name: "token request by a read token", method: "POST", path: "/v1/tokens", body: `{"scope":"admin"}`, auth: "Bearer " + reader, status: 403, code: "forbidden"},
		{name: "control: a token is made", method: "POST", path: "/v1/tokens", body: `{"scope":"read","namespace":"npm"}`, status: 201},
		{name: "control: a new policy version is stored", method: "PUT", path: "/v1/namespaces/npm/policy", body: emptyPolicy + "# v2\n", status: 201},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := tableRows(t, db.Name, e.dsn)
			code, header, body := sendRefusal(t, ts, e.token, tc)
			after := tableRows(t, db.Name, e.dsn)
			if code != tc.status {
				t.Fatalf("status %d, want %d: %.300s", code, tc.status, body)
			}
			changed := !maps.Equal(before, after)
			if tc.status == http.StatusCreated {
				if !changed {
					t.Errorf("control stored nothing: %v", after)
				}
				return
			}
			if changed {
				t.Errorf("rows before %v, after %v: a refused request stored something", before, after)
			}
			if tc.status == http.StatusOK {
				return
			}
			if ct := header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			eb := decode[serve.ErrorBody](t, body)
			if eb.Error.Code != tc.code || eb.Error.Message == "" || !strings.Contains(eb.Error.Message, tc.says) {
				t.Errorf("error %+v, want code %q and a message naming %q", eb.Error, tc.code, tc.says)
			}
		})
	}
}

// refusedTokens makes the tokens the refusals present: one expired (made
// to expire in a second, then waited for), one revoked, and one that may
// only read npm.
func refusedTokens(t *testing.T, e *env) (expired, revoked, reader string) {
	t.Helper()
	mint := func(body string) serve.TokenResponse {
		code, resp := e.do("POST", "/v1/tokens", body)
		if code != http.StatusCreated {
			t.Fatalf("POST /v1/tokens %s: %d %s", body, code, resp)
		}
		return decode[serve.TokenResponse](t, resp)
	}
	exp := mint(`{"scope":"admin","expiresIn":1}`)
	rev := mint(`{"scope":"admin"}`)
	if code, resp := e.do("DELETE", "/v1/tokens/"+rev.ID, ""); code/100 != 2 {
		t.Fatalf("DELETE /v1/tokens/%s: %d %s", rev.ID, code, resp)
	}
	read := mint(`{"scope":"read","namespace":"npm"}`)
	time.Sleep(time.Until(exp.ExpiresAt) + 10*time.Millisecond)
	return exp.Token, rev.Token, read.Token
}

// sendRefusal sends tc's request to ts and returns the answer.
func sendRefusal(t *testing.T, ts *httptest.Server, token string, tc refusal) (int, http.Header, []byte) {
	t.Helper()
	var body io.Reader = strings.NewReader(tc.body)
	if tc.chunked {
		// A reader of unknown length: the client sends it chunked.
		body = io.MultiReader(body)
	}
	req, err := http.NewRequest(tc.method, ts.URL+tc.path, body)
	if err != nil {
		t.Fatal(err)
	}
	switch tc.auth {
	case "":
		req.Header.Set("Authorization", "Bearer "+token)
	case "-":
	default:
		req.Header.Set("Authorization", tc.auth)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", tc.method, tc.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}
