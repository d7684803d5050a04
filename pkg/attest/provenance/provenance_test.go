package provenance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/attest/ci"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	commitA = "8f70009fde0c94ade6ce2a054b94718c819126ec"
	// epoch is a fixed SOURCE_DATE_EPOCH: 2023-11-14T22:13:20Z.
	epoch = 1700000000
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// githubEnv is a release job on GitHub Actions, as GitHub sets it.
var githubEnv = map[string]string{
	"CI": "true", "GITHUB_ACTIONS": "true",
	"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "vouchdev/example",
	"GITHUB_RUN_ID": "9876543210", "GITHUB_RUN_ATTEMPT": "1",
	"GITHUB_SHA": commitA, "GITHUB_REF": "refs/tags/v1.2.3", "GITHUB_EVENT_NAME": "push",
	"GITHUB_WORKFLOW_REF":  "vouchdev/example/.github/workflows/release.yml@refs/tags/v1.2.3",
	"GITHUB_REPOSITORY_ID": "123456", "GITHUB_REPOSITORY_OWNER_ID": "7890",
	"RUNNER_ENVIRONMENT": "github-hosted",
}

// gitlabEnv is a tag pipeline on gitlab.com.
var gitlabEnv = map[string]string{
	"CI": "true", "GITLAB_CI": "true", "CI_SERVER_URL": "https://gitlab.com",
	"CI_PROJECT_PATH": "vouchdev/example", "CI_RUNNER_ID": "12270857",
	"CI_JOB_URL":     "https://gitlab.com/vouchdev/example/-/jobs/4711",
	"CI_PROJECT_URL": "https://gitlab.com/vouchdev/example",
	"CI_COMMIT_SHA":  commitA, "CI_COMMIT_TAG": "v1.2.3", "CI_PIPELINE_SOURCE": "push",
	"CI_PROJECT_ID": "250833", "CI_PIPELINE_ID": "99",
	"CI_JOB_STARTED_AT": "2023-11-14T22:00:00Z",
}

func artifacts(t *testing.T) ([]string, []*ita.ResourceDescriptor) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "artifacts", "*"))
	if err != nil || len(paths) != 2 {
		t.Fatalf("fixtures: %v %v", paths, err)
	}
	subjects, err := attest.SubjectsFromFiles(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	return paths, subjects
}

// fakeCheckout writes the part of a .git directory vouch reads, as git
// writes it: a branch checked out at commitA, an ssh origin remote.
func fakeCheckout(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		".git/HEAD":            "ref: refs/heads/main\n",
		".git/refs/heads/main": commitA + "\n",
		".git/config":          "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@github.com:vouchdev/example.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestGolden pins whole statements, byte for byte, for a CI run on
// GitHub Actions and on GitLab CI and for a workstation build.
func TestGolden(t *testing.T) {
	paths, subjects := artifacts(t)
	at := time.Unix(epoch, 0)
	for _, tc := range []struct {
		name  string
		opts  Options
		warns []string
	}{
		{name: "github-actions", opts: Options{Env: envOf(githubEnv), StartedOn: at, FinishedOn: at, GoVersion: "go1.26.8"}},
		{name: "gitlab-ci", opts: Options{Env: envOf(gitlabEnv), FinishedOn: at, GoVersion: "1.26.8"}},
		{
			name:  "local",
			opts:  Options{Env: envOf(nil), StartedOn: at, FinishedOn: at, ExternalParams: map[string]string{"make.target": "release"}},
			warns: []string{"no CI system recognised"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Artifacts = paths
			if tc.name == "local" {
				opts.Dir = fakeCheckout(t)
			}
			st, warns, err := Generate(context.Background(), subjects, opts)
			if err != nil {
				t.Fatal(err)
			}
			checkWarnings(t, warns, tc.warns)
			got := indent(t, st)
			golden := filepath.Join("testdata", "golden", tc.name+".json")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("statement differs from %s:\n%s", golden, got)
			}
			checkSLSA(t, st)
		})
	}
}

func indent(t *testing.T, st *ita.Statement) []byte {
	t.Helper()
	b, err := attest.MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

func checkWarnings(t *testing.T, got []Warning, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("warnings = %v, want %d matching %q", got, len(want), want)
		return
	}
	for i, w := range want {
		if !strings.Contains(got[i].String(), w) {
			t.Errorf("warning %d = %q, want it to contain %q", i, got[i], w)
		}
	}
}

