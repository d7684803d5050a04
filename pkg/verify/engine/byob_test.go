package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
)

// byobDir holds slsa-verifier's BYOB test artifacts (see its ORIGIN).
const byobDir = "../../../testdata/slsa-byob"

// byobFlags are slsa-verifier flags for one verification.
type byobFlags struct {
	source, builderID, branch, tag string
}

func (f byobFlags) policy(t *testing.T) *policy.Policy {
	t.Helper()
	p := &policy.Policy{APIVersion: policy.APIVersion, Kind: policy.Kind,
		Predicates: policy.Predicates{Required: []string{"provenance"}},
		SLSA:       &policy.SLSA{SourceURI: f.source}}
	if f.builderID != "" {
		p.SLSA.BuilderIDs = []string{f.builderID}
	}
	if f.branch != "" {
		p.SLSA.SourceRefs = append(p.SLSA.SourceRefs, "refs/heads/"+f.branch)
	}
	if f.tag != "" {
		p.SLSA.SourceRefs = append(p.SLSA.SourceRefs, "refs/tags/"+f.tag)
	}
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBYOBBuilders verifies slsa-github-generator's build-your-own-builder
// provenance (the certificate is a delegator workflow, the builder id the
// BYOB builder) as slsa-verifier's Test_runVerifyGHAArtifactPath does
// (testdata/slsa-byob/main_regression_test.go.txt): every version of each
// builder, with the builder id in each form slsa-verifier tries (full,
// "@vX", "@refs/tags/vX", and none for the builders slsa-github-generator
// ships), through the whole engine against the embedded public-good root.
// Each accepted case has its attacks: a wrong source, branch or tag, an
// untrusted or another builder, and a changed artifact.
func TestBYOBBuilders(t *testing.T) {
	const example = "github.com/slsa-framework/example-package"
	builders := map[string]string{
		"gha_delegator": "https://github.com/slsa-framework/example-trw/.github/workflows/builder_high-perms_slsa3.yml",
		"gha_maven":     "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_maven_slsa3.yml",
		"gha_gradle":    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_gradle_slsa3.yml",
	}
	e := func(t *testing.T, f byobFlags) *cliEngine {
		en, err := newCLIEngine(engine.Options{Roots: offlineRoots(t)}, f.policy(t))
		if err != nil {
			t.Fatal(err)
		}
		return en
	}
	for name, builder := range builders {
		for _, version := range []string{"v1.9.0", "v1.10.0", "v2.0.0"} {
			dir := filepath.Join(byobDir, name, version)
			ids := []string{builder, builder + "@" + version, builder + "@refs/tags/" + version}
			if name != "gha_delegator" {
				// slsa-verifier trusts slsa-github-generator's own BYOB
				// builders without --builder-id; example-trw's only by name.
				ids = append(ids, "")
			}
			other := builders["gha_maven"]
			if name == "gha_maven" {
				other = builders["gha_gradle"]
			}
			type tc struct {
				name     string
				artifact string
				flags    byobFlags
				want     bool
			}
			var cases []tc
			for _, id := range ids {
				label := "builder id " + strings.TrimPrefix(id, builder)
				switch id {
				case "":
					label = "no builder id"
				case builder:
					label = "full builder id"
				}
				wd, tag := "binary-linux-amd64-workflow_dispatch", "binary-linux-amd64-push-v13.0.30"
				cases = append(cases,
					tc{label + ", main branch default", wd, byobFlags{source: example, builderID: id}, true},
					tc{label + ", main branch set", wd, byobFlags{source: example, builderID: id, branch: "main"}, true},
					tc{label + ", tag v13.0.30", tag, byobFlags{source: example, builderID: id, tag: "v13.0.30"}, true},
					tc{label + ", wrong branch master", wd, byobFlags{source: example, builderID: id, branch: "master"}, false},
					tc{label + ", tag v13.0.29 no match v13.0.30", tag, byobFlags{source: example, builderID: id, tag: "v13.0.29"}, false},
					tc{label + ", wrong source append A", wd, byobFlags{source: example + "A", builderID: id}, false},
					tc{label + ", wrong source", wd, byobFlags{source: "github.com/laurentsimon/slsa-verifier-test-gen", builderID: id}, false},
				)
			}
			cases = append(cases,
				tc{"untrusted builder", "binary-linux-amd64-workflow_dispatch",
					byobFlags{source: example, builderID: "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/not-trusted.yml"}, false},
				tc{"another BYOB builder", "binary-linux-amd64-workflow_dispatch", byobFlags{source: example, builderID: other}, false},
				tc{"another version of the builder", "binary-linux-amd64-workflow_dispatch", byobFlags{source: example, builderID: builder + "@refs/tags/v1.8.0"}, false},
			)
			for _, c := range cases {
				want := c.want
				if want && name == "gha_delegator" && version == "v1.9.0" {
					// This delegator signed at refs/heads/main, which
					// slsa-verifier accepts only with SLSA_VERIFIER_TESTING
					// set (as its regression test does); a production
					// verifier trusts delegators at refs/tags/v* only.
					want = false
				}
				t.Run(fmt.Sprintf("%s/%s/%s", name, version, c.name), func(t *testing.T) {
					art := filepath.Join(dir, c.artifact)
					checkVerdict(t, e(t, c.flags), art, []string{art + ".build.slsa"}, want)
					if want {
						// The same verification of a changed artifact fails.
						changed := filepath.Join(t.TempDir(), c.artifact)
						data, err := os.ReadFile(art)
						if err != nil {
							t.Fatal(err)
						}
						if err := os.WriteFile(changed, append(data, '\n'), 0o644); err != nil {
							t.Fatal(err)
						}
						checkVerdict(t, e(t, c.flags), changed, []string{art + ".build.slsa"}, false)
					}
				})
			}
		}
	}
}

// checkVerdict verifies one artifact and requires the verdict.
func checkVerdict(t *testing.T, e *cliEngine, artifact string, bundles []string, want bool) {
	t.Helper()
	res, err := e.Verify(context.Background(), target{Artifact: artifact, Bundles: bundles})
	if err != nil {
		t.Fatal(err)
	}
	if res.Accept() != want {
		t.Errorf("%s: accept = %v, want %v\n%s", artifact, res.Accept(), want, findingsText(res.Findings))
	}
}
