package ci

import (
	"reflect"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

const (
	sha1 = "8f70009fde0c94ade6ce2a054b94718c819126ec"
	sha2 = "f0b49a04e5a62250e0f60fb128004a73110fe311"
)

// TestDetect runs Detect over environments as each platform really sets
// them (variable names from the platforms' documentation; values modelled
// on real runs).
func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want Env
	}{
		{
			name: "github actions",
			env: map[string]string{
				"CI": "true", "GITHUB_ACTIONS": "true",
				"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "aspect-build/rules_lint",
				"GITHUB_RUN_ID": "14095611671", "GITHUB_RUN_ATTEMPT": "1",
				"GITHUB_SHA": sha1, "GITHUB_REF": "refs/tags/v1.2.3", "GITHUB_EVENT_NAME": "push",
				"GITHUB_WORKFLOW_REF":  "aspect-build/rules_lint/.github/workflows/release.yml@refs/tags/v1.2.3",
				"GITHUB_REPOSITORY_ID": "631710741", "GITHUB_REPOSITORY_OWNER_ID": "60951090",
				"RUNNER_ENVIRONMENT": "github-hosted",
			},
			want: Env{
				Platform:     GitHubActions,
				BuilderID:    "https://github.com/aspect-build/rules_lint/.github/workflows/release.yml@refs/tags/v1.2.3",
				InvocationID: "https://github.com/aspect-build/rules_lint/actions/runs/14095611671/attempts/1",
				Repository:   "https://github.com/aspect-build/rules_lint",
				Commit:       sha1, Ref: "refs/tags/v1.2.3",
				Workflow: ".github/workflows/release.yml", Event: "push",
				Internal: map[string]string{"repository_id": "631710741", "repository_owner_id": "60951090", "runner_environment": "github-hosted"},
			},
		},
		{
			name: "github actions: pull request, workflow ref differs, GHES, no ids",
			env: map[string]string{
				"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://ghe.example.com/", "GITHUB_REPOSITORY": "o/r",
				"GITHUB_RUN_ID": "7", "GITHUB_RUN_ATTEMPT": "2", "GITHUB_SHA": sha2,
				"GITHUB_REF": "refs/pull/5/merge", "GITHUB_EVENT_NAME": "pull_request_target",
				"GITHUB_WORKFLOW_REF": "o/r/.github/workflows/ci.yml@refs/heads/main",
			},
			want: Env{
				Platform:     GitHubActions,
				BuilderID:    "https://ghe.example.com/o/r/.github/workflows/ci.yml@refs/heads/main",
				InvocationID: "https://ghe.example.com/o/r/actions/runs/7/attempts/2",
				Repository:   "https://ghe.example.com/o/r",
				Commit:       sha2, Ref: "refs/pull/5/merge",
				Workflow: ".github/workflows/ci.yml", WorkflowRef: "refs/heads/main", Event: "pull_request_target",
			},
		},
		{
			name: "github actions: variables missing",
			env:  map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "HEAD"},
			want: Env{
				Platform: GitHubActions, BuilderID: "https://github.com/actions/runner/self-hosted",
				Repository: "https://github.com/o/r",
				Missing:    []string{"GITHUB_EVENT_NAME", "GITHUB_REF", "GITHUB_RUN_ATTEMPT", "GITHUB_RUN_ID", "GITHUB_WORKFLOW_REF"},
			},
		},
		{
			name: "gitlab ci: tag pipeline",
			env: map[string]string{
				"CI": "true", "GITLAB_CI": "true", "CI_SERVER_URL": "https://gitlab.com",
				"CI_PROJECT_PATH": "gitlab-org/gitlab-runner", "CI_RUNNER_ID": "12270857",
				"CI_JOB_URL":     "https://gitlab.com/gitlab-org/gitlab-runner/-/jobs/4711",
				"CI_PROJECT_URL": "https://gitlab.com/gitlab-org/gitlab-runner",
				// A job token in the clone URL: never read, never published.
				"CI_REPOSITORY_URL": "https://gitlab-ci-token:glcbt-SECRET@gitlab.com/gitlab-org/gitlab-runner.git",
				"CI_COMMIT_SHA":     sha1, "CI_COMMIT_TAG": "v16.0.0", "CI_COMMIT_REF_NAME": "v16.0.0",
				"CI_CONFIG_PATH": "ci/release.gitlab-ci.yml", "CI_PIPELINE_SOURCE": "push",
				"CI_JOB_STARTED_AT": "2024-05-01T10:00:00+02:00", "CI_PROJECT_ID": "250833", "CI_PIPELINE_ID": "99",
			},
			want: Env{
				Platform:     GitLabCI,
				BuilderID:    "https://gitlab.com/gitlab-org/gitlab-runner/-/runners/12270857",
				InvocationID: "https://gitlab.com/gitlab-org/gitlab-runner/-/jobs/4711",
				Repository:   "https://gitlab.com/gitlab-org/gitlab-runner",
				Commit:       sha1, Ref: "refs/tags/v16.0.0", Workflow: "ci/release.gitlab-ci.yml", Event: "push",
				StartedOn: time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC),
				Internal:  map[string]string{"project_id": "250833", "pipeline_id": "99", "runner_id": "12270857"},
			},
		},
		{
			name: "gitlab ci: merge request pipeline, default config path",
			env: map[string]string{
				"GITLAB_CI": "true", "CI_SERVER_URL": "https://gitlab.example.com/", "CI_PROJECT_PATH": "g/p",
				"CI_RUNNER_ID": "3", "CI_JOB_URL": "https://gitlab.example.com/g/p/-/jobs/1",
				"CI_PROJECT_URL": "https://gitlab.example.com/g/p", "CI_COMMIT_SHA": sha2,
				"CI_MERGE_REQUEST_REF_PATH": "refs/merge-requests/12/head", "CI_COMMIT_REF_NAME": "feature",
				"CI_PIPELINE_SOURCE": "merge_request_event",
			},
			want: Env{
				Platform: GitLabCI, BuilderID: "https://gitlab.example.com/g/p/-/runners/3",
				InvocationID: "https://gitlab.example.com/g/p/-/jobs/1", Repository: "https://gitlab.example.com/g/p",
				Commit: sha2, Ref: "refs/merge-requests/12/head", Workflow: ".gitlab-ci.yml", Event: "merge_request_event",
				Internal: map[string]string{"runner_id": "3"},
			},
		},
		{
			name: "buildkite",
			env: map[string]string{
				"CI": "true", "BUILDKITE": "true", "BUILDKITE_ORGANIZATION_SLUG": "acme",
				"BUILDKITE_PIPELINE_SLUG": "release", "BUILDKITE_BUILD_URL": "https://buildkite.com/acme/release/builds/42",
				"BUILDKITE_JOB_ID": "0190a0c2-1111-2222-3333-444455556666",
				"BUILDKITE_REPO":   "git@github.com:acme/app.git", "BUILDKITE_COMMIT": sha1,
				"BUILDKITE_BRANCH": "main", "BUILDKITE_TAG": "", "BUILDKITE_SOURCE": "webhook",
				"BUILDKITE_AGENT_NAME": "agent-1", "BUILDKITE_BUILD_NUMBER": "42",
			},
			want: Env{
				Platform: Buildkite, BuilderID: "https://buildkite.com/acme",
				InvocationID: "https://buildkite.com/acme/release/builds/42#0190a0c2-1111-2222-3333-444455556666",
				Repository:   "https://github.com/acme/app", Commit: sha1, Ref: "refs/heads/main",
				Pipeline: "release", Event: "webhook",
				Internal: map[string]string{"agent_name": "agent-1", "build_number": "42"},
			},
		},
		{
			name: "circleci",
			env: map[string]string{
				"CI": "true", "CIRCLECI": "true", "CIRCLE_PROJECT_USERNAME": "acme",
				"CIRCLE_BUILD_URL": "https://circleci.com/gh/acme/app/123", "CIRCLE_REPOSITORY_URL": "git@github.com:acme/app.git",
				"CIRCLE_SHA1": sha2, "CIRCLE_TAG": "v2.0.0", "CIRCLE_BRANCH": "", "CIRCLE_JOB": "release",
				"CIRCLE_WORKFLOW_ID": "6f1c3e3a-aaaa-bbbb-cccc-000000000000", "CIRCLE_BUILD_NUM": "123",
			},
			want: Env{
				Platform: CircleCI, BuilderID: "https://circleci.com/acme",
				InvocationID: "https://circleci.com/gh/acme/app/123", Repository: "https://github.com/acme/app",
				Commit: sha2, Ref: "refs/tags/v2.0.0", Workflow: ".circleci/config.yml", Pipeline: "release",
				Internal: map[string]string{"workflow_id": "6f1c3e3a-aaaa-bbbb-cccc-000000000000", "build_num": "123"},
			},
		},
		{
			name: "azure pipelines",
			env: map[string]string{
				"TF_BUILD": "True", "SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/",
				"SYSTEM_TEAMPROJECT": "My Project", "BUILD_BUILDID": "314",
				"BUILD_REPOSITORY_URI": "https://acme@dev.azure.com/acme/My%20Project/_git/app",
				"BUILD_SOURCEVERSION":  sha1, "BUILD_SOURCEBRANCH": "refs/heads/main", "BUILD_REASON": "IndividualCI",
				"BUILD_DEFINITIONNAME": "app-release", "AGENT_NAME": "Hosted Agent", "SYSTEM_DEFINITIONID": "7",
			},
			want: Env{
				Platform: AzurePipelines, BuilderID: "https://dev.azure.com/acme",
				InvocationID: "https://dev.azure.com/acme/My%20Project/_build/results?buildId=314",
				Repository:   "https://dev.azure.com/acme/My%20Project/_git/app",
				Commit:       sha1, Ref: "refs/heads/main", Pipeline: "app-release", Event: "IndividualCI",
				Internal: map[string]string{"agent_name": "Hosted Agent", "definition_id": "7"},
			},
		},
		{
			name: "google cloud build with substitutions passed",
			env: map[string]string{
				"BUILDER_OUTPUT": "/builder/outputs", "PROJECT_ID": "acme-prod", "BUILD_ID": "b8e1-42",
				"LOCATION": "europe-west1", "COMMIT_SHA": sha2, "TAG_NAME": "v3.1.0",
				"TRIGGER_NAME": "release", "TRIGGER_BUILD_CONFIG_PATH": "cloudbuild.yaml",
			},
			want: Env{
				Platform: GoogleCloudBuild, BuilderID: "https://cloudbuild.googleapis.com/GoogleHostedWorker",
				InvocationID: "https://console.cloud.google.com/cloud-build/builds;region=europe-west1/b8e1-42?project=acme-prod",
				Commit:       sha2, Ref: "refs/tags/v3.1.0", Workflow: "cloudbuild.yaml", Pipeline: "release",
				Internal: map[string]string{"project_id": "acme-prod"},
			},
		},
		{
			name: "google cloud build without substitutions",
			env:  map[string]string{"BUILDER_OUTPUT": "/builder/outputs"},
			want: Env{
				Platform: GoogleCloudBuild, BuilderID: "https://cloudbuild.googleapis.com/GoogleHostedWorker",
				Missing: []string{"BUILD_ID", "COMMIT_SHA", "LOCATION", "PROJECT_ID"},
			},
		},
		{
			name: "jenkins",
			env: map[string]string{
				"JENKINS_URL": "https://ci.acme.example/", "BUILD_URL": "https://ci.acme.example/job/app/job/main/17/",
				"GIT_URL": "https://deploy:s3cret@git.acme.example/app.git", "GIT_COMMIT": sha1,
				"GIT_BRANCH": "origin/main", "JOB_NAME": "app/main", "NODE_NAME": "linux-1", "BUILD_NUMBER": "17",
			},
			want: Env{
				Platform: Jenkins, BuilderID: "https://ci.acme.example",
				InvocationID: "https://ci.acme.example/job/app/job/main/17/",
				Repository:   "https://git.acme.example/app", Commit: sha1, Ref: "refs/heads/main",
				Workflow: "Jenkinsfile", Pipeline: "app/main",
				Internal: map[string]string{"node_name": "linux-1", "build_number": "17"},
			},
		},
		{
			name: "workstation",
			env:  map[string]string{"HOME": "/home/dev", "CI": "true"}, // CI=true alone names no platform
			want: Env{Platform: Local, BuilderID: LocalBuilderID},
		},
		{
			name: "github wins over jenkins variables",
			env: map[string]string{
				"JENKINS_URL": "https://ci/", "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "1",
				"GITHUB_RUN_ATTEMPT": "1", "GITHUB_SHA": sha1, "GITHUB_REF": "refs/heads/main", "GITHUB_EVENT_NAME": "push",
				"GITHUB_WORKFLOW_REF": "o/r/.github/workflows/w.yml@refs/heads/main", "RUNNER_ENVIRONMENT": "self-hosted",
			},
			want: Env{
				Platform: GitHubActions, BuilderID: "https://github.com/o/r/.github/workflows/w.yml@refs/heads/main",
				InvocationID: "https://github.com/o/r/actions/runs/1/attempts/1", Repository: "https://github.com/o/r",
				Commit: sha1, Ref: "refs/heads/main", Workflow: ".github/workflows/w.yml", Event: "push",
				Internal: map[string]string{"runner_environment": "self-hosted"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Detect(envOf(tc.env))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Detect:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestRepositoryURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://github.com/o/r":                         "https://github.com/o/r",
		"https://github.com/o/r.git":                     "https://github.com/o/r",
		"https://github.com/o/r/":                        "https://github.com/o/r",
		"git@github.com:o/r.git":                         "https://github.com/o/r",
		"github.com:o/r":                                 "https://github.com/o/r",
		"ssh://git@gitlab.example.com:2222/g/p.git":      "https://gitlab.example.com/g/p",
		"git+ssh://git@github.com/o/r":                   "https://github.com/o/r",
		"https://gitlab-ci-token:SECRET@gitlab.com/g/p":  "https://gitlab.com/g/p",
		"https://user@dev.azure.com/o/p/_git/r?x=1#frag": "https://dev.azure.com/o/p/_git/r",
		"http://git.internal/r.git":                      "http://git.internal/r",
		"/srv/git/r.git":                                 "",
		"file:///srv/git/r.git":                          "",
		"../r":                                           "",
		"":                                               "",
		"ftp://example.com/r":                            "",
		"https://exa mple.com/r":                         "",
		"C:\\repos\\r":                                   "",
		"https://token@github.com/o/r.git\n":             "https://github.com/o/r",
	} {
		if got := RepositoryURL(in); got != want {
			t.Errorf("RepositoryURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlatformsAreDocumentedOrder(t *testing.T) {
	ps := Platforms()
	if len(ps) != 8 || ps[0] != GitHubActions || ps[len(ps)-1] != Local {
		t.Errorf("Platforms() = %v", ps)
	}
}
