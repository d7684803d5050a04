package serve

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/npm"
	"github.com/vouchdev/vouch/pkg/verify/pep740"
	"github.com/vouchdev/vouch/pkg/verify/slsa"
)

// maxURI bounds subject.uri: a file URL on a registry's CDN is well under.
const maxURI = 2048

// checkURI checks subject.uri: an absolute URI without spaces or control
// characters; with a PyPI package URL, its last segment must be a
// distribution file of that very release, so that a record cannot serve
// one release's attestations under another's file.
func (s *RequestSubject) checkURI() error {
	if s.URI == "" {
		return nil
	}
	if len(s.URI) > maxURI {
		return fmt.Errorf("subject.uri: expected at most %d bytes, found %d", maxURI, len(s.URI))
	}
	if strings.IndexFunc(s.URI, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return fmt.Errorf("subject.uri: expected a URI without spaces or control characters, found %q", s.URI)
	}
	u, err := url.Parse(s.URI)
	if err != nil || u.Scheme == "" {
		return fmt.Errorf("subject.uri: expected an absolute URI (https://…/FILE, pypi:FILE), found %q", s.URI)
	}
	if s.PURL == "" || !pep740.IsPyPIPURL(s.PURL) {
		return nil
	}
	want, _ := pep740.SubjectPURL(s.PURL)
	file := uriFile(s.URI)
	if got, ok := pep740.DistributionPURL(file); !ok || got != want {
		return fmt.Errorf("subject.uri: expected a distribution file of %s, found %q", s.PURL, file)
	}
	return nil
}

// FindingSubjectURI is the id of the finding that a PyPI subject's URI
// names the file its attestations name.
const FindingSubjectURI = "subject.uri"

// uriFinding checks, for a PyPI package URL with a subject.uri, that
// every statement subject with the artifact's digests names the URI's
// file: checkURI binds the file to the release only, and the PyPI read
// serves the record's attestations as that file's, so a wheel's URI on an
// sdist's attestations would serve them as the wheel's. ok is false when
// there is nothing to check.
func uriFinding(s RequestSubject, evidence []verify.Evidence) (verify.Finding, bool) {
	if s.URI == "" || !pep740.IsPyPIPURL(s.PURL) {
		return verify.Finding{}, false
	}
	file := uriFile(s.URI)
	f := npm.SubjectFindingFunc(file, evidence, s.Digests, func(name string) (string, bool) { return name, name != "" })
	f.ID = FindingSubjectURI
	if f.Status != verify.StatusPass {
		f.Message = "the attestations do not name this artifact as the file subject.uri names (" + file + ")"
	}
	return f, true
}

// checkRepository checks subject.repository: a repository URL or
// host/owner/name path ("git+https://github.com/owner/name.git"), without
// spaces or control characters.
func (s *RequestSubject) checkRepository() error {
	if s.Repository == "" {
		return nil
	}
	if len(s.Repository) > maxURI || strings.IndexFunc(s.Repository, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return fmt.Errorf("subject.repository: expected a repository URL of at most %d bytes without spaces, found %q", maxURI, s.Repository)
	}
	if _, repoPath, _ := strings.Cut(slsa.NormalizeURI(s.Repository), "/"); repoPath == "" {
		return fmt.Errorf("subject.repository: expected a repository URL (git+https://github.com/OWNER/NAME.git), found %q", s.Repository)
	}
	return nil
}

// uriFile is the file a subject URI names: its last path segment, or the
// opaque part of "pypi:FILE", percent-decoded.
func uriFile(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	p := u.Path
	if u.Opaque != "" {
		p, err = url.PathUnescape(u.Opaque)
		if err != nil {
			return ""
		}
	}
	return path.Base(p)
}

// packageKey is the package URL a record is found by in registry-shaped
// reads: PyPI's names normalized, other package URLs as npm.CanonicalPURL
// spells them, qualifiers and subpath dropped; "" without a package URL.
func packageKey(purl string) string {
	purl, _, _ = strings.Cut(purl, "#")
	purl, _, _ = strings.Cut(purl, "?")
	if purl == "" {
		return ""
	}
	c, _ := pep740.SubjectPURL(purl)
	return c
}

