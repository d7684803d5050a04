// Package verify decides, per artifact, whether to accept it: signed by whom,
// built by which builder from which source, with an SBOM that meets the
// rules, following an in-toto layout. It fails closed: any error while
// verifying is a failure with a precise reason.
//
// Verification runs in two stages:
//
//  1. Bundles (package bundle, built on sigstore-go's verify package) check
//     signatures, certificates, transparency-log entries and timestamps
//     against trusted material, and yield [Evidence]: what was verified and
//     who signed it. Nothing in a bundle is read before its signature holds.
//  2. Policy evaluation (package policy) checks the verified statements
//     against declared requirements and yields one [Finding] per requirement.
//
// A [Report] collects the findings per artifact; internal/output renders it
// as text, JSON or SARIF.
package verify

import (
	"time"

	ita "github.com/in-toto/attestation/go/v1"

	"github.com/vouchdev/vouch/pkg/finding"
)

// ReportSchema is the versioned media type of the JSON report.
const ReportSchema = "https://vouch.dev/schemas/verify-report/v1"

// Status is the outcome of one requirement: vouch's one result
// vocabulary, [finding.Status].
type Status = finding.Status

// Statuses. Only StatusPass is acceptance: fail, error and skipped are not.
const (
	StatusPass    = finding.StatusPass    // the requirement is met
	StatusFail    = finding.StatusFail    // the requirement was evaluated and not met
	StatusError   = finding.StatusError   // it could not be evaluated: fails closed
	StatusSkipped = finding.StatusSkipped // deliberately not evaluated (e.g. inspections without --run-inspections)
)

// Signer is who signed a bundle, as verified.
type Signer struct {
	// KeyID identifies the public key of a key-signed bundle: the lower-case
	// hex SHA-256 of its DER (PKIX) form, as trust.Key.ID and the policy's
	// trust.keys name it. (cosign's bundle key hint is the same hash in
	// base64; bundle.HintKeyID converts.)
	KeyID string `json:"keyId,omitempty"`
	// Identity is the certificate's subject alternative name (an email, a
	// URI such as a GitHub workflow ref) for keyless bundles.
	Identity string `json:"identity,omitempty"`
	// Issuer is the OIDC issuer in the certificate.
	Issuer string `json:"issuer,omitempty"`
	// Extensions are the Fulcio certificate extensions, by their sigstore-go
	// certificate.Extensions JSON names (sourceRepositoryURI,
	// sourceRepositoryRef, buildSignerURI, runnerEnvironment, ...).
	Extensions map[string]string `json:"extensions,omitempty"`
}

// SourceRepository is the repository whose workflow signed: the
// certificate's sourceRepositoryURI extension or, on certificates Fulcio
// issued before that extension existed (early 2023), the deprecated GitHub
// workflow repository extension (OID 1.3.6.1.4.1.57264.1.5, "owner/name"),
// as a GitHub URI — what cosign's --certificate-github-workflow-repository
// matches. The deprecated extension is read only when the new one is
// absent, so a certificate carrying both is judged by the new one. Empty
// when the certificate has neither.
func (s Signer) SourceRepository() string {
	if uri := s.Extensions["sourceRepositoryURI"]; uri != "" {
		return uri
	}
	if repo := s.Extensions["githubWorkflowRepository"]; repo != "" {
		return "https://github.com/" + repo
	}
	return ""
}

// Evidence is one bundle whose signature verified.
type Evidence struct {
	Bundle string `json:"bundle"` // file it came from
	// Kind is "message-signature" or "dsse".
	Kind   string `json:"kind"`
	Signer Signer `json:"signer"`
	// Statement is the in-toto statement of a DSSE bundle, parsed only
	// after the envelope's signature verified; nil for message signatures.
	Statement *ita.Statement `json:"-"`
	// PredicateType of the statement, "" for message signatures.
	PredicateType string `json:"predicateType,omitempty"`
	// Timestamps are the verified signing times (TSA or transparency log).
	Timestamps []time.Time `json:"timestamps,omitempty"`
	// TlogEntries counts verified transparency-log entries.
	TlogEntries int `json:"tlogEntries"`
	// TlogIgnored: the key-signed bundle has transparency-log entries that
	// were not checked, because the user opted out by name
	// (--insecure-ignore-tlog).
	TlogIgnored bool `json:"tlogIgnored,omitempty"`
}

// Finding is the outcome of one requirement for one artifact:
// [finding.Finding], vouch's one result type. Its ID names the
// requirement — "signature", "identity", "provenance.builder",
// "sbom.profile.bsi-tr-03183-2", "layout", "rule.<name>" for CEL rules,
// … — a rule of [finding.Default] (see rules.go). Verify sets ID, Status,
// Message, Expected, Found and Evidence only, so the report's JSON is
// that of verify-report/v1; the artifact's name and digest are its
// ArtifactReport's ([ArtifactReport.Emit] copies them into each finding).
type Finding = finding.Finding

// ArtifactReport is the verdict on one artifact.
type ArtifactReport struct {
	Name     string    `json:"name"`
	Digest   string    `json:"digest"` // "sha256:<hex>"
	Verified bool      `json:"verified"`
	Findings []Finding `json:"findings"`
}

// Report is the result of one verification run.
type Report struct {
	Schema    string           `json:"schema"`
	Verified  bool             `json:"verified"` // every artifact verified
	Artifacts []ArtifactReport `json:"artifacts"`
}

// Accept reports whether every finding passed. An artifact with no finding
// at all is not accepted: nothing was verified.
func (a *ArtifactReport) Accept() bool {
	if len(a.Findings) == 0 {
		return false
	}
	for _, f := range a.Findings {
		if f.Status != StatusPass {
			return false
		}
	}
	return true
}

// NewReport wraps artifact verdicts in the versioned report (schema
// [ReportSchema]; schemas/verify-report.schema.json). The report is
// verified only when there is at least one artifact and every one is.
func NewReport(artifacts []ArtifactReport) Report {
	r := Report{Schema: ReportSchema, Verified: len(artifacts) > 0, Artifacts: artifacts}
	if r.Artifacts == nil {
		r.Artifacts = []ArtifactReport{}
	}
	for i := range r.Artifacts {
		if r.Artifacts[i].Findings == nil {
			r.Artifacts[i].Findings = []Finding{}
		}
		r.Verified = r.Verified && r.Artifacts[i].Verified
	}
	return r
}

// Emit sends the artifact's findings to h, each with the artifact's name
// as subject and its digest: the report's findings say neither, as
// verify-report/v1 keeps them on the artifact.
func (a *ArtifactReport) Emit(h finding.Handler) error {
	for _, f := range a.Findings {
		f.Subject, f.Digest = a.Name, a.Digest
		if err := h.Finding(f); err != nil {
			return err
		}
	}
	return nil
}

// Emit sends every artifact's findings to h, in the report's order, and
// flushes it.
func (r *Report) Emit(h finding.Handler) error {
	for i := range r.Artifacts {
		if err := r.Artifacts[i].Emit(h); err != nil {
			return err
		}
	}
	return h.Flush()
}
