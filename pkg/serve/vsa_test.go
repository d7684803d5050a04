package serve_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/pkg/attest/keys"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/servetest"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify/vsa"
)

// serverWithoutVSA is a server on e's database that signs no VSA.
func serverWithoutVSA(t testing.TB, e *env) *serve.Server {
	t.Helper()
	srv, err := serve.New(serve.Config{Store: e.st, Verifier: e.eng, Logger: slog.New(slog.DiscardHandler),
		TrustSHA256: serve.TrustDigest(e.eng.KeyIDs(), []byte("public-good offline"))})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestVSA: every new decision carries a signed VSA that verifies against
// the service's public key and states the decision — PASSED for a
// verified one, FAILED for each attack — with every bundle of the request
// as an input attestation; the same request again gets the same bytes,
// also when requests race, and GET /v1/vsa/{digest} serves them.
func TestVSA(t *testing.T) { storetest.Run(t, testVSA) }

func testVSA(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	genuine := readFile(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	forged := bytes.Replace(genuine, []byte("MEYCIQDhoULWkbm7KZ4P4qAWHLw7d9X66AM"), []byte("MEYCIQDhoULWkbm7KZ4P4qAWHLw7d9X66AN"), 1)
	var reindented bytes.Buffer
	if err := json.Indent(&reindented, genuine, "", "\t"); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db, publishKey(t))
	e.putPolicy("npm", emptyPolicy)
	code, pub := e.do("GET", "/v1/vsa-key", "")
	if code != http.StatusOK || !bytes.HasPrefix(pub, []byte("-----BEGIN PUBLIC KEY-----\n")) {
		t.Fatalf("GET /v1/vsa-key: %d %s", code, pub)
	}
	for _, tc := range []struct {
		name    string
		sha512  string
		bundles [][]byte
		result  string
	}{
		{"control: genuine", publishSHA512, [][]byte{genuine}, vsa.Passed},
		{"forged log entry", publishSHA512, [][]byte{forged}, vsa.Failed},
		{"another artifact's digest", otherSHA512, [][]byte{genuine}, vsa.Failed},
		{"two bundles, both inputs", publishSHA512, [][]byte{reindented.Bytes(), genuine}, vsa.Passed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := verificationBody(tc.sha512, tc.bundles...)
			code, resp := e.do("POST", "/v1/namespaces/npm/verifications", body)
			if code != http.StatusCreated {
				t.Fatalf("POST: %d %s", code, resp)
			}
			v := decode[serve.VerificationResponse](t, resp)
			digests := map[string]string{"sha512": tc.sha512}
			st, pred, err := servetest.VerifyVSA(t, pub, digests, v.VSA)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Subject) != 1 || st.Subject[0].Digest["sha512"] != tc.sha512 || st.PredicateType != vsa.PredicateType {
				t.Errorf("statement subject %v, type %s", st.Subject, st.PredicateType)
			}
			if pred.GetVerificationResult() != tc.result || (tc.result == vsa.Passed) != v.Verified {
				t.Errorf("verificationResult %s, verified %v; want %s", pred.GetVerificationResult(), v.Verified, tc.result)
			}
			// A bundle is named by the bytes of its JSON value as sent
			// (the file's final newline is not part of it).
			want := map[string]bool{}
			for _, b := range tc.bundles {
				want[sha256Hex(bytes.TrimSpace(b))] = true
			}
			got := map[string]bool{}
			for _, in := range pred.GetInputAttestations() {
				got[in.GetDigest()["sha256"]] = true
			}
			if len(got) != len(want) || len(pred.GetInputAttestations()) != len(tc.bundles) {
				t.Errorf("inputAttestations %v, want the bundles' SHA-256 %v", got, want)
			}
			for d := range want {
				if !got[d] {
					t.Errorf("bundle sha256:%s is no input attestation (%v)", d, got)
				}
			}
			if p := pred.GetPolicy(); p.GetDigest()["sha256"] != v.Policy.SHA256 || p.GetUri() != "vouch-serve:namespaces/npm/policy@v1" {
				t.Errorf("policy %v, want the namespace's version 1, sha256 %s", p, v.Policy.SHA256)
			}
			if tv := pred.GetTimeVerified().AsTime(); !tv.Equal(v.Created.Truncate(time.Second)) {
				t.Errorf("timeVerified %v, record created %v", tv, v.Created)
			}
			if pred.GetVerifier().GetId() != serve.DefaultVerifierID {
				t.Errorf("verifier %s", pred.GetVerifier().GetId())
			}
			// The same request again, several at once: the stored bytes.
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					code, again := e.do("POST", "/v1/namespaces/npm/verifications", body)
					if code != http.StatusOK || !bytes.Equal(decode[serve.VerificationResponse](t, again).VSA, v.VSA) {
						t.Errorf("repeat: %d, another VSA", code)
					}
				})
			}
			wg.Wait()
			if code, got := e.do("GET", "/v1/verifications/"+v.ID, ""); code != http.StatusOK || !bytes.Equal(decode[serve.VerificationResponse](t, got).VSA, v.VSA) {
				t.Errorf("GET verification: %d, another VSA", code)
			}
			if code, got := e.do("GET", "/v1/vsa/sha512:"+tc.sha512+"?namespace=npm", ""); code != http.StatusOK || !bytes.Equal(got, v.VSA) {
				t.Errorf("GET /v1/vsa: %d %s; want the decision's VSA", code, got)
			}
		})
	}
	// The newest decision wins; a namespace without one is a 404.
	if code, got := e.do("GET", "/v1/vsa/sha512:"+publishSHA512, ""); code != http.StatusOK {
		t.Errorf("GET /v1/vsa without a namespace: %d %s", code, got)
	} else if _, pred, err := servetest.VerifyVSA(t, pub, map[string]string{"sha512": publishSHA512}, got); err != nil || len(pred.GetInputAttestations()) != 2 {
		t.Errorf("GET /v1/vsa: not the newest decision's VSA (two bundles): %v", err)
	}
	for path, want := range map[string]int{
		"/v1/vsa/sha512:" + publishSHA512 + "?namespace=pypi": http.StatusNotFound,
		"/v1/vsa/sha256:" + strings.Repeat("0", 64):           http.StatusNotFound,
		"/v1/vsa/sha1:00": http.StatusBadRequest,
		"/v1/vsa/sha512:" + publishSHA512 + "?namespace=NPM!":               http.StatusBadRequest,
		"/v1/vsa/sha512:" + publishSHA512 + "?namespace=npm&namespace=pypi": http.StatusBadRequest,
		"/v1/vsa/sha512:" + publishSHA512 + "?namespace=npm":                http.StatusOK,
	} {
		if code, got := e.do("GET", path, ""); code != want {
			t.Errorf("GET %s: %d %s, want %d", path, code, got, want)
		}
	}
}

