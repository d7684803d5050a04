// Package ci recognises the CI system a build runs on from its environment
// variables and reports what provenance needs: who built (the builder id),
// which run (the invocation id), from what (repository, commit, ref) and
// how (the workflow or pipeline file, the triggering event).
//
// [Detect] reads nothing but the variables listed below, through the getenv
// function it is given, so tests and callers decide what it sees. Values
// that would publish a secret are cleaned: credentials in repository URLs
// (GitLab's CI_REPOSITORY_URL carries a job token) are never read or are
// stripped.
//
// # Platforms and the variables read
//
// Detection goes down this table and stops at the first match.
//
//	platform            detected by              builder id
//	github-actions      GITHUB_ACTIONS=true      $GITHUB_SERVER_URL/$GITHUB_WORKFLOW_REF
//	gitlab-ci           GITLAB_CI=true           $CI_SERVER_URL/$CI_PROJECT_PATH/-/runners/$CI_RUNNER_ID
//	buildkite           BUILDKITE=true           https://buildkite.com/$BUILDKITE_ORGANIZATION_SLUG
//	circleci            CIRCLECI=true            https://circleci.com/$CIRCLE_PROJECT_USERNAME
//	azure-pipelines     TF_BUILD=True            $SYSTEM_COLLECTIONURI (the organisation)
//	google-cloud-build  BUILDER_OUTPUT set       https://cloudbuild.googleapis.com/GoogleHostedWorker
//	jenkins             JENKINS_URL set          $JENKINS_URL (the controller)
//	local               none of the above        https://vouch.dev/builders/local
//
// The other fields, per platform (— where the platform offers nothing):
//
// GitHub Actions: invocation $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID/attempts/$GITHUB_RUN_ATTEMPT;
// repository $GITHUB_SERVER_URL/$GITHUB_REPOSITORY; commit $GITHUB_SHA; ref $GITHUB_REF; workflow the path in
// $GITHUB_WORKFLOW_REF (owner/repo/PATH@REF), with its REF as WorkflowRef; event $GITHUB_EVENT_NAME; internal
// repository_id ($GITHUB_REPOSITORY_ID), repository_owner_id ($GITHUB_REPOSITORY_OWNER_ID), runner_environment
// ($RUNNER_ENVIRONMENT). When GITHUB_WORKFLOW_REF is unset the builder id is
// https://github.com/actions/runner/$RUNNER_ENVIRONMENT (github-hosted or, when unknown, self-hosted), GitHub's
// own ids for its runners.
//
// GitLab CI: invocation $CI_JOB_URL; repository $CI_PROJECT_URL; commit $CI_COMMIT_SHA; ref refs/tags/$CI_COMMIT_TAG,
// else $CI_MERGE_REQUEST_REF_PATH, else refs/heads/$CI_COMMIT_BRANCH, else refs/heads/$CI_COMMIT_REF_NAME; workflow
// $CI_CONFIG_PATH (default .gitlab-ci.yml); event $CI_PIPELINE_SOURCE; started $CI_JOB_STARTED_AT; internal
// project_id ($CI_PROJECT_ID), pipeline_id ($CI_PIPELINE_ID), runner_id ($CI_RUNNER_ID). The builder id follows
// GitLab's own SLSA provenance.
//
// Buildkite: invocation $BUILDKITE_BUILD_URL#$BUILDKITE_JOB_ID; repository $BUILDKITE_REPO; commit $BUILDKITE_COMMIT;
// ref refs/tags/$BUILDKITE_TAG, else refs/heads/$BUILDKITE_BRANCH; pipeline $BUILDKITE_PIPELINE_SLUG (Buildkite
// names no pipeline file); event $BUILDKITE_SOURCE; internal agent_name ($BUILDKITE_AGENT_NAME), build_number
// ($BUILDKITE_BUILD_NUMBER). Buildkite agents run on the organisation's own machines, so the builder is the
// organisation's agent fleet.
//
// CircleCI: invocation $CIRCLE_BUILD_URL; repository $CIRCLE_REPOSITORY_URL; commit $CIRCLE_SHA1; ref
// refs/tags/$CIRCLE_TAG, else refs/heads/$CIRCLE_BRANCH; workflow .circleci/config.yml (CircleCI's fixed path; it
// exports no variable for it); pipeline $CIRCLE_JOB; event —; internal workflow_id ($CIRCLE_WORKFLOW_ID),
// build_num ($CIRCLE_BUILD_NUM).
//
// Azure Pipelines: invocation $SYSTEM_COLLECTIONURI$SYSTEM_TEAMPROJECT/_build/results?buildId=$BUILD_BUILDID;
// repository $BUILD_REPOSITORY_URI; commit $BUILD_SOURCEVERSION; ref $BUILD_SOURCEBRANCH; pipeline
// $BUILD_DEFINITIONNAME (Azure names no pipeline file); event $BUILD_REASON; internal agent_name ($AGENT_NAME),
// definition_id ($SYSTEM_DEFINITIONID).
//
// Google Cloud Build exports only BUILDER_OUTPUT to build steps. Its substitutions must be passed to the vouch
// step explicitly (env: ['PROJECT_ID=$PROJECT_ID', 'BUILD_ID=$BUILD_ID', 'LOCATION=$LOCATION',
// 'COMMIT_SHA=$COMMIT_SHA', 'REF_NAME=$REF_NAME', 'TAG_NAME=$TAG_NAME', 'BRANCH_NAME=$BRANCH_NAME',
// 'TRIGGER_NAME=$TRIGGER_NAME', 'TRIGGER_BUILD_CONFIG_PATH=$TRIGGER_BUILD_CONFIG_PATH']); what is missing is
// reported. Invocation https://console.cloud.google.com/cloud-build/builds;region=$LOCATION/$BUILD_ID?project=$PROJECT_ID;
// repository — (Cloud Build names no repository URL; the checkout's origin remote is used); commit $COMMIT_SHA;
// ref refs/tags/$TAG_NAME, else refs/heads/$BRANCH_NAME (else $REF_NAME); workflow $TRIGGER_BUILD_CONFIG_PATH;
// pipeline $TRIGGER_NAME; internal project_id ($PROJECT_ID). The builder id is the one Cloud Build's own
// provenance uses.
//
// Jenkins: invocation $BUILD_URL; repository $GIT_URL; commit $GIT_COMMIT; ref refs/tags/$TAG_NAME, else
// refs/heads/ + $GIT_BRANCH without a leading "origin/" (else $BRANCH_NAME); workflow Jenkinsfile when
// $JOB_NAME names a Pipeline job (Jenkins exports no script path); pipeline $JOB_NAME; event —; internal
// node_name ($NODE_NAME), build_number ($BUILD_NUMBER).
//
// On a workstation (no CI variables) the builder id is [LocalBuilderID]: a
// statement that the artifacts were built by whoever ran vouch, worth no
// more than that machine (SLSA Build L1 at most). Provenance says so in a
// warning.
//
// Repository URLs are normalised to https form without credentials or a
// ".git" suffix, "git@host:owner/repo.git" becoming "https://host/owner/repo",
// because verifiers compare source URIs textually and the hosted forges
// serve every repository under that URL.
package ci

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Platform names a CI system.
type Platform string

