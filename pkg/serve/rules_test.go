package serve

import (
	"testing"

	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/npm"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/slsa"
)

// TestFindingIDsCatalogued: every finding id verify and serve report —
// the constants of each package, the provenance checks of slsa, and the
// ids a policy builds (predicate.<name>, sbom.profile.<id>, rule.<name>)
// — is a rule of verify.Rules, looked up in finding.Default with its own
// title, help and level error. Control: an id nobody reports is not.
func TestFindingIDsCatalogued(t *testing.T) {
	ids := []string{
		engine.FindingBundle, npm.FindingSubjectPURL, FindingSubjectURI, FindingPublisherDrift,
		policy.FindingEvidence, policy.FindingStatement, policy.FindingSubject, policy.FindingSigner,
		policy.FindingIdentity, policy.FindingProvenance, policy.FindingSBOM, policy.FindingLayout,
		policy.FindingMatch, policy.FindingMatchUnshown, "policy",
		policy.FindingProvenance + ".identity", policy.FindingProvenance + ".level", policy.FindingProvenance + ".consistent",
		policy.FindingSBOM + ".format", policy.FindingSBOM + ".licenses", policy.FindingSBOM + ".denied-components",
		policy.FindingLayout + ".inspections", policy.FindingLayout + ".product",
		policy.FindingPredicate + ".provenance", policy.FindingPredicate + ".https://example.com/custom/v1",
		policy.FindingSBOM + ".profile.bsi-tr-03183-2", policy.FindingRule + ".built-on-tag",
		// The vulnerability gate's (branch gate: policy.FindingVulnerabilities,
		// policy.FindingVulnerability + "." + advisory id).
		"vulnerabilities", "vulnerability.GO-2024-2687",
	}
	for _, c := range []string{slsa.CheckBuilder, slsa.CheckSource, slsa.CheckRef, slsa.CheckSigner} {
		ids = append(ids, policy.FindingProvenance+"."+c)
	}
	for _, id := range ids {
		r, ok := finding.Lookup(id)
		if !ok || r.ID != id || r.Title == "" || r.Title == id || r.Help == "" || r.Level != finding.LevelError {
			t.Errorf("finding id %q: rule %+v (found %v)", id, r, ok)
		}
	}
	for _, id := range []string{"predicate", "rule.", "sbom.profile.", "provenance.unknown-check", "no-such-id"} {
		if r, ok := finding.Lookup(id); ok {
			t.Errorf("%q is not a finding id, but the catalogue has %+v", id, r)
		}
	}
	if len(verify.Rules) == 0 {
		t.Fatal("no verify rules")
	}
}
