package serve_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/pep740"
)

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
	prov := readFile(t, filepath.Join(pypiDir, "pypi_attestations-0.0.19.tar.gz.provenance"))
	slsaAtt := readFile(t, filepath.Join(pypiDir, "pypi_attestations-0.0.19.tar.gz.slsa.attestation"))
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
