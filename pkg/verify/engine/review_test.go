package engine_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// TestReviewScopedIdentityNotDroppedByName: a policy identity scoped to
// artifacts by a subject glob ("*.tgz": npm tarballs must come from this
// repository's workflow) is a requirement for those artifacts. When the
// artifact is given by digest (a package-lock integrity, a registry
// service's request) or on standard input, its name is "sha512:…", "" or
// "-": the glob matches nothing, the requirement silently vanishes and the
// npm registry's key-signed publish attestation — which the registry
// makes for every package anyone publishes — is enough for VERIFIED.
//
// Control: the same bytes named by their file name are refused (wrong
// repository). Attack: the same bytes by digest / stdin must be refused
// too (or the request refused as ambiguous), never verified.
func TestReviewScopedIdentityNotDroppedByName(t *testing.T) {
	key, err := trust.FromPublicKeyFile(filepath.Join(slsaDir, npmKey))
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, key)
	file := subjectOf(t, local(npmArtifact))
	bundles := bundlesOf(splitBundles(t, local(npmAttestations))...)
	p := &policy.Policy{APIVersion: policy.APIVersion, Kind: policy.Kind, Dir: slsaDir,
		Trust: policy.Trust{
			Keys: []string{npmKey},
			// The package is not from this repository: must not verify.
			Identities: []policy.Identity{{Subject: "*.tgz", Repo: "attacker/gundam-visor"}},
		}}
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		subj engine.Subject
	}{
		{"control: by file name", file},
		{"by digest (vouch verify sha512:…)", engine.Subject{Name: "sha512:" + file.Digests["sha512"], Digests: file.Digests}},
		{"by digest, no name (library/service)", engine.Subject{Digests: file.Digests}},
		{"standard input (vouch verify -)", engine.Subject{Name: "-", Digests: file.Digests}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := v.Verify(context.Background(), tc.subj, bundles, p)
			if err != nil {
				return // refusing the request is fine
			}
			if res.Verified {
				t.Errorf("VERIFIED although the stated identity (repo attacker/gundam-visor for *.tgz) is not met:\n%s", findingsText(res.Findings))
			}
		})
	}
}

// TestReviewReportNamesOnlyVerifiedDigests: a caller (a registry service)
// passes the artifact's digests; npm's statements bind only SHA-512, so
// each bundle is verified against the SHA-512 alone — yet the result is
// reported (Digest, and Digests, which a VSA signs as its subject) under
// a SHA-256 that no bundle was verified against. With a SHA-256 that is
// not the artifact's (a client-supplied pair, a caller bug) the report
// and the VSA vouch for a digest that was never signed. Issue 8: "report
// only the digests that were verified".
//
// Control: the artifact's own digests verify. Attack: a foreign SHA-256
// beside the right SHA-512 must be refused, or at least never reported.
func TestReviewReportNamesOnlyVerifiedDigests(t *testing.T) {
	key, err := trust.FromPublicKeyFile(filepath.Join(slsaDir, npmKey))
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, key)
	file := subjectOf(t, local(npmArtifact))
	bundles := bundlesOf(splitBundles(t, local(npmAttestations))...)
	p := &policy.Policy{APIVersion: policy.APIVersion, Kind: policy.Kind,
		Trust: policy.Trust{Identities: []policy.Identity{{Repo: npmRepo}}}}
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	res, err := v.Verify(ctx, file, bundles, p)
	if err != nil || !res.Verified {
		t.Fatalf("control: %v %+v", err, res)
	}

	foreign := strings.Repeat("ab", 32)
	mixed := engine.Subject{Name: file.Name, Digests: map[string]string{"sha256": foreign, "sha512": file.Digests["sha512"]}}
	res, err = v.Verify(ctx, mixed, bundles, p)
	if err != nil {
		return
	}
	if res.Verified && (strings.Contains(res.Digest, foreign) || res.Digests["sha256"] == foreign) {
		t.Errorf("VERIFIED and reported as %s (Digests %v): no bundle was verified against sha256:%s", res.Digest, res.Digests, foreign)
	}
}

// writeKey writes a trusted key's PEM to dir and returns its file name.
func writeKey(t *testing.T, dir, name string, k *trust.Key) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestReviewPolicyKeysRestrictDeploymentKeys: a service builds one
// Verifier per deployment. The engine verifies key-signed bundles only
// with Options.Keys (a policy's trust.keys are never used to verify), so
// a service must put every tenant's keys there — and then hands all of
// them to the policy as Options.KeyIDs, which policy.signerTrusted counts
// "besides the policy's trust.keys". A policy that says "trust.keys: [A]
// (only these keys)" then accepts an artifact signed by B, another
// tenant's key (or the npm registry key that signs everyone's packages).
//
// Control: A's bundle verifies under the policy that trusts A. Attack:
// B's bundle under the same policy must be refused.
func TestReviewPolicyKeysRestrictDeploymentKeys(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	artsA, keyA := fixture(t, dirA, 1)
	artsB, keyB := fixture(t, dirB, 1)
	polDir := t.TempDir()
	p := &policy.Policy{APIVersion: policy.APIVersion, Kind: policy.Kind, Dir: polDir,
		Trust: policy.Trust{Keys: []string{writeKey(t, polDir, "a.pub", keyA)}}}
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, keyA, keyB) // one Verifier for the deployment
	ctx := context.Background()

	res, err := v.Verify(ctx, subjectOf(t, artsA[0]), bundlesOf(artsA[0]+".sigstore.json"), p)
	if err != nil || !res.Verified {
		t.Fatalf("control: %v\n%s", err, findingsText(res.Findings))
	}
	res, err = v.Verify(ctx, subjectOf(t, artsB[0]), bundlesOf(artsB[0]+".sigstore.json"), p)
	if err != nil {
		return
	}
	if res.Verified {
		t.Errorf("VERIFIED with key %s although the policy trusts only trust.keys [%s]:\n%s", keyB.ID(), keyA.ID(), findingsText(res.Findings))
	}
}
