package policy

import (
	"context"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify"
)

// TestReviewSignerWorkflowBindsTheRepository: buildSignerURI is the job
// workflow, which for a reusable workflow (on: workflow_call) is the
// callee — any repository can call a public reusable workflow and get a
// certificate whose buildSignerURI is it. gh attestation verify therefore
// never takes --signer-workflow alone: --owner or --repo is required and
// binds the certificate's source repository. vouch's signerWorkflow (the
// docs/policy.md example, and --signer-workflow OWNER/NAME/PATH without
// --repo) binds nothing else, so attacker/evil calling
// example/app/.github/workflows/release.yml signs artifacts that verify.
//
// Control: the workflow run from example/app verifies. Attack: the same
// workflow called from attacker/evil must not (or the policy must be
// refused for lacking repo/owner).
func TestReviewSignerWorkflowBindsTheRepository(t *testing.T) {
	const wf = "https://github.com/example/app/.github/workflows/release.yml"
	signer := func(repo string) verify.Signer {
		return verify.Signer{
			Identity: wf + "@refs/heads/main", Issuer: GitHubActionsIssuer,
			Extensions: map[string]string{
				"buildSignerURI":      wf + "@refs/heads/main",
				"sourceRepositoryURI": "https://github.com/" + repo,
				"buildConfigURI":      "https://github.com/" + repo + "/.github/workflows/ci.yml@refs/heads/main",
				"runnerEnvironment":   "github-hosted",
			}}
	}
	p, err := Parse("test.yaml", []byte(`apiVersion: vouch.dev/v1
kind: Policy
trust:
  identities:
    - subject: "hello_*"
      signerWorkflow: example/app/.github/workflows/release.yml
`), ".")
	if err != nil {
		return // refusing signerWorkflow without repo is a fix
	}
	eval := func(repo string) []verify.Finding {
		ev := []verify.Evidence{{Bundle: "sig.json", Kind: "message-signature", Signer: signer(repo)}}
		return p.Evaluate(context.Background(), artifact, ev, Options{})
	}
	if fs := eval("example/app"); !accepted(fs) {
		t.Fatalf("control: example/app's own run refused: %+v", fs)
	}
	if fs := eval("attacker/evil"); accepted(fs) {
		t.Errorf("accepted a certificate from attacker/evil calling the reusable workflow (gh requires --owner/--repo): %+v", fs)
	}
}
