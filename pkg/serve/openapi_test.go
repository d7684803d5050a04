package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify/policy"
)

// The API's OpenAPI document, the report schema it refers to, and the JSON
// Schema of OpenAPI 3.1 documents (testdata/openapi/ORIGIN).
var (
	openapiPath = filepath.Join("..", "..", "schemas", "openapi.yaml")
	reportPath  = filepath.Join("..", "..", "schemas", "verify-report.schema.json")
	oasPath     = filepath.Join("..", "..", "testdata", "openapi", "oas-3.1.schema.yaml")
)

// apiDoc is the OpenAPI document, decoded, with a compiler that has it and
// the report schema registered under their file URLs, so that the
// document's relative $ref "verify-report.schema.json" resolves to the file
// beside it, as it does for any OpenAPI tool reading the file.
type apiDoc struct {
	doc      map[string]any
	url      string
	compiler *jsonschema.Compiler
}

// loadAPIDoc reads schemas/openapi.yaml; a $ref to a file the test did not
// register would be read by the compiler's default loader, which reads
// files only, never the network.
func loadAPIDoc(t testing.TB) *apiDoc {
	t.Helper()
	doc := yamlAsJSON(t, openapiPath)
	m, ok := doc.(map[string]any)
	if !ok {
		t.Fatalf("%s: expected a mapping at the top", openapiPath)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.DefaultDraft(jsonschema.Draft2020)
	url := fileURL(t, openapiPath)
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	report, err := jsonschema.UnmarshalJSON(bytes.NewReader(readFile(t, reportPath)))
	if err != nil {
		t.Fatalf("%s: %v", reportPath, err)
	}
	if err := c.AddResource(fileURL(t, reportPath), report); err != nil {
		t.Fatal(err)
	}
	return &apiDoc{doc: m, url: url, compiler: c}
}

// yamlAsJSON reads a YAML file as the JSON value it denotes (numbers as
// json.Number, as the schema library expects).
func yamlAsJSON(t testing.TB, path string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(readFile(t, path), &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: not representable as JSON: %v", path, err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func fileURL(t testing.TB, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return "file://" + filepath.ToSlash(abs)
}

// pointer is the JSON pointer of a path of keys.
func pointer(keys ...string) string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k))
	}
	return b.String()
}

// schema compiles the Schema Object at the pointer in the document.
func (d *apiDoc) schema(t testing.TB, ptr string) *jsonschema.Schema {
	t.Helper()
	s, err := d.compiler.Compile(d.url + "#" + ptr)
	if err != nil {
		t.Fatalf("%s#%s: %v", openapiPath, ptr, err)
	}
	return s
}

// lookup returns the value at a pointer of keys, following a Reference
// Object ({"$ref": "#/..."}) where it finds one.
func (d *apiDoc) lookup(t testing.TB, keys ...string) (any, string) {
	t.Helper()
	var cur any = d.doc
	ptr := ""
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, ""
		}
		if cur, ok = m[k]; !ok {
			return nil, ""
		}
		ptr += pointer(k)
		cur, ptr = d.deref(t, cur, ptr)
	}
	return cur, ptr
}

// deref follows a local Reference Object; other values are returned as
// they are. Schema Objects' $refs are the schema compiler's to resolve.
func (d *apiDoc) deref(t testing.TB, v any, ptr string) (any, string) {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return v, ptr
	}
	ref, ok := m["$ref"].(string)
	if !ok {
		return v, ptr
	}
	if !strings.HasPrefix(ref, "#/") {
		t.Fatalf("%s#%s: $ref %q: expected a reference inside the document", openapiPath, ptr, ref)
	}
	target, tptr := d.lookup(t, splitPointer(ref[1:])...)
	if target == nil {
		t.Fatalf("%s#%s: $ref %q resolves to nothing", openapiPath, ptr, ref)
	}
	return target, tptr
}

// splitPointer returns the keys of a JSON pointer.
func splitPointer(ptr string) []string {
	var keys []string
	for _, k := range strings.Split(ptr, "/")[1:] {
		keys = append(keys, strings.NewReplacer("~1", "/", "~0", "~").Replace(k))
	}
	return keys
}

