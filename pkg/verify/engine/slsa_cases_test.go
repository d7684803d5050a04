package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/slsa/slsatest"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// slsaDir holds real slsa-verifier provenance and the shared corpus's cases
// (see its ORIGIN).
const slsaDir = "../../../testdata/slsa"

const npmPublish = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1"

func local(p string) string { return slsatest.LocalPath(slsaDir, p) }

// splitBundles writes each bundle of a .intoto.jsonl or an npm attestations
// document to its own file, as vouch verify takes them.
func splitBundles(t *testing.T, path string) []string {
	t.Helper()
	raws, err := slsatest.Bundles(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out []string
	for i, r := range raws {
		p := filepath.Join(dir, fmt.Sprintf("bundle%d.sigstore.json", i))
		if err := os.WriteFile(p, r, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// TestSLSACasesEndToEnd runs every offline slsa-provenance-verify case of
// the shared corpus through the whole engine — signatures and certificates
// against the embedded public-good root, then the policy made from the
// case's slsa-verifier parameters — and requires slsa-verifier's verdict.
// Unlike the policy package's test, the tampered-signature cases are in.
func TestSLSACasesEndToEnd(t *testing.T) {
	cases, err := slsatest.LoadCases(slsaDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 20 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			p := &policy.Policy{APIVersion: policy.APIVersion, Kind: policy.Kind, Dir: slsaDir,
				Predicates: policy.Predicates{Required: []string{"provenance"}},
				SLSA:       &policy.SLSA{SourceURI: c.Params.SourceURI}}
			if c.Params.BuilderID != "" {
				p.SLSA.BuilderIDs = []string{c.Params.BuilderID}
			}
			if c.Params.SourceBranch != "" {
				p.SLSA.SourceRefs = append(p.SLSA.SourceRefs, "refs/heads/"+c.Params.SourceBranch)
			}
			if c.Params.SourceTag != "" {
				p.SLSA.SourceRefs = append(p.SLSA.SourceRefs, "refs/tags/"+c.Params.SourceTag)
			}
			var keys []*trust.Key
			bundles := c.Params.Provenance
			if c.Params.PackageName != "" {
				bundles = c.Params.Attestations
				key, err := trust.FromPublicKeyFile(filepath.Join(slsaDir, "npm-registry-attestations-key.pem"))
				if err != nil {
					t.Fatal(err)
				}
				keys = append(keys, key)
				p.Trust.Keys = []string{"npm-registry-attestations-key.pem"}
				p.Predicates.Required = append(p.Predicates.Required, npmPublish)
				p.Rules = []policy.Rule{{Name: "npm-package", Message: "not the expected npm package",
					Expression: fmt.Sprintf(`statements.exists(s, s.predicateType == %q && s.predicate.name == %q && s.predicate.version == %q)`,
						npmPublish, c.Params.PackageName, c.Params.PackageVersion)}}
			}
			if err := p.Compile(); err != nil {
				t.Fatal(err)
			}
			v := newVerifier(t, keys...)
			paths := splitBundles(t, local(bundles))
			for _, art := range c.Params.Artifacts {
				res, err := v.Verify(context.Background(), subjectOf(t, local(art)), bundlesOf(paths...), p)
				if err != nil {
					t.Fatal(err)
				}
				got := "fail"
				if res.Accept() {
					got = "pass"
				}
				if got != c.Expect {
					var b strings.Builder
					for _, f := range res.Findings {
						fmt.Fprintf(&b, "  %s %s: %s (expected %q, found %q)\n", f.Status, f.ID, f.Message, f.Expected, f.Found)
					}
					t.Errorf("verdict %s, want %s (%s)\n%s", got, c.Expect, c.Why, b.String())
				}
			}
		})
	}
}
