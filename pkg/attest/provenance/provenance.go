// Package provenance generates SLSA Provenance v1 statements: in-toto
// Statements (https://in-toto.io/Statement/v1) whose predicate
// (https://slsa.dev/provenance/v1) says which build platform made the
// subjects, from which source, how it was invoked, and when.
//
// [Generate] gathers the facts from the CI environment (package
// [github.com/vouchdev/vouch/pkg/attest/ci]), the source checkout's .git
// directory (read directly, no git binary) and the artifacts' Go build info,
// and returns an unsigned statement ready for signing. The predicate uses the
// in-toto project's SLSA v1 types and passes their validator.
//
// # Build types
//
// Each CI platform has its own buildType, https://vouch.dev/buildtypes/PLATFORM/v1
// (github-actions, gitlab-ci, buildkite, circleci, azure-pipelines,
// google-cloud-build, jenkins, local), all sharing one parameter schema
// described in BUILDTYPES.md beside this file:
//
//	externalParameters:
//	  workflow: {path, ref, repository}  the workflow/pipeline file, the ref it ran at, the source repository
//	  pipeline: NAME                     the pipeline or job name, where the platform has no file
//	  event:    NAME                     what triggered the run (push, tag, schedule, …)
//	  …                                  anything given in Options.ExternalParams
//	internalParameters:
//	  platform: PLATFORM, plus the platform facts listed in package ci
//	resolvedDependencies:
//	  git+REPOSITORY@REF with digest gitCommit   the source at its commit
//	  pkg:golang/stdlib@goX.Y.Z                  each Go toolchain that built a subject
//
// # Times
//
// startedOn and finishedOn come from Options, never from the clock: the
// caller decides. vouch's command line sets both to SOURCE_DATE_EPOCH when
// that is given, so a rebuild gives the same bytes; otherwise startedOn is
// the job start where the platform reports one (GitLab) and finishedOn the
// moment the provenance was made.
package provenance

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/vouchdev/vouch/internal/gitref"
	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/attest/ci"
)

// BuildTypePrefix starts every buildType vouch defines; see BUILDTYPES.md.
const BuildTypePrefix = "https://vouch.dev/buildtypes/"

// BuildType returns the buildType URI of provenance made on platform p.
func BuildType(p ci.Platform) string { return BuildTypePrefix + string(p) + "/v1" }

// ErrNothingKnown is returned when neither the environment, the checkout nor
// the options say anything about how the artifacts were built: SLSA requires
// externalParameters, and vouch does not invent them.
var ErrNothingKnown = errors.New("nothing is known about how the artifacts were built (no CI system, no git checkout, no external parameters)")

// ErrExternalParam is wrapped by errors about Options.ExternalParams: a key
// that is malformed or conflicts with another.
var ErrExternalParam = errors.New("bad external parameter")

// Options adjust what Generate records. The zero value detects everything
// from the process environment and records no times and no source checkout.
type Options struct {
	// BuilderID and BuildType replace the detected ones; each must be an
	// absolute URI.
	BuilderID, BuildType string
	// ExternalParams are added to externalParameters, replacing detected
	// values with the same key. A dotted key ("workflow.ref") names a
	// nested member.
	ExternalParams map[string]string
	// StartedOn and FinishedOn become runDetails.metadata; zero omits them
	// (a zero StartedOn falls back to the platform's job start, if any).
	StartedOn, FinishedOn time.Time
	// Env reads environment variables; nil means os.Getenv.
	Env func(string) string
	// Dir is the source checkout whose .git names the repository, commit
	// and ref when the CI does not; "" reads no checkout.
	Dir string
	// GoVersion is the Go toolchain that built the artifacts ("go1.26.8").
	// When empty, the toolchains named in the build info of Artifacts that
	// are Go binaries are recorded.
	GoVersion string
	// Artifacts are the subjects' files, read for Go build info.
	Artifacts []string
	// Claimed is the source the artifacts name themselves (an image's
	// org.opencontainers.image.source and .revision labels). It fills
	// what the CI and the checkout in Dir do not say, never replaces
	// what they do: the caller leaves Dir empty for it to count.
	Claimed Claimed
}