// TestVSATampered: a stored VSA altered in the database no longer verifies
// (control: as stored, it does); nor does a VSA checked with another key.
func TestVSATampered(t *testing.T) { storetest.Run(t, testVSATampered) }

func testVSATampered(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	genuine := readFile(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	e := newEnv(t, db, publishKey(t))
	e.putPolicy("npm", emptyPolicy)
	_, pub := e.do("GET", "/v1/vsa-key", "")
	// A refused decision: the attacker wants it to read PASSED.
	code, resp := e.do("POST", "/v1/namespaces/npm/verifications", verificationBody(otherSHA512, genuine))
	if code != http.StatusCreated {
		t.Fatalf("POST: %d %s", code, resp)
	}
	v := decode[serve.VerificationResponse](t, resp)
	digests := map[string]string{"sha512": otherSHA512}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherPub, err := keys.EncodePublic(other.Public())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		tamper func([]byte) []byte
		pub    []byte
		ok     bool
	}{
		{"control: as stored", func(b []byte) []byte { return b }, pub, true},
		{"FAILED rewritten to PASSED", flipResult, pub, false},
		{"signature altered", alterSignature, pub, false},
		{"another key", func(b []byte) []byte { return b }, otherPub, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setStoredVSA(t, db, e.dsn, v.ID, tc.tamper(v.VSA))
			code, got := e.do("GET", "/v1/vsa/sha512:"+otherSHA512, "")
			if code != http.StatusOK {
				t.Fatalf("GET /v1/vsa: %d %s", code, got)
			}
			_, pred, err := servetest.VerifyVSA(t, tc.pub, digests, got)
			switch {
			case tc.ok && (err != nil || pred.GetVerificationResult() != vsa.Failed):
				t.Errorf("the stored VSA: %v, %v; want a verified FAILED", err, pred)
			case !tc.ok && err == nil:
				t.Errorf("a tampered VSA verified, reading %s", pred.GetVerificationResult())
			}
		})
	}
}

// flipResult rewrites the statement's verificationResult to PASSED,
// keeping the signature.
func flipResult(b []byte) []byte {
	var m map[string]any
	json.Unmarshal(b, &m)
	env := m["dsseEnvelope"].(map[string]any)
	payload, _ := base64.StdEncoding.DecodeString(env["payload"].(string))
	env["payload"] = base64.StdEncoding.EncodeToString(bytes.Replace(payload, []byte(`"FAILED"`), []byte(`"PASSED"`), 1))
	out, _ := json.Marshal(m)
	return out
}

// alterSignature flips a bit of the envelope's signature.
func alterSignature(b []byte) []byte {
	var m map[string]any
	json.Unmarshal(b, &m)
	sig := m["dsseEnvelope"].(map[string]any)["signatures"].([]any)[0].(map[string]any)
	raw, _ := base64.StdEncoding.DecodeString(sig["sig"].(string))
	raw[len(raw)/2] ^= 1
	sig["sig"] = base64.StdEncoding.EncodeToString(raw)
	out, _ := json.Marshal(m)
	return out
}

