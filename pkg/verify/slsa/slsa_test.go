package slsa

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/slsa/slsatest"
)

const testdata = "../../../testdata/slsa"

// provenanceOf loads the first SLSA provenance in a bundle file.
func provenanceOf(t *testing.T, file string) (*Provenance, verify.Signer) {
	t.Helper()
	evs, err := slsatest.Load(filepath.Join(testdata, file))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if IsProvenance(e.PredicateType) {
			p, err := Parse(e.Statement)
			if err != nil {
				t.Fatal(err)
			}
			return p, e.Signer
		}
	}
	t.Fatalf("%s: no provenance", file)
	return nil, verify.Signer{}
}

// TestParse reads real provenance of both versions.
func TestParse(t *testing.T) {
	tests := []struct {
		file                                       string
		predicate, builder, buildType, source, ref string
		digest, workflow                           string
	}{
		{"gha_generic-v2.1.0-workflow_dispatch/binary-linux-amd64-workflow_dispatch.intoto.jsonl", PredicateV02,
			"https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0",
			"https://github.com/slsa-framework/slsa-github-generator/generic@v1", "github.com/slsa-framework/example-package", "refs/heads/main",
			"sha1:4d329c75e7ec1725f7c9ce917a8799d408d06be3",
			"https://github.com/slsa-framework/example-package/.github/workflows/verifier-e2e.all.workflow_dispatch.main.all.slsa3.yml@refs/heads/main"},
		{"bcr-MODULE.bazel/MODULE.bazel.intoto.jsonl", PredicateV1,
			"https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1",
			"https://actions.github.io/buildtypes/workflow/v1", "github.com/aspect-build/rules_lint", "refs/heads/publish-to-bcr",
			"gitCommit:8f70009fde0c94ade6ce2a054b94718c819126ec",
			"https://github.com/aspect-build/rules_lint/.github/workflows/release.yml@refs/heads/publish-to-bcr"},
		{"npm-gundam-visor-v1/gundam-visor-cli-v1-tag.tgz.json", PredicateV1, "https://github.com/actions/runner/github-hosted",
			"https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1", "github.com/ramonpetgrave64/gundam-visor", "refs/tags/v1.0.1",
			"gitCommit:599500821344b070902a7a5666064bfdaba715df",
			"https://github.com/ramonpetgrave64/gundam-visor/.github/workflows/npm-publish.yml@refs/tags/v1.0.1"},
		{"npm-supreme-goggles-v02/supreme-googles-cli-v02-tag.tgz.json", PredicateV02, "https://github.com/actions/runner",
			"https://github.com/npm/cli/gha/v2", "github.com/trishankatdatadog/supreme-goggles", "refs/tags/v1.0.5",
			"sha1:38ebf99444e033b2f1550c9aaaeacd62d02a12ba",
			"https://github.com/trishankatdatadog/supreme-goggles/.github/workflows/npm-publish.yml@refs/tags/v1.0.5"},
	}
	for _, tt := range tests {
		t.Run(filepath.Dir(tt.file), func(t *testing.T) {
			p, signer := provenanceOf(t, tt.file)
			var digest string
			for k, v := range p.SourceDigest {
				digest = k + ":" + v
			}
			got := []string{p.PredicateType, p.BuilderID, p.BuildType, p.Source(), p.SourceRef, digest, p.Workflow.URI()}
			want := []string{tt.predicate, tt.builder, tt.buildType, tt.source, tt.ref, tt.digest, tt.workflow}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("field %d: %q, want %q", i, got[i], want[i])
				}
			}
			// The certificate that signed real provenance agrees with it.
			if problems := SignerAgrees(p, signer); len(problems) != 0 {
				t.Errorf("certificate disagrees: %v", problems)
			}
		})
	}
}

// TestSignerAgrees: the malicious attestation of slsa-verifier's tests
// (a copy of publish-to-bcr's provenance, signed by another repository's
// workflow) is caught by every extension.
func TestSignerAgrees(t *testing.T) {
	p, signer := provenanceOf(t, "bcr-MODULE-wrong-signer/MODULE-wrong-signer.bazel.intoto.jsonl")
	problems := strings.Join(SignerAgrees(p, signer), "\n")
	for _, want := range []string{"certificate repository github.com/loosebazooka/aa-test", "certificate ref refs/heads/main",
		"certificate workflow https://github.com/loosebazooka/aa-test", "certificate build signer https://github.com/loosebazooka/aa-test"} {
		if !strings.Contains(problems, want) {
			t.Errorf("missing %q in:\n%s", want, problems)
		}
	}
}

func TestNormalizeURI(t *testing.T) {
	for in, want := range map[string]string{
		"git+https://github.com/Owner/Repo@refs/heads/main": "github.com/Owner/Repo",
		"https://GitHub.com/o/r.git":                        "github.com/o/r",
		"github.com/o/r":                                    "github.com/o/r",
		"git+ssh://git@example.com/o/r@refs/tags/v1":        "git@example.com/o/r",
		"https://github.com/o/r/":                           "github.com/o/r",
		"":                                                  "",
	} {
		if got := NormalizeURI(in); got != want {
			t.Errorf("NormalizeURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMatchBuilderID(t *testing.T) {
	const id = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml"
	tests := []struct {
		want, got string
		ok        bool
	}{
		{id, id + "@refs/tags/v2.1.0", true},
		{id + "@refs/tags/v2.1.0", id + "@refs/tags/v2.1.0", true},
		{id + "@refs/tags/v2.0.0", id + "@refs/tags/v2.1.0", false},
		{id, id, true},
		{id + "@refs/tags/v2.1.0", id, false},
		{id, strings.Replace(id, "generic", "go", 1) + "@refs/tags/v2.1.0", false},
		{"https://github.com/actions/runner", "https://github.com/actions/runner/github-hosted", false},
	}
	for _, tt := range tests {
		if got := MatchBuilderID(tt.want, tt.got); got != tt.ok {
			t.Errorf("MatchBuilderID(%q, %q) = %v, want %v", tt.want, tt.got, got, tt.ok)
		}
	}
}

func TestBuilders(t *testing.T) {
	bs := Builders()
	if len(bs) < 8 {
		t.Fatalf("%d builders", len(bs))
	}
	defaults := 0
	for _, b := range bs {
		if b.Default {
			defaults++
		}
	}
	if defaults == 0 {
		t.Errorf("no default builder among %d", len(bs))
	}
	bs[0].ID = "changed"
	if Builders()[0].ID == "changed" {
		t.Error("Builders returns the shared slice")
	}
	for _, bad := range []string{
		"builders:\n  - {name: a, signer: builder}\n",
		"builders:\n  - {name: a, id: x@v1, signer: builder}\n",
		"builders:\n  - {name: a, id: x, signer: anyone}\n",
		"builders:\n  - {name: a, id: x, signer: builder, levle: 3}\n",
		"builders:\n  - {name: a, idFromSigner: true, signer: builder}\n",
	} {
		if _, err := ParseBuilders("b.yaml", []byte(bad)); err == nil {
			t.Errorf("ParseBuilders accepted %q", bad)
		}
	}
}
