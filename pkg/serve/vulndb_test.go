package serve_test

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"
	"github.com/riverqueue/river"

	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/servetest"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/trust"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// gateFixtures are the vulnerability gate's real fixtures (see their
// ORIGIN): an SBOM naming npm lodash 4.17.11 and the GitHub advisories
// GHSA-35jh-r3h4-6jhm (high) and GHSA-jf85-cpcp-j695 (critical) for it.
const gateFixtures = "../verify/policy/testdata/vuln"

const (
	highAdvisory     = "GHSA-35jh-r3h4-6jhm"
	criticalAdvisory = "GHSA-jf85-cpcp-j695"
	// gatePolicy fails on critical advisories only: lodash 4.17.11
	// passes against a database holding the high one alone.
	gatePolicy = emptyPolicy + "vulnerabilities:\n  failOn: critical\n"
)

// osvDir writes an OSV database (export layout) holding the given real
// advisories of the fixtures, and returns its directory.
func osvDir(t *testing.T, ids ...string) string {
	t.Helper()
	dir := t.TempDir()
	npm := filepath.Join(dir, "npm")
	if err := os.Mkdir(npm, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		data := readFile(t, filepath.Join(gateFixtures, "osv", "npm", id+".json"))
		if err := os.WriteFile(filepath.Join(npm, id+".json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadOSV is the loader of a database directory, as vouch serve's.
func loadOSV(dir string) serve.VulnDBLoader {
	return func(ctx context.Context) (serve.VulnDB, error) {
		db, err := vuln.Open(dir)
		if err != nil {
			return serve.VulnDB{}, err
		}
		sum, err := db.Digest(ctx)
		return serve.VulnDB{Matcher: db, SHA256: sum}, err
	}
}

// sbomRequest signs the fixtures' CycloneDX SBOM as an attestation about
// an artifact with a fresh key, and returns the request body for it and
// the key.
func sbomRequest(t *testing.T) (servetest.Signed, *trust.Key) {
	t.Helper()
	signer, key, _ := servetest.KeySigner(t)
	art := []byte("web 1.0.0 release archive\n")
	s256, s512 := sha256.Sum256(art), sha512.Sum512(art)
	d := digest.Digests{SHA256: hex.EncodeToString(s256[:]), SHA512: hex.EncodeToString(s512[:])}
	st, err := attest.NewStatement([]*ita.ResourceDescriptor{attest.NewSubject("web.tar.gz", d)}, attest.PredicateCycloneDX,
		readFile(t, filepath.Join(gateFixtures, "web.cdx.json")))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := attest.MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	b, err := signer.Attest(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	return servetest.Signed{SHA256: d.SHA256, Bundle: b}, key
}

// vulnEnv is a server on dsn whose vulnerability database is loaded from
// dir ("": none), wired as vouch serve wires it: the holder is the
// engine's database and its swaps queue re-evaluations. It signs VSAs.
func vulnEnv(t *testing.T, dsn, dir string, key *trust.Key) (*env, *serve.VulnDBHolder) {
	t.Helper()
	var holder *serve.VulnDBHolder
	opts := engine.Options{Keys: []*trust.Key{key}}
	if dir != "" {
		db, err := loadOSV(dir)(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if holder, err = serve.NewVulnDBHolder(db); err != nil {
			t.Fatal(err)
		}
		opts.Vulns = holder
	}
	st, _ := servetest.Open(t, dsn, nil)
	opts.Roots = trust.NewPublicGoodProvider(trust.Options{Offline: true, CacheDir: t.TempDir()}, 0)
	eng, err := engine.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	cfg := servetest.WithVSA(t, serve.Config{Store: st, Verifier: eng, VulnDB: holder, Logger: slog.New(slog.DiscardHandler),
		TrustSHA256: serve.TrustDigest(eng.KeyIDs(), []byte("root A")), PollInterval: testPoll,
		AddWorkers: func(*river.Workers) {}})
	token, err := serve.EnsureAdminToken(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := serve.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if holder != nil {
		holder.OnChange = func(ctx context.Context, old, cur string) {
			if err := srv.VulnDBChanged(ctx, old, cur); err != nil {
				t.Errorf("queueing re-evaluations: %v", err)
			}
		}
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(t, srv) })
	return &env{t: t, srv: srv, st: st, token: token, eng: eng, dsn: dsn}, holder
}

func stop(t *testing.T, srv *serve.Server) {
	t.Helper()
	if err := srv.Stop(context.Background()); err != nil {
		t.Error(err)
	}
}

// subjectHistory lists the decisions for a sha256 digest, oldest first.
func (e *env) subjectHistory(sha string) []serve.VerificationResponse {
	e.t.Helper()
	code, body := e.do("GET", "/v1/subjects/sha256:"+sha, "")
	if code != http.StatusOK {
		e.t.Fatalf("GET subject: %d %s", code, body)
	}
	return decode[serve.SubjectResponse](e.t, body).Verifications
}

// postRequest posts a request body to ns and returns the status and
// decision.
func (e *env) postRequest(ns, body string) (int, serve.VerificationResponse) {
	e.t.Helper()
	code, resp := e.do("POST", "/v1/namespaces/"+ns+"/verifications", body)
	if code != http.StatusCreated && code != http.StatusOK {
		e.t.Fatalf("POST %s: %d %s", ns, code, resp)
	}
	return code, decode[serve.VerificationResponse](e.t, resp)
}

// TestVulnDBReload: a decision that passes under a database without a
// critical advisory for its component is superseded by a failing one
// (reason "vulnerability database changed", the new database named in
// the record and its VSA) once a database with one is loaded; the
// earlier record is kept. Controls: a reload with the same content, even
// from another directory, changes nothing; a database that does not open
// keeps the last good one (counted); a namespace whose policy has no
// vulnerabilities gate is not re-evaluated; a restart with the first
// database again re-evaluates back.
func TestVulnDBReload(t *testing.T) { storetest.Run(t, testVulnDBReload) }

func testVulnDBReload(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	req, key := sbomRequest(t)
	db1, db2 := osvDir(t, highAdvisory), osvDir(t, highAdvisory, criticalAdvisory)
	dsn := db.NewDSN(t)
	e, holder := vulnEnv(t, dsn, db1, key)
	d1 := holder.Current().SHA256
	e.putPolicy("npm", gatePolicy)
	e.putPolicy("plain", emptyPolicy)
	_, first := e.postRequest("npm", req.Request())
	_, plain := e.postRequest("plain", req.Request())
	// The high advisory matched (below the policy's threshold): the gate
	// did ask the database.
	if !first.Verified || first.VulnDBSHA256 != d1 || !strings.Contains(string(first.Report), "1 match(es) in 1 component(s)") {
		t.Fatalf("under the first database: %s, want verified against %s with %s matched: %s", brief(first), d1, highAdvisory, first.Report)
	}
	if !plain.Verified || plain.VulnDBSHA256 != "" {
		t.Fatalf("control: a policy without the gate names no database: %s %q", brief(plain), plain.VulnDBSHA256)
	}
	checkVSAInput(t, e, first, d1)

	// The same files again, from another directory: the same database.
	if err := e.srv.RefreshVulnDBOnce(ctx, loadOSV(osvDir(t, highAdvisory))); err != nil {
		t.Fatal(err)
	}
	// A database that does not open keeps the last good one.
	broken := filepath.Join(t.TempDir(), "missing")
	if err := e.srv.RefreshVulnDBOnce(ctx, loadOSV(broken)); err == nil || !strings.Contains(err.Error(), broken) {
		t.Fatalf("a missing database: %v, want an error naming %s", err, broken)
	}
	if !scrape(t, e, "vouch_vuln_db_refresh_failures_total 1") {
		t.Error("the failed reload is not counted")
	}
	idle(t, e.st)
	if got := holder.Current().SHA256; got != d1 {
		t.Fatalf("after the controls the database is %s, want %s", got, d1)
	}
	if h := e.subjectHistory(req.SHA256); len(h) != 2 {
		t.Fatalf("the controls made %d records, want 2", len(h))
	}
	if code, again := e.postRequest("npm", req.Request()); code != http.StatusOK || again.ID != first.ID {
		t.Fatalf("the same request under the same database: %d %s, want 200 %s", code, again.ID, first.ID)
	}

	// The critical advisory arrives.
	if err := e.srv.RefreshVulnDBOnce(ctx, loadOSV(db2)); err != nil {
		t.Fatal(err)
	}
	d2 := holder.Current().SHA256
	if d2 == d1 {
		t.Fatal("the second database has the first's digest")
	}
	waitFor(t, "the re-evaluation", func() bool { return len(e.subjectHistory(req.SHA256)) == 3 })
	idle(t, e.st)
	h := e.subjectHistory(req.SHA256)
	next := h[2]
	if next.Supersedes != first.ID || next.Reason != store.ReasonVulnDB || next.Verified || next.VulnDBSHA256 != d2 ||
		next.Namespace != "npm" || !strings.Contains(string(next.Report), criticalAdvisory) {
		t.Fatalf("the re-evaluation %s (database %s), want a refusal naming %s superseding %s against %s", brief(next), next.VulnDBSHA256, criticalAdvisory, first.ID, d2)
	}
	old := e.get(first.ID)
	if old.SupersededBy != next.ID {
		t.Errorf("%s supersededBy %q, want %s", first.ID, old.SupersededBy, next.ID)
	}
	old.SupersededBy = ""
	if !reflect.DeepEqual(old, first) {
		t.Errorf("the superseded record changed:\n%s\nwas\n%s", brief(old), brief(first))
	}
	if got := e.get(plain.ID); got.SupersededBy != "" {
		t.Errorf("a record of a policy without the gate was re-evaluated: %s", brief(got))
	}
	checkVSAInput(t, e, next, d2)
	// The same request under the new database is a new decision.
	if code, again := e.postRequest("npm", req.Request()); code != http.StatusCreated || again.Verified || again.VulnDBSHA256 != d2 {
		t.Errorf("the same request under the new database: %d %s, want 201, refused, against %s", code, brief(again), d2)
	}

	// A restart with the first database finds the records made against
	// another one and re-evaluates them: verified again.
	stop(t, e.srv)
	e2, _ := vulnEnv(t, dsn, db1, key)
	e2.token = e.token // the database's admin token: shown once
	waitFor(t, "the re-evaluation at start", func() bool {
		h := e2.subjectHistory(req.SHA256)
		return len(h) == 6 // first, plain, next, the request's, and their two successors
	})
	idle(t, e2.st)
	for _, v := range e2.subjectHistory(req.SHA256)[4:] {
		if v.Reason != store.ReasonVulnDB || !v.Verified || v.VulnDBSHA256 != d1 {
			t.Errorf("re-evaluated at start: %s against %s, want verified against %s", brief(v), v.VulnDBSHA256, d1)
		}
	}

	// A restart without a database: the decisions made against one are
	// refused (the gate cannot be evaluated), not left verified.
	stop(t, e2.srv)
	e3, _ := vulnEnv(t, dsn, "", key)
	e3.token = e.token
	waitFor(t, "the re-evaluation without a database", func() bool { return len(e3.subjectHistory(req.SHA256)) == 8 })
	idle(t, e3.st)
	for _, v := range e3.subjectHistory(req.SHA256)[6:] {
		if v.Reason != store.ReasonVulnDB || v.Verified || v.VulnDBSHA256 != "" || !strings.Contains(string(v.Report), "no vulnerability database was given") {
			t.Errorf("re-evaluated without a database: %s against %q, want refused for want of one", brief(v), v.VulnDBSHA256)
		}
	}
	if got := e3.get(plain.ID); got.SupersededBy != "" {
		t.Errorf("a record of a policy without the gate was re-evaluated: %s", brief(got))
	}
}

// checkVSAInput checks that v's VSA names the vulnerability database sum
// among its input attestations.
func checkVSAInput(t *testing.T, e *env, v serve.VerificationResponse, sum string) {
	t.Helper()
	code, pub := e.do("GET", "/v1/vsa-key", "")
	if code != http.StatusOK {
		t.Fatalf("GET /v1/vsa-key: %d", code)
	}
	_, pred, err := servetest.VerifyVSA(t, pub, v.Subject.Digests, v.VSA)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range pred.GetInputAttestations() {
		if in.GetUri() == "vouch-serve:"+serve.VSAVulnDBURI {
			if got := in.GetDigest()["sha256"]; got != sum {
				t.Errorf("the VSA names the database %s, want %s", got, sum)
			}
			return
		}
	}
	t.Errorf("the VSA of %s names no vulnerability database: %v", v.ID, pred.GetInputAttestations())
}
