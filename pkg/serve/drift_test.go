package serve_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/servetest"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// publisher is who builds a release in the drift tests: a repository, a
// workflow file in it and a builder id.
type publisher struct{ repo, workflow, builder string }

var (
	pubA        = publisher{"https://github.com/acme/demo", ".github/workflows/release.yml", "https://github.com/actions/runner/github-hosted"}
	pubRepo     = publisher{"https://github.com/evil/demo", ".github/workflows/release.yml", "https://github.com/actions/runner/github-hosted"}
	pubWorkflow = publisher{"https://github.com/acme/demo", ".github/workflows/other.yml", "https://github.com/actions/runner/github-hosted"}
	pubBuilder  = publisher{"https://github.com/acme/demo", ".github/workflows/release.yml", "https://github.com/actions/runner/self-hosted"}
)

// releaseSigner signs SLSA v1 provenance (the shape npm's CLI writes on
// GitHub Actions) with a fresh key, through the same signer as vouch
// attest --key: the bundles are real, verified by the real engine.
type releaseSigner struct {
	s   *sign.Signer
	key *trust.Key
}

func newReleaseSigner(t testing.TB) *releaseSigner {
	s, key := keySigner(t)
	return &releaseSigner{s: s, key: key}
}

// keySigner is a signer with a fresh P-256 key, as vouch sign --key uses,
// and the key it is trusted by.
func keySigner(t testing.TB) (*sign.Signer, *trust.Key) {
	t.Helper()
	s, key, _ := servetest.KeySigner(t)
	return s, key
}

// release returns the sha256 of a package version's tarball and its
// provenance bundle, built by p from the version's tag.
func (rs *releaseSigner) release(t testing.TB, purl string, p publisher) (string, []byte) {
	t.Helper()
	name := purl
	if name == "" {
		name = "demo.tgz" // a subject known by digest only
	}
	sum := sha256.Sum256([]byte("tarball of " + name))
	digest := hex.EncodeToString(sum[:])
	ref := "refs/tags/v" + name[strings.LastIndex(name, "@")+1:]
	st := map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []any{map[string]any{"name": name, "digest": map[string]string{"sha256": digest}}},
		"predicateType": "https://slsa.dev/provenance/v1",
		"predicate": map[string]any{
			"buildDefinition": map[string]any{
				"buildType":          "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
				"externalParameters": map[string]any{"workflow": map[string]string{"ref": ref, "repository": p.repo, "path": p.workflow}},
				"resolvedDependencies": []any{map[string]any{"uri": "git+" + p.repo + "@" + ref,
					"digest": map[string]string{"gitCommit": "dae8bd8eb433a4147b4655c00fe73e0f22bc0fb1"}}},
			},
			"runDetails": map[string]any{"builder": map[string]string{"id": p.builder}},
		},
	}
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	b, err := rs.s.Attest(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	return digest, b
}

// eventStore records the events of the records it stores, as the queue
// would receive them.
type eventStore struct {
	store.Store
	mu     sync.Mutex
	events map[string][]store.Event // record id → events
}

func (s *eventStore) CreateVerification(ctx context.Context, v store.Verification) (store.Verification, bool, error) {
	stored, created, err := s.Store.CreateVerification(ctx, v)
	if err == nil && created {
		s.mu.Lock()
		s.events[v.ID] = v.Events
		s.mu.Unlock()
	}
	return stored, created, err
}

// step is one verification request of a drift case.
type step struct {
	ns, purl string
	pub      publisher
	// unsigned sends another digest than the bundle signs: the decision
	// does not verify.
	unsigned bool
}

// TestPublisherDrift: a new verified version whose repository, workflow or
// builder differs from the newest verified decision on another version of
// the package in the namespace fails with a publisher-drift finding naming
// both publishers, the earlier version and its record, and queues a
// publisher.drift event; "report" passes and still reports. The controls —
// the same publisher at a new tag, a first
// version, an earlier decision that did not verify, another namespace or
// package, a drifted version that did not become the reference — carry no
// drift, so a server that fails everything cannot pass.
func TestPublisherDrift(t *testing.T) { storetest.Run(t, testPublisherDrift) }