// setStoredVSA overwrites a record's VSA in the database, as an attacker
// with write access to it would.
func setStoredVSA(t *testing.T, db storetest.DB, dsn, id string, data []byte) {
	t.Helper()
	driver, query := "sqlite", "UPDATE verifications SET vsa = ? WHERE id = ?"
	if db.Name == "postgres" {
		driver, query = "pgx", "UPDATE verifications SET vsa = $1 WHERE id = $2"
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if res, err := conn.Exec(query, string(data), id); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%d records updated", n)
	}
}

// failingSigner stands for a signer that cannot sign (a KMS down).
type failingSigner struct{}

func (failingSigner) Attest(context.Context, []byte) ([]byte, error) {
	return nil, errors.New("the key is unavailable")
}

// TestVSARequired: with a signer configured, a decision whose VSA cannot
// be signed is not stored (control: the same request is once it can); a
// server without a signer stores decisions without one and says so, and
// refuses a verifier id that is no URI.
func TestVSARequired(t *testing.T) { storetest.Run(t, testVSARequired) }

func testVSARequired(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	genuine := readFile(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	body := verificationBody(publishSHA512, genuine)
	e := newEnv(t, db, publishKey(t))
	e.putPolicy("npm", emptyPolicy)
	base := serve.Config{Store: e.st, Verifier: e.eng, Logger: slog.New(slog.DiscardHandler), TrustSHA256: serve.TrustDigest(e.eng.KeyIDs(), []byte("public-good offline"))}
	failing := base
	failing.VSASigner = failingSigner{}
	for _, tc := range []struct {
		name   string
		cfg    serve.Config
		status int
		vsa    bool
	}{
		{"signer fails", failing, http.StatusInternalServerError, false},
		{"no signer", base, http.StatusCreated, false},
		{"control: signer", servetest.WithVSA(t, base), http.StatusCreated, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := serve.New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			e.srv = srv
			// The policy changes per case, so each case is a new decision.
			e.putPolicy("npm", emptyPolicy+"# "+tc.name+"\n")
			before := e.records("sha512:" + publishSHA512)
			code, resp := e.do("POST", "/v1/namespaces/npm/verifications", body)
			if code != tc.status {
				t.Fatalf("POST: %d %s, want %d", code, resp, tc.status)
			}
			stored := e.records("sha512:"+publishSHA512) - before
			if (code == http.StatusCreated) != (stored == 1) || stored > 1 {
				t.Errorf("%d records stored for a %d", stored, code)
			}
			if code != http.StatusCreated {
				return
			}
			v := decode[serve.VerificationResponse](t, resp)
			if (v.VSA != nil) != tc.vsa {
				t.Errorf("VSA %s, want one: %v", v.VSA, tc.vsa)
			}
			code, got := e.do("GET", "/v1/vsa/sha512:"+publishSHA512, "")
			if tc.vsa != (code == http.StatusOK) || (!tc.vsa && !bytes.Contains(got, []byte("made without a VSA signer"))) {
				t.Errorf("GET /v1/vsa: %d %s", code, got)
			}
			if code, _ := e.do("GET", "/v1/vsa-key", ""); tc.vsa != (code == http.StatusOK) {
				t.Errorf("GET /v1/vsa-key: %d", code)
			}
		})
	}
	bad := servetest.WithVSA(t, base)
	bad.VerifierID = "not a uri"
	if _, err := serve.New(bad); err == nil || !strings.Contains(err.Error(), "verifier id") {
		t.Errorf("a verifier id that is no URI: %v", err)
	}
}

// BenchmarkDecisionVSA measures what signing a VSA costs each new
// decision: the same key-signed requests through the handler from four
// goroutines per core, with and without a VSA signer; reported are
// decisions/s and the CPU time per decision (verify, sign, persist; no
// HTTP transport).
//
//	go test ./pkg/serve -run '^$' -bench DecisionVSA -benchtime 2000x -count 3
func BenchmarkDecisionVSA(b *testing.B) {
	for _, db := range storetest.DBs() {
		for _, signed := range []bool{false, true} {
			name := db.Name + "/without-vsa"
			if signed {
				name = db.Name + "/with-vsa"
			}
			b.Run(name, func(b *testing.B) {
				bodies, key := signedRequests(b, b.N)
				e := newEnv(b, db, key)
				if !signed {
					e.srv = serverWithoutVSA(b, e)
				}
				e.putPolicy("bench", emptyPolicy)
				var next atomic.Int64
				b.SetParallelism(4)
				b.ResetTimer()
				start, cpu0 := time.Now(), cpuTime(b)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						body := bodies[next.Add(1)-1]
						if code, resp := e.do("POST", "/v1/namespaces/bench/verifications", body); code != http.StatusCreated {
							b.Errorf("%d %s", code, resp)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "decisions/s")
				// The machine is shared: the process's own CPU time per
				// decision is the figure that load from others skews least.
				b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/decision")
			})
		}
	}
}