// Claimed is a source repository and commit an artifact says it was built
// from.
type Claimed struct {
	// From names where the claim was read, for warnings ("the image's
	// labels").
	From string
	// Repository is the repository's URL; a git remote form is rewritten
	// as [ci.RepositoryURL] does, anything else is dropped with a warning.
	Repository string
	// Commit is the full hex commit id; anything else is dropped with a
	// warning.
	Commit string
}

// Warning is a fact Generate could not establish, or a doubt about one: the
// provenance is still valid, but says less than it might.
type Warning struct{ Message string }

func (w Warning) String() string { return w.Message }

// Generate returns an unsigned SLSA Provenance v1 statement about subjects.
// Feed it to [attest.MarshalStatement] for the DSSE payload to sign.
func Generate(ctx context.Context, subjects []*ita.ResourceDescriptor, opts Options) (*ita.Statement, []Warning, error) {
	pred, warns, err := Predicate(ctx, opts)
	if err != nil {
		return nil, warns, err
	}
	st, err := attest.NewStatement(subjects, attest.PredicateSLSAProvenanceV1, pred)
	if err != nil {
		return nil, warns, fmt.Errorf("provenance: %w", err)
	}
	return st, warns, nil
}

// Predicate returns the SLSA Provenance v1 predicate Generate puts in its
// statement.
func Predicate(ctx context.Context, opts Options) (*slsa.Provenance, []Warning, error) {
	getenv := opts.Env
	if getenv == nil {
		getenv = os.Getenv
	}
	env := ci.Detect(getenv)
	var warns []Warning
	warn := func(format string, args ...any) { warns = append(warns, Warning{fmt.Sprintf(format, args...)}) }

	if env.Platform == ci.Local && opts.BuilderID == "" {
		warn("no CI system recognised: builder id %s; this provenance is only as trustworthy as the machine that ran vouch (SLSA Build L1)", ci.LocalBuilderID)
	}
	if len(env.Missing) > 0 {
		warn("%s: %s unset; the provenance lacks what they carry", env.Platform, strings.Join(env.Missing, ", "))
	}

	builderID, buildType := env.BuilderID, BuildType(env.Platform)
	if opts.BuilderID != "" {
		builderID = opts.BuilderID
	}
	if opts.BuildType != "" {
		buildType = opts.BuildType
	}
	if builderID == "" {
		return nil, warns, fmt.Errorf("provenance: no builder id: %s did not say which builder this is (%s); give one explicitly",
			env.Platform, strings.Join(env.Missing, ", "))
	}
	for _, f := range []struct{ name, v string }{{"builder id", builderID}, {"build type", buildType}} {
		if err := attest.CheckURI(f.v); err != nil {
			return nil, warns, fmt.Errorf("provenance: %s %q: %w", f.name, f.v, err)
		}
	}

	src, err := source(env, opts.Dir, warn)
	if err != nil {
		return nil, warns, err
	}
	src.fill(opts.Claimed, warn)
	if err := ctx.Err(); err != nil {
		return nil, warns, err
	}

	ext, err := externalParameters(env, src, opts.ExternalParams)
	if err != nil {
		return nil, warns, err
	}
	if len(ext.GetFields()) == 0 {
		return nil, warns, fmt.Errorf("provenance: %w", ErrNothingKnown)
	}
	internal := map[string]any{"platform": string(env.Platform)}
	for k, v := range env.Internal {
		internal[k] = v
	}
	intl, err := structpb.NewStruct(internal)
	if err != nil {
		return nil, warns, fmt.Errorf("provenance: internalParameters: %w", err)
	}

	var deps []*ita.ResourceDescriptor
	if d := src.dependency(); d != nil {
		deps = append(deps, d)
	} else {
		warn("no source repository or commit known: resolvedDependencies does not name the source")
	}
	goVersions := toolchains(opts.GoVersion, opts.Artifacts)
	for _, v := range goVersions {
		deps = append(deps, &ita.ResourceDescriptor{Name: "go", Uri: "pkg:golang/stdlib@" + v})
	}

	started := opts.StartedOn
	if started.IsZero() {
		started = env.StartedOn
	}
	if !started.IsZero() && !opts.FinishedOn.IsZero() && opts.FinishedOn.Before(started) {
		return nil, warns, fmt.Errorf("provenance: finishedOn %s is before startedOn %s",
			opts.FinishedOn.UTC().Format(time.RFC3339), started.UTC().Format(time.RFC3339))
	}
	meta := &slsa.BuildMetadata{InvocationId: env.InvocationID}
	if !started.IsZero() {
		meta.StartedOn = timestamppb.New(started.UTC())
	}
	if !opts.FinishedOn.IsZero() {
		meta.FinishedOn = timestamppb.New(opts.FinishedOn.UTC())
	}
	run := &slsa.RunDetails{Builder: &slsa.Builder{Id: builderID}}
	if meta.InvocationId != "" || meta.StartedOn != nil || meta.FinishedOn != nil {
		run.Metadata = meta
	}

	prov := &slsa.Provenance{
		BuildDefinition: &slsa.BuildDefinition{
			BuildType:            buildType,
			ExternalParameters:   ext,
			InternalParameters:   intl,
			ResolvedDependencies: deps,
		},
		RunDetails: run,
	}
	if err := prov.Validate(); err != nil {
		return nil, warns, fmt.Errorf("provenance: %w", err)
	}
	return prov, warns, nil
}