// operations returns the document's operations as "METHOD /template".
func (d *apiDoc) operations() []string {
	var ops []string
	paths, _ := d.doc["paths"].(map[string]any)
	for p, item := range paths {
		for m := range item.(map[string]any) {
			if slices.Contains([]string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}, m) {
				ops = append(ops, strings.ToUpper(m)+" "+p)
			}
		}
	}
	slices.Sort(ops)
	return ops
}

// route finds the documented path template matching a request path, and
// whether it documents the method.
func (d *apiDoc) route(method, path string) (template string, documented bool) {
	paths, _ := d.doc["paths"].(map[string]any)
	for tmpl, item := range paths {
		if matchTemplate(tmpl, path) {
			_, ok := item.(map[string]any)[strings.ToLower(method)]
			return tmpl, ok
		}
	}
	return "", false
}

// matchTemplate reports whether a path fits a template: {name} stands for
// one non-empty segment.
func matchTemplate(tmpl, path string) bool {
	ts, ps := strings.Split(tmpl, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") && ps[i] != "" {
			continue
		}
		if ts[i] != ps[i] {
			return false
		}
	}
	return true
}

// TestOpenAPIDocument: schemas/openapi.yaml is an OpenAPI 3.1 document (by
// the OpenAPI Initiative's JSON Schema for it) and each of its Schema
// Objects compiles as JSON Schema 2020-12, its $refs resolving.
func TestOpenAPIDocument(t *testing.T) {
	nonet.Forbid(t)
	oasC := jsonschema.NewCompiler()
	oasC.AssertFormat()
	if err := oasC.AddResource(fileURL(t, oasPath), yamlAsJSON(t, oasPath)); err != nil {
		t.Fatal(err)
	}
	oas, err := oasC.Compile(fileURL(t, oasPath))
	if err != nil {
		t.Fatalf("%s: %v", oasPath, err)
	}
	d := loadAPIDoc(t)
	if err := oas.Validate(yamlAsJSON(t, openapiPath)); err != nil {
		t.Fatalf("%s is not an OpenAPI 3.1 document: %v", openapiPath, err)
	}
	// Control: the OpenAPI schema rejects a document that is not one.
	if err := oas.Validate(map[string]any{"openapi": "3.1.0", "paths": map[string]any{"v1": map[string]any{}}}); err == nil {
		t.Error("control: a document without info, with a path not starting with /, passed the OpenAPI schema")
	}
	schemas, _ := d.doc["components"].(map[string]any)["schemas"].(map[string]any)
	for name := range schemas {
		d.schema(t, pointer("components", "schemas", name))
	}
	for _, op := range d.operations() {
		method, tmpl, _ := strings.Cut(op, " ")
		responses, _ := d.lookup(t, "paths", tmpl, strings.ToLower(method), "responses")
		if responses == nil {
			t.Errorf("%s: no responses", op)
			continue
		}
		for status := range responses.(map[string]any) {
			resp, rptr := d.lookup(t, "paths", tmpl, strings.ToLower(method), "responses", status)
			content, _ := resp.(map[string]any)["content"].(map[string]any)
			for mt := range content {
				d.schema(t, rptr+pointer("content", mt, "schema"))
			}
		}
	}
}

// exchange is one request of the conformance test.
type exchange struct {
	name, method, path, body string
	// token: "" for the admin token, "-" for none, else the header's value.
	token string
	// want is the status the request must get.
	want int
}

// TestServerMatchesOpenAPI drives the real handler through every documented
// operation and checks each answer against the document: its status is one
// the operation lists, its content type one the response lists, its body
// valid against that schema and its documented headers present and valid.
// Every operation must be exercised, and every status it lists, but for
// those named in notExercised with the reason.
func TestServerMatchesOpenAPI(t *testing.T) {
	storetest.Run(t, serverMatchesOpenAPI)
}

