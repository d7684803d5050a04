package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/vsa"
)

// DefaultVerifierID is the VSA verifier.id of vouch serve when the
// deployment names none.
const DefaultVerifierID = "https://github.com/vouchdev/vouch/serve"

// uriScheme names what the service keeps in a VSA's URIs: the policy
// version, the bundles and the subject, as the API knows them.
const uriScheme = "vouch-serve:"

// VSAVulnDBURI is the URI, after "vouch-serve:", of the VSA input
// attestation naming the vulnerability database a decision's
// vulnerabilities gate matched against (its digest: vuln.DB.Digest).
const VSAVulnDBURI = "vuln-db"

// VSASigner signs a VSA statement into a Sigstore bundle (JSON):
// *sign.Signer (pkg/attest/sign) is one, with a key or keyless.
type VSASigner interface {
	Attest(ctx context.Context, statement []byte) ([]byte, error)
}

// checkVSAConfig fills in the verifier id and refuses one that is no URI.
func checkVSAConfig(cfg *Config) error {
	if cfg.VSASigner == nil {
		return nil
	}
	if cfg.VerifierID == "" {
		cfg.VerifierID = DefaultVerifierID
	}
	if err := attest.CheckURI(cfg.VerifierID); err != nil {
		return fmt.Errorf("serve: the VSA verifier id %q: %w", cfg.VerifierID, err)
	}
	return nil
}

// signVSA sets v.VSA to the signed verification summary of the decision
// r on v: v's subject digests, policy and time, every bundle of the
// request as an input attestation, the SLSA level the findings verified.
// Without a signer it does nothing. The bundle is compacted once, here, so
// the stored bytes are the bytes every response carries.
func (s *Server) signVSA(ctx context.Context, v *store.Verification, r *verify.ArtifactReport) error {
	if s.cfg.VSASigner == nil {
		return nil
	}
	inputs := make([]vsa.Ref, len(v.Bundles))
	for i, b := range v.Bundles {
		inputs[i] = vsa.Ref{URI: uriScheme + "bundles/sha256:" + b.SHA256, Digest: map[string]string{"sha256": b.SHA256}}
	}
	if v.VulnDBSHA256 != "" {
		// The vulnerability database is an input of the verdict too: a
		// consumer tells a verdict on yesterday's advisories by it.
		inputs = append(inputs, vsa.Ref{URI: uriScheme + VSAVulnDBURI, Digest: map[string]string{"sha256": v.VulnDBSHA256}})
	}
	digests := subjectDigests(*v)
	resource := v.SubjectPURL
	if resource == "" {
		resource = uriScheme + "subjects/" + subjectName(digests)
	}
	sum := vsa.Summary{
		VerifierID: s.cfg.VerifierID, TimeVerified: v.Created, ResourceURI: resource,
		Policy: vsa.Ref{URI: fmt.Sprintf("%snamespaces/%s/policy@v%d", uriScheme, v.Namespace, v.PolicyVersion),
			Digest: map[string]string{"sha256": v.PolicySHA256}},
	}
	payload, err := vsa.MarshalForVerdict(r, digests, inputs, sum)
	if err != nil {
		return err
	}
	signed, err := s.cfg.VSASigner.Attest(ctx, payload)
	if err != nil {
		return fmt.Errorf("signing the verification summary: %w", err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, signed); err != nil {
		return fmt.Errorf("the signed verification summary is not JSON: %w", err)
	}
	v.VSA = compact.Bytes()
	return nil
}

// subjectDigests are a record's subject digests, by algorithm.
func subjectDigests(v store.Verification) map[string]string {
	d := map[string]string{}
	if v.SubjectSHA256 != "" {
		d["sha256"] = v.SubjectSHA256
	}
	if v.SubjectSHA512 != "" {
		d["sha512"] = v.SubjectSHA512
	}
	return d
}

// getVSA answers GET /v1/vsa/{digest}: the signed VSA of the newest
// current decision on the digest (in ?namespace= when given), as the
// Sigstore bundle it is. A newest decision without a VSA is a 404, not an
// older decision's VSA: that one may say the opposite of what the service
// now decides.
func (s *Server) getVSA(w http.ResponseWriter, r *http.Request) {
	alg, hexd, ok := s.pathDigest(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	if len(q["namespace"]) > 1 {
		s.fail(w, r, http.StatusBadRequest, codeInvalidRequest, fmt.Sprintf("namespace parameter: expected one, found %d", len(q["namespace"])))
		return
	}
	ns := q.Get("namespace")
	if ns != "" && !namespaceRE.MatchString(ns) {
		s.fail(w, r, http.StatusBadRequest, codeInvalidRequest, "namespace parameter: "+namespaceError(ns))
		return
	}
	if t := requestToken(r); !isGlobalAdmin(t) {
		// A namespace's token sees its namespace's decisions only; another
		// namespace's is not found, as for GET /v1/verifications/{id}.
		if ns != "" && ns != t.Namespace {
			s.fail(w, r, http.StatusNotFound, codeNotFound, "no decision on "+alg+":"+hexd+" in namespace "+ns)
			return
		}
		ns = t.Namespace
	}
	where := ""
	if ns != "" {
		where = " in namespace " + ns
	}
	v, err := s.cfg.Store.CurrentVerification(r.Context(), alg, hexd, ns)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, codeNotFound, "no decision on "+alg+":"+hexd+where)
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "reading the verifications failed")
	case v.VSA == nil:
		s.fail(w, r, http.StatusNotFound, codeNotFound, fmt.Sprintf("the newest decision on %s:%s%s (%s) has no VSA: it was made without a VSA signer", alg, hexd, where, v.ID))
	default:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(v.VSA)
	}
}

// getVSAKey answers GET /v1/vsa-key: the PEM public key the service's
// VSAs verify with, for verifiers that check them offline.
func (s *Server) getVSAKey(w http.ResponseWriter, r *http.Request) {
	if len(s.cfg.VSAPublicKey) == 0 {
		s.fail(w, r, http.StatusNotFound, codeNotFound, "this service signs no VSA with a key")
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(s.cfg.VSAPublicKey)
}

// pathDigest reads the request's {digest}, sha256:<hex> or sha512:<hex>,
// or writes a 400.
func (s *Server) pathDigest(w http.ResponseWriter, r *http.Request) (alg, hexd string, ok bool) {
	d, err := engine.ParseDigest(r.PathValue("digest"))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, codeInvalidRequest, digestError(err))
		return "", "", false
	}
	for alg, hexd = range d {
	}
	return alg, hexd, true
}