// sourceInfo is the source repository at the commit that was built.
type sourceInfo struct {
	repository, commit, ref string
}

// dependency is the source as a resolved dependency, or nil when nothing
// about it is known.
func (s sourceInfo) dependency() *ita.ResourceDescriptor {
	rd := &ita.ResourceDescriptor{}
	if s.repository != "" {
		rd.Uri = "git+" + s.repository
		if s.ref != "" {
			rd.Uri += "@" + s.ref
		}
	}
	if len(s.commit) == 40 { // a SHA-1 repository; in-toto's gitCommit is SHA-1 only
		rd.Digest = map[string]string{string(ita.AlgorithmGitCommit): s.commit}
	} else if s.commit != "" && rd.Uri != "" {
		rd.Annotations, _ = structpb.NewStruct(map[string]any{"commit": s.commit})
	}
	if rd.Uri == "" && len(rd.Digest) == 0 {
		return nil
	}
	return rd
}

// source combines what the CI says with what the checkout in dir says; the
// CI wins where both know, and a disagreement is reported.
func source(env ci.Env, dir string, warn func(string, ...any)) (sourceInfo, error) {
	s := sourceInfo{repository: env.Repository, commit: env.Commit, ref: env.Ref}
	if dir == "" {
		return s, nil
	}
	repo, err := gitref.Find(dir)
	if err != nil {
		warn("%s: cannot read the git checkout: %v", dir, err)
		return s, nil
	}
	if repo == nil {
		if s.commit == "" {
			warn("%s: not inside a git checkout; the source commit is unknown", dir)
		}
		return s, nil
	}
	head, err := repo.Head()
	if err != nil {
		warn("%s: cannot read HEAD: %v", repo.Root, err)
	}
	head = strings.ToLower(strings.TrimSpace(head))
	switch {
	case head == "":
	case s.commit == "":
		s.commit = head
	case head != s.commit:
		warn("the checkout in %s is at %s but %s built %s; recording %s's", repo.Root, short(head), env.Platform, short(s.commit), env.Platform)
	}
	if s.ref == "" {
		if ref, err := repo.HeadRef(); err == nil {
			s.ref = ref
		}
	}
	if s.repository == "" {
		raw, err := repo.RemoteURL("origin")
		if err != nil {
			warn("%s: cannot read the origin remote: %v", repo.Root, err)
		}
		s.repository = ci.RepositoryURL(raw)
		if raw != "" && s.repository == "" {
			warn("%s: origin remote is not a URL vouch can publish; the source repository is unnamed", repo.Root)
		}
	}
	return s, nil
}

