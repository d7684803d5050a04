package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/pep740"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// pypiBundles reads PyPI's provenance object and the SLSA attestation
// object of pypiFile (testdata/pypi/ORIGIN).
func pypiBundles(t testing.TB) (prov, slsaAtt []byte) {
	t.Helper()
	return readFile(t, filepath.Join(pypiDir, pypiFile+".provenance")), readFile(t, filepath.Join(pypiDir, pypiFile+".slsa.attestation"))
}

// TestReview4PyPIPublisherFromCertificate posts PyPI's real provenance
// object whose publisher block names another project than the one that
// signed it: the decision verifies (the policy judges the certificate), and
// the PyPI-shaped read shows the publisher the certificate names, never the
// request's label. The control is the genuine provenance object, served
// with its own publisher.
func TestReview4PyPIPublisherFromCertificate(t *testing.T) {
	storetest.Run(t, testReview4PyPIPublisherFromCertificate)
}

func testReview4PyPIPublisherFromCertificate(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	prov, slsaAtt := pypiBundles(t)
	genuine := []byte(`{"environment":null,"kind":"GitHub","repository":"trailofbits/pypi-attestations","workflow":"release.yml"}`)
	if !bytes.Contains(prov, []byte(`"publisher":`+string(genuine))) {
		t.Fatalf("the fixture's publisher is not %s", genuine)
	}
	lying := bytes.Replace(prov, []byte(`"repository":"trailofbits/pypi-attestations","workflow":"release.yml"`),
		[]byte(`"repository":"pypa/sampleproject","workflow":"publish.yml"`), 1)
	policyDoc := string(readFile(t, pypiPolicyFile))
	for _, tc := range []struct {
		name string
		prov []byte
	}{
		{"genuine", prov},
		{"lying-publisher", lying},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, db)
			e.putPolicy("pypi", policyDoc)
			body := subjectBody(pypiSHA256, pypiPURL, pypiURI, tc.prov, slsaAtt)
			if code, resp := e.do("POST", "/v1/namespaces/pypi/verifications", body); code != http.StatusCreated ||
				!decode[struct{ Verified bool }](t, resp).Verified {
				t.Fatalf("POST: %d %s, want a verified record", code, resp)
			}
			code, resp := e.do("GET", "/v1/namespaces/pypi/integrity/pypi-attestations/0.0.19/"+pypiFile+"/provenance", "")
			if code != http.StatusOK {
				t.Fatalf("GET provenance: %d %s", code, resp)
			}
			atts, err := pep740.Read("response", resp)
			if err != nil || len(atts) != 2 {
				t.Fatalf("the response is not a provenance object of two attestations (%v): %s", err, resp)
			}
			for i, a := range atts {
				var got any
				json.Unmarshal(a.Publisher, &got)
				if g, _ := json.Marshal(got); !bytes.Equal(g, genuine) {
					t.Errorf("attestation %d: publisher served %s, want the certificate's %s", i, a.Publisher, genuine)
				}
			}
		})
	}
}

// TestReview4DriftSameVersion: another artifact of a version already
// verified (a second npm tarball, another wheel of a PyPI release) from
// another publisher is drift, as a new version would be: otherwise a
// verify token posts the attacker's build under a released version and the
// registry reads serve it. The controls: the same version from the same
// publisher, and a next version from it.
func TestReview4DriftSameVersion(t *testing.T) { storetest.Run(t, testReview4DriftSameVersion) }

func testReview4DriftSameVersion(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	runDriftCases(t, db, newReleaseSigner(t), []driftCase{
		{name: "same version, other publisher", steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false}, {"a", "pkg:npm/demo@1.0.0", pubRepo, false}},
			drift: verify.StatusFail, against: 0},
		{name: "same version, other publisher, other versions known", steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false},
			{"a", "pkg:npm/demo@1.1.0", pubA, false}, {"a", "pkg:npm/demo@1.1.0", pubRepo, false}},
			drift: verify.StatusFail, against: 1},
		{name: "same version, same publisher", steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false}, {"a", "pkg:npm/demo@1.0.0", pubA, false}}, verified: true},
		{name: "next version, same publisher", steps: []step{{"a", "pkg:npm/demo@1.0.0", pubA, false}, {"a", "pkg:npm/demo@1.0.1", pubA, false}}, verified: true},
	})
}

