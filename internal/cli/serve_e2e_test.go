package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/servetest"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/vsa"
)

// e2ePassword encrypts the keys vouch keygen makes for the operator flow.
const e2ePassword = "operator flow"

// e2eHookSecret is the namespace webhook's HMAC secret.
const e2eHookSecret = "e2e-webhook-secret-0123456789abcdef"

// e2eStrictPolicy is the stricter policy of the flow: SLSA provenance
// from a repository on GitHub, where the first accepted any signature.
const e2eStrictPolicy = `apiVersion: vouch.dev/v1
kind: Policy
predicates:
  required: [provenance]
rules:
  - name: provenance-from-github
    expression: provenance != null && provenance.source.startsWith("github.com/")
    message: the provenance is not from a repository on GitHub
`

// buildVouch builds cmd/vouch into a temporary directory, as a release
// does (-trimpath): the binary an operator runs.
func buildVouch(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "vouch")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/vouch")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// operator runs the built binary in dir with $VOUCH_PASSWORD set.
type operator struct {
	t        *testing.T
	bin, dir string
}

// run runs vouch with args and returns its exit code and outputs.
func (o *operator) run(args ...string) (int, string, string) {
	o.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, o.bin, args...)
	cmd.Dir, cmd.Env = o.dir, append(os.Environ(), "VOUCH_PASSWORD="+e2ePassword)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errb.String()
	case err != nil:
		o.t.Fatalf("vouch %v: %v", args, err)
	}
	return 0, out.String(), errb.String()
}

// must runs vouch with args and fails the test unless it exits 0.
func (o *operator) must(args ...string) string {
	o.t.Helper()
	code, out, errs := o.run(args...)
	if code != ExitOK {
		o.t.Fatalf("vouch %v: exit %d\n%s", args, code, errs)
	}
	return out
}

// serve starts vouch serve with args and returns its URL, the admin token
// it printed and a stop that sends SIGTERM and returns the exit code.
func (o *operator) serve(args ...string) (url, token string, stop func() int) {
	o.t.Helper()
	cmd := exec.Command(o.bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--offline"}, args...)...)
	cmd.Dir, cmd.Env = o.dir, append(os.Environ(), "VOUCH_PASSWORD="+e2ePassword)
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		o.t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() {
		cmd.Wait()
		done <- cmd.ProcessState.ExitCode()
	}()
	o.t.Cleanup(func() { cmd.Process.Kill() })
	re := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			token = regexp.MustCompile(`vouch_[A-Za-z0-9_-]{43}`).FindString(stdout.String())
			return m[1], token, func() int {
				cmd.Process.Signal(syscall.SIGTERM)
				select {
				case c := <-done:
					return c
				case <-time.After(time.Minute):
					o.t.Fatalf("vouch serve did not stop: %s", stderr.String())
					return -1
				}
			}
		}
		select {
		case c := <-done:
			o.t.Fatalf("vouch serve exited %d: %s", c, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	o.t.Fatalf("vouch serve did not start: %s", stderr.String())
	return "", "", nil
}

// release writes a package version's tarball and the SLSA v1 provenance
// of it (named by its package URL, as npm's is) built from repo, signed by
// s as vouch attest --key signs; it returns the tarball, the bundle's file
// and the tarball's sha256.
func (o *operator) release(s *sign.Signer, name, version, repo string) (art, bundle, sha string) {
	o.t.Helper()
	art = filepath.Join(o.dir, name+"-"+version+".tgz")
	data := []byte("tarball of " + name + "@" + version + "\n")
	if err := os.WriteFile(art, data, 0o644); err != nil {
		o.t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	sha = hex.EncodeToString(sum[:])
	ref := "refs/tags/v" + version
	st, err := json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []any{map[string]any{"name": "pkg:npm/" + name + "@" + version, "digest": map[string]string{"sha256": sha}}},
		"predicateType": "https://slsa.dev/provenance/v1",
		"predicate": map[string]any{
			"buildDefinition": map[string]any{
				"buildType":          "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
				"externalParameters": map[string]any{"workflow": map[string]string{"ref": ref, "repository": repo, "path": ".github/workflows/release.yml"}},
				"resolvedDependencies": []any{map[string]any{"uri": "git+" + repo + "@" + ref,
					"digest": map[string]string{"gitCommit": "dae8bd8eb433a4147b4655c00fe73e0f22bc0fb1"}}},
			},
			"runDetails": map[string]any{"builder": map[string]string{"id": "https://github.com/actions/runner/github-hosted"}},
		},
	})
	if err != nil {
		o.t.Fatal(err)
	}
	b, err := s.Attest(context.Background(), st)
	if err != nil {
		o.t.Fatal(err)
	}
	bundle = art + ".sigstore.json"
	if err := os.WriteFile(bundle, b, 0o644); err != nil {
		o.t.Fatal(err)
	}
	return art, bundle, sha
}

// hookReceiver is a registry's webhook endpoint: it keeps each delivery
// with the verdict of serve.VerifyWebhookSignature on it.
type hookReceiver struct {
	mu  sync.Mutex
	got []hookDelivery
}

type hookDelivery struct {
	header http.Header
	body   []byte
	sigErr error
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	err := serve.VerifyWebhookSignature(e2eHookSecret, r.Header.Get(serve.HeaderTimestamp), r.Header.Get(serve.HeaderSignature), body, time.Now(), 5*time.Minute)
	h.mu.Lock()
	h.got = append(h.got, hookDelivery{header: r.Header.Clone(), body: body, sigErr: err})
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookReceiver) deliveries() []hookDelivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookDelivery(nil), h.got...)
}