var errNoPURL = errors.New("not a package URL")

// npmPURL is the package URL of an npm package version named as the
// registry names it ("@scope/name@1.0.0" or "name@1.0.0").
func npmPURL(spec string) (string, error) {
	at := strings.LastIndex(spec, "@")
	if at <= 0 || at == len(spec)-1 {
		return "", errNoPURL
	}
	c, ok := npm.CanonicalPURL("pkg:npm/" + spec)
	if !ok {
		return "", errNoPURL
	}
	return c, nil
}

// maxPackageRecords bounds the records of one package version a
// registry-shaped read looks through for the newest that names the file.
const maxPackageRecords = 1000

// newestDecision finds the newest current decision (none superseded it)
// of ns about the package pkg that match accepts, with its bundles. It answers the 404 itself when
// there is none, or when the newest is not verified: a registry serves
// nothing for a version whose current decision refused it, not an older
// acceptance.
func (s *Server) newestDecision(w http.ResponseWriter, r *http.Request, ns, pkg string, match func(store.Verification) bool) ([]store.Bundle, bool) {
	vs, err := s.cfg.Store.VerificationsByPackage(r.Context(), ns, pkg, maxPackageRecords)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "reading the verifications failed")
		return nil, false
	}
	for _, v := range vs {
		if !match(v) {
			continue
		}
		if !v.Verified {
			s.fail(w, r, http.StatusNotFound, codeNotFound, fmt.Sprintf("the newest decision on %s in namespace %s (%s) did not verify", pkg, ns, v.ID))
			return nil, false
		}
		bundles, err := s.cfg.Store.VerificationBundles(r.Context(), v.ID)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, codeInternal, "reading the verification's bundles failed")
			return nil, false
		}
		return bundles, true
	}
	s.fail(w, r, http.StatusNotFound, codeNotFound, fmt.Sprintf("no decision on %s in namespace %s", pkg, ns))
	return nil, false
}

// getPyPIProvenance answers as PyPI's /integrity/{project}/{version}/{filename}/provenance:
// the provenance object of the PEP 740 attestations stored with the newest
// decision on pkg:pypi/{project}@{version} whose subject.uri names the
// file; each attestation and publisher byte for byte as it was sent.
func (s *Server) getPyPIProvenance(w http.ResponseWriter, r *http.Request) {
	ns, ok := s.namespace(w, r)
	if !ok {
		return
	}
	file := r.PathValue("filename")
	pkg := packageKey("pkg:pypi/" + url.PathEscape(r.PathValue("project")) + "@" + url.PathEscape(r.PathValue("version")))
	if pkg == "" {
		s.fail(w, r, http.StatusNotFound, codeNotFound, "no such PyPI project version: "+r.URL.Path)
		return
	}
	bundles, ok := s.newestDecision(w, r, ns, pkg, func(v store.Verification) bool { return uriFile(v.SubjectURI) == file })
	if !ok {
		return
	}
	doc, n := provenanceObject(bundles)
	if n == 0 {
		s.fail(w, r, http.StatusNotFound, codeNotFound, "the decision on "+file+" holds no PEP 740 attestation")
		return
	}
	writeRawJSON(w, doc)
}

