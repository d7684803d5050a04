package serve

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/engine"
)

// maxSubjectRecords bounds the records GET /v1/subjects/{digest} returns.
const maxSubjectRecords = 1000

// VerificationResponse is a stored decision.
type VerificationResponse struct {
	ID          string         `json:"id"`
	Namespace   string         `json:"namespace"`
	Created     time.Time      `json:"created"`
	Subject     RequestSubject `json:"subject"`
	Policy      PolicyRef      `json:"policy"`
	TrustSHA256 string         `json:"trustSha256"`
	Verified    bool           `json:"verified"`
	// Reason says why the record was made: "request" (a client asked),
	// "policy" or "trust" (a re-evaluation after the namespace's policy or
	// the service's trust changed).
	Reason string `json:"reason"`
	// Supersedes is the id of the record a re-evaluation re-evaluates.
	Supersedes string `json:"supersedes,omitempty"`
	// Report is the report vouch verify -o json prints for the subject.
	Report json.RawMessage `json:"report"`
}

func response(v store.Verification) VerificationResponse {
	d := map[string]string{}
	if v.SubjectSHA256 != "" {
		d["sha256"] = v.SubjectSHA256
	}
	if v.SubjectSHA512 != "" {
		d["sha512"] = v.SubjectSHA512
	}
	return VerificationResponse{
		ID: v.ID, Namespace: v.Namespace, Created: v.Created,
		Subject:     RequestSubject{Digests: d, PURL: v.SubjectPURL, URI: v.SubjectURI, Repository: v.SubjectRepository},
		Policy:      PolicyRef{Version: v.PolicyVersion, SHA256: v.PolicySHA256},
		TrustSHA256: v.TrustSHA256, Verified: v.Verified, Report: v.Report,
		Reason: v.Reason, Supersedes: v.Supersedes,
	}
}

// postVerification verifies a subject's bundles against the namespace's
// current policy and stores the decision once per request key: 201 for a new
// record, 200 for the record an identical request stored before.
func (s *Server) postVerification(w http.ResponseWriter, r *http.Request) {
	ns, ok := s.namespace(w, r)
	if !ok {
		return
	}
	body, ok := s.readBody(w, r, s.cfg.MaxBody)
	if !ok {
		return
	}
	req, err := decodeRequest(body)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	p, ok := s.currentPolicy(w, r, ns)
	if !ok {
		return
	}
	bundles := req.bundles()
	key := requestKey(ns, req, bundles, p.SHA256, s.cfg.TrustSHA256)
	if v, err := s.cfg.Store.VerificationByKey(r.Context(), ns, key); err == nil {
		writeJSON(w, http.StatusOK, response(v))
		return
	} else if !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "looking up earlier verifications failed")
		return
	}
	start := time.Now()
	v, status, msg := s.decide(r, ns, req, bundles, p, key)
	s.metrics.stage(stageVerify, start)
	if status != 0 {
		code := codeInternal
		if status == http.StatusUnprocessableEntity {
			code = codeUnverifiable
			s.metrics.decided(outcomeUnverifiable)
		}
		s.fail(w, r, status, code, msg)
		return
	}
	start = time.Now()
	stored, created, err := s.cfg.Store.CreateVerification(r.Context(), v)
	s.metrics.stage(stagePersist, start)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "storing the verification failed")
		return
	}
	status = http.StatusOK
	if created {
		// A request that lost a race stored nothing: the decision is
		// counted once, by the request that stored it.
		s.metrics.decided(outcome(stored.Verified))
		status = http.StatusCreated
	}
	writeJSON(w, status, response(stored))
}

// decide runs the engine and renders the report. A request the engine
// cannot evaluate (a keyless bundle and a policy naming no identity) is a
// 422; any other failure a 500.
func (s *Server) decide(r *http.Request, ns string, req *VerificationRequest, bundles []requestBundle, p store.Policy, key string) (store.Verification, int, string) {
	pol, err := s.compiled(p)
	if err != nil {
		return store.Verification{}, http.StatusInternalServerError, "the stored policy does not compile: " + err.Error()
	}
	in := make([]engine.Bundle, len(bundles))
	kept := make([]store.Bundle, len(bundles))
	for i, b := range bundles {
		in[i] = engine.Bundle{Name: "sha256:" + b.sha256, Data: b.data}
		kept[i] = store.Bundle{SHA256: b.sha256, Data: b.data}
	}
	subj := engine.Subject{Name: subjectName(req.Subject.Digests), Digests: req.Subject.Digests, PURL: req.Subject.PURL, Repository: req.Subject.Repository}
	res, err := s.cfg.Verifier.Verify(r.Context(), subj, in, pol)
	if err != nil {
		if errors.Is(err, bundle.ErrPolicy) {
			// The engine words this for vouch verify's flags; a served
			// policy states identities in trust.identities.
			return store.Verification{}, http.StatusUnprocessableEntity,
				"the namespace's policy cannot decide on these bundles (keyless signers are named in its trust.identities): " + err.Error()
		}
		return store.Verification{}, http.StatusInternalServerError, "verification failed: " + err.Error()
	}
	var report bytes.Buffer
	if err := output.VerifyJSON(&report, verify.NewReport([]verify.ArtifactReport{res.ArtifactReport})); err != nil {
		return store.Verification{}, http.StatusInternalServerError, "rendering the report failed"
	}
	return store.Verification{
		ID: newID(), Namespace: ns, RequestKey: key,
		SubjectSHA256: req.Subject.Digests["sha256"], SubjectSHA512: req.Subject.Digests["sha512"], SubjectPURL: req.Subject.PURL,
		SubjectURI: req.Subject.URI, SubjectPackage: packageKey(req.Subject.PURL), SubjectRepository: req.Subject.Repository,
		PolicyVersion: p.Version, PolicySHA256: p.SHA256, TrustSHA256: s.cfg.TrustSHA256,
		Verified: res.Verified, Report: report.Bytes(), Bundles: kept, Reason: store.ReasonRequest,
	}, 0, ""
}

// newID returns a random record id (128 bits, hex).
func newID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// getVerification returns one record.
func (s *Server) getVerification(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	v, err := s.cfg.Store.Verification(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, codeNotFound, "no verification with id "+id)
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "reading the verification failed")
	default:
		writeJSON(w, http.StatusOK, response(v))
	}
}

// SubjectResponse lists the decisions for one digest, oldest first.
type SubjectResponse struct {
	Digest        string                 `json:"digest"`
	Verifications []VerificationResponse `json:"verifications"`
}

// getSubject returns every decision for a digest, in every namespace.
func (s *Server) getSubject(w http.ResponseWriter, r *http.Request) {
	d, err := engine.ParseDigest(r.PathValue("digest"))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, codeInvalidRequest, digestError(err))
		return
	}
	var alg, hexd string
	for alg, hexd = range d {
	}
	vs, err := s.cfg.Store.VerificationsBySubject(r.Context(), alg, hexd, maxSubjectRecords)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "reading the verifications failed")
		return
	}
	out := SubjectResponse{Digest: alg + ":" + hexd, Verifications: []VerificationResponse{}}
	for _, v := range vs {
		out.Verifications = append(out.Verifications, response(v))
	}
	writeJSON(w, http.StatusOK, out)
}