// serverMatchesOpenAPI is TestServerMatchesOpenAPI on one database.
func serverMatchesOpenAPI(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	d := loadAPIDoc(t)
	genuine := readFile(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	keyless := readFile(t, keylessBundle)
	e := newEnv(t, db, publishKey(t))
	read, verifier, otherReader := e.storeToken("read", "read", "npm"), e.storeToken("verify", "verify", "npm"), e.storeToken("pypi", "read", "pypi")
	e.storeToken("victim", "read", "npm")
	adminID := tokenID(t, e, e.token)
	good := verificationBody(publishSHA512, genuine)
	big := `{"subject":{"digests":{"sha512":"` + publishSHA512 + `"}},"bundles":[{"x":"` + strings.Repeat("a", serve.DefaultMaxBody) + `"}]}`
	const pol, ver, subj = "/v1/namespaces/npm/policy", "/v1/namespaces/npm/verifications", "/v1/subjects/sha512:" + publishSHA512
	const hook, hookBody = "/v1/namespaces/npm/webhook", `{"url":"https://hooks.example/vouch","secret":"` + hookSecret + `"}`
	steps := []exchange{
		{"create namespace", "PUT", pol, emptyPolicy, "", 201},
		{"same policy again", "PUT", pol, emptyPolicy, "", 200},
		{"policy does not compile", "PUT", pol, "{", "", 400},
		{"bad namespace name", "PUT", "/v1/namespaces/NPM!/policy", emptyPolicy, "", 400},
		{"oversized policy", "PUT", pol, emptyPolicy + "#" + strings.Repeat("x", policy.MaxPolicyBytes), "", 413},
		{"put policy, no token", "PUT", pol, emptyPolicy, "-", 401},
		{"put policy, read token", "PUT", pol, emptyPolicy, read, 403},
		{"get policy", "GET", pol, "", "", 200},
		{"get policy, bad namespace name", "GET", "/v1/namespaces/-x/policy", "", "", 400},
		{"get policy, unknown namespace", "GET", "/v1/namespaces/pypi/policy", "", "", 404},
		{"get policy, unknown token", "GET", pol, "", "Bearer vouch_AAAA", 401},
		{"get policy, read token", "GET", pol, "", read, 200},
		{"get policy, verify token", "GET", pol, "", verifier, 403},
		{"head policy", "HEAD", pol, "", "", 200},
		{"head policy, bad namespace name", "HEAD", "/v1/namespaces/-x/policy", "", "", 400},
		{"head policy, unknown namespace", "HEAD", "/v1/namespaces/pypi/policy", "", "", 404},
		{"head policy, no token", "HEAD", pol, "", "-", 401},
		{"head policy, verify token", "HEAD", pol, "", verifier, 403},
		{"verify", "POST", ver, good, "", 201},
		{"verify again", "POST", ver, good, "", 200},
		{"digest in upper case: the same record", "POST", ver, verificationBody(strings.ToUpper(publishSHA512), genuine), "", 200},
		{"refused: another artifact", "POST", ver, verificationBody(otherSHA512, genuine), "", 201},
		{"with a package URL", "POST", ver, strings.Replace(good, `}},`, `},"purl":"pkg:npm/sigstore@1.3.0"},`, 1), "", 201},
		{"malformed request", "POST", ver, `{"subject":`, "", 400},
		{"unknown namespace", "POST", "/v1/namespaces/pypi/verifications", good, "", 404},
		{"oversized request", "POST", ver, big, "", 413},
		{"keyless bundle, no identity", "POST", ver, verificationBody(publishSHA512, keyless), "", 422},
		{"verify, no token", "POST", ver, good, "-", 401},
		{"verify, read token", "POST", ver, good, read, 403},
		{"get verification", "GET", "/v1/verifications/{last}", "", "", 200},
		{"unknown verification", "GET", "/v1/verifications/nope", "", "", 404},
		{"get verification, basic auth", "GET", "/v1/verifications/{last}", "", "Basic dm91Y2g6eA==", 401},
		{"get verification, read token", "GET", "/v1/verifications/{last}", "", read, 200},
		{"get verification, verify token", "GET", "/v1/verifications/{last}", "", verifier, 403},
		{"get verification of another namespace", "GET", "/v1/verifications/{last}", "", otherReader, 404},
		{"head verification", "HEAD", "/v1/verifications/{last}", "", "", 200},
		{"head unknown verification", "HEAD", "/v1/verifications/nope", "", "", 404},
		{"head verification, no token", "HEAD", "/v1/verifications/{last}", "", "-", 401},
		{"head verification, verify token", "HEAD", "/v1/verifications/{last}", "", verifier, 403},
		{"subject", "GET", subj, "", "", 200},
		{"subject without decisions", "GET", "/v1/subjects/sha256:" + strings.Repeat("0", 64), "", "", 200},
		{"bad subject digest", "GET", "/v1/subjects/sha1:abc", "", "", 400},
		{"subject, no token", "GET", subj, "", "-", 401},
		{"subject, read token", "GET", subj, "", read, 200},
		{"subject, verify token", "GET", subj, "", verifier, 403},
		{"head subject", "HEAD", subj, "", "", 200},
		{"head subject, bad digest", "HEAD", "/v1/subjects/sha1:abc", "", "", 400},
		{"head subject, no token", "HEAD", subj, "", "-", 401},
		{"head subject, verify token", "HEAD", subj, "", verifier, 403},
		{"create token", "POST", "/v1/tokens", `{"scope":"read","namespace":"npm","expiresIn":60}`, "", 201},
		{"create global admin token", "POST", "/v1/tokens", `{"scope":"admin","namespace":""}`, "", 201},
		{"create token, bad scope", "POST", "/v1/tokens", `{"scope":"all"}`, "", 400},
		{"create token, oversized", "POST", "/v1/tokens", `{"scope":"` + strings.Repeat("a", 5000) + `"}`, "", 413},
		{"create token, no token", "POST", "/v1/tokens", `{"scope":"admin"}`, "-", 401},
		{"create token, namespace admin", "POST", "/v1/tokens", `{"scope":"admin"}`, read, 403},
		{"list tokens", "GET", "/v1/tokens", "", "", 200},
		{"list tokens, no token", "GET", "/v1/tokens", "", "-", 401},
		{"list tokens, read token", "GET", "/v1/tokens", "", read, 403},
		{"head tokens", "HEAD", "/v1/tokens", "", "", 200},
		{"head tokens, no token", "HEAD", "/v1/tokens", "", "-", 401},
		{"head tokens, read token", "HEAD", "/v1/tokens", "", read, 403},
		{"revoke token", "DELETE", "/v1/tokens/victim", "", "", 204},
		{"revoked token", "GET", pol, "", "Bearer vouch_victim", 401},
		{"revoke unknown token", "DELETE", "/v1/tokens/nope", "", "", 404},
		{"revoke own token", "DELETE", "/v1/tokens/" + adminID, "", "", 409},
		{"revoke token, no token", "DELETE", "/v1/tokens/victim", "", "-", 401},
		{"revoke token, read token", "DELETE", "/v1/tokens/victim", "", read, 403},
		{"put webhook", "PUT", hook, hookBody, "", 200},
		{"put webhook, http to another host", "PUT", hook, `{"url":"http://hooks.example/","secret":"` + hookSecret + `"}`, "", 400},
		{"put webhook, bad namespace name", "PUT", "/v1/namespaces/-x/webhook", hookBody, "", 400},
		{"put webhook, unknown namespace", "PUT", "/v1/namespaces/pypi/webhook", hookBody, "", 404},
		{"put webhook, oversized", "PUT", hook, `{"url":"https://hooks.example/` + strings.Repeat("a", 9000) + `","secret":"` + hookSecret + `"}`, "", 413},
		{"put webhook, no token", "PUT", hook, hookBody, "-", 401},
		{"put webhook, read token", "PUT", hook, hookBody, read, 403},
		{"get webhook", "GET", hook, "", "", 200},
		{"get webhook, bad namespace name", "GET", "/v1/namespaces/-x/webhook", "", "", 400},
		{"get webhook, no token", "GET", hook, "", "-", 401},
		{"get webhook, read token", "GET", hook, "", read, 403},
		{"head webhook", "HEAD", hook, "", "", 200},
		{"head webhook, bad namespace name", "HEAD", "/v1/namespaces/-x/webhook", "", "", 400},
		{"head webhook, no token", "HEAD", hook, "", "-", 401},
		{"head webhook, read token", "HEAD", hook, "", read, 403},
		{"delete webhook, bad namespace name", "DELETE", "/v1/namespaces/-x/webhook", "", "", 400},
		{"delete webhook, no token", "DELETE", hook, "", "-", 401},
		{"delete webhook, read token", "DELETE", hook, "", read, 403},
		{"delete webhook", "DELETE", hook, "", "", 204},
		{"get webhook, none", "GET", hook, "", "", 404},
		{"head webhook, none", "HEAD", hook, "", "", 404},
		{"delete webhook, none", "DELETE", hook, "", "", 404},
		{"wrong method on webhook", "POST", hook, hookBody, "", 405},
		{"healthz, no token", "GET", "/healthz", "", "-", 200},
		{"head healthz", "HEAD", "/healthz", "", "-", 200},
		{"readyz, no token", "GET", "/readyz", "", "-", 200},
		{"head readyz", "HEAD", "/readyz", "", "-", 200},
		{"metrics, no token", "GET", "/metrics", "", "-", 200},
		{"head metrics", "HEAD", "/metrics", "", "-", 200},
		{"POST to healthz", "POST", "/healthz", "", "", 405},
		{"POST to metrics, no token", "POST", "/metrics", "", "-", 401},
		{"HEAD where there is no GET", "HEAD", ver, "", "", 405},
		{"wrong method", "GET", ver, "", "", 405},
		{"wrong method on policy", "DELETE", pol, "", "", 405},
		{"unknown endpoint", "GET", "/v2/", "", "", 404},
		{"unknown endpoint, no token", "GET", "/v2/", "", "-", 401},
		{"path not clean", "GET", "/v1//subjects/" + "sha512:" + publishSHA512, "", "", 404},
		{"path climbing out of a namespace", "POST", "/v1/namespaces/a/../npm/verifications", good, "", 404},
	}
	seen := map[string]map[string]bool{}
	last := ""
	for _, x := range steps {
		x.path = strings.ReplaceAll(x.path, "{last}", last)
		w := e.send(x)
		if w.Code != x.want {
			t.Errorf("%s: %s %s: status %d, want %d: %s", x.name, x.method, x.path, w.Code, x.want, w.Body.Bytes())
		}
		if id := conformsTo(t, d, x, w, seen); id != "" {
			last = id
		}
	}
	// A failing database: every operation answers 500 (the token lookup
	// fails first), but for the operations endpoints, which need no
	// database but to tell whether it answers.
	broken := newEnv(t, db, publishKey(t))
	broken.st.Close()
	everyOperation(t, d, broken, "database closed", http.StatusInternalServerError, closedDatabase, seen)
	rateLimited(t, d, e, seen)
	checkCoverage(t, d, seen)
}

// everyOperation sends each documented operation once to e's server, with
// the admin token, and checks it answers want, or except[op], and conforms.
func everyOperation(t *testing.T, d *apiDoc, e *env, name string, want int, except map[string]int, seen map[string]map[string]bool) {
	t.Helper()
	for _, op := range d.operations() {
		method, tmpl, _ := strings.Cut(op, " ")
		path := strings.NewReplacer("{ns}", "npm", "{id}", "x", "{digest}", "sha256:"+strings.Repeat("0", 64)).Replace(tmpl)
		x := exchange{name + ": " + op, method, path, emptyPolicy, "", want}
		if w, ok := except[op]; ok {
			x.want = w
		}
		if w := e.send(x); w.Code != x.want {
			t.Errorf("%s: status %d, want %d", x.name, w.Code, x.want)
		} else {
			conformsTo(t, d, x, w, seen)
		}
	}
}

// rateLimited sends each operation to a replica of e's server that allows
// each token one request (a rate that does not refill during the test):
// after a first request, every operation answers 429, but for the
// operations endpoints, which need no token and are not limited.
func rateLimited(t *testing.T, d *apiDoc, e *env, seen map[string]map[string]bool) {
	t.Helper()
	srv, err := serve.New(serve.Config{Store: e.st, Verifier: e.eng, Logger: slog.New(slog.DiscardHandler),
		TrustSHA256: serve.TrustDigest(e.eng.KeyIDs(), []byte("public-good offline")), RateLimit: 1e-6, Burst: 1})
	if err != nil {
		t.Fatal(err)
	}
	limited := &env{t: t, srv: srv, st: e.st, token: e.token, eng: e.eng}
	if w := limited.send(exchange{"first request", "GET", "/v1/tokens", "", "", 200}); w.Code != 200 {
		t.Fatalf("first request to the rate-limited server: %d %s", w.Code, w.Body.Bytes())
	}
	unlimited := map[string]int{}
	for op := range closedDatabase {
		unlimited[op] = http.StatusOK
	}
	everyOperation(t, d, limited, "rate limited", http.StatusTooManyRequests, unlimited, seen)
}

// closedDatabase are the operations that do not answer 500 when the
// database is closed, and their status.
var closedDatabase = map[string]int{
	"GET /healthz": 200, "HEAD /healthz": 200,
	"GET /readyz": 503, "HEAD /readyz": 503,
	"GET /metrics": 200, "HEAD /metrics": 200,
}

// notExercised are the documented statuses this test cannot provoke, and why.
var notExercised = map[string]string{
	"PUT /v1/namespaces/{ns}/policy 409": "needs two PUTs to lose a race inside the database's transaction; store's tests cover ErrConflict",
}

// storeToken stores a token of scope in ns whose secret is "vouch_"+id,
// and returns its Authorization header.
func (e *env) storeToken(id, scope, ns string) string {
	e.t.Helper()
	secret := "vouch_" + id
	if err := e.st.CreateToken(context.Background(), store.Token{ID: id, SHA256: sha256Hex([]byte(secret)), Scope: scope, Namespace: ns}); err != nil {
		e.t.Fatal(err)
	}
	return "Bearer " + secret
}

// checkCoverage fails for an operation, or a status of one, not exercised.
func checkCoverage(t *testing.T, d *apiDoc, seen map[string]map[string]bool) {
	t.Helper()
	for _, op := range d.operations() {
		if seen[op] == nil {
			t.Errorf("%s: documented, never exercised", op)
			continue
		}
		method, tmpl, _ := strings.Cut(op, " ")
		responses, _ := d.lookup(t, "paths", tmpl, strings.ToLower(method), "responses")
		for status := range responses.(map[string]any) {
			if !seen[op][status] && notExercised[op+" "+status] == "" {
				t.Errorf("%s: documented status %s never answered", op, status)
			}
		}
	}
	for _, name := range []string{"NotFound", "MethodNotAllowed"} {
		if !seen[name]["response"] {
			t.Errorf("components.responses.%s: never answered", name)
		}
	}
}

// send runs one exchange through the handler.
func (e *env) send(x exchange) *httptest.ResponseRecorder {
	r := httptest.NewRequest(x.method, x.path, strings.NewReader(x.body))
	switch x.token {
	case "":
		r.Header.Set("Authorization", "Bearer "+e.token)
	case "-":
	default:
		r.Header.Set("Authorization", x.token)
	}
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, r)
	return w
}

