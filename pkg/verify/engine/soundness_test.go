package engine_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// npmCase is slsa-verifier's npm package gundam-visor 1.0.1: the npm
// registry's key-signed publish attestation and the keyless SLSA v1
// provenance of github.com/ramonpetgrave64/gundam-visor, over one tarball.
const (
	npmArtifact     = "slsa/slsa-verifier/npm-gundam-visor-v1/gundam-visor-cli-v1-tag.tgz"
	npmAttestations = npmArtifact + ".json"
	npmRepo         = "ramonpetgrave64/gundam-visor"
	npmKey          = "npm-registry-attestations-key.pem"
)

// TestMixedTrustKeepsIdentity: with a key-signed and a keyless bundle over
// one artifact, every identity the user states must be met by a verified
// certificate. The key-signed bundle alone used to satisfy "signer", so a
// wrong --repo or --certificate-identity still verified. Each attack comes
// with its control: the right identity verifies.
func TestMixedTrustKeepsIdentity(t *testing.T) {
	key, err := trust.FromPublicKeyFile(filepath.Join(slsaDir, npmKey))
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, key)
	subj := subjectOf(t, local(npmArtifact))
	bundles := bundlesOf(splitBundles(t, local(npmAttestations))...)
	wfRegexp := `https://github\.com/` + npmRepo + `/\.github/workflows/.*`
	for _, tc := range []struct {
		name   string
		id     policy.Identity
		verify bool
		fail   string // the finding that must fail
	}{
		{"right repo", policy.Identity{Repo: npmRepo}, true, ""},
		{"wrong repo", policy.Identity{Repo: "attacker/gundam-visor"}, false, policy.FindingIdentity},
		{"right identity regexp", policy.Identity{IdentityRegexp: wfRegexp, Issuer: policy.GitHubActionsIssuer}, true, ""},
		{"wrong identity regexp", policy.Identity{IdentityRegexp: `https://github\.com/attacker/.*`, Issuer: policy.GitHubActionsIssuer}, false, policy.FindingIdentity},
		{"right identity, wrong issuer", policy.Identity{IdentityRegexp: wfRegexp, Issuer: "https://accounts.google.com"}, false, policy.FindingIdentity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &policy.Policy{APIVersion: policy.APIVersion, Kind: policy.Kind, Trust: policy.Trust{Identities: []policy.Identity{tc.id}}}
			if err := p.Compile(); err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(context.Background(), subj, bundles, p)
			if err != nil {
				t.Fatal(err)
			}
			if res.Verified != tc.verify {
				t.Fatalf("verified %v, want %v:\n%s", res.Verified, tc.verify, findingsText(res.Findings))
			}
			if tc.fail != "" && !hasFinding(res.Findings, tc.fail, verify.StatusFail) {
				t.Errorf("no failing %q finding:\n%s", tc.fail, findingsText(res.Findings))
			}
		})
	}
}

// TestSLSANeedsSource: SLSA requirements without the expected source take
// the source from the provenance's own claim, so any repository's build
// passes. Like slsa-verifier, vouch refuses such a policy; control: the
// same requirements with a source compile.
func TestSLSANeedsSource(t *testing.T) {
	for _, tc := range []struct {
		name string
		slsa policy.SLSA
		ok   bool
	}{
		{"minLevel alone", policy.SLSA{MinLevel: 3}, false},
		{"source ref alone", policy.SLSA{SourceRefs: []string{"refs/tags/v*"}}, false},
		{"builder id alone", policy.SLSA{BuilderIDs: []string{"https://github.com/actions/runner/github-hosted"}}, false},
		{"blank source", policy.SLSA{SourceURI: "  ", MinLevel: 3}, false},
		{"with a source", policy.SLSA{SourceURI: "github.com/" + npmRepo, MinLevel: 2, SourceRefs: []string{"refs/tags/v*"}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.slsa
			p := &policy.Policy{APIVersion: policy.APIVersion, Kind: policy.Kind, SLSA: &s}
			err := p.Compile()
			if tc.ok != (err == nil) {
				t.Fatalf("Compile: %v, want ok=%v", err, tc.ok)
			}
			if err != nil && (!errors.Is(err, policy.ErrInvalid) || !strings.Contains(err.Error(), "slsa.sourceUri: is required")) {
				t.Errorf("error %v does not name slsa.sourceUri", err)
			}
		})
	}
}

func hasFinding(fs []verify.Finding, id string, st verify.Status) bool {
	for _, f := range fs {
		if f.ID == id && f.Status == st {
			return true
		}
	}
	return false
}

func findingsText(fs []verify.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s: %s (expected %q, found %q)\n", f.Status, f.ID, f.Message, f.Expected, f.Found)
	}
	return b.String()
}

// TestVerifyConcurrent shares one Verifier and one compiled policy (an
// identity, SLSA requirements, a CEL rule) between goroutines, as a
// service does; run with -race. The public-good root is loaded once, by
// whichever call needs it first, and a cancelled caller does not keep the
// others from it.
func TestVerifyConcurrent(t *testing.T) {
	key, err := trust.FromPublicKeyFile(filepath.Join(slsaDir, npmKey))
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, key)
	p := &policy.Policy{APIVersion: policy.APIVersion, Kind: policy.Kind,
		Trust: policy.Trust{Identities: []policy.Identity{{Repo: npmRepo}}},
		SLSA:  &policy.SLSA{SourceURI: "github.com/" + npmRepo, BuilderIDs: []string{"https://github.com/actions/runner/github-hosted"}},
		Rules: []policy.Rule{{Name: "has-source", Expression: `provenance != null && provenance.source != ""`}}}
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	subj := subjectOf(t, local(npmArtifact))
	bundles := bundlesOf(splitBundles(t, local(npmAttestations))...)

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := v.Verify(cancelled, subj, bundles, p); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			s := subj
			if i%2 == 1 { // half of them see a changed artifact
				s = engine.Subject{Name: subj.Name, Digests: map[string]string{"sha256": strings.Repeat("ab", 32), "sha512": strings.Repeat("cd", 64)}}
			}
			res, err := v.Verify(context.Background(), s, bundles, p)
			switch {
			case err != nil:
				errs <- err
			case res.Verified != (i%2 == 0):
				errs <- fmt.Errorf("call %d: verified %v:\n%s", i, res.Verified, findingsText(res.Findings))
			default:
				errs <- nil
			}
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