// The platforms Detect recognises.
const (
	GitHubActions    Platform = "github-actions"
	GitLabCI         Platform = "gitlab-ci"
	Buildkite        Platform = "buildkite"
	CircleCI         Platform = "circleci"
	AzurePipelines   Platform = "azure-pipelines"
	GoogleCloudBuild Platform = "google-cloud-build"
	Jenkins          Platform = "jenkins"
	Local            Platform = "local"
)

// Platforms lists every platform, in detection order, Local last.
func Platforms() []Platform {
	return []Platform{GitHubActions, GitLabCI, Buildkite, CircleCI, AzurePipelines, GoogleCloudBuild, Jenkins, Local}
}

// LocalBuilderID is the builder id of a build outside any recognised CI: a
// developer's workstation or an unknown system. It makes no claim about the
// build platform beyond "whoever ran vouch".
const LocalBuilderID = "https://vouch.dev/builders/local"

// Env is what Detect learned about the running build. Empty fields are
// unknown.
type Env struct {
	Platform     Platform
	BuilderID    string
	InvocationID string            // a URL to the run where the platform has one
	Repository   string            // https URL of the source repository, no credentials
	Commit       string            // full hex commit id
	Ref          string            // refs/heads/NAME, refs/tags/NAME, refs/pull/…
	Workflow     string            // the workflow or pipeline file, relative to the repository root
	WorkflowRef  string            // the ref the workflow file was read at, where it differs from Ref
	Pipeline     string            // the pipeline or job name where there is no file
	Event        string            // what triggered the run, in the platform's words
	StartedOn    time.Time         // when the job started, where the platform says
	Internal     map[string]string // platform facts for internalParameters
	Missing      []string          // variables the platform sets that were unset (sorted)
}