// conformsTo checks one answer against the document, records the operation
// and status it exercised, and returns the id of a verification it created.
func conformsTo(t *testing.T, d *apiDoc, x exchange, w *httptest.ResponseRecorder, seen map[string]map[string]bool) string {
	t.Helper()
	status := fmt.Sprint(w.Code)
	tmpl, documented := d.route(x.method, x.path)
	op := x.method + " " + tmpl
	keys := []string{"paths", tmpl, strings.ToLower(x.method), "responses", status}
	if !documented {
		// An undocumented method or path has no operation: its answer is
		// one of the document's shared responses, with that response's
		// status.
		op = sharedResponse(tmpl, w.Code)
		keys = []string{"components", "responses", op}
		if want := sharedStatus[op]; w.Code != want {
			t.Errorf("%s: %s %s answered %d, want %d (components.responses.%s): %s", x.name, x.method, x.path, w.Code, want, op, w.Body.Bytes())
		}
		status = "response"
	}
	resp, ptr := d.lookup(t, keys...)
	if resp == nil {
		t.Errorf("%s: %s %s answered %d, which %s does not list (at #%s): %s", x.name, x.method, x.path, w.Code, openapiPath, pointer(keys...), w.Body.Bytes())
		return ""
	}
	if seen[op] == nil {
		seen[op] = map[string]bool{}
	}
	seen[op][status] = true
	if documented && w.Code < 300 {
		checkRequest(t, d, x, tmpl)
	}
	checkHeaders(t, d, x, w, resp.(map[string]any), ptr)
	if x.method != http.MethodHead {
		// net/http sends no body for HEAD (the recorder keeps what the
		// handler wrote).
		checkBody(t, d, x, w, resp.(map[string]any), ptr)
	}
	if w.Code == http.StatusCreated && strings.HasSuffix(tmpl, "/verifications") {
		return decode[serve.VerificationResponse](t, w.Body.Bytes()).ID
	}
	return ""
}