func testPublisherDrift(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	rs := newReleaseSigner(t)
	const report = "apiVersion: vouch.dev/v1\nkind: Policy\npublisher:\n  drift: report\n"
	const explicit = "apiVersion: vouch.dev/v1\nkind: Policy\npublisher:\n  drift: fail\n"
	tests := []driftCase{
		{name: "first version", steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false}}, verified: true},
		{name: "same publisher, next tag", steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false}, {"a", "pkg:npm/demo@1.1.0", pubA, false}}, verified: true},
		{name: "other repository", steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false}, {"a", "pkg:npm/demo@2.0.0", pubRepo, false}},
			drift: verify.StatusFail, against: 0},
		{name: "other workflow", steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false}, {"a", "pkg:npm/demo@2.0.0", pubWorkflow, false}},
			drift: verify.StatusFail, against: 0},
		{name: "other builder", steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false}, {"a", "pkg:npm/demo@2.0.0", pubBuilder, false}},
			drift: verify.StatusFail, against: 0},
		{name: "compared with the newest other version", steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false},
			{"a", "pkg:npm/demo@1.1.0", pubA, false}, {"a", "pkg:npm/demo@1.2.0", pubBuilder, false}},
			drift: verify.StatusFail, against: 1},
		{name: "a reported version is the next reference", policy: report, steps: []step{{"a", "pkg:npm/demo@1.0.0", pubRepo, false},
			{"a", "pkg:npm/demo@1.1.0", pubA, false}, {"a", "pkg:npm/demo@1.2.0", pubA, false}}, verified: true},
		{name: "same version again, other versions known", steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false},
			{"a", "pkg:npm/demo@1.1.0", pubA, false}, {"a", "pkg:npm/demo@1.1.0", pubRepo, false}},
			drift: verify.StatusFail, against: 1},
		{name: "report only", policy: report, steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false}, {"a", "pkg:npm/demo@2.0.0", pubRepo, false}},
			drift: verify.StatusPass, against: 0, verified: true},
		{name: "earlier decision not verified", steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, true}, {"a", "pkg:npm/demo@2.0.0", pubRepo, false}}, verified: true},
		{name: "a drifted version is not the reference", steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false},
			{"a", "pkg:npm/demo@2.0.0", pubRepo, false}, {"a", "pkg:npm/demo@3.0.0", pubA, false}}, verified: true},
		{name: "other namespace", steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false}, {"b", "pkg:npm/demo@2.0.0", pubRepo, false}}, verified: true},
		{name: "no package URL, policy asks for drift", policy: explicit, steps: []step{{"a", "", pubA, false}}, drift: verify.StatusFail, against: -1},
		{name: "no package URL, policy reports drift", policy: report, steps: []step{{"a", "", pubA, false}}, drift: verify.StatusPass, against: -1, verified: true},
		{name: "no package URL, policy silent", steps: []step{{"a", "", pubA, false}}, verified: true},
		{name: "package URL, policy asks for drift", policy: explicit, steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false}}, verified: true},
		{name: "other package", steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false}, {"a", "pkg:npm/demo2@2.0.0", pubRepo, false}}, verified: true},
	}
	runDriftCases(t, db, rs, tests)
}

// driftCase is a publisher-drift case: requests in order, and what the
// last one's decision must say.
type driftCase struct {
	name   string
	policy string
	steps  []step
	// drift is the last decision's publisher-drift status ("" none);
	// against is the index of the step it names (-1: none, for a
	// request without a package URL).
	drift    verify.Status
	against  int
	verified bool
}