// Detect inspects the environment through getenv and returns what it found.
// It never fails: unknown values are left empty and listed in Missing.
func Detect(getenv func(string) string) Env {
	r := &reader{getenv: getenv}
	var e Env
	switch {
	case getenv("GITHUB_ACTIONS") == "true":
		e = r.github()
	case getenv("GITLAB_CI") == "true":
		e = r.gitlab()
	case getenv("BUILDKITE") == "true":
		e = r.buildkite()
	case getenv("CIRCLECI") == "true":
		e = r.circleci()
	case strings.EqualFold(getenv("TF_BUILD"), "true"):
		e = r.azure()
	case getenv("BUILDER_OUTPUT") != "":
		e = r.cloudBuild()
	case getenv("JENKINS_URL") != "":
		e = r.jenkins()
	default:
		return Env{Platform: Local, BuilderID: LocalBuilderID}
	}
	e.Commit = CommitID(e.Commit)
	for k, v := range e.Internal {
		if v == "" {
			delete(e.Internal, k)
		}
	}
	if len(e.Internal) == 0 {
		e.Internal = nil
	}
	slices.Sort(r.missing)
	e.Missing = slices.Compact(r.missing)
	return e
}

// reader reads variables and remembers which expected ones were unset.
type reader struct {
	getenv  func(string) string
	missing []string
}

// need reads a variable the platform always sets.
func (r *reader) need(name string) string {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		r.missing = append(r.missing, name)
	}
	return v
}

// opt reads a variable the platform sets only sometimes.
func (r *reader) opt(name string) string { return strings.TrimSpace(r.getenv(name)) }

// join joins URL parts when every one is known.
func join(parts ...string) string {
	for _, p := range parts {
		if p == "" {
			return ""
		}
	}
	return strings.Join(parts, "")
}

func (r *reader) github() Env {
	server := strings.TrimSuffix(r.opt("GITHUB_SERVER_URL"), "/")
	if server == "" {
		server = "https://github.com"
	}
	repo := r.need("GITHUB_REPOSITORY")
	e := Env{
		Platform:     GitHubActions,
		InvocationID: join(server, "/", repo, "/actions/runs/", r.need("GITHUB_RUN_ID"), "/attempts/", r.need("GITHUB_RUN_ATTEMPT")),
		Repository:   join(server, "/", repo),
		Commit:       r.need("GITHUB_SHA"),
		Ref:          r.need("GITHUB_REF"),
		Event:        r.need("GITHUB_EVENT_NAME"),
		Internal: map[string]string{
			"repository_id":       r.opt("GITHUB_REPOSITORY_ID"),
			"repository_owner_id": r.opt("GITHUB_REPOSITORY_OWNER_ID"),
			"runner_environment":  r.opt("RUNNER_ENVIRONMENT"),
		},
	}
	// GITHUB_WORKFLOW_REF is "owner/repo/.github/workflows/release.yml@refs/heads/main".
	if wref := r.need("GITHUB_WORKFLOW_REF"); wref != "" {
		e.BuilderID = server + "/" + wref
		if p, ref, ok := strings.Cut(wref, "@"); ok {
			e.WorkflowRef = ref
			if repo != "" {
				e.Workflow = strings.TrimPrefix(p, repo+"/")
			}
		}
	} else {
		env := r.opt("RUNNER_ENVIRONMENT")
		if env != "github-hosted" {
			env = "self-hosted"
		}
		e.BuilderID = "https://github.com/actions/runner/" + env
	}
	if e.WorkflowRef == e.Ref {
		e.WorkflowRef = ""
	}
	return e
}

