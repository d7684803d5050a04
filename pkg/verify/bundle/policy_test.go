package bundle

import (
	"errors"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
)

// githubCert is the identity part of a GitHub Actions Fulcio certificate.
func githubCert(repo, workflowRef string) certificate.Summary {
	var s certificate.Summary
	s.SubjectAlternativeName = "https://github.com/" + repo + "/" + workflowRef
	s.Issuer = GitHubActionsIssuer
	s.SourceRepositoryURI = "https://github.com/" + repo
	s.SourceRepositoryRef = "refs/tags/v1.0.0"
	s.BuildSignerURI = "https://github.com/" + repo + "/" + workflowRef
	return s
}

func TestPolicyMatch(t *testing.T) {
	good := githubCert("org/repo", ".github/workflows/release.yml@refs/tags/v1.0.0")
	evil := githubCert("org/repo-evil", ".github/workflows/release.yml@refs/tags/v1.0.0")
	reusable := githubCert("org/repo", ".github/workflows/release.yml@refs/tags/v1.0.0")
	reusable.BuildSignerURI = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.0.0"
	tests := []struct {
		name   string
		policy Policy
		cert   certificate.Summary
		ok     bool
	}{
		{"repo", Policy{Repo: "org/repo"}, good, true},
		{"repo look-alike", Policy{Repo: "org/repo"}, evil, false},
		{"repo and workflow path", Policy{Repo: "org/repo", SignerWorkflow: ".github/workflows/release.yml"}, good, true},
		{"workflow OWNER/NAME/PATH", Policy{SignerWorkflow: "org/repo/.github/workflows/release.yml"}, good, true},
		{"workflow other file", Policy{Repo: "org/repo", SignerWorkflow: ".github/workflows/rel"}, good, false},
		{"workflow in look-alike repo", Policy{SignerWorkflow: "org/repo/.github/workflows/release.yml"}, evil, false},
		{"reusable workflow signer", Policy{Repo: "org/repo", SignerWorkflow: "slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml"}, reusable, true},
		{"reusable workflow is not the caller", Policy{Repo: "org/repo", SignerWorkflow: ".github/workflows/release.yml"}, reusable, false},
		{"repo with other issuer", Policy{Repo: "org/repo", Issuer: "https://gitlab.com"}, good, false},
		{"exact identity", Policy{Identity: good.SubjectAlternativeName, Issuer: GitHubActionsIssuer}, good, true},
		{"anchored regexp suffix attack", Policy{IdentityRegexp: `https://github\.com/org/repo/.*`, Issuer: GitHubActionsIssuer}, evil, false},
		{"anchored issuer regexp", Policy{Identity: good.SubjectAlternativeName, IssuerRegexp: `https://token\.actions\.githubusercontent\.com`}, good, true},
		{"issuer regexp needs whole match", Policy{Identity: good.SubjectAlternativeName, IssuerRegexp: `https://token\.actions`}, good, false},
		{"insecure any identity", Policy{InsecureAnyIdentity: true}, evil, true},
		{"insecure still checks what is given", Policy{InsecureAnyIdentity: true, Repo: "org/repo"}, evil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.policy.compile()
			if err != nil {
				t.Fatal(err)
			}
			err = m.check(tt.cert)
			if tt.ok != (err == nil) {
				t.Fatalf("check = %v, want ok=%v", err, tt.ok)
			}
			if err != nil {
				if !errors.Is(err, ErrIdentity) {
					t.Errorf("%v does not wrap ErrIdentity", err)
				}
				for _, want := range []string{"expected", tt.cert.SubjectAlternativeName, tt.cert.SourceRepositoryURI, tt.cert.BuildSignerURI} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("message %q lacks %q", err, want)
					}
				}
			}
		})
	}
}

func TestPolicyInvalid(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		reason string
	}{
		{"empty", Policy{}, "--insecure-any-identity"},
		{"identity without issuer", Policy{Identity: "a@example.com"}, "an OIDC issuer"},
		{"issuer without identity", Policy{Issuer: GitHubActionsIssuer}, "a signer identity"},
		{"both identity forms", Policy{Identity: "a", IdentityRegexp: "a", Issuer: "i"}, "not both"},
		{"bad regexp", Policy{IdentityRegexp: "(", Issuer: "i"}, "identity regexp"},
		{"bad repo", Policy{Repo: "just-a-name"}, "OWNER/NAME"},
		{"workflow path without repo", Policy{SignerWorkflow: ".github/workflows/x.yml"}, "expected a path"},
		{"workflow with ref", Policy{SignerWorkflow: "org/repo/.github/workflows/x.yml@refs/heads/main"}, "without @ref"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Validate()
			if !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("Validate() = %v, want ErrPolicy mentioning %q", err, tt.reason)
			}
		})
	}
}
