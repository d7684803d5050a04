package serve_test

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify/pep740"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// PyPI's real attestations of pypi_attestations-0.0.19.tar.gz (see
// testdata/pypi/ORIGIN).
const (
	pypiDir        = "../../testdata/pypi"
	pypiSHA256     = "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3"
	pypiPURL       = "pkg:pypi/pypi-attestations@0.0.19"
	pypiFile       = "pypi_attestations-0.0.19.tar.gz"
	pypiURI        = "https://files.pythonhosted.org/packages/source/p/pypi-attestations/" + pypiFile
	pypiPolicyFile = "../../examples/policy/pypi.yaml"
)

// subjectBody is a request for a sha256 subject with a package URL and a
// URI, the bundles sent as they are.
func subjectBody(sha256, purl, uri string, bundles ...[]byte) string {
	parts := make([]string, len(bundles))
	for i, b := range bundles {
		parts[i] = string(b)
	}
	subj, _ := json.Marshal(map[string]any{"digests": map[string]string{"sha256": sha256}, "purl": purl, "uri": uri})
	return `{"subject":` + string(subj) + `,"bundles":[` + strings.Join(parts, ",") + `]}`
}

// TestPyPI posts PyPI's real provenance object and attestation object for
// a distribution, with its file URI, under examples/policy/pypi.yaml, and
// reads them back in PyPI's shape: each attestation byte for byte. Each
// refusal has its control: the genuine request and read.
func TestPyPI(t *testing.T) { storetest.Run(t, testPyPI) }

func testPyPI(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	prov := readFile(t, filepath.Join(pypiDir, "pypi_attestations-0.0.19.tar.gz.provenance"))
	slsaAtt := readFile(t, filepath.Join(pypiDir, "pypi_attestations-0.0.19.tar.gz.slsa.attestation"))
	tampered := bytes.Replace(prov, []byte(`"statement":"eyJ`), []byte(`"statement":"eyI`), 1)
	e := newEnv(t, db)
	policyDoc := string(readFile(t, pypiPolicyFile))
	e.putPolicy("pypi", policyDoc)
	e.putPolicy("other", strings.ReplaceAll(policyDoc, "trailofbits/pypi-attestations", "pypa/sampleproject"))

	post := func(ns, body string, wantCode int, wantVerified bool) serve.VerificationResponse {
		t.Helper()
		code, resp := e.do("POST", "/v1/namespaces/"+ns+"/verifications", body)
		if code != wantCode {
			t.Fatalf("POST %s: %d %s", ns, code, resp)
		}
		v := decode[serve.VerificationResponse](t, resp)
		if v.Verified != wantVerified {
			t.Fatalf("POST %s: verified %v, want %v: %s", ns, v.Verified, wantVerified, v.Report)
		}
		return v
	}
	genuine := subjectBody(pypiSHA256, pypiPURL, pypiURI, prov, slsaAtt)
	v := post("pypi", genuine, http.StatusCreated, true)
	if v.Subject.URI != pypiURI || v.Subject.PURL != pypiPURL {
		t.Errorf("subject %+v, want the URI and purl sent", v.Subject)
	}
	if again := post("pypi", genuine, http.StatusOK, true); again.ID != v.ID {
		t.Errorf("the same request is another record: %s, %s", again.ID, v.ID)
	}
	// The URI is part of the key: another name for the subject is another record.
	if other := post("pypi", subjectBody(pypiSHA256, pypiPURL, "pypi:"+pypiFile, prov, slsaAtt), http.StatusCreated, true); other.ID == v.ID {
		t.Error("another URI gave the same record")
	}
	post("other", genuine, http.StatusCreated, false)
	e.putPolicy("tampered", policyDoc)
	post("tampered", subjectBody(pypiSHA256, pypiPURL, pypiURI, tampered, slsaAtt), http.StatusCreated, false)

	// Requests that name the file of another release are refused.
	for _, uri := range []string{"pypi:pypi_attestations-0.0.18.tar.gz", "https://example.org/other_project-0.0.19.tar.gz", "not a uri", "relative/" + pypiFile} {
		if code, resp := e.do("POST", "/v1/namespaces/pypi/verifications", subjectBody(pypiSHA256, pypiPURL, uri, prov)); code != http.StatusBadRequest || !strings.Contains(string(resp), "subject.uri") {
			t.Errorf("uri %q: %d %s, want 400 naming subject.uri", uri, code, resp)
		}
	}

	path := func(ns, project, version, file string) string {
		return "/v1/namespaces/" + ns + "/integrity/" + project + "/" + version + "/" + file + "/provenance"
	}
	code, resp := e.do("GET", path("pypi", "pypi-attestations", "0.0.19", pypiFile), "")
	if code != http.StatusOK {
		t.Fatalf("GET provenance: %d %s", code, resp)
	}
	atts, err := pep740.Read("response", resp)
	if err != nil {
		t.Fatalf("the response is not a provenance object: %v\n%s", err, resp)
	}
	sent, err := pep740.Read("provenance", prov)
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 2 {
		t.Fatalf("%d attestations served, want 2", len(atts))
	}
	for _, raw := range [][]byte{sent[0].Raw, bytes.TrimSpace(slsaAtt)} {
		if !bytes.Contains(resp, raw) {
			t.Errorf("an attestation is not served byte for byte")
		}
	}
	if !bytes.Equal(atts[0].Publisher, sent[0].Publisher) || !bytes.Equal(atts[1].Publisher, sent[0].Publisher) {
		t.Errorf("publishers %s, %s; want PyPI's %s", atts[0].Publisher, atts[1].Publisher, sent[0].Publisher)
	}
	if code, _ := e.do("GET", path("pypi", "PyPI_Attestations", "0.0.19", pypiFile), ""); code != http.StatusOK {
		t.Errorf("GET by PyPI's spelling of the name: %d, want 200", code)
	}
	for _, p := range []string{
		path("pypi", "pypi-attestations", "0.0.19", "pypi_attestations-0.0.19-py3-none-any.whl"),
		path("pypi", "pypi-attestations", "0.0.18", pypiFile),
		path("pypi", "sampleproject", "0.0.19", pypiFile),
		path("other", "pypi-attestations", "0.0.19", pypiFile),
		path("tampered", "pypi-attestations", "0.0.19", pypiFile),
		path("nosuchns", "pypi-attestations", "0.0.19", pypiFile),
	} {
		code, resp := e.do("GET", p, "")
		if code != http.StatusNotFound || decode[serve.ErrorBody](t, resp).Error.Code != "not_found" {
			t.Errorf("GET %s: %d %s, want the JSON 404", p, code, resp)
		}
	}
}

