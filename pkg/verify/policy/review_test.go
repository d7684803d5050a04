package policy

import (
	"context"
	"strings"
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

// TestReviewRulesSeeAnUndecodableSBOM: a CEL rule is the documented way to
// write requirements over SBOM components. When the trusted SBOM
// attestation cannot be decoded (a field of the wrong type, a predicate
// over the size limit, a nesting-depth cap), loadSBOMs records the error
// but only a policy with an `sbom:` block reports it; the rule then sees
// sbom.present == true and sbom.components == [] — so "no denied
// component" holds, and the artifact is accepted with the denied
// component in its (trusted) SBOM.
//
// Control: the decodable SBOM naming cobra fails the rule. Attack: the
// same SBOM with one malformed field must not be accepted (an error
// finding, as with an `sbom:` block).
func TestReviewRulesSeeAnUndecodableSBOM(t *testing.T) {
	p := mustParse(t, ghIdentity+`rules:
  - name: no-cobra
    expression: sbom.present && !sbom.components.exists(c, c.name == "github.com/spf13/cobra")
`)
	eval := func(doc string) []verify.Finding {
		ev := []verify.Evidence{evidence("s.sigstore.json", statement(t, PredicateCycloneDX, map[string]string{"sha256": art256}, doc), ghSigner)}
		return p.Evaluate(context.Background(), artifact, ev, Options{})
	}
	doc := cycloneDXJSON(t)
	if !strings.Contains(doc, "github.com/spf13/cobra") {
		t.Fatal("sample SBOM without cobra")
	}
	if fs := eval(doc); accepted(fs) {
		t.Fatalf("control: the SBOM lists cobra, the rule must fail:\n%s", dump(fs))
	}
	for name, broken := range map[string]string{
		// A newer CycloneDX than vouch decodes, from a newer (legitimate) tool.
		"newer specVersion": strings.Replace(doc, `"specVersion": "1.6"`, `"specVersion": "1.9"`, 1),
		// One field of an unexpected type.
		"malformed field": strings.Replace(doc, `"components": [`, `"components": 7, "x": [`, 1),
	} {
		if broken == doc {
			t.Fatal("could not break the SBOM: " + name)
		}
		if fs := eval(broken); accepted(fs) {
			t.Errorf("%s: accepted — the trusted SBOM (which lists cobra) could not be decoded and the rule saw no components:\n%s", name, dump(fs))
		}
	}
}

// TestReviewKeySignedProvenanceGetsNoBuilderLevel (issue 8, item 1, still
// open on this branch): provenance signed with a trusted *key* that merely
// names slsa-github-generator's generic generator is credited with that
// builder and its SLSA level 3 (and a VSA then states
// SLSA_BUILD_LEVEL_3), although no certificate shows the generator ran and
// the policy binds no key to that builder.
//
// Control: the same requirements without a level (source only) accept
// the key-signed provenance (the key is trusted for its claims). Attack:
// minLevel 3 must not be met through a builder the key merely names.
func TestReviewKeySignedProvenanceGetsNoBuilderLevel(t *testing.T) {
	const gen = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0"
	const own = "https://builds.example.com/release@v1"
	prov := func(builder string) []verify.Evidence {
		pred := `{"buildDefinition": {"buildType": "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
	  "externalParameters": {"workflow": {"ref": "refs/tags/v1.2.3", "repository": "https://github.com/example/app", "path": ".github/workflows/release.yml"}},
	  "resolvedDependencies": [{"uri": "git+https://github.com/example/app@refs/tags/v1.2.3", "digest": {"gitCommit": "8f70009fde0c94ade6ce2a054b94718c819126ec"}}]},
	 "runDetails": {"builder": {"id": "` + builder + `"}}}`
		return []verify.Evidence{evidence("p.sigstore.json", statement(t, "https://slsa.dev/provenance/v1", map[string]string{"sha256": art256}, pred),
			verify.Signer{KeyID: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})}
	}
	// Control: the user's own builder, named, signed by a trusted key:
	// the claim stands, at level 0.
	ctl := mustParse(t, "slsa:\n  sourceUri: github.com/example/app\n  builderIds: ["+own+"]\n")
	if fs := ctl.Evaluate(context.Background(), artifact, prov(own), Options{}); !accepted(fs) {
		t.Fatalf("control: key-signed provenance of the user's own builder:\n%s", dump(fs))
	}
	for _, policy := range []string{
		"slsa:\n  sourceUri: github.com/example/app\n  minLevel: 3\n",
		"slsa:\n  sourceUri: github.com/example/app\n  builderIds: [" + gen + "]\n",
		"slsa:\n  sourceUri: github.com/example/app\n  builderIds: [" + gen + "]\n  minLevel: 3\n",
		"slsa:\n  sourceUri: github.com/example/app\n  builderIds: [" + own + "]\n  minLevel: 1\n",
	} {
		builder := gen
		if strings.Contains(policy, own) {
			builder = own
		}
		if fs := mustParse(t, policy).Evaluate(context.Background(), artifact, prov(builder), Options{}); accepted(fs) {
			t.Errorf("key-signed provenance credited with a builder it only names (%q):\n%s", policy, dump(fs))
		}
	}
}