// sharedStatus is the status of each of the document's shared responses
// for requests no operation takes.
var sharedStatus = map[string]int{"Unauthorized": 401, "MethodNotAllowed": 405, "NotFound": 404}

// sharedResponse names the shared response a request no operation takes
// must get: 401 without a valid token (checked before routing), 405 on a
// documented path, else 404.
func sharedResponse(tmpl string, code int) string {
	switch {
	case code == http.StatusUnauthorized:
		return "Unauthorized"
	case tmpl != "":
		return "MethodNotAllowed"
	}
	return "NotFound"
}

// checkRequest checks that a request the server accepted is valid against
// the operation's request body schema: the document describes no less
// than the server takes.
func checkRequest(t *testing.T, d *apiDoc, x exchange, tmpl string) {
	t.Helper()
	rb, ptr := d.lookup(t, "paths", tmpl, strings.ToLower(x.method), "requestBody")
	if rb == nil {
		return
	}
	content, _ := rb.(map[string]any)["content"].(map[string]any)
	var body any = x.body
	if content["application/json"] != nil {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(x.body))
		if err != nil {
			t.Errorf("%s: accepted a request body that is not JSON: %v", x.name, err)
			return
		}
		body = v
	}
	for mt := range content {
		if err := d.schema(t, ptr+pointer("content", mt, "schema")).Validate(body); err != nil {
			t.Errorf("%s: the server accepted a request body the document (#%s) does not allow: %v", x.name, ptr, err)
		}
	}
}

