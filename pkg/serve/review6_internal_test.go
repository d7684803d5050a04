package serve

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/verify/policy"
)

// TestReview6KeyVulnInputs: a stored decision is answered again for the
// same idempotency key, so the key must change when what a vulnerabilities
// gate decides with changes: the database (requestKey's vulnDb field,
// TestRequestKey) and an allow entry passing its last day (here). Before the fix neither was in the
// key: a request verified by an allow entry on its last day was answered
// "verified" from the store after the entry expired. Controls: the same
// inputs give the same key (idempotency kept), and a policy without the
// gate keeps the key it had (its policy digest alone).
func TestReview6KeyVulnInputs(t *testing.T) {
	policyOf := func(doc string) store.Policy {
		sum := sha256.Sum256([]byte(doc))
		return store.Policy{Namespace: "npm", Document: []byte(doc), SHA256: hex.EncodeToString(sum[:])}
	}
	gate := policyOf("apiVersion: vouch.dev/v1\nkind: Policy\nvulnerabilities:\n  failOn: critical\n  allow:\n    - id: GHSA-jf85-cpcp-j695\n      expires: \"2026-12-06\"\n")
	plain := policyOf("apiVersion: vouch.dev/v1\nkind: Policy\n")
	lastDay := time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)
	sameDay := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	after := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	key := func(p store.Policy, now time.Time) string {
		pol, err := policy.Parse("policy.yaml", p.Document, ".")
		if err != nil {
			t.Fatal(err)
		}
		if err := pol.Compile(); err != nil {
			t.Fatal(err)
		}
		return (&Server{}).decisionPolicy(pol, p, now)
	}

	if key(gate, lastDay) != key(gate, sameDay) || key(gate, lastDay) != gate.SHA256 {
		t.Error("control: the same unexpired allow entries give another key, or not the policy's digest")
	}
	if key(plain, lastDay) != plain.SHA256 || key(plain, after) != plain.SHA256 {
		t.Error("control: a policy without a vulnerabilities gate is not keyed by its digest alone")
	}
	if key(gate, lastDay) == key(gate, after) {
		t.Error("attack: the allow entry expired and the key is the same: the stored verified decision is returned")
	}
}
