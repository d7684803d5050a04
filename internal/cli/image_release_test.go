package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom/catalog/image"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image/imagetest"
)

// TestImageReleaseLabels: vouch release --image records the source the
// image's labels name (org.opencontainers.image.source and .revision) in
// its provenance, not the checkout it happens to run in, and vouch verify
// --source-uri holds the image to it; --repo DIR given, its checkout wins;
// --external-param workflow.repository given, the labels are not used.
// Each case is checked against the other's source (exit 3), so a
// provenance naming any source cannot pass.
func TestImageReleaseLabels(t *testing.T) {
	const labelled, revision = "https://github.com/acme/labelled", "0123456789abcdef0123456789abcdef01234567"
	for _, v := range []string{"GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI", "TF_BUILD", "BUILDER_OUTPUT", "JENKINS_URL"} {
		t.Setenv(v, "") // the CI's facts would win over both
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	dir := t.TempDir()
	head := gitCheckout(t, dir, "https://github.com/acme/checkout")
	var off atomic.Bool
	host := imageRegistry(t, regAPI, &off)
	labels := map[string]string{image.LabelSource: labelled, image.LabelRevision: revision}
	vouchIn(t, dir, 0, "keygen", "--no-password")
	for i, tc := range []struct {
		name       string
		flags      []string
		wantURI    string
		wantCommit string
		wantRepo   string // externalParameters.workflow.repository
		other      string // a source --source-uri must refuse
	}{
		{"labels", nil, "git+" + labelled, revision, labelled, "https://github.com/acme/checkout"},
		{"--repo", []string{"--repo", "."}, "git+https://github.com/acme/checkout@refs/heads/main", head, "https://github.com/acme/checkout", labelled},
		{"--external-param", []string{"--external-param", "workflow.repository=https://github.com/acme/given"}, "git+https://github.com/acme/checkout@refs/heads/main", head, "https://github.com/acme/given", labelled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tag := string(rune('a' + i))
			ref := host + "/acme/app:" + tag
			// Images of different contents: each release's provenance is
			// the only one attached to its digest.
			imagetest.Push(t, ref, imagetest.Build(t, labels, []imagetest.Entry{{Name: "app/case", Data: tc.name}}))
			out := filepath.Join("rel", tag)
			args := append([]string{"release", "--key", "vouch.key", "--builder-id", "https://example.com/builder", "--image", "registry:" + ref, "--out", out}, tc.flags...)
			vouchIn(t, dir, 0, args...)
			uri, commit, repo := provenanceSource(t, filepath.Join(dir, out, "provenance.sigstore.json"))
			if uri != tc.wantURI || commit != tc.wantCommit || repo != tc.wantRepo {
				t.Errorf("provenance source %s at %s, workflow.repository %s; want %s at %s, %s", uri, commit, repo, tc.wantURI, tc.wantCommit, tc.wantRepo)
			}
			verify := []string{"verify", "--key", "vouch.pub", "--builder-id", "https://example.com/builder", "--predicate-type", "slsaprovenance1", "--source-uri"}
			vouchIn(t, dir, 0, append(verify, strings.TrimPrefix(tc.wantRepo, "https://"), "registry:"+ref)...)
			refused, _ := vouchIn(t, dir, 3, append(verify, strings.TrimPrefix(tc.other, "https://"), "registry:"+ref)...)
			mustContain(t, refused, "provenance.source: provenance source does not meet the policy")
		})
	}
}

// gitCheckout makes dir a git checkout on main with one commit and the
// origin remote given, and returns its commit.
func gitCheckout(t *testing.T, dir, origin string) string {
	t.Helper()
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		return strings.TrimSpace(string(b))
	}
	git("init", "-q", "-b", "main")
	git("remote", "add", "origin", origin)
	git("commit", "-q", "--allow-empty", "-m", "release")
	return git("rev-parse", "HEAD")
}

// provenanceSource reads the source a provenance bundle records: its
// first resolved dependency's URI and gitCommit, and
// externalParameters.workflow.repository.
func provenanceSource(t *testing.T, bundle string) (uri, commit, repo string) {
	t.Helper()
	raw, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		DSSEEnvelope struct {
			Payload []byte `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	var st struct {
		Predicate struct {
			BuildDefinition struct {
				ExternalParameters struct {
					Workflow struct{ Repository string } `json:"workflow"`
				} `json:"externalParameters"`
				ResolvedDependencies []struct {
					URI    string            `json:"uri"`
					Digest map[string]string `json:"digest"`
				} `json:"resolvedDependencies"`
			} `json:"buildDefinition"`
		} `json:"predicate"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b.DSSEEnvelope.Payload, &st); err != nil {
		t.Fatal(err)
	}
	bd := st.Predicate.BuildDefinition
	if len(bd.ResolvedDependencies) == 0 {
		t.Fatalf("%s: no resolvedDependencies", bundle)
	}
	d := bd.ResolvedDependencies[0]
	return d.URI, d.Digest["gitCommit"], bd.ExternalParameters.Workflow.Repository
}