func (r *reader) gitlab() Env {
	server := strings.TrimSuffix(r.need("CI_SERVER_URL"), "/")
	e := Env{
		Platform:     GitLabCI,
		BuilderID:    join(server, "/", r.need("CI_PROJECT_PATH"), "/-/runners/", r.need("CI_RUNNER_ID")),
		InvocationID: r.need("CI_JOB_URL"),
		Repository:   RepositoryURL(r.need("CI_PROJECT_URL")),
		Commit:       r.need("CI_COMMIT_SHA"),
		Workflow:     r.opt("CI_CONFIG_PATH"),
		Event:        r.need("CI_PIPELINE_SOURCE"),
		Internal: map[string]string{
			"project_id":  r.opt("CI_PROJECT_ID"),
			"pipeline_id": r.opt("CI_PIPELINE_ID"),
			"runner_id":   r.opt("CI_RUNNER_ID"),
		},
	}
	if e.Workflow == "" {
		e.Workflow = ".gitlab-ci.yml" // GitLab's default when CI_CONFIG_PATH is unset
	}
	switch {
	case r.opt("CI_COMMIT_TAG") != "":
		e.Ref = "refs/tags/" + r.opt("CI_COMMIT_TAG")
	case r.opt("CI_MERGE_REQUEST_REF_PATH") != "":
		e.Ref = r.opt("CI_MERGE_REQUEST_REF_PATH")
	case r.opt("CI_COMMIT_BRANCH") != "":
		e.Ref = "refs/heads/" + r.opt("CI_COMMIT_BRANCH")
	case r.opt("CI_COMMIT_REF_NAME") != "":
		e.Ref = "refs/heads/" + r.opt("CI_COMMIT_REF_NAME")
	default:
		r.missing = append(r.missing, "CI_COMMIT_REF_NAME")
	}
	if s := r.opt("CI_JOB_STARTED_AT"); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			e.StartedOn = t.UTC()
		}
	}
	return e
}

func (r *reader) buildkite() Env {
	org := r.need("BUILDKITE_ORGANIZATION_SLUG")
	e := Env{
		Platform:     Buildkite,
		BuilderID:    join("https://buildkite.com/", org),
		InvocationID: join(r.need("BUILDKITE_BUILD_URL"), "#", r.need("BUILDKITE_JOB_ID")),
		Repository:   RepositoryURL(r.need("BUILDKITE_REPO")),
		Commit:       r.need("BUILDKITE_COMMIT"),
		Pipeline:     r.need("BUILDKITE_PIPELINE_SLUG"),
		Event:        r.opt("BUILDKITE_SOURCE"),
		Ref:          tagOrBranch(r.opt("BUILDKITE_TAG"), r.need("BUILDKITE_BRANCH")),
		Internal: map[string]string{
			"agent_name":   r.opt("BUILDKITE_AGENT_NAME"),
			"build_number": r.opt("BUILDKITE_BUILD_NUMBER"),
		},
	}
	return e
}

func (r *reader) circleci() Env {
	return Env{
		Platform:     CircleCI,
		BuilderID:    join("https://circleci.com/", r.need("CIRCLE_PROJECT_USERNAME")),
		InvocationID: r.need("CIRCLE_BUILD_URL"),
		Repository:   RepositoryURL(r.need("CIRCLE_REPOSITORY_URL")),
		Commit:       r.need("CIRCLE_SHA1"),
		Ref:          tagOrBranch(r.opt("CIRCLE_TAG"), r.opt("CIRCLE_BRANCH")),
		Workflow:     ".circleci/config.yml",
		Pipeline:     r.opt("CIRCLE_JOB"),
		Internal: map[string]string{
			"workflow_id": r.opt("CIRCLE_WORKFLOW_ID"),
			"build_num":   r.opt("CIRCLE_BUILD_NUM"),
		},
	}
}

func (r *reader) azure() Env {
	coll := r.need("SYSTEM_COLLECTIONURI")
	if coll != "" && !strings.HasSuffix(coll, "/") {
		coll += "/"
	}
	e := Env{
		Platform:   AzurePipelines,
		BuilderID:  strings.TrimSuffix(coll, "/"),
		Repository: RepositoryURL(r.need("BUILD_REPOSITORY_URI")),
		Commit:     r.need("BUILD_SOURCEVERSION"),
		Ref:        r.need("BUILD_SOURCEBRANCH"),
		Pipeline:   r.opt("BUILD_DEFINITIONNAME"),
		Event:      r.need("BUILD_REASON"),
		Internal: map[string]string{
			"agent_name":    r.opt("AGENT_NAME"),
			"definition_id": r.opt("SYSTEM_DEFINITIONID"),
		},
	}
	project, id := r.need("SYSTEM_TEAMPROJECT"), r.need("BUILD_BUILDID")
	if coll != "" && project != "" && id != "" {
		e.InvocationID = coll + url.PathEscape(project) + "/_build/results?buildId=" + url.QueryEscape(id)
	}
	return e
}