// TestNPMAttestations posts npm's real bundles (as two bundles, and as the
// registry's attestations response of a scoped package) and reads them back
// as npm's attestations response, each bundle byte for byte.
func TestNPMAttestations(t *testing.T) { storetest.Run(t, testNPMAttestations) }

func testNPMAttestations(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	keys, err := trust.LoadKeys("../../testdata/npm/registry-keys.json")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db, keys...)
	e.putPolicy("npm", `apiVersion: vouch.dev/v1
kind: Policy
trust:
  identities:
    - repo: sigstore/sigstore-js
      issuer: https://token.actions.githubusercontent.com
    - repo: trishankatdatadog/supreme-goggles
      issuer: https://token.actions.githubusercontent.com
`)
	publish := readFile(t, "../../testdata/npm/bundle-publish.json")
	provenance := readFile(t, "../../testdata/npm/bundle-provenance.json")
	body := `{"subject":{"digests":{"sha512":"` + publishSHA512 + `"},"purl":"pkg:npm/sigstore@1.3.0"},"bundles":[` + string(publish) + `,` + string(provenance) + `]}`
	if code, resp := e.do("POST", "/v1/namespaces/npm/verifications", body); code != http.StatusCreated || !decode[serve.VerificationResponse](t, resp).Verified {
		t.Fatalf("POST sigstore: %d %s", code, resp)
	}
	goggles := readFile(t, "../../testdata/slsa/npm-supreme-goggles-v02/supreme-googles-cli-v02-tag.tgz.json")
	tgz := readFile(t, "../../testdata/slsa/npm-supreme-goggles-v02/supreme-googles-cli-v02-tag.tgz")
	sum := sha512.Sum512(tgz)
	body = `{"subject":{"digests":{"sha512":"` + hex.EncodeToString(sum[:]) + `"},"purl":"pkg:npm/@trishankatdatadog/supreme-goggles@1.0.5"},"bundles":[` + string(goggles) + `]}`
	if code, resp := e.do("POST", "/v1/namespaces/npm/verifications", body); code != http.StatusCreated || !decode[serve.VerificationResponse](t, resp).Verified {
		t.Fatalf("POST supreme-goggles: %d %s", code, resp)
	}

	var sentGoggles struct {
		Attestations []struct {
			Bundle json.RawMessage `json:"bundle"`
		} `json:"attestations"`
	}
	if err := json.Unmarshal(goggles, &sentGoggles); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path    string
		bundles [][]byte
		types   []string
	}{
		{"sigstore@1.3.0", [][]byte{bytes.TrimSpace(publish), bytes.TrimSpace(provenance)},
			[]string{"https://github.com/npm/attestation/tree/main/specs/publish/v0.1", "https://slsa.dev/provenance/v0.2"}},
		{"@trishankatdatadog/supreme-goggles@1.0.5", [][]byte{sentGoggles.Attestations[0].Bundle, sentGoggles.Attestations[1].Bundle}, nil},
		{"%40trishankatdatadog%2Fsupreme-goggles@1.0.5", [][]byte{sentGoggles.Attestations[0].Bundle, sentGoggles.Attestations[1].Bundle}, nil},
	}
	for _, tt := range tests {
		code, resp := e.do("GET", "/v1/namespaces/npm/npm/v1/attestations/"+tt.path, "")
		if code != http.StatusOK {
			t.Errorf("GET %s: %d %s", tt.path, code, resp)
			continue
		}
		var got struct {
			Attestations []struct {
				PredicateType string `json:"predicateType"`
			} `json:"attestations"`
		}
		if err := json.Unmarshal(resp, &got); err != nil || len(got.Attestations) != len(tt.bundles) {
			t.Errorf("GET %s: %v, %d attestations, want %d", tt.path, err, len(got.Attestations), len(tt.bundles))
			continue
		}
		for i, b := range tt.bundles {
			if !bytes.Contains(resp, b) {
				t.Errorf("GET %s: bundle %d is not served byte for byte", tt.path, i)
			}
		}
		types := map[string]bool{}
		for _, a := range got.Attestations {
			types[a.PredicateType] = true
		}
		for _, pt := range tt.types {
			if !types[pt] {
				t.Errorf("GET %s: predicate types %v, want %s", tt.path, types, pt)
			}
		}
	}
	for _, p := range []string{"sigstore@1.2.0", "sigstore", "@other/supreme-goggles@1.0.5", "@trishankatdatadog/supreme-goggles@1.0.4"} {
		code, resp := e.do("GET", "/v1/namespaces/npm/npm/v1/attestations/"+p, "")
		if code != http.StatusNotFound || decode[serve.ErrorBody](t, resp).Error.Code != "not_found" {
			t.Errorf("GET %s: %d %s, want the JSON 404", p, code, resp)
		}
	}
}

