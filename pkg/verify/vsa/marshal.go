package vsa

import (
	"bytes"
	"encoding/json"
	"fmt"

	ita "github.com/in-toto/attestation/go/v1"

	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/verify"
)

// statementJSON is an in-toto Statement v1 with a VSA predicate, as JSON.
type statementJSON struct {
	Type          string        `json:"_type"`
	Subject       []subjectJSON `json:"subject"`
	PredicateType string        `json:"predicateType"`
	Predicate     *Predicate    `json:"predicate"`
}

type subjectJSON struct {
	Name   string            `json:"name,omitempty"`
	Digest map[string]string `json:"digest"`
}

// MarshalForVerdict is [ForVerdict]'s statement encoded as the JSON to
// sign: the same statement, encoded directly rather than through the
// protobuf Struct and protojson round trips that a statement of any
// predicate takes (attest.NewStatement, attest.MarshalStatement), which
// cost more than the signature itself where a service signs a VSA with
// every decision. The output is deterministic (struct fields in order,
// map keys sorted).
func MarshalForVerdict(r *verify.ArtifactReport, digests map[string]string, inputs []Ref, s Summary) ([]byte, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: no verdict", ErrInvalid)
	}
	p, err := NewPredicate(r, verdictSummary(r, inputs, s))
	if err != nil {
		return nil, err
	}
	if len(digests) == 0 {
		return nil, fmt.Errorf("%w: the artifact has no digest", ErrInvalid)
	}
	// The subject's checks of a Statement's Validate: a name or digest,
	// and each digest the length and hex its algorithm has.
	if err := (&ita.ResourceDescriptor{Name: r.Name, Digest: digests}).Validate(); err != nil {
		return nil, fmt.Errorf("%w: subject: %w", ErrInvalid, err)
	}
	st := statementJSON{Type: attest.StatementTypeV1, PredicateType: PredicateType, Predicate: p,
		Subject: []subjectJSON{{Name: r.Name, Digest: digests}}}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(st); err != nil {
		return nil, fmt.Errorf("encode statement: %w", err)
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}