// checkSLSA decodes the statement's bytes as a consumer would: ParseStatement,
// then the predicate, strictly (unknown fields are errors), into the SLSA v1
// protobuf type, and runs its validator.
func checkSLSA(t *testing.T, st *ita.Statement) *slsa.Provenance {
	t.Helper()
	b, err := attest.MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	back, err := attest.ParseStatement(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.GetType() != attest.StatementTypeV1 || back.GetPredicateType() != attest.PredicateSLSAProvenanceV1 {
		t.Fatalf("_type %q predicateType %q", back.GetType(), back.GetPredicateType())
	}
	pj, err := back.GetPredicate().MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var p slsa.Provenance
	if err := protojson.Unmarshal(pj, &p); err != nil {
		t.Fatalf("predicate is not SLSA v1: %v\n%s", err, pj)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("SLSA v1 validator: %v", err)
	}
	return &p
}

// TestGitHubActionsFacts is the acceptance check: workflow ref, repository,
// commit and builder id from a simulated GitHub Actions run.
func TestCIFacts(t *testing.T) {
	_, subjects := artifacts(t)
	for _, tc := range []struct {
		env                                    map[string]string
		builder, workflow, ref, repo, dep, inv string
	}{
		{
			githubEnv,
			"https://github.com/vouchdev/example/.github/workflows/release.yml@refs/tags/v1.2.3",
			".github/workflows/release.yml", "refs/tags/v1.2.3", "https://github.com/vouchdev/example",
			"git+https://github.com/vouchdev/example@refs/tags/v1.2.3",
			"https://github.com/vouchdev/example/actions/runs/9876543210/attempts/1",
		},
		{
			gitlabEnv,
			"https://gitlab.com/vouchdev/example/-/runners/12270857",
			".gitlab-ci.yml", "refs/tags/v1.2.3", "https://gitlab.com/vouchdev/example",
			"git+https://gitlab.com/vouchdev/example@refs/tags/v1.2.3",
			"https://gitlab.com/vouchdev/example/-/jobs/4711",
		},
	} {
		st, warns, err := Generate(context.Background(), subjects, Options{Env: envOf(tc.env)})
		if err != nil {
			t.Fatal(err)
		}
		if len(warns) != 0 {
			t.Errorf("warnings: %v", warns)
		}
		p := checkSLSA(t, st)
		wf := p.GetBuildDefinition().GetExternalParameters().GetFields()["workflow"].GetStructValue().GetFields()
		deps := p.GetBuildDefinition().GetResolvedDependencies()
		switch {
		case p.GetRunDetails().GetBuilder().GetId() != tc.builder:
			t.Errorf("builder id %q, want %q", p.GetRunDetails().GetBuilder().GetId(), tc.builder)
		case wf["path"].GetStringValue() != tc.workflow || wf["ref"].GetStringValue() != tc.ref || wf["repository"].GetStringValue() != tc.repo:
			t.Errorf("workflow %v", wf)
		case len(deps) != 1 || deps[0].GetUri() != tc.dep || deps[0].GetDigest()["gitCommit"] != commitA:
			t.Errorf("resolvedDependencies %v", deps)
		case p.GetRunDetails().GetMetadata().GetInvocationId() != tc.inv:
			t.Errorf("invocationId %q", p.GetRunDetails().GetMetadata().GetInvocationId())
		case p.GetBuildDefinition().GetExternalParameters().GetFields()["event"].GetStringValue() != "push":
			t.Errorf("event missing: %v", p.GetBuildDefinition().GetExternalParameters())
		}
	}
}

// TestSubjectsDigests: each subject carries SHA-256 and SHA-512 equal to
// digest.File's.
func TestSubjectsDigests(t *testing.T) {
	paths, subjects := artifacts(t)
	st, _, err := Generate(context.Background(), subjects, Options{Env: envOf(githubEnv)})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.GetSubject()) != len(paths) {
		t.Fatalf("%d subjects for %d files", len(st.GetSubject()), len(paths))
	}
	for _, p := range paths {
		d, err := digest.File(p)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range st.GetSubject() {
			if s.GetName() == filepath.Base(p) {
				found = true
				if s.GetDigest()["sha256"] != d.SHA256 || s.GetDigest()["sha512"] != d.SHA512 {
					t.Errorf("%s: %v, want %s / %s", p, s.GetDigest(), d.SHA256, d.SHA512)
				}
			}
		}
		if !found {
			t.Errorf("no subject for %s", p)
		}
	}
}