// TestReview4RegistryReadsCurrentOnly: a registry-shaped read answers from
// the package's current decisions: a record a re-evaluation superseded is
// history even when its successor's time is earlier (a replica whose clock
// is behind made it), as GET /v1/vsa already holds. Here the successor
// refused the version, so the read is a 404; the control is the same read
// before the re-evaluation, a 200.
func TestReview4RegistryReadsCurrentOnly(t *testing.T) {
	storetest.Run(t, testReview4RegistryReadsCurrentOnly)
}

func testReview4RegistryReadsCurrentOnly(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	keys, err := trust.LoadKeys("../../testdata/npm/registry-keys.json")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db, keys...)
	e.putPolicy("npm", "apiVersion: vouch.dev/v1\nkind: Policy\ntrust:\n  identities:\n"+
		"    - repo: sigstore/sigstore-js\n      issuer: https://token.actions.githubusercontent.com\n")
	publish := readFile(t, "../../testdata/npm/bundle-publish.json")
	provenance := readFile(t, "../../testdata/npm/bundle-provenance.json")
	body := `{"subject":{"digests":{"sha512":"` + publishSHA512 + `"},"purl":"pkg:npm/sigstore@1.3.0"},"bundles":[` + string(publish) + `,` + string(provenance) + `]}`
	code, resp := e.do("POST", "/v1/namespaces/npm/verifications", body)
	if code != http.StatusCreated || !decode[serve.VerificationResponse](t, resp).Verified {
		t.Fatalf("POST: %d %s", code, resp)
	}
	id := decode[serve.VerificationResponse](t, resp).ID
	const read = "/v1/namespaces/npm/npm/v1/attestations/sigstore@1.3.0"
	if code, resp := e.do("GET", read, ""); code != http.StatusOK {
		t.Fatalf("control: GET before the re-evaluation: %d %s", code, resp)
	}
	ctx := context.Background()
	old, err := e.st.Verification(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if old.Bundles, err = e.st.VerificationBundles(ctx, id); err != nil {
		t.Fatal(err)
	}
	next := old
	next.ID, next.RequestKey, next.Supersedes, next.Reason = "successor-"+id, "successor-"+old.RequestKey, id, store.ReasonPolicy
	next.Verified, next.VSA, next.Created = false, nil, old.Created.Add(-time.Second)
	if _, created, err := e.st.CreateVerification(ctx, next); err != nil || !created {
		t.Fatalf("storing the successor: %v, %v", created, err)
	}
	if code, resp := e.do("GET", read, ""); code != http.StatusNotFound {
		t.Errorf("GET after a re-evaluation refused the version: %d %s, want 404", code, resp)
	}
}

// The keyless npm provenance of sigstore 2.0.0 (keylessBundle): its
// tarball's SHA-512, and a policy naming its signer.
const (
	sigstore2SHA512  = "46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c"
	sigstoreJSPolicy = emptyPolicy + "trust:\n  identities:\n    - repo: sigstore/sigstore-js\n"
)

// TestReview4ReevaluateUndecidable: a namespace's new policy that cannot
// decide on a record's bundles (a keyless bundle, no identity named) does
// not leave the record current and verified under the policy it replaced:
// its successor refuses, saying why, and the registry read stops serving
// it. The control is a new policy that still decides: the successor
// verifies and the read still serves.
func TestReview4ReevaluateUndecidable(t *testing.T) {
	storetest.Run(t, testReview4ReevaluateUndecidable)
}

func testReview4ReevaluateUndecidable(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	e := bgEnv(t, db, "root A")
	keyless := readFile(t, keylessBundle)
	body := `{"subject":{"digests":{"sha512":"` + sigstore2SHA512 + `"},"purl":"pkg:npm/sigstore@2.0.0"},"bundles":[` + string(keyless) + `]}`
	for _, c := range []struct {
		ns, next string
		verified bool
	}{
		{"undecidable", emptyPolicy, false},
		{"control", sigstoreJSPolicy + "predicates: {required: [slsaprovenance1]}\n", true},
	} {
		e.putPolicy(c.ns, sigstoreJSPolicy)
		code, resp := e.do("POST", "/v1/namespaces/"+c.ns+"/verifications", body)
		if code != http.StatusCreated || !decode[serve.VerificationResponse](t, resp).Verified {
			t.Fatalf("%s: POST: %d %s", c.ns, code, resp)
		}
		first := decode[serve.VerificationResponse](t, resp)
		read := "/v1/namespaces/" + c.ns + "/npm/v1/attestations/sigstore@2.0.0"
		if code, resp := e.do("GET", read, ""); code != http.StatusOK {
			t.Fatalf("%s: GET before the policy change: %d %s", c.ns, code, resp)
		}
		e.putPolicy(c.ns, c.next)
		waitFor(t, "the re-evaluation", func() bool { return e.get(first.ID).SupersededBy != "" })
		next := e.get(e.get(first.ID).SupersededBy)
		if next.Verified != c.verified || next.Reason != store.ReasonPolicy || next.Policy.Version != 2 {
			t.Errorf("%s: successor %s, want verified %v under policy version 2", c.ns, brief(next), c.verified)
		}
		wantCode := http.StatusNotFound
		if c.verified {
			wantCode = http.StatusOK
		}
		if code, resp := e.do("GET", read, ""); code != wantCode {
			t.Errorf("%s: GET after the policy change: %d %s, want %d", c.ns, code, resp, wantCode)
		}
	}
}

