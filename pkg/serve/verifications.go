package serve

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
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
	// VulnDBSHA256 names the vulnerability database the policy's
	// vulnerabilities gate matched against (absent for a policy without
	// the gate).
	VulnDBSHA256 string `json:"vulnDbSha256,omitempty"`
	Verified     bool   `json:"verified"`
	// Reason says why the record was made: "request" (a client asked),
	// "policy", "trust" or "vulnerability database changed" (a
	// re-evaluation after the namespace's policy, the service's trust or
	// its vulnerability database changed).
	Reason string `json:"reason"`
	// Supersedes is the id of the record a re-evaluation re-evaluates.
	Supersedes string `json:"supersedes,omitempty"`
	// SupersededBy is the id of the record that re-evaluated this one,
	// when one did: this record is history, that one is current.
	SupersededBy string `json:"supersededBy,omitempty"`
	// Report is the report vouch verify -o json prints for the subject.
	Report json.RawMessage `json:"report"`
	// VSA is the decision's signed verification summary: a Sigstore
	// bundle of an SLSA VSA v1 statement (absent when the service signs
	// none).
	VSA json.RawMessage `json:"vsa,omitempty"`
}

// recordSubject is the subject a record was made for.
func recordSubject(v store.Verification) RequestSubject {
	return RequestSubject{Digests: subjectDigests(v), PURL: v.SubjectPURL, URI: v.SubjectURI, Repository: v.SubjectRepository}
}

func response(v store.Verification) VerificationResponse {
	return VerificationResponse{
		ID: v.ID, Namespace: v.Namespace, Created: v.Created,
		Subject:     recordSubject(v),
		Policy:      PolicyRef{Version: v.PolicyVersion, SHA256: v.PolicySHA256},
		TrustSHA256: v.TrustSHA256, VulnDBSHA256: v.VulnDBSHA256, Verified: v.Verified, Report: v.Report,
		Reason: v.Reason, Supersedes: v.Supersedes, VSA: v.VSA,
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
	// One trust and vulnerability database for the whole request: a swap
	// meanwhile is for later ones.
	tr := s.current()
	key, err := s.decisionKey(ns, req, bundles, p, tr)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, codeInternal, err.Error())
		return
	}
	if v, err := s.cfg.Store.VerificationByKey(r.Context(), ns, key); err == nil {
		writeJSON(w, http.StatusOK, response(v))
		return
	} else if !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "looking up earlier verifications failed")
		return
	}
	start := time.Now()
	v, status, msg := s.decide(r.Context(), tr, ns, req, bundles, p, key)
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

// decisionKey is the request key of a decision on req under p with tr:
// the vulnerability database's digest is in it when p has a
// vulnerabilities gate, and so are the gate's allow entries that have
// expired (decisionPolicy).
func (s *Server) decisionKey(ns string, req *VerificationRequest, bundles []requestBundle, p store.Policy, tr Trust) (string, error) {
	pol, err := s.compiled(p)
	if err != nil {
		return "", fmt.Errorf("the stored policy does not compile: %w", err)
	}
	return requestKey(ns, req, bundles, s.decisionPolicy(pol, p, time.Now()), tr.SHA256, vulnDBOf(pol, tr)), nil
}

// decide runs the engine and renders the report, for a request or a
// re-evaluation, with the trust tr (read once by the caller, so that the key
// and the decision name the same trust). A request the engine cannot
// evaluate (a keyless bundle and a policy naming no identity) is a 422; any
// other failure a 500.
func (s *Server) decide(ctx context.Context, tr Trust, ns string, req *VerificationRequest, bundles []requestBundle, p store.Policy, key string) (store.Verification, int, string) {
	pol, err := s.compiled(p)
	if err != nil {
		return store.Verification{}, http.StatusInternalServerError, "the stored policy does not compile: " + err.Error()
	}
	in := make([]engine.Bundle, len(bundles))
	for i, b := range bundles {
		in[i] = engine.Bundle{Name: "sha256:" + b.sha256, Data: b.data}
	}
	subj := engine.Subject{Name: subjectName(req.Subject.Digests), Digests: req.Subject.Digests, PURL: req.Subject.PURL, Repository: req.Subject.Repository}
	// The gate matches against the database tr took (VulnDBHolder.Match).
	res, err := tr.Verifier.Verify(withVulnDB(ctx, tr.VulnDB), subj, in, pol)
	if err != nil {
		if errors.Is(err, bundle.ErrPolicy) {
			// The engine words this for vouch verify's flags; a served
			// policy states identities in trust.identities.
			return store.Verification{}, http.StatusUnprocessableEntity,
				"the namespace's policy cannot decide on these bundles (keyless signers are named in its trust.identities): " + err.Error()
		}
		return store.Verification{}, http.StatusInternalServerError, "verification failed: " + err.Error()
	}
	if f, ok := uriFinding(req.Subject, res.Evidence); ok {
		res.Findings = append(res.Findings, f)
		res.Verified = res.Accept()
	}
	return s.record(ctx, tr, ns, req, bundles, p, key, pol, res)
}

