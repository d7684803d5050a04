package serve

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/npm"
	"github.com/vouchdev/vouch/pkg/verify/policy"
)

// Limits of one verification request.
const (
	// MaxBundles bounds the bundles of one request: a release has a handful
	// (signature, SBOM, provenance, a VSA).
	MaxBundles = 64
	// maxRequestDepth bounds JSON nesting: a Sigstore bundle nests about
	// ten levels, in-toto statements inside are base64.
	maxRequestDepth = 64
)

// VerificationRequest is the body of POST /v1/namespaces/{ns}/verifications.
type VerificationRequest struct {
	Subject RequestSubject `json:"subject"`
	// Bundles are Sigstore bundles, npm attestations responses, PEP 740
	// attestation objects or PyPI provenance objects, as JSON objects,
	// inline. Each is named in the report and the idempotency key
	// by the SHA-256 of its JSON value's bytes as sent.
	Bundles []json.RawMessage `json:"bundles"`
}

// RequestSubject names the artifact verified.
type RequestSubject struct {
	// Digests maps "sha256" and/or "sha512" to lower-case hex.
	Digests map[string]string `json:"digests"`
	// PURL, a package URL, must name the artifact in the statements as well
	// as its digest (as vouch verify --subject).
	PURL string `json:"purl,omitempty"`
	// URI names the resource (the file's URL, "pypi:NAME-1.0.tar.gz"): the
	// name registry-shaped reads find a file by. Part of the idempotency
	// key; for a PyPI package URL it must name a distribution of that
	// release.
	URI string `json:"uri,omitempty"`
	// Repository is the source repository the package declares
	// (package.json's "repository"), for policies that compare it with the
	// provenance (artifact.repository; examples/policy/npm.yaml). Part of
	// the idempotency key.
	Repository string `json:"repository,omitempty"`
}

// errRequest marks a request body that is not a valid verification request.
var errRequest = errors.New("invalid request")

// decodeRequest reads a verification request strictly: no repeated keys
// (compared as encoding/json folds them), no unknown fields, no trailing
// data, a bounded depth; then checks what the fields say. The errors name
// the JSON path or field.
func decodeRequest(body []byte) (*VerificationRequest, error) {
	var req VerificationRequest
	if err := decodeStrict(body, &req); err != nil {
		return nil, fmt.Errorf("%w: %w", errRequest, err)
	}
	if err := req.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", errRequest, err)
	}
	return &req, nil
}

// decodeStrict decodes a request body into v strictly: no repeated keys
// (compared as encoding/json folds them), no unknown fields, no trailing
// data, at most maxRequestDepth levels. The errors name the JSON path.
func decodeStrict(body []byte, v any) error {
	if err := strictjson.CheckFolded(body, maxRequestDepth); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return strictjson.Explain(body, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

// check validates the fields.
func (r *VerificationRequest) check() error {
	if len(r.Subject.Digests) == 0 {
		return errors.New(`subject.digests: expected {"sha256": "<hex>"} and/or "sha512", found none`)
	}
	for alg, h := range r.Subject.Digests {
		if alg != "sha256" && alg != "sha512" {
			return fmt.Errorf("subject.digests: expected the algorithms sha256 and sha512, found %q", alg)
		}
		d, err := engine.ParseDigest(alg + ":" + h)
		if err != nil {
			return fmt.Errorf("subject.digests.%s: %s", alg, digestError(err))
		}
		// The key and the record hold the canonical spelling.
		r.Subject.Digests[alg] = d[alg]
	}
	if r.Subject.PURL != "" {
		if _, ok := npm.CanonicalPURL(r.Subject.PURL); !ok {
			return fmt.Errorf("subject.purl: expected a package URL pkg:TYPE/NAME@VERSION, found %q", r.Subject.PURL)
		}
	}
	if err := r.Subject.checkURI(); err != nil {
		return err
	}
	if err := r.Subject.checkRepository(); err != nil {
		return err
	}
	if len(r.Bundles) == 0 {
		return errors.New("bundles: expected at least one bundle, found none")
	}
	if len(r.Bundles) > MaxBundles {
		return fmt.Errorf("bundles: expected at most %d bundles, found %d", MaxBundles, len(r.Bundles))
	}
	for i, b := range r.Bundles {
		if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '{' {
			return fmt.Errorf("bundles[%d]: expected a JSON object (a Sigstore bundle)", i)
		}
	}
	return nil
}

// requestBundle is one bundle of a request, named by its digest.
type requestBundle struct {
	sha256 string
	data   []byte
}

// bundles returns the request's bundles sorted by digest: their order does
// not change the decision, so it does not change the record either.
func (r *VerificationRequest) bundles() []requestBundle {
	out := make([]requestBundle, len(r.Bundles))
	for i, b := range r.Bundles {
		sum := sha256.Sum256(b)
		out[i] = requestBundle{sha256: hex.EncodeToString(sum[:]), data: b}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].sha256 < out[j].sha256 })
	return out
}

