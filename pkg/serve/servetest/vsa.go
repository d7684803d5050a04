package servetest

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	vsapb "github.com/in-toto/attestation/go/predicates/vsa/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/vouchdev/vouch/pkg/attest/keys"
	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/trust"
	"github.com/vouchdev/vouch/pkg/verify/vsa"
)

// VSAStatement is what a test reads of a VSA: its statement, decoded.
type VSAStatement struct {
	Subject []struct {
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

// signaturePolicy requires a trusted signature over the subject and
// nothing else.
const signaturePolicy = "apiVersion: vouch.dev/v1\nkind: Policy\n"

// VerifyVSA verifies a VSA bundle as a consumer does: with vouch's own
// engine and nothing but the service's PEM public key (GET /v1/vsa-key)
// and the subject's digests. It returns the statement and its predicate,
// read strictly as the in-toto VSA v1 type, or why the bundle is no valid
// VSA of the subject.
func VerifyVSA(t testing.TB, pubPEM []byte, digests map[string]string, bundle []byte) (*VSAStatement, *vsapb.VerificationSummary, error) {
	t.Helper()
	key, err := trust.FromPublicKey(pubPEM)
	if err != nil {
		t.Fatalf("the service's public key: %v", err)
	}
	eng, err := engine.New(engine.Options{Keys: []*trust.Key{key}, Roots: engine.StaticRoot{}})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Parse("vsa policy", []byte(signaturePolicy), "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Verify(context.Background(), engine.Subject{Name: "artifact", Digests: digests},
		[]engine.Bundle{{Name: "vsa.sigstore.json", Data: bundle}}, pol)
	if err != nil {
		return nil, nil, err
	}
	if !res.Verified {
		var why []string
		for _, f := range res.Findings {
			why = append(why, f.ID+": "+string(f.Status)+" "+f.Found)
		}
		return nil, nil, errors.New("the VSA does not verify: " + strings.Join(why, "; "))
	}
	var b struct {
		DSSEEnvelope struct {
			Payload []byte `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(bundle, &b); err != nil {
		return nil, nil, fmt.Errorf("VSA bundle: %w", err)
	}
	var st VSAStatement
	if err := json.Unmarshal(b.DSSEEnvelope.Payload, &st); err != nil {
		return nil, nil, fmt.Errorf("VSA statement: %w", err)
	}
	if st.PredicateType != vsa.PredicateType {
		return nil, nil, fmt.Errorf("VSA statement: predicateType %q, expected %q", st.PredicateType, vsa.PredicateType)
	}
	var pred vsapb.VerificationSummary
	if err := protojson.Unmarshal(st.Predicate, &pred); err != nil {
		return nil, nil, fmt.Errorf("VSA predicate: %w\n%s", err, st.Predicate)
	}
	return &st, &pred, nil
}

// vsaKey is the tests' VSA signing key: one for the process, so that
// replicas on one database sign with one key, as deployments must.
var vsaKey = sync.OnceValues(func() (crypto.Signer, error) { return keys.Generate(keys.ECDSAP256) })

// WithVSA makes cfg sign VSAs with the tests' key, as vouch serve
// --vsa-key does, and serve its public key.
func WithVSA(t testing.TB, cfg serve.Config) serve.Config {
	t.Helper()
	k, err := vsaKey()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.VSASigner, err = sign.NewKeySigner(k, sign.Options{}); err != nil {
		t.Fatal(err)
	}
	if cfg.VSAPublicKey, err = keys.EncodePublic(k.Public()); err != nil {
		t.Fatal(err)
	}
	return cfg
}