// runDriftCases runs each case on a new server of db.
func runDriftCases(t *testing.T, db storetest.DB, rs *releaseSigner, tests []driftCase) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, eng := servetest.Open(t, db.NewDSN(t), []*trust.Key{rs.key})
			es := &eventStore{Store: st, events: map[string][]store.Event{}}
			e := &env{t: t, srv: newServer(t, es, eng, slog.New(slog.DiscardHandler)), st: es, eng: eng}
			var err error
			if e.token, err = serve.EnsureAdminToken(context.Background(), es); err != nil {
				t.Fatal(err)
			}
			doc := emptyPolicy
			if tt.policy != "" {
				doc = tt.policy
			}
			e.putPolicy("a", doc)
			e.putPolicy("b", doc)
			var got []serve.VerificationResponse
			for i, s := range tt.steps {
				digest, b := rs.release(t, s.purl, s.pub)
				if s.unsigned {
					digest = strings.Repeat("0", 64)
				}
				body := `{"subject":{"digests":{"sha256":"` + digest + `"},"purl":"` + s.purl + `"},"bundles":[` + string(b) + `]}`
				code, resp := e.do("POST", "/v1/namespaces/"+s.ns+"/verifications", body)
				if code != http.StatusCreated {
					t.Fatalf("step %d: %d %s", i, code, resp)
				}
				got = append(got, decode[serve.VerificationResponse](t, resp))
				if s.unsigned && got[i].Verified {
					t.Fatalf("step %d: a bundle for another digest verified: %s", i, got[i].Report)
				}
			}
			last := got[len(got)-1]
			if last.Verified != tt.verified {
				t.Errorf("verified %v, want %v: %s", last.Verified, tt.verified, last.Report)
			}
			f, found := driftFinding(t, last.Report)
			events := es.events[last.ID]
			if tt.drift == "" {
				if found || len(events) != 0 {
					t.Fatalf("unexpected drift: %+v, events %d", f, len(events))
				}
				return
			}
			if tt.against < 0 {
				// Nothing to compare with: the finding says so, and no
				// event is queued.
				if !found || f.Status != tt.drift || !strings.Contains(f.Message, "names no package (subject.purl)") || len(events) != 0 {
					t.Fatalf("finding %+v, events %d; want %s saying no package URL was given, no event", f, len(events), tt.drift)
				}
				return
			}
			prev := got[tt.against]
			prevVersion := tt.steps[tt.against].purl[strings.LastIndex(tt.steps[tt.against].purl, "@")+1:]
			if !found || f.Status != tt.drift || !strings.Contains(f.Message, "version "+prevVersion+" (verification "+prev.ID+")") {
				t.Fatalf("drift finding %+v, want %s against version %s (%s)", f, tt.drift, prevVersion, prev.ID)
			}
			prevRepo := strings.TrimPrefix(tt.steps[tt.against].pub.repo, "https://")
			newRepo := strings.TrimPrefix(tt.steps[len(tt.steps)-1].pub.repo, "https://")
			if !strings.Contains(f.Expected, "repository "+prevRepo+",") || !strings.Contains(f.Found, "repository "+newRepo+",") {
				t.Errorf("finding does not name both publishers: expected %q, found %q", f.Expected, f.Found)
			}
			if len(events) != 1 || events[0].Type != serve.EventPublisherDrift {
				t.Fatalf("events %+v, want one %s", events, serve.EventPublisherDrift)
			}
			data, err := jsonschema.UnmarshalJSON(bytes.NewReader(events[0].Payload))
			if err != nil {
				t.Fatal(err)
			}
			if err := loadAPIDoc(t).schema(t, pointer("components", "schemas", "PublisherDrift")).Validate(data); err != nil {
				t.Errorf("the event's data is not as schemas/openapi.yaml documents it: %v", err)
			}
			ev := decode[serve.DriftEvent](t, events[0].Payload)
			if ev.Previous.VerificationID != prev.ID || ev.Previous.Version != prevVersion || ev.Verified != tt.verified ||
				ev.Package != "pkg:npm/demo" || ev.PURL != tt.steps[len(tt.steps)-1].purl {
				t.Errorf("event %+v", ev)
			}
		})
	}
}