// requestKey is the idempotency key of a request: everything the decision
// depends on — the namespace, the subject's digests and package URL, the
// bundles' digests, the policy's digest and the trust's digest. The same
// key is the same decision, so it is stored once.
func requestKey(ns string, req *VerificationRequest, bundles []requestBundle, policySHA256, trustSHA256, vulnDBSHA256 string) string {
	sums := make([]string, len(bundles))
	for i, b := range bundles {
		sums[i] = b.sha256
	}
	fields := map[string]any{
		"v":         1,
		"namespace": ns,
		"digests":   req.Subject.Digests,
		"purl":      req.Subject.PURL,
		"bundles":   sums,
		"policy":    policySHA256,
		"trust":     trustSHA256,
	}
	// Only a request with a URI has it in its key: the keys of requests
	// without one stay those stored before URIs were taken.
	if req.Subject.URI != "" {
		fields["uri"] = req.Subject.URI
	}
	if req.Subject.Repository != "" {
		fields["repository"] = req.Subject.Repository
	}
	// Only a decision of a policy with a vulnerabilities gate depends on
	// the vulnerability database: the same request under a new database is
	// a new decision, and other keys stay those stored before.
	if vulnDBSHA256 != "" {
		fields["vulnDb"] = vulnDBSHA256
	}
	// json.Marshal sorts map keys: the encoding is canonical.
	data, err := json.Marshal(fields)
	if err != nil {
		panic(err) // strings and a map of strings always marshal
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// subjectName names a digest-only subject in the report and for the
// policy's subject globs, as vouch verify names a digest argument.
func subjectName(d map[string]string) string {
	if h, ok := d["sha256"]; ok {
		return "sha256:" + h
	}
	return "sha512:" + d["sha512"]
}

// digestError words an engine digest error for the API, without the
// command-line wording of its cause (bundle.ErrPolicy).
func digestError(err error) string {
	return strings.TrimPrefix(err.Error(), bundle.ErrPolicy.Error()+": ")
}

// decisionPolicy names, for the idempotency key, the policy p together
// with the allow entries of its vulnerabilities gate that have expired at
// now: after an entry's last day the same request is decided again rather
// than answered with the stored "verified". (The vulnerability database's
// digest is a field of the key of its own, requestKey.) A policy with no
// expired entry is named by its digest alone, so its keys stay those
// stored before.
func (s *Server) decisionPolicy(pol *policy.Policy, p store.Policy, now time.Time) string {
	if pol.Vulnerabilities == nil {
		return p.SHA256
	}
	expired := pol.ExpiredAllow(now.UTC())
	if len(expired) == 0 {
		return p.SHA256
	}
	data, err := json.Marshal(map[string]any{"policy": p.SHA256, "allowExpired": expired})
	if err != nil {
		panic(err) // strings always marshal
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