// provenanceObject builds PyPI's provenance object from the stored
// bundles' PEP 740 attestations, one attestation bundle per publisher, in
// the stored order. Each attestation's publisher is read from its
// certificate, which the decision verified (GitHub Actions only; others
// are left out): a provenance object's publisher block is the request's
// unverified JSON, kept only where it says what the certificate says.
// n counts the attestations.
func provenanceObject(bundles []store.Bundle) ([]byte, int) {
	var order []string
	byPublisher := map[string][][]byte{}
	for _, b := range bundles {
		if !pep740.Is(b.Data) {
			continue
		}
		atts, err := pep740.Read("sha256:"+b.SHA256, b.Data)
		if err != nil {
			continue // the decision was made on it, so it reads; stay safe
		}
		for _, a := range atts {
			pub, err := pep740.GitHubPublisher(a.Raw)
			if err != nil {
				continue
			}
			if sameJSON(a.Publisher, pub) {
				pub = a.Publisher // as PyPI spelled it
			}
			if _, seen := byPublisher[string(pub)]; !seen {
				order = append(order, string(pub))
			}
			byPublisher[string(pub)] = append(byPublisher[string(pub)], a.Raw)
		}
	}
	var doc bytes.Buffer
	n := 0
	doc.WriteString(`{"version":1,"attestation_bundles":[`)
	for i, pub := range order {
		if i > 0 {
			doc.WriteByte(',')
		}
		doc.WriteString(`{"publisher":` + pub + `,"attestations":[`)
		doc.Write(bytes.Join(byPublisher[pub], []byte{','}))
		doc.WriteString(`]}`)
		n += len(byPublisher[pub])
	}
	doc.WriteString(`]}`)
	return doc.Bytes(), n
}

// sameJSON reports whether a and b are JSON documents of equal value.
func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// getNPMAttestations answers as the npm registry's
// /-/npm/v1/attestations/{name}@{version}: {"attestations": [{"predicateType",
// "bundle"}]} from the bundles stored with the newest decision on that
// package version, each bundle byte for byte as it was sent (an npm
// attestations response sent whole gives its entries).
func (s *Server) getNPMAttestations(w http.ResponseWriter, r *http.Request) {
	ns, ok := s.namespace(w, r)
	if !ok {
		return
	}
	purl, err := npmPURL(r.PathValue("spec"))
	if err != nil {
		s.fail(w, r, http.StatusNotFound, codeNotFound, "expected NAME@VERSION or @SCOPE/NAME@VERSION, found "+r.PathValue("spec"))
		return
	}
	bundles, ok := s.newestDecision(w, r, ns, packageKey(purl), func(store.Verification) bool { return true })
	if !ok {
		return
	}
	var entries [][]byte
	for _, b := range bundles {
		entries = append(entries, npmEntries(b.Data)...)
	}
	if len(entries) == 0 {
		s.fail(w, r, http.StatusNotFound, codeNotFound, "the decision on "+purl+" holds no Sigstore bundle")
		return
	}
	writeRawJSON(w, slices.Concat([]byte(`{"attestations":[`), bytes.Join(entries, []byte{','}), []byte(`]}`)))
}

// npmEntries are the attestations response entries of a stored bundle: an
// attestations response's own, or a Sigstore bundle with the predicate
// type of its DSSE statement. A PEP 740 object has none.
func npmEntries(data []byte) [][]byte {
	var atts []npm.Attestation
	switch {
	case npm.IsAttestations(data):
		atts, _ = npm.Attestations("", data)
	case !pep740.Is(data):
		atts = []npm.Attestation{{PredicateType: statementType(data), Bundle: bytes.TrimSpace(data)}}
	}
	out := make([][]byte, 0, len(atts))
	for _, a := range atts {
		pt, err := json.Marshal(a.PredicateType)
		if err != nil {
			continue
		}
		out = append(out, slices.Concat([]byte(`{"predicateType":`), pt, []byte(`,"bundle":`), a.Bundle, []byte(`}`)))
	}
	return out
}

// statementType is the predicate type of a bundle's DSSE in-toto
// statement, "" for a bundle without one.
func statementType(data []byte) string {
	var b struct {
		DSSEEnvelope struct {
			Payload string `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if json.Unmarshal(data, &b) != nil {
		return ""
	}
	payload, err := base64.StdEncoding.DecodeString(b.DSSEEnvelope.Payload)
	if err != nil {
		return ""
	}
	var st struct {
		PredicateType string `json:"predicateType"`
	}
	json.Unmarshal(payload, &st)
	return st.PredicateType
}

// writeRawJSON writes a document built from stored bytes as the response:
// unlike writeJSON, nothing in it is re-encoded.
func writeRawJSON(w http.ResponseWriter, doc []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(append(doc, '\n'))
}