// undecidable is the record of a re-evaluation whose policy p cannot
// decide on the bundles (why says so): refused, by a finding that says
// why. A record is never left current and verified under a policy its
// namespace no longer has.
func (s *Server) undecidable(ctx context.Context, tr Trust, ns string, req *VerificationRequest, bundles []requestBundle, p store.Policy, key, why string) (store.Verification, int, string) {
	pol, err := s.compiled(p)
	if err != nil {
		return store.Verification{}, http.StatusInternalServerError, "the stored policy does not compile: " + err.Error()
	}
	name := subjectName(req.Subject.Digests)
	res := &engine.Result{ArtifactReport: verify.ArtifactReport{Name: name, Digest: name, Findings: []verify.Finding{{
		ID: "policy", Status: verify.StatusError, Message: why,
		Expected: fmt.Sprintf("a decision under the namespace's policy version %d", p.Version), Found: "none: the policy cannot decide on these bundles"}}}}
	return s.record(ctx, tr, ns, req, bundles, p, key, pol, res)
}

// record makes the record of the engine's decision res on req under p and
// tr: the publisher and its drift, the report and the VSA.
func (s *Server) record(ctx context.Context, tr Trust, ns string, req *VerificationRequest, bundles []requestBundle, p store.Policy, key string, pol *policy.Policy, res *engine.Result) (store.Verification, int, string) {
	kept := make([]store.Bundle, len(bundles))
	for i, b := range bundles {
		kept[i] = store.Bundle{SHA256: b.sha256, Data: b.data}
	}
	// The record, its lookups by digest and its VSA name only the digests
	// the verified bundles were checked against (the engine's): another
	// digest the request adds is the requester's word, and a lookup by it
	// must not find a verified decision.
	digests := res.Digests
	if len(digests) == 0 {
		digests = req.Subject.Digests
	}
	v := store.Verification{
		ID: newID(), Namespace: ns, RequestKey: key,
		SubjectSHA256: digests["sha256"], SubjectSHA512: digests["sha512"], SubjectPURL: req.Subject.PURL,
		SubjectURI: req.Subject.URI, SubjectPackage: packageKey(req.Subject.PURL), SubjectRepository: req.Subject.Repository,
		PolicyVersion: p.Version, PolicySHA256: p.SHA256, TrustSHA256: tr.SHA256, VulnDBSHA256: vulnDBOf(pol, tr),
		Bundles: kept, Reason: store.ReasonRequest, Publisher: publisherOf(res.Evidence),
	}
	v.PURLName, v.PURLVersion, _ = purlParts(req.Subject.PURL)
	if err := s.checkDrift(ctx, ns, pol, &res.ArtifactReport, &v); err != nil {
		// No decision without the comparison (fail closed); the database's
		// words stay out of the answer, as for every other store error.
		return store.Verification{}, http.StatusInternalServerError, "reading the publisher of the package's other versions failed"
	}
	var report bytes.Buffer
	if err := output.VerifyJSON(&report, verify.NewReport([]verify.ArtifactReport{res.ArtifactReport})); err != nil {
		return store.Verification{}, http.StatusInternalServerError, "rendering the report failed"
	}
	v.Verified, v.Report = res.Verified, report.Bytes()
	// The record's time is the VSA's timeVerified.
	v.Created = time.Now()
	if err := s.signVSA(ctx, &v, &res.ArtifactReport); err != nil {
		return store.Verification{}, http.StatusInternalServerError, err.Error()
	}
	return v, 0, ""
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
	if err == nil && !readsNamespace(requestToken(r), v.Namespace) {
		// Another namespace's record is not found, not forbidden: the
		// answer must not tell that it exists.
		err = store.ErrNotFound
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, codeNotFound, "no verification with id "+id)
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "reading the verification failed")
	default:
		resp := response(v)
		if resp.SupersededBy, err = s.cfg.Store.SupersededBy(r.Context(), id); err != nil {
			s.fail(w, r, http.StatusInternalServerError, codeInternal, "reading the verification's history failed")
			return
		}
		writeJSON(w, http.StatusOK, resp)
	}
}

// SubjectResponse lists the decisions for one digest, oldest first.
type SubjectResponse struct {
	Digest        string                 `json:"digest"`
	Verifications []VerificationResponse `json:"verifications"`
}

// getSubject returns every decision for a digest, in every namespace for
// the global admin, else in the token's namespace.
func (s *Server) getSubject(w http.ResponseWriter, r *http.Request) {
	alg, hexd, ok := s.pathDigest(w, r)
	if !ok {
		return
	}
	var vs []store.Verification
	var err error
	if t := requestToken(r); isGlobalAdmin(t) {
		vs, err = s.cfg.Store.VerificationsBySubject(r.Context(), alg, hexd, maxSubjectRecords)
	} else {
		vs, err = s.cfg.Store.VerificationsBySubjectIn(r.Context(), t.Namespace, alg, hexd, maxSubjectRecords)
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "reading the verifications failed")
		return
	}
	out := SubjectResponse{Digest: alg + ":" + hexd, Verifications: []VerificationResponse{}}
	// A record's successor has its subject and comes later: it is in the
	// list unless the list is cut at maxSubjectRecords.
	next := map[string]string{}
	for _, v := range vs {
		if v.Supersedes != "" {
			next[v.Supersedes] = v.ID
		}
	}
	for _, v := range vs {
		resp := response(v)
		resp.SupersededBy = next[v.ID]
		out.Verifications = append(out.Verifications, resp)
	}
	writeJSON(w, http.StatusOK, out)
}