// mustStatus sends a request and fails the test unless it answers want.
// waitQueueEmpty waits until the server's queue holds no job that is not
// done (its vouch_queue_jobs gauges all 0).
func waitQueueEmpty(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		metrics := mustStatus(t, 200, "GET", url+"/metrics", "", "")
		empty := true
		for _, state := range []string{"available", "scheduled", "retryable", "running"} {
			if !strings.Contains(metrics, "vouch_queue_jobs{state=\""+state+"\"} 0\n") {
				empty = false
			}
		}
		if empty {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the queue is not empty after 30s:\n%s", metrics)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustStatus(t *testing.T, want int, method, url, token, body string) string {
	t.Helper()
	code, resp := request(t, method, url, token, body)
	if code != want {
		t.Fatalf("%s %s: %d %s, want %d", method, url, code, resp, want)
	}
	return resp
}

// decodeJSON decodes a response body into a T.
func decodeJSON[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

// driftStatus is the status of a report's publisher-drift finding, "" when
// it has none.
func driftStatus(t *testing.T, report json.RawMessage) verify.Status {
	t.Helper()
	r := decodeJSON[struct {
		Artifacts []struct{ Findings []verify.Finding }
	}](t, string(report))
	for _, a := range r.Artifacts {
		for _, f := range a.Findings {
			if f.ID == serve.FindingPublisherDrift {
				return f.Status
			}
		}
	}
	return ""
}

// TestServeOperatorFlow is an operator's first session with the built
// binary: vouch serve on a fresh database prints the admin token; the
// admin makes a namespace's verify and read tokens, its policy and its
// webhook; a key-signed release verifies with a VSA that verifies with
// GET /v1/vsa-key's key; the next version, built from another repository
// and signed by another key, fails on publisher drift and the webhook
// receives exactly one signed publisher.drift delivery through the job
// queue; a stricter policy re-evaluates the earlier decisions (history
// kept, the drift too); vouch verify --server prints what a local vouch
// verify prints; SIGTERM exits 0 — on the embedded SQLite and on
// PostgreSQL.
func TestServeOperatorFlow(t *testing.T) {
	bin := buildVouch(t)
	storetest.Run(t, func(t *testing.T, db storetest.DB) { testServeOperatorFlow(t, db, bin) })
}

func testServeOperatorFlow(t *testing.T, db storetest.DB, bin string) {
	o := &operator{t: t, bin: bin, dir: t.TempDir()}
	acme, _, _ := testKey(t, o.dir, "acme")
	evil, _, _ := testKey(t, o.dir, "evil")
	args := []string{"--key", "acme.pub", "--key", "evil.pub", "--data-dir", "data"}
	vsaPub := filepath.Join(o.dir, "data", serveVSAPubFile)
	if db.Name == "postgres" {
		o.must("keygen", "--output-key-prefix", "vsa")
		args = []string{"--key", "acme.pub", "--key", "evil.pub", "--database", db.NewDSN(t), "--vsa-key", "vsa.key"}
		vsaPub = filepath.Join(o.dir, "vsa.pub")
	}
	url, admin, stop := o.serve(args...)
	if admin == "" {
		t.Fatal("vouch serve printed no admin token")
	}

	// The admin's set-up: tokens, the policy, the webhook.
	verifyTok := decodeJSON[serve.TokenResponse](t, mustStatus(t, 201, "POST", url+"/v1/tokens", admin, `{"scope":"verify","namespace":"npm","expiresIn":3600}`)).Token
	readTok := decodeJSON[serve.TokenResponse](t, mustStatus(t, 201, "POST", url+"/v1/tokens", admin, `{"scope":"read","namespace":"npm"}`)).Token
	mustStatus(t, 201, "PUT", url+"/v1/namespaces/npm/policy", admin, "apiVersion: vouch.dev/v1\nkind: Policy\n")
	rc := &hookReceiver{}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	mustStatus(t, 200, "PUT", url+"/v1/namespaces/npm/webhook", admin, `{"url":"`+hook.URL+`/vouch","secret":"`+e2eHookSecret+`"}`)
	// The scopes hold: a read token cannot post, a verify token cannot
	// change the policy.
	post := func(tok, purl, sha, bundle string) (int, string) {
		b, err := os.ReadFile(bundle)
		if err != nil {
			t.Fatal(err)
		}
		return request(t, "POST", url+"/v1/namespaces/npm/verifications", tok,
			`{"subject":{"digests":{"sha256":"`+sha+`"},"purl":"`+purl+`"},"bundles":[`+string(b)+`]}`)
	}
	art1, bundle1, sha1 := o.release(acme, "demo", "1.0.0", "https://github.com/acme/demo")
	if code, body := post(readTok, "pkg:npm/demo@1.0.0", sha1, bundle1); code != http.StatusForbidden {
		t.Fatalf("a read token posted a verification: %d %s", code, body)
	}
	mustStatus(t, 403, "PUT", url+"/v1/namespaces/npm/policy", verifyTok, e2eStrictPolicy)

	// Version 1: verified, with a VSA that verifies with the served key.
	code, body := post(verifyTok, "pkg:npm/demo@1.0.0", sha1, bundle1)
	v1 := decodeJSON[serve.VerificationResponse](t, body)
	if code != 201 || !v1.Verified || len(v1.VSA) == 0 {
		t.Fatalf("version 1: %d %s", code, body)
	}
	pub := mustStatus(t, 200, "GET", url+"/v1/vsa-key", readTok, "")
	if want, err := os.ReadFile(vsaPub); err != nil || pub != string(want) {
		t.Fatalf("GET /v1/vsa-key %q is not %s (%v)", pub, vsaPub, err)
	}
	if _, pred, err := servetest.VerifyVSA(t, []byte(pub), map[string]string{"sha256": sha1}, v1.VSA); err != nil || pred.GetVerificationResult() != vsa.Passed {
		t.Fatalf("version 1's VSA: %v, %v", err, pred)
	}
	if got := mustStatus(t, 200, "GET", url+"/v1/vsa/sha256:"+sha1, readTok, ""); got != string(v1.VSA) {
		t.Fatalf("GET /v1/vsa: not version 1's VSA: %s", got)
	}
	if got := decodeJSON[serve.VerificationResponse](t, mustStatus(t, 200, "GET", url+"/v1/verifications/"+v1.ID, readTok, "")); got.ID != v1.ID || !got.Verified {
		t.Fatalf("GET /v1/verifications/%s: %+v", v1.ID, got)
	}

	// Version 2 from another repository, signed by another key: drift.
	art2, bundle2, sha2 := o.release(evil, "demo", "2.0.0", "https://github.com/evil/demo")
	code, body = post(verifyTok, "pkg:npm/demo@2.0.0", sha2, bundle2)
	v2 := decodeJSON[serve.VerificationResponse](t, body)
	if code != 201 || v2.Verified || driftStatus(t, v2.Report) != verify.StatusFail {
		t.Fatalf("version 2: %d, want 201 not verified with a failed %s finding: %s", code, serve.FindingPublisherDrift, body)
	}
	if driftStatus(t, v1.Report) != "" {
		t.Fatalf("version 1 (the control) has a drift finding: %s", v1.Report)
	}
	waitIdle(t, url)
	got := rc.deliveries()
	if len(got) != 1 || got[0].header.Get(serve.HeaderEvent) != serve.EventPublisherDrift || got[0].sigErr != nil {
		t.Fatalf("webhook deliveries %+v, want one signed %s", got, serve.EventPublisherDrift)
	}
	d := decodeJSON[serve.Delivery](t, string(got[0].body))
	ev := decodeJSON[serve.DriftEvent](t, string(d.Data))
	if d.Type != serve.EventPublisherDrift || d.VerificationID != v2.ID || d.Namespace != "npm" ||
		ev.Previous.VerificationID != v1.ID || ev.Publisher.Repository != "github.com/evil/demo" || ev.Previous.Publisher.Repository != "github.com/acme/demo" {
		t.Fatalf("delivery %s, want %s of %s from acme's %s", got[0].body, serve.EventPublisherDrift, v2.ID, v1.ID)
	}
	// The control: the signature is the secret's; with another secret the
	// same delivery does not verify.
	ts, sig := got[0].header.Get(serve.HeaderTimestamp), got[0].header.Get(serve.HeaderSignature)
	if err := serve.VerifyWebhookSignature("another-secret-0123456789abcdef0123", ts, sig, got[0].body, time.Now(), 5*time.Minute); err == nil {
		t.Fatal("the delivery verified with another secret")
	}

	// A stricter policy: both decisions are re-evaluated in the
	// background; the earlier records stay, superseded.
	mustStatus(t, 201, "PUT", url+"/v1/namespaces/npm/policy", admin, e2eStrictPolicy)
	waitIdle(t, url)
	successor := map[string]string{}
	for _, v := range []serve.VerificationResponse{v1, v2} {
		subj := decodeJSON[serve.SubjectResponse](t, mustStatus(t, 200, "GET", url+"/v1/subjects/sha256:"+v.Subject.Digests["sha256"], readTok, ""))
		if len(subj.Verifications) != 2 {
			t.Fatalf("GET /v1/subjects of %s: %d records, want the request's and its re-evaluation's", v.Subject.PURL, len(subj.Verifications))
		}
		old, cur := subj.Verifications[0], subj.Verifications[1]
		if old.ID != v.ID || old.SupersededBy != cur.ID || cur.Supersedes != v.ID || cur.Reason != "policy" || cur.Policy.Version == v.Policy.Version {
			t.Fatalf("%s: records %+v / %+v, want %s superseded by a policy re-evaluation", v.Subject.PURL, old, cur, v.ID)
		}
		successor[v.ID] = cur.ID
		// The re-evaluation keeps the drift: a policy change is no way
		// around it.
		if got, want := driftStatus(t, cur.Report), driftStatus(t, v.Report); got != want {
			t.Errorf("%s re-evaluated: publisher drift %q, was %q: %s", v.Subject.PURL, got, want, cur.Report)
		}
	}
	// The re-evaluated version 2 keeps the drift its first decision
	// reported: the namespace was told then, and is not told again for a
	// policy change. A delivery would have been queued with the new
	// record: once the queue is empty, none is on its way.
	waitQueueEmpty(t, url)
	if got = rc.deliveries(); len(got) != 1 {
		t.Errorf("after the re-evaluation: deliveries %+v, want still the one of %s", got, v2.ID)
	}

	// vouch verify --server prints what vouch verify prints with the same
	// keys and policy: the two releases pass (0; without a package URL
	// there is no drift to compare), version 1 changed after signing fails
	// (3).
	tampered := filepath.Join(o.dir, "demo-1.0.0-changed.tgz")
	if err := os.WriteFile(tampered, []byte("changed after signing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(o.dir, "strict.yaml"), []byte(e2eStrictPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(o.dir, "verify.token"), []byte(verifyTok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		art, bundle string
		exit        int
	}{{art1, bundle1, ExitOK}, {art2, bundle2, ExitOK}, {tampered, bundle1, ExitFailure}} {
		for _, format := range []string{"text", "json"} {
			lc, lout, lerr := o.run("verify", "--offline", "--key", "acme.pub", "--key", "evil.pub", "--policy", "strict.yaml", "-o", format, "--bundle", tc.bundle, tc.art)
			rc, rout, rerr := o.run("verify", "--server", url, "--namespace", "npm", "--token-file", "verify.token", "-o", format, "--bundle", tc.bundle, tc.art)
			if lc != tc.exit || rc != tc.exit || lout == "" || lout != rout {
				t.Errorf("%s -o %s: local exit %d (%s), server exit %d (%s), want %d and the same report:\nlocal:\n%s\nserver:\n%s",
					filepath.Base(tc.art), format, lc, lerr, rc, rerr, tc.exit, lout, rout)
			}
		}
	}
	if c := stop(); c != ExitOK {
		t.Fatalf("SIGTERM: exit %d, want 0", c)
	}
}