// driftFinding returns the publisher-drift finding of a report.
func driftFinding(t testing.TB, report []byte) (verify.Finding, bool) {
	t.Helper()
	r := decode[verify.Report](t, report)
	for _, f := range r.Artifacts[0].Findings {
		if f.ID == serve.FindingPublisherDrift {
			return f, true
		}
	}
	return verify.Finding{}, false
}

// TestPublisherDriftNPMProvenance: the real npm provenance of sigstore-js
// 1.3.0 (SLSA v0.2, builder https://github.com/actions/runner) and 2.0.0
// (v1, https://github.com/actions/runner/github-hosted) are the same
// publisher: npm's move to v1 provenance is not drift. The same 2.0.0
// decision in a namespace whose 1.3.0 came from another repository's
// signer would be drift; that attack is TestPublisherDrift's (no real
// bundle of another repository names this package).
func TestPublisherDriftNPMProvenance(t *testing.T) { storetest.Run(t, testPublisherDriftNPMProvenance) }

func testPublisherDriftNPMProvenance(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	e := newEnv(t, db)
	e.putPolicy("npm", "apiVersion: vouch.dev/v1\nkind: Policy\ntrust:\n  identities:\n    - repo: sigstore/sigstore-js\n")
	dir := "../../testdata/sigstore/cases/sigstore/sigstore-go/"
	for _, c := range []struct{ bundle, sha512, purl string }{
		{dir + "example-bundle-provenance/bundle.sigstore.json", publishSHA512, "pkg:npm/sigstore@1.3.0"},
		{dir + "sigstore.js-2.0.0-provenance/bundle.sigstore.json",
			"46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c", "pkg:npm/sigstore@2.0.0"},
	} {
		body := `{"subject":{"digests":{"sha512":"` + c.sha512 + `"},"purl":"` + c.purl + `"},"bundles":[` + string(readFile(t, c.bundle)) + `]}`
		code, resp := e.do("POST", "/v1/namespaces/npm/verifications", body)
		if code != http.StatusCreated {
			t.Fatalf("%s: %d %s", c.purl, code, resp)
		}
		v := decode[serve.VerificationResponse](t, resp)
		if f, found := driftFinding(t, v.Report); !v.Verified || found {
			t.Errorf("%s: verified %v, drift %+v: %s", c.purl, v.Verified, f, v.Report)
		}
	}
}

// failingLookup is a store whose drift lookup fails.
type failingLookup struct{ store.Store }

func (failingLookup) LatestVerifiedOfPackage(context.Context, string, string) (store.Verification, error) {
	return store.Verification{}, errors.New("connection reset")
}

// TestPublisherDriftLookupFails: when the earlier versions cannot be read,
// no decision is made (500, nothing stored) rather than one without the
// comparison; the same request with the lookup working is decided.
func TestPublisherDriftLookupFails(t *testing.T) {
	rs := newReleaseSigner(t)
	db := storetest.DBs()[0]
	st, eng := servetest.Open(t, db.NewDSN(t), []*trust.Key{rs.key})
	digest, b := rs.release(t, "pkg:npm/demo@1.0.0", pubA)
	body := `{"subject":{"digests":{"sha256":"` + digest + `"},"purl":"pkg:npm/demo@1.0.0"},"bundles":[` + string(b) + `]}`
	token, err := serve.EnsureAdminToken(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		st   store.Store
		want int
	}{
		{"lookup fails", failingLookup{st}, http.StatusInternalServerError},
		{"lookup works", st, http.StatusCreated},
	} {
		e := &env{t: t, srv: newServer(t, c.st, eng, slog.New(slog.DiscardHandler)), st: c.st, eng: eng, token: token}
		e.putPolicy("a", emptyPolicy)
		code, resp := e.do("POST", "/v1/namespaces/a/verifications", body)
		if code != c.want || (code == 500 && strings.Contains(string(resp), "connection reset")) {
			t.Errorf("%s: %d %s, want %d without the database's words", c.name, code, resp, c.want)
		}
		if n := e.records("sha256:" + digest); (n == 1) != (c.want == http.StatusCreated) {
			t.Errorf("%s: %d records stored", c.name, n)
		}
	}
}
