// Package vsa builds SLSA Verification Summary Attestations (VSA v1,
// https://slsa.dev/spec/v1.0/verification_summary): what a registry or
// verifier publishes after checking an artifact, so that consumers can rely
// on that check instead of repeating it.
//
// [Statement] turns one artifact's verdict ([verify.ArtifactReport]) into an
// in-toto Statement v1 with predicate type [PredicateType]; sign it with
// pkg/attest/sign (Signer.Attest) to publish it. The output is
// deterministic: the time comes from [Summary.TimeVerified] and every list
// is sorted.
package vsa

import (
	"errors"
	"fmt"
	"sort"
	"time"

	ita "github.com/in-toto/attestation/go/v1"

	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/verify"
)

// PredicateType is the VSA v1 predicate type.
const PredicateType = "https://slsa.dev/verification_summary/v1"

// SLSAVersion is the SLSA specification version the levels refer to.
const SLSAVersion = "1.0"

// Verification results (VSA v1 "verificationResult").
const (
	Passed = "PASSED"
	Failed = "FAILED"
)

// DefaultVerifierID names vouch as the verifier when none is given.
const DefaultVerifierID = "https://github.com/vouchdev/vouch/verify"

// ErrInvalid marks a summary that cannot be made: a missing required field.
var ErrInvalid = errors.New("invalid verification summary")

// Ref is a resource with its digests (VSA "ResourceDescriptor" subset:
// uri and digest), e.g. a policy file or an input attestation.
type Ref struct {
	URI    string            `json:"uri"`
	Digest map[string]string `json:"digest,omitempty"`
}

// Summary is what a VSA states besides the verdict itself.
type Summary struct {
	// VerifierID is the URI of the verifier (VSA verifier.id); default
	// [DefaultVerifierID].
	VerifierID string
	// TimeVerified is when the verification ran (required).
	TimeVerified time.Time
	// ResourceURI identifies the artifact where it is published (required).
	ResourceURI string
	// Policy is the policy the artifact was verified against. With no
	// policy file, the URI names the command-line policy.
	Policy Ref
	// InputAttestations are the bundles the verdict rests on.
	InputAttestations []Ref
	// VerifiedLevels are SLSA track levels ("SLSA_BUILD_LEVEL_3"); only
	// levels that were actually checked.
	VerifiedLevels []string
	// DependencyLevels counts dependencies per level, when known.
	DependencyLevels map[string]uint64
}

// Predicate is the VSA v1 predicate as JSON.
type Predicate struct {
	Verifier           Verifier          `json:"verifier"`
	TimeVerified       string            `json:"timeVerified"`
	ResourceURI        string            `json:"resourceUri"`
	Policy             Ref               `json:"policy"`
	InputAttestations  []Ref             `json:"inputAttestations,omitempty"`
	VerificationResult string            `json:"verificationResult"`
	VerifiedLevels     []string          `json:"verifiedLevels"`
	DependencyLevels   map[string]uint64 `json:"dependencyLevels,omitempty"`
	SLSAVersion        string            `json:"slsaVersion"`
}

// Verifier is the VSA verifier. The SLSA spec also allows a version map,
// but the in-toto attestation's VSA v1 type has no such field and strict
// consumers of that type refuse unknown fields, so it is not written.
type Verifier struct {
	ID string `json:"id"`
}

// NewPredicate builds the predicate for one artifact's verdict.
func NewPredicate(r *verify.ArtifactReport, s Summary) (*Predicate, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: no verdict", ErrInvalid)
	}
	if s.TimeVerified.IsZero() {
		return nil, fmt.Errorf("%w: timeVerified is required", ErrInvalid)
	}
	if s.ResourceURI == "" {
		return nil, fmt.Errorf("%w: resourceUri is required", ErrInvalid)
	}
	if s.Policy.URI == "" {
		return nil, fmt.Errorf("%w: policy.uri is required", ErrInvalid)
	}
	p := &Predicate{
		Verifier:           Verifier{ID: s.VerifierID},
		TimeVerified:       s.TimeVerified.UTC().Format(time.RFC3339),
		ResourceURI:        s.ResourceURI,
		Policy:             s.Policy,
		VerificationResult: Failed,
		VerifiedLevels:     append([]string{}, s.VerifiedLevels...),
		DependencyLevels:   s.DependencyLevels,
		SLSAVersion:        SLSAVersion,
	}
	if p.Verifier.ID == "" {
		p.Verifier.ID = DefaultVerifierID
	}
	// A failed verification verified no level.
	if r.Accept() {
		p.VerificationResult = Passed
	} else {
		p.VerifiedLevels = []string{}
	}
	sort.Strings(p.VerifiedLevels)
	p.InputAttestations = append([]Ref(nil), s.InputAttestations...)
	sort.Slice(p.InputAttestations, func(i, j int) bool { return p.InputAttestations[i].URI < p.InputAttestations[j].URI })
	return p, nil
}

// Statement is the in-toto Statement v1 of a VSA about the artifact whose
// digests are given (algorithm → hex, "sha256", "sha512").
func Statement(r *verify.ArtifactReport, digests map[string]string, s Summary) (*ita.Statement, error) {
	p, err := NewPredicate(r, s)
	if err != nil {
		return nil, err
	}
	if len(digests) == 0 {
		return nil, fmt.Errorf("%w: the artifact has no digest", ErrInvalid)
	}
	sub := &ita.ResourceDescriptor{Name: r.Name, Digest: map[string]string{}}
	for alg, v := range digests {
		sub.Digest[alg] = v
	}
	return attest.NewStatement([]*ita.ResourceDescriptor{sub}, PredicateType, p)
}

// LevelFromFindings returns the SLSA build level a report verified: the
// level of its passing "provenance.level" finding (a policy with
// slsa.minLevel), as "SLSA_BUILD_LEVEL_<n>"; "" when no level was checked.
func LevelFromFindings(r *verify.ArtifactReport) string {
	for _, f := range r.Findings {
		if f.ID != "provenance.level" || f.Status != verify.StatusPass {
			continue
		}
		var n int
		if _, err := fmt.Sscanf(f.Found, "level %d", &n); err == nil && n >= 0 && n <= 3 {
			return fmt.Sprintf("SLSA_BUILD_LEVEL_%d", n)
		}
	}
	return ""
}

// ForVerdict is the VSA statement of one verdict: [Statement] with the
// SLSA level the findings verified ([LevelFromFindings]) and the bundles
// the verdict rests on as input attestations.
func ForVerdict(r *verify.ArtifactReport, digests map[string]string, inputs []Ref, s Summary) (*ita.Statement, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: no verdict", ErrInvalid)
	}
	return Statement(r, digests, verdictSummary(r, inputs, s))
}

// verdictSummary is s with the level r verified and the inputs added, as
// ForVerdict and MarshalForVerdict state them.
func verdictSummary(r *verify.ArtifactReport, inputs []Ref, s Summary) Summary {
	if lvl := LevelFromFindings(r); lvl != "" {
		s.VerifiedLevels = []string{lvl}
	}
	s.InputAttestations = append(append([]Ref(nil), s.InputAttestations...), inputs...)
	return s
}
