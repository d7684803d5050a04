package bundle_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// Real GitHub Actions bundles on either side of Fulcio's
// sourceRepositoryURI extension (early 2023).
var (
	// preSourceRepoBundle: slsa-github-generator's docker-based builder,
	// 2023-02-01; the certificate has only the deprecated GitHub workflow
	// repository extension (OID 1.3.6.1.4.1.57264.1.5).
	preSourceRepoBundle = repoCase{
		bundle: "slsa/slsa-verifier/bundles/valid.intoto.sigstore",
		digest: "sha256:975a0582b8c9607f3f20a6b8cfef01b25823e68c5c3658e6e1ccaaced2a3255d",
		repo:   "slsa-framework/slsa-github-generator",
	}
	// withSourceRepoBundle: sigstore-js 1.3.0 npm provenance, 2023-04-18;
	// the certificate has both extensions.
	withSourceRepoBundle = repoCase{
		bundle: "sigstore/sigstore-go/example-bundle-provenance/bundle.sigstore.json",
		digest: "sha512:76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751",
		repo:   "sigstore/sigstore-js",
	}
)

type repoCase struct{ bundle, digest, repo string }

// TestRepoOnOldCertificates: --repo matches a certificate issued before
// the sourceRepositoryURI extension through the deprecated workflow
// repository extension, as cosign's --certificate-github-workflow-repository
// does; a wrong repository fails on old and new certificates alike.
func TestRepoOnOldCertificates(t *testing.T) {
	tr, err := trust.FromTrustedRootFile(filepath.Join(casesDir, "sigstore/trusted-roots/production.trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		c    repoCase
		repo string
		ok   bool
	}{
		{"old certificate, its repository", preSourceRepoBundle, preSourceRepoBundle.repo, true},
		{"old certificate, another repository", preSourceRepoBundle, "slsa-framework/slsa-verifier", false},
		{"old certificate, a repository that merely starts the same", preSourceRepoBundle, "slsa-framework/slsa-github-generator-evil", false},
		{"new certificate, its repository", withSourceRepoBundle, withSourceRepoBundle.repo, true},
		{"new certificate, another repository", withSourceRepoBundle, "sigstore/sigstore-go", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			artifact, err := bundle.ArtifactDigest(tc.c.digest)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := bundle.VerifyFile(context.Background(), filepath.Join(casesDir, tc.c.bundle), artifact, tr, bundle.Policy{Repo: tc.repo})
			if tc.ok {
				if err != nil {
					t.Fatalf("legitimate signer refused: %v", err)
				}
				if got, want := ev.Signer.SourceRepository(), "https://github.com/"+tc.repo; got != want {
					t.Errorf("evidence source repository %q, want %q", got, want)
				}
				return
			}
			if !errors.Is(err, bundle.ErrIdentity) || !strings.Contains(err.Error(), "repository mismatch") {
				t.Fatalf("got %v, want a repository mismatch (%v)", err, bundle.ErrIdentity)
			}
			if !strings.Contains(err.Error(), tc.c.repo) {
				t.Errorf("error %q does not show the certificate's repository %s", err, tc.c.repo)
			}
		})
	}
}