// TestReview4PyPIURINamesAttestedFile: a PyPI request's subject.uri must
// name the file the attestations name for the digest, not only a file of
// the same release: otherwise the sdist's attestations are served as the
// wheel's provenance. The control is the sdist's own URI.
func TestReview4PyPIURINamesAttestedFile(t *testing.T) {
	storetest.Run(t, testReview4PyPIURINamesAttestedFile)
}

func testReview4PyPIURINamesAttestedFile(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	prov, slsaAtt := pypiBundles(t)
	const wheel = "pypi_attestations-0.0.19-py3-none-any.whl"
	for _, c := range []struct {
		file     string
		verified bool
	}{
		{pypiFile, true},
		{wheel, false},
	} {
		t.Run(c.file, func(t *testing.T) {
			e := newEnv(t, db)
			e.putPolicy("pypi", string(readFile(t, pypiPolicyFile)))
			code, resp := e.do("POST", "/v1/namespaces/pypi/verifications", subjectBody(pypiSHA256, pypiPURL, "pypi:"+c.file, prov, slsaAtt))
			if code != http.StatusCreated {
				t.Fatalf("POST: %d %s", code, resp)
			}
			if v := decode[serve.VerificationResponse](t, resp); v.Verified != c.verified {
				t.Errorf("verified %v, want %v: %s", v.Verified, c.verified, v.Report)
			}
			wantCode := http.StatusNotFound
			if c.verified {
				wantCode = http.StatusOK
			}
			if code, resp := e.do("GET", "/v1/namespaces/pypi/integrity/pypi-attestations/0.0.19/"+c.file+"/provenance", ""); code != wantCode {
				t.Errorf("GET %s: %d %s, want %d", c.file, code, resp, wantCode)
			}
		})
	}
}

// TestReview4UnboundDigest: a digest the request adds that no verified
// bundle signs is not vouched for: the record, its subject lookup and its
// VSA are not found by it. The control is the digest the bundle signs.
func TestReview4UnboundDigest(t *testing.T) { storetest.Run(t, testReview4UnboundDigest) }

func testReview4UnboundDigest(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	e := newEnv(t, db, publishKey(t))
	e.putPolicy("npm", emptyPolicy)
	genuine := readFile(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	other := sha256Hex([]byte("another artifact, which nothing signed"))
	body := `{"subject":{"digests":{"sha512":"` + publishSHA512 + `","sha256":"` + other + `"}},"bundles":[` + string(genuine) + `]}`
	code, resp := e.do("POST", "/v1/namespaces/npm/verifications", body)
	if code != http.StatusCreated {
		t.Fatalf("POST: %d %s", code, resp)
	}
	v := decode[serve.VerificationResponse](t, resp)
	if !v.Verified {
		t.Fatalf("control: the genuine bundle is refused: %s", v.Report)
	}
	if v.Subject.Digests["sha256"] != "" {
		t.Errorf("the record vouches for sha256:%s, which no bundle signs", v.Subject.Digests["sha256"])
	}
	for _, c := range []struct {
		digest string
		want   int
		vsa    int
	}{{"sha512:" + publishSHA512, 1, http.StatusOK}, {"sha256:" + other, 0, http.StatusNotFound}} {
		code, resp := e.do("GET", "/v1/subjects/"+c.digest, "")
		if n := len(decode[serve.SubjectResponse](t, resp).Verifications); code != http.StatusOK || n != c.want {
			t.Errorf("GET /v1/subjects/%s: %d, %d records, want %d", c.digest, code, n, c.want)
		}
		if code, resp := e.do("GET", "/v1/vsa/"+c.digest, ""); code != c.vsa {
			t.Errorf("GET /v1/vsa/%s: %d %.200s, want %d", c.digest, code, resp, c.vsa)
		}
	}
}