func TestOverrides(t *testing.T) {
	_, subjects := artifacts(t)
	for _, tc := range []struct {
		name    string
		opts    Options
		check   func(*slsa.Provenance) string
		wantErr string
	}{
		{
			name: "builder and build type",
			opts: Options{Env: envOf(githubEnv), BuilderID: "https://builders.example.com/hermetic@v2", BuildType: "https://example.com/bt/v3"},
			check: func(p *slsa.Provenance) string {
				if p.GetRunDetails().GetBuilder().GetId() != "https://builders.example.com/hermetic@v2" ||
					p.GetBuildDefinition().GetBuildType() != "https://example.com/bt/v3" {
					return "overrides not applied"
				}
				return ""
			},
		},
		{
			name: "default build type per platform",
			opts: Options{Env: envOf(gitlabEnv)},
			check: func(p *slsa.Provenance) string {
				if p.GetBuildDefinition().GetBuildType() != "https://vouch.dev/buildtypes/gitlab-ci/v1" {
					return "build type " + p.GetBuildDefinition().GetBuildType()
				}
				return ""
			},
		},
		{
			name: "external params: add, replace nested, replace top-level",
			opts: Options{Env: envOf(githubEnv), ExternalParams: map[string]string{
				"workflow.ref": "refs/heads/override", "event": "workflow_dispatch", "inputs.version": "1.2.3", "target": "linux",
			}},
			check: func(p *slsa.Provenance) string {
				b, _ := protojson.Marshal(p.GetBuildDefinition().GetExternalParameters())
				var got map[string]any
				json.Unmarshal(b, &got)
				want := map[string]any{
					"workflow": map[string]any{"path": ".github/workflows/release.yml", "ref": "refs/heads/override", "repository": "https://github.com/vouchdev/example"},
					"event":    "workflow_dispatch", "inputs": map[string]any{"version": "1.2.3"}, "target": "linux",
				}
				if g, w := mustJSON(got), mustJSON(want); g != w {
					return "externalParameters " + g + ", want " + w
				}
				return ""
			},
		},
		{name: "param replaces object", opts: Options{Env: envOf(githubEnv), ExternalParams: map[string]string{"workflow": "x"}}, wantErr: `replaces the object "workflow"`},
		{name: "param under string", opts: Options{Env: envOf(githubEnv), ExternalParams: map[string]string{"event.name": "x"}}, wantErr: `"event" is a string`},
		{name: "param empty segment", opts: Options{Env: envOf(githubEnv), ExternalParams: map[string]string{"a..b": "x"}}, wantErr: "empty name segment"},
		{name: "conflicting params", opts: Options{Env: envOf(githubEnv), ExternalParams: map[string]string{"a": "1", "a.b": "2"}}, wantErr: `"a" is a string`},
		{name: "builder id not a URI", opts: Options{Env: envOf(githubEnv), BuilderID: "my laptop"}, wantErr: "builder id"},
		{name: "build type not a URI", opts: Options{Env: envOf(githubEnv), BuildType: "generic"}, wantErr: "build type"},
		{name: "finished before started", opts: Options{Env: envOf(githubEnv), StartedOn: time.Unix(epoch, 0), FinishedOn: time.Unix(epoch-1, 0)}, wantErr: "before startedOn"},
		{name: "nothing known", opts: Options{Env: envOf(nil), Dir: t.TempDir()}, wantErr: ErrNothingKnown.Error()},
		{
			name:    "CI without its builder variables",
			opts:    Options{Env: envOf(map[string]string{"BUILDKITE": "true"})},
			wantErr: "no builder id: buildkite",
		},
		{
			name: "CI without its builder variables, builder given",
			opts: Options{Env: envOf(map[string]string{"BUILDKITE": "true", "BUILDKITE_PIPELINE_SLUG": "p"}), BuilderID: "https://buildkite.com/acme"},
			check: func(p *slsa.Provenance) string {
				if p.GetBuildDefinition().GetExternalParameters().GetFields()["pipeline"].GetStringValue() != "p" {
					return "pipeline missing"
				}
				return ""
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, _, err := Generate(context.Background(), subjects, tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tc.check(checkSLSA(t, st)); msg != "" {
				t.Error(msg)
			}
		})
	}
	if _, _, err := Generate(context.Background(), subjects, Options{Env: envOf(nil), Dir: t.TempDir()}); !errors.Is(err, ErrNothingKnown) {
		t.Errorf("nothing known: %v is not ErrNothingKnown", err)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// git runs the real git to build a fixture repository.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestResolvedDependenciesFromGit reads a repository the real git made: the
// commit, the branch and the origin remote (credentials stripped), and the
// Go toolchain from a real Go binary's build info.
func TestResolvedDependenciesFromGit(t *testing.T) {
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "release")
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n"), 0o644)
	git(t, dir, "add", "main.go")
	git(t, dir, "commit", "-qm", "one")
	git(t, dir, "remote", "add", "origin", "https://deploy:s3cret@git.example.com/team/app.git")
	head := git(t, dir, "rev-parse", "HEAD")
	git(t, dir, "pack-refs", "--all") // the branch now lives in packed-refs

	// The running test binary is a Go binary with build info.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	subjects := []*ita.ResourceDescriptor{attest.NewSubject("app", digest.Digests{SHA256: strings.Repeat("a", 64), SHA512: strings.Repeat("b", 128)})}
	st, warns, err := Generate(context.Background(), subjects, Options{
		Env: envOf(nil), Dir: filepath.Join(dir), Artifacts: []string{exe, filepath.Join(dir, "main.go")},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkWarnings(t, warns, []string{"no CI system recognised"})
	p := checkSLSA(t, st)
	deps := p.GetBuildDefinition().GetResolvedDependencies()
	if len(deps) != 2 {
		t.Fatalf("resolvedDependencies = %v, want the source and the Go toolchain", deps)
	}
	if deps[0].GetUri() != "git+https://git.example.com/team/app@refs/heads/release" || deps[0].GetDigest()["gitCommit"] != head {
		t.Errorf("source = %v, want git+https://git.example.com/team/app@refs/heads/release at %s", deps[0], head)
	}
	if want := "pkg:golang/stdlib@" + runtime.Version(); deps[1].GetUri() != want {
		t.Errorf("toolchain = %v, want %s", deps[1], want)
	}
	if b, _ := attest.MarshalStatement(st); bytes.Contains(b, []byte("s3cret")) {
		t.Error("the remote's password leaked into the statement")
	}

	// On CI, a checkout at another commit than the one CI built is reported,
	// and CI's commit is recorded.
	st, warns, err = Generate(context.Background(), subjects, Options{Env: envOf(githubEnv), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	checkWarnings(t, warns, []string{"the checkout in"})
	p = checkSLSA(t, st)
	if got := p.GetBuildDefinition().GetResolvedDependencies()[0].GetDigest()["gitCommit"]; got != commitA {
		t.Errorf("gitCommit = %s, want CI's %s", got, commitA)
	}
}

func TestBuildTypes(t *testing.T) {
	doc, err := os.ReadFile("BUILDTYPES.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ci.Platforms() {
		bt := BuildType(p)
		if err := attest.CheckURI(bt); err != nil {
			t.Errorf("%s: %v", bt, err)
		}
		if !bytes.Contains(doc, []byte(bt)) {
			t.Errorf("BUILDTYPES.md does not document %s", bt)
		}
	}
}

// TestClaimedSource: the source an artifact claims (an image's labels)
// names the source where nothing else does; the CI's own facts win over a
// claim that disagrees, with a warning; a claim that is not a URL or a
// full commit is dropped with a warning, not recorded.
func TestClaimedSource(t *testing.T) {
	const commitB = "0123456789abcdef0123456789abcdef01234567"
	claim := Claimed{From: "the image's labels", Repository: "git@github.com:vouchdev/labelled.git", Commit: strings.ToUpper(commitB)}
	for _, tc := range []struct {
		name             string
		env              map[string]string
		claim            Claimed
		wantURI, wantSHA string
		warn             string
	}{
		{"claim only", nil, claim, "git+https://github.com/vouchdev/labelled", commitB, ""},
		{"CI wins", githubEnv, claim, "git+https://github.com/vouchdev/example@refs/tags/v1.2.3", commitA, "recording the build's"},
		{"CI agrees", githubEnv, Claimed{From: "labels", Repository: "https://github.com/vouchdev/example", Commit: commitA}, "git+https://github.com/vouchdev/example@refs/tags/v1.2.3", commitA, ""},
		{"garbage repository", nil, Claimed{From: "labels", Repository: "/home/me/src", Commit: commitB}, "", commitB, `source repository "/home/me/src" is not a repository URL`},
		{"short commit", nil, Claimed{From: "labels", Repository: "https://github.com/vouchdev/labelled", Commit: "abc123"}, "git+https://github.com/vouchdev/labelled", "", `source commit "abc123" is not a full commit id`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, warns, err := Predicate(context.Background(), Options{Env: envOf(tc.env), BuilderID: "https://example.com/b", Claimed: tc.claim,
				ExternalParams: map[string]string{"image": "app"}})
			if err != nil {
				t.Fatal(err)
			}
			deps := p.GetBuildDefinition().GetResolvedDependencies()
			if len(deps) != 1 || deps[0].GetUri() != tc.wantURI || deps[0].GetDigest()["gitCommit"] != tc.wantSHA {
				t.Errorf("resolvedDependencies %v, want %s at %s", deps, tc.wantURI, tc.wantSHA)
			}
			repo := p.GetBuildDefinition().GetExternalParameters().GetFields()["workflow"].GetStructValue().GetFields()["repository"].GetStringValue()
			if want := strings.TrimSuffix(strings.TrimPrefix(tc.wantURI, "git+"), "@refs/tags/v1.2.3"); repo != want {
				t.Errorf("externalParameters.workflow.repository %q, want %q", repo, want)
			}
			var all string
			for _, w := range warns {
				all += w.Message + "\n"
			}
			if (tc.warn == "") == strings.Contains(all, "labels") || !strings.Contains(all, tc.warn) {
				t.Errorf("warnings %q, want one containing %q", all, tc.warn)
			}
		})
	}
}