// TestNPMDeclaredRepository runs examples/policy/npm.yaml in the service
// over a real npm package: the provenance must come from the repository
// the request says the package declares (subject.repository); another
// repository, or none, is refused; control: the declared one.
func TestNPMDeclaredRepository(t *testing.T) { storetest.Run(t, testNPMDeclaredRepository) }

func testNPMDeclaredRepository(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	keys, err := trust.LoadKeys("../../testdata/npm/registry-keys.json")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db, keys...)
	e.putPolicy("npm", string(readFile(t, "../../examples/policy/npm.yaml")))
	dir := "../../testdata/slsa/npm-gundam-visor-v1/"
	sum := sha512.Sum512(readFile(t, dir+"gundam-visor-cli-v1-tag.tgz"))
	att := readFile(t, dir+"gundam-visor-cli-v1-tag.tgz.json")
	body := func(repo string) string {
		subj, _ := json.Marshal(map[string]any{"digests": map[string]string{"sha512": hex.EncodeToString(sum[:])},
			"purl": "pkg:npm/gundam-visor@1.0.1", "repository": repo})
		return `{"subject":` + string(subj) + `,"bundles":[` + string(att) + `]}`
	}
	for _, tt := range []struct {
		repo     string
		code     int
		verified bool
	}{
		{"git+https://github.com/ramonpetgrave64/gundam-visor.git", http.StatusCreated, true},
		{"git+https://github.com/ramonpetgrave64/other.git", http.StatusCreated, false},
		{"", http.StatusCreated, false},
		{"not a repository", http.StatusBadRequest, false},
		{"github.com", http.StatusBadRequest, false},
	} {
		code, resp := e.do("POST", "/v1/namespaces/npm/verifications", body(tt.repo))
		if code != tt.code {
			t.Errorf("repository %q: %d %s, want %d", tt.repo, code, resp, tt.code)
			continue
		}
		if code != http.StatusCreated {
			continue
		}
		v := decode[serve.VerificationResponse](t, resp)
		if v.Verified != tt.verified || v.Subject.Repository != tt.repo {
			t.Errorf("repository %q: verified %v (want %v), stored repository %q", tt.repo, v.Verified, tt.verified, v.Subject.Repository)
		}
	}
}