func (r *reader) cloudBuild() Env {
	project, id, loc := r.need("PROJECT_ID"), r.need("BUILD_ID"), r.need("LOCATION")
	e := Env{
		Platform:  GoogleCloudBuild,
		BuilderID: "https://cloudbuild.googleapis.com/GoogleHostedWorker",
		Commit:    r.need("COMMIT_SHA"),
		Ref:       tagOrBranch(r.opt("TAG_NAME"), r.opt("BRANCH_NAME")),
		Workflow:  r.opt("TRIGGER_BUILD_CONFIG_PATH"),
		Pipeline:  r.opt("TRIGGER_NAME"),
		Internal:  map[string]string{"project_id": project},
	}
	if e.Ref == "" && r.opt("REF_NAME") != "" {
		e.Ref = "refs/heads/" + r.opt("REF_NAME")
	}
	if project != "" && id != "" && loc != "" {
		e.InvocationID = "https://console.cloud.google.com/cloud-build/builds;region=" + url.PathEscape(loc) + "/" +
			url.PathEscape(id) + "?project=" + url.QueryEscape(project)
	}
	return e
}

func (r *reader) jenkins() Env {
	e := Env{
		Platform:     Jenkins,
		BuilderID:    strings.TrimSuffix(r.need("JENKINS_URL"), "/"),
		InvocationID: r.need("BUILD_URL"),
		Repository:   RepositoryURL(r.opt("GIT_URL")),
		Commit:       r.opt("GIT_COMMIT"),
		Pipeline:     r.need("JOB_NAME"),
		Internal: map[string]string{
			"node_name":    r.opt("NODE_NAME"),
			"build_number": r.opt("BUILD_NUMBER"),
		},
	}
	branch := strings.TrimPrefix(r.opt("GIT_BRANCH"), "origin/")
	if branch == "" {
		branch = r.opt("BRANCH_NAME")
	}
	e.Ref = tagOrBranch(r.opt("TAG_NAME"), branch)
	if e.Pipeline != "" {
		e.Workflow = "Jenkinsfile"
	}
	return e
}

// tagOrBranch names a ref from a tag or branch name, the tag first.
func tagOrBranch(tag, branch string) string {
	switch {
	case tag != "":
		return "refs/tags/" + tag
	case strings.HasPrefix(branch, "refs/"):
		return branch
	case branch != "":
		return "refs/heads/" + branch
	}
	return ""
}

var hexID = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)

// CommitID keeps a full hex commit id and drops anything else ("HEAD", a
// short id): a partial id in provenance would be a claim nobody can check.
func CommitID(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if hexID.MatchString(s) {
		return s
	}
	return ""
}

// scpLike matches git's "user@host:path" remote syntax.
var scpLike = regexp.MustCompile(`^(?:[A-Za-z0-9._~-]+@)?([A-Za-z0-9.-]+):([^/].*)$`)

// RepositoryURL normalises a git remote URL for publication: https form,
// no credentials, no trailing ".git" or "/". "git@github.com:o/r.git" and
// "ssh://git@github.com/o/r" become "https://github.com/o/r". A URL it
// cannot read is returned empty rather than published half-cleaned, and a
// local path is not a repository URL.
func RepositoryURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	// A one-letter "host" is a Windows drive ("C:\repos\r"), as git reads it.
	if m := scpLike.FindStringSubmatch(raw); m != nil && !strings.Contains(raw, "://") && len(m[1]) > 1 {
		raw = "https://" + m[1] + "/" + m[2]
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || strings.Contains(raw, "\\") {
		return ""
	}
	switch u.Scheme {
	case "https", "http":
	case "ssh", "git", "git+ssh", "ssh+git":
		u.Scheme = "https"
		u.Host = u.Hostname() // an ssh port says nothing about the https one
	default:
		return ""
	}
	if u.Hostname() == "" {
		return ""
	}
	u.User = nil
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	for p := ""; p != u.Path; { // "r.git/", "r/.git//": trim until nothing changes
		p = u.Path
		u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), ".git")
	}
	u.RawPath = ""
	out := u.String()
	// Only what reads back as an http(s) URL with a host is a repository
	// URL ("ssh://:A:" has a host that is no host once re-read).
	if v, err := url.Parse(out); err != nil || v.Host == "" || v.Hostname() == "" {
		return ""
	}
	return out
}