// checkHeaders checks the response's documented headers.
func checkHeaders(t *testing.T, d *apiDoc, x exchange, w *httptest.ResponseRecorder, resp map[string]any, ptr string) {
	t.Helper()
	headers, _ := resp["headers"].(map[string]any)
	for name := range headers {
		got := w.Header().Get(name)
		if got == "" {
			t.Errorf("%s: header %s, documented at #%s, missing", x.name, name, ptr)
			continue
		}
		_, hptr := d.lookup(t, append(splitPointer(ptr), "headers", name)...)
		sch := d.schema(t, hptr+pointer("schema"))
		if err := sch.Validate(got); err != nil {
			t.Errorf("%s: header %s: %q: %v", x.name, name, got, err)
		}
	}
}

// checkBody checks the response's content type and body against the
// response's media types.
func checkBody(t *testing.T, d *apiDoc, x exchange, w *httptest.ResponseRecorder, resp map[string]any, ptr string) {
	t.Helper()
	content, _ := resp["content"].(map[string]any)
	if content == nil {
		// A response documented without content (204) has no body.
		if w.Body.Len() > 0 {
			t.Errorf("%s: a body where #%s documents none: %s", x.name, ptr, w.Body.Bytes())
		}
		return
	}
	mt, _, err := mime.ParseMediaType(w.Header().Get("Content-Type"))
	if err != nil || content[mt] == nil {
		t.Errorf("%s: Content-Type %q: expected one of %v (#%s)", x.name, w.Header().Get("Content-Type"), slices.Sorted(maps.Keys(content)), ptr)
		return
	}
	var body any = w.Body.String()
	if mt == "application/json" {
		if body, err = jsonschema.UnmarshalJSON(bytes.NewReader(w.Body.Bytes())); err != nil {
			t.Errorf("%s: body is not JSON: %v: %s", x.name, err, w.Body.Bytes())
			return
		}
	}
	if err := d.schema(t, ptr+pointer("content", mt, "schema")).Validate(body); err != nil {
		t.Errorf("%s: %s %s → %d: body not valid against #%s: %v\n%s", x.name, x.method, x.path, w.Code, ptr, err, w.Body.Bytes())
	}
}

// TestOpenAPIControls: the conformance checks are not vacuous — answers the
// document does not allow are caught.
func TestOpenAPIControls(t *testing.T) {
	d := loadAPIDoc(t)
	_, ptr := d.lookup(t, "paths", "/v1/verifications/{id}", "get", "responses", "200")
	sch := d.schema(t, ptr+pointer("content", "application/json", "schema"))
	bad := []string{
		`{}`,
		`{"error":{"code":"not_found","message":"x"}}`,
	}
	for _, b := range bad {
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(b))
		if sch.Validate(v) == nil {
			t.Errorf("%s passed the Verification schema", b)
		}
	}
	_, eptr := d.lookup(t, "components", "schemas", "Error")
	esch := d.schema(t, eptr)
	v, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"error":{"code":"teapot","message":"x"}}`))
	if esch.Validate(v) == nil {
		t.Error("an unknown error code passed the Error schema")
	}
	if _, ok := d.route("GET", "/v1/verifications/"); ok {
		t.Error("an empty {id} matched a template")
	}
}
