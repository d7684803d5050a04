package policy

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// casesDir holds the real Sigstore bundles of the shared corpus.
const casesDir = "../../../testdata/sigstore/cases"

// oldCertificateSigner verifies a real bundle from 2023-02-01 (before
// Fulcio's sourceRepositoryURI extension) and returns its signer as the
// bundle layer reports it: only githubWorkflowRepository names the
// repository.
func oldCertificateSigner(t *testing.T) verify.Signer {
	t.Helper()
	tr, err := trust.FromTrustedRootFile(filepath.Join(casesDir, "sigstore/trusted-roots/production.trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	artifact, err := bundle.ArtifactDigest("sha256:975a0582b8c9607f3f20a6b8cfef01b25823e68c5c3658e6e1ccaaced2a3255d")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := bundle.VerifyFile(context.Background(), filepath.Join(casesDir, "slsa/slsa-verifier/bundles/valid.intoto.sigstore"),
		artifact, tr, bundle.Policy{InsecureAnyIdentity: true})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Signer.Extensions["sourceRepositoryURI"] != "" || ev.Signer.Extensions["githubWorkflowRepository"] == "" {
		t.Fatalf("fixture is not a pre-2023 certificate: %v", ev.Signer.Extensions)
	}
	return ev.Signer
}

// TestIdentityRepoOnOldCertificates: a policy identity with repo: matches
// a pre-2023 certificate through the deprecated workflow repository
// extension, and never through it when the new extension is present and
// names another repository.
func TestIdentityRepoOnOldCertificates(t *testing.T) {
	old := oldCertificateSigner(t)
	// Both extensions, disagreeing: the new one decides.
	conflicting := verify.Signer{Identity: ghSigner.Identity, Issuer: ghIssuer, Extensions: map[string]string{
		"sourceRepositoryURI": "https://github.com/evil/app", "githubWorkflowRepository": "example/app"}}
	tests := []struct {
		name   string
		repo   string
		signer verify.Signer
		want   bool
	}{
		{"old certificate, its repository", "slsa-framework/slsa-github-generator", old, true},
		{"old certificate, its repository in another case", "SLSA-framework/slsa-github-generator", old, true},
		{"old certificate, another repository", "slsa-framework/slsa-verifier", old, false},
		{"new certificate, its repository", "example/app", ghSigner, true},
		{"both extensions disagree: the deprecated one is not consulted", "example/app", conflicting, false},
		{"both extensions disagree: the new one decides", "evil/app", conflicting, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := compileIdentity(Identity{Repo: tc.repo})
			if err != nil {
				t.Fatal(err)
			}
			if got := m.matches(tc.signer); got != tc.want {
				t.Errorf("matches = %v, want %v (signer %v)", got, tc.want, tc.signer.Extensions)
			}
		})
	}
	p := mustParse(t, "trust:\n  identities:\n    - repo: slsa-framework/slsa-verifier\n")
	st := statement(t, "https://example.com/custom/v1", map[string]string{"sha256": art256}, `{"a": 1}`)
	fs := p.Evaluate(context.Background(), artifact, []verify.Evidence{evidence("old.sigstore.json", st, old)}, Options{})
	f := findingByID(fs, FindingSigner)
	if f == nil || f.Status != verify.StatusFail || !strings.Contains(f.Found, "repository https://github.com/slsa-framework/slsa-github-generator") {
		t.Errorf("a wrong repo fails naming the certificate's repository: %+v", f)
	}
}
