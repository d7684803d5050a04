package policy

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/slsa/slsatest"
)

// slsaTestdata is testdata/slsa at the repository root: real provenance
// from slsa-verifier with the cases of the shared corpus (see its ORIGIN).
const slsaTestdata = "../../../testdata/slsa"

type slsaCase = slsatest.Case

// signatureLayerCases fail because a signature was tampered with: their
// statements are intact, so the policy layer cannot and must not be what
// rejects them. pkg/verify/bundle's tests cover them.
var signatureLayerCases = map[string]bool{
	"slsa-verifier/npm-gundam-visor-v1-invalidsigprov": true,
	"slsa-verifier/npm-gundam-visor-v1-invalidsigpub":  true,
}

// failsOn names, for each failing case, the finding that must fail: a
// case must fail for its own reason, not another's.
var failsOn = map[string]string{
	"slsa-verifier/gha_generic-v2.1.0-workflow_dispatch#branch-master":        "provenance.ref",
	"slsa-verifier/gha_generic-v2.1.0-workflow_dispatch#untrusted-builder-id": "provenance.builder",
	"slsa-verifier/gha_generic-v2.1.0-workflow_dispatch#wrong-source":         "provenance.source",
	"slsa-verifier/gha_generic-v2.1.0-workflow_dispatch#tag-on-untagged":      "provenance.ref",
	"slsa-verifier/bcr-MODULE.bazel#no-builder-id":                            "provenance.builder",
	"slsa-verifier/bcr-MODULE-wrong-signer":                                   "provenance.signer",
	"slsa-verifier/npm-gundam-visor-v1#short-builder-id":                      "provenance.builder",
	"slsa-verifier/npm-gundam-visor-v1#wrong-version":                         "rule.npm-package",
	"slsa-verifier/npm-gundam-visor-v1#wrong-name":                            "rule.npm-package",
	"slsa-verifier/npm-gundam-visor-v1#wrong-source":                          "provenance.source",
	"slsa-verifier/npm-supreme-goggles-v02#mismatch-builder-id":               "provenance.builder",
	"slsa-verifier/npm-supreme-goggles-v02#no-builder-id":                     "provenance.builder",
}

// npmPublish is the predicate type of the npm registry's publish attestation.
const npmPublish = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1"

// policyForCase turns a case's slsa-verifier parameters into a policy:
// --source-uri, --builder-id, --source-branch/--source-tag become the slsa
// section; verify-npm-package's package name and version become a CEL rule
// over the registry's publish attestation, signed by the registry key.
func policyForCase(t *testing.T, c slsaCase) *Policy {
	t.Helper()
	p := &Policy{APIVersion: APIVersion, Kind: Kind, Dir: slsaTestdata,
		Predicates: Predicates{Required: []string{"provenance"}},
		SLSA:       &SLSA{SourceURI: c.Params.SourceURI}}
	if c.Params.BuilderID != "" {
		p.SLSA.BuilderIDs = []string{c.Params.BuilderID}
	}
	if c.Params.SourceBranch != "" {
		p.SLSA.SourceRefs = append(p.SLSA.SourceRefs, "refs/heads/"+c.Params.SourceBranch)
	}
	if c.Params.SourceTag != "" {
		p.SLSA.SourceRefs = append(p.SLSA.SourceRefs, "refs/tags/"+c.Params.SourceTag)
	}
	if c.Params.PackageName != "" {
		p.Trust.Keys = []string{"npm-registry-attestations-key.pem"}
		p.Predicates.Required = append(p.Predicates.Required, npmPublish)
		p.Rules = []Rule{{Name: "npm-package", Message: "not the expected npm package",
			Expression: fmt.Sprintf(`statements.exists(s, s.predicateType == %q && s.predicate.name == %q && s.predicate.version == %q)`,
				npmPublish, c.Params.PackageName, c.Params.PackageVersion)}}
	}
	if err := p.Compile(); err != nil {
		t.Fatalf("%s: compile policy: %v", c.ID, err)
	}
	return p
}

func loadSLSACases(t *testing.T) []slsaCase {
	t.Helper()
	cases, err := slsatest.LoadCases(slsaTestdata)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 20 {
		t.Fatalf("only %d cases in cases.json", len(cases))
	}
	return cases
}

// localPath maps a corpus path ("slsa/slsa-verifier/x/y") into testdata/slsa.
func localPath(p string) string { return slsatest.LocalPath(slsaTestdata, p) }

// TestSLSAProvenanceCases runs every offline slsa-provenance-verify case:
// each verdict with its parameters must agree with slsa-verifier's.
func TestSLSAProvenanceCases(t *testing.T) {
	ran := 0
	for _, c := range loadSLSACases(t) {
		if signatureLayerCases[c.ID] {
			continue
		}
		t.Run(c.ID, func(t *testing.T) {
			bundles := c.Params.Provenance
			if bundles == "" {
				bundles = c.Params.Attestations
			}
			var keys []string
			if c.Params.PackageName != "" {
				keys = append(keys, filepath.Join(slsaTestdata, "npm-registry-attestations-key.pem"))
			}
			ev, err := slsatest.Load(localPath(bundles), keys...)
			if err != nil {
				t.Fatal(err)
			}
			p := policyForCase(t, c)
			for _, art := range c.Params.Artifacts {
				digests, err := slsatest.FileDigests(localPath(art))
				if err != nil {
					t.Fatal(err)
				}
				fs := p.Evaluate(context.Background(), Artifact{Name: filepath.Base(art), Digests: digests}, ev, Options{})
				got := "fail"
				if (&verify.ArtifactReport{Findings: fs}).Accept() {
					got = "pass"
				}
				if got != c.Expect {
					t.Errorf("verdict %s, want %s (%s)\n%s", got, c.Expect, c.Why, dump(fs))
				}
				if got == "fail" {
					requireExplained(t, fs)
					want, ok := failsOn[c.ID]
					if !ok {
						t.Fatalf("failing case %s has no entry in failsOn", c.ID)
					}
					if f := findingByID(fs, want); f == nil || f.Status != verify.StatusFail {
						t.Errorf("finding %s should fail:\n%s", want, dump(fs))
					}
				}
			}
		})
		ran++
	}
	for id := range signatureLayerCases {
		found := false
		for _, c := range loadSLSACases(t) {
			found = found || c.ID == id
		}
		if !found {
			t.Errorf("signatureLayerCases names %s, which is not in cases.json", id)
		}
	}
	if ran < 20 {
		t.Errorf("ran %d cases", ran)
	}
}

// requireExplained: a failing finding says what was expected and found.
func requireExplained(t *testing.T, fs []verify.Finding) {
	t.Helper()
	for _, f := range fs {
		if f.Status != verify.StatusPass && f.Status != verify.StatusSkipped && (f.Message == "" || f.Found == "") {
			t.Errorf("finding %s (%s) does not say what was found: %+v", f.ID, f.Status, f)
		}
	}
}

func findingByID(fs []verify.Finding, id string) *verify.Finding {
	for i := range fs {
		if fs[i].ID == id {
			return &fs[i]
		}
	}
	return nil
}

func dump(fs []verify.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %-28s %-7s %s\n      expected: %s\n      found: %s\n", f.ID, f.Status, f.Message, f.Expected, f.Found)
	}
	return b.String()
}