// fill takes the repository and commit c claims where s knows none; a
// claim that disagrees with what s knows, or that is not a URL or a full
// commit id, is reported and dropped.
func (s *sourceInfo) fill(c Claimed, warn func(string, ...any)) {
	for _, f := range []struct {
		name, want, raw, clean string
		known                  *string
	}{
		{"repository", "repository URL", c.Repository, ci.RepositoryURL(c.Repository), &s.repository},
		{"commit", "full commit id", c.Commit, ci.CommitID(c.Commit), &s.commit},
	} {
		switch {
		case f.raw == "":
		case f.clean == "":
			warn("%s: source %s %q is not a %s vouch can record; ignored", c.From, f.name, f.raw, f.want)
		case *f.known == "":
			*f.known = f.clean
		case *f.known != f.clean:
			warn("%s name the source %s %s, the build says %s; recording the build's", c.From, f.name, f.clean, *f.known)
		}
	}
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// externalParameters builds the buildType's externalParameters, then applies
// the caller's overrides.
func externalParameters(env ci.Env, src sourceInfo, extra map[string]string) (*structpb.Struct, error) {
	ext := map[string]any{}
	wf := map[string]any{}
	put := func(m map[string]any, k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	put(wf, "path", env.Workflow)
	ref := env.WorkflowRef
	if ref == "" {
		ref = src.ref
	}
	put(wf, "ref", ref)
	put(wf, "repository", src.repository)
	if len(wf) > 0 {
		ext["workflow"] = wf
	}
	put(ext, "pipeline", env.Pipeline)
	put(ext, "event", env.Event)

	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys) // "a" before "a.b": a deterministic error for conflicting keys
	for _, k := range keys {
		if err := setPath(ext, k, extra[k]); err != nil {
			return nil, err
		}
	}
	s, err := structpb.NewStruct(ext)
	if err != nil {
		return nil, fmt.Errorf("provenance: externalParameters: %w", err)
	}
	return s, nil
}

// setPath sets a dotted key in nested maps.
func setPath(m map[string]any, key, value string) error {
	parts := strings.Split(key, ".")
	for i, p := range parts {
		if p == "" {
			return fmt.Errorf("%w %q: empty name segment (want KEY or KEY.SUBKEY)", ErrExternalParam, key)
		}
		if i == len(parts)-1 {
			if _, isMap := m[p].(map[string]any); isMap {
				return fmt.Errorf("%w %q: replaces the object %q with a string; name one of its members (%s.NAME)",
					ErrExternalParam, key, strings.Join(parts[:i+1], "."), key)
			}
			m[p] = value
			return nil
		}
		next, ok := m[p].(map[string]any)
		if !ok {
			if _, exists := m[p]; exists {
				return fmt.Errorf("%w %q: %q is a string, not an object", ErrExternalParam, key, strings.Join(parts[:i+1], "."))
			}
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	return nil
}

// toolchains returns the Go toolchains to record: the given one, else those
// in the artifacts' build info, sorted and unique.
func toolchains(given string, artifacts []string) []string {
	if given != "" {
		return []string{goVersion(given)}
	}
	var vs []string
	for _, a := range artifacts {
		bi, err := buildinfo.ReadFile(filepath.Clean(a))
		if err != nil {
			continue // not a Go binary
		}
		if v := goVersion(bi.GoVersion); v != "" {
			vs = append(vs, v)
		}
	}
	slices.Sort(vs)
	return slices.Compact(vs)
}

// goVersion normalises "1.22.1" and "go1.22.1 X:boringcrypto" to "go1.22.1".
func goVersion(v string) string {
	f := strings.Fields(v)
	if len(f) == 0 {
		return ""
	}
	v = f[0]
	if !strings.HasPrefix(v, "go") {
		v = "go" + v
	}
	return v
}
