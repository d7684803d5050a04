// Package slsa reads SLSA provenance (v0.2 and v1 predicates) and decides
// whether a provenance statement was made by a trusted builder from the
// expected source.
//
// [Parse] turns a verified in-toto statement into a [Provenance]: builder
// id, build type, source repository, ref and digest, and — for GitHub
// Actions builds — the workflow that ran. [Builders] is the list of
// well-known trusted builders (embedded data, extendable from a policy);
// [CheckSigner] checks that the Fulcio certificate that signed keyless
// provenance agrees with what the provenance claims.
//
// The package evaluates claims only. Signatures are verified before any of
// this runs (package bundle); the policy package combines the checks into
// findings.
package slsa

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	prov02 "github.com/in-toto/attestation/go/predicates/provenance/v02"
	prov1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// Predicate types of SLSA provenance.
const (
	PredicateV02 = "https://slsa.dev/provenance/v0.2"
	PredicateV1  = "https://slsa.dev/provenance/v1"
)

// ErrNotProvenance is returned by [Parse] for a statement whose predicate
// type is not SLSA provenance v0.2 or v1.
var ErrNotProvenance = errors.New("not slsa provenance")

// IsProvenance reports whether a predicate type is SLSA provenance vouch reads.
func IsProvenance(predicateType string) bool {
	return predicateType == PredicateV02 || predicateType == PredicateV1
}

// Provenance is what vouch reads from a SLSA provenance predicate of either
// version.
type Provenance struct {
	PredicateType string `json:"predicateType"`
	// BuilderID is the builder's id as claimed, with its "@ref" if it has
	// one (v0.2 builder.id, v1 runDetails.builder.id).
	BuilderID string `json:"builderId"`
	BuildType string `json:"buildType"`
	// SourceURI is the source repository as written in the provenance,
	// without its "@ref" ("git+https://github.com/o/r").
	SourceURI string `json:"sourceUri,omitempty"`
	// SourceRef is the git ref that was built ("refs/heads/main").
	SourceRef string `json:"sourceRef,omitempty"`
	// SourceDigest is the source revision ({"sha1": ...} or {"gitCommit": ...}).
	SourceDigest map[string]string `json:"sourceDigest,omitempty"`
	// Workflow is the GitHub Actions workflow that started the build, when
	// the provenance names one (v1 externalParameters.workflow; v0.2
	// invocation.configSource).
	Workflow *Workflow `json:"workflow,omitempty"`
}

// Workflow is a GitHub Actions workflow file at a ref.
type Workflow struct {
	Repository string `json:"repository"` // "https://github.com/o/r"
	Path       string `json:"path"`       // ".github/workflows/release.yml"
	Ref        string `json:"ref"`        // "refs/tags/v1.0.0"
}

// URI is the workflow as Fulcio names it in buildConfigURI:
// "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1".
func (w *Workflow) URI() string {
	return strings.TrimSuffix(w.Repository, "/") + "/" + strings.TrimPrefix(w.Path, "/") + "@" + w.Ref
}

// Source is the normalised source repository, "github.com/o/r" (see
// [NormalizeURI]); "" when the provenance names none.
func (p *Provenance) Source() string { return NormalizeURI(p.SourceURI) }

// Parse reads the SLSA provenance predicate of a statement.
//
// The predicate is decoded into the in-toto attestation Go types for its
// version (github.com/in-toto/attestation/go/predicates/provenance/v02 and
// v1); a predicate that does not decode, or has no builder id, is an error:
// vouch never guesses who built something.
func Parse(st *ita.Statement) (*Provenance, error) {
	if st == nil {
		return nil, errors.New("no statement")
	}
	raw, err := predicateJSON(st.GetPredicate())
	if err != nil {
		return nil, err
	}
	var p *Provenance
	switch st.GetPredicateType() {
	case PredicateV02:
		p, err = parseV02(raw)
	case PredicateV1:
		p, err = parseV1(raw)
	default:
		return nil, fmt.Errorf("%w: predicate type %q (want %s or %s)", ErrNotProvenance, st.GetPredicateType(), PredicateV1, PredicateV02)
	}
	if err != nil {
		return nil, fmt.Errorf("%s predicate: %w", st.GetPredicateType(), err)
	}
	p.PredicateType = st.GetPredicateType()
	if p.BuilderID == "" {
		return nil, fmt.Errorf("%s predicate: no builder id", st.GetPredicateType())
	}
	return p, nil
}

func predicateJSON(s *structpb.Struct) ([]byte, error) {
	if s == nil {
		return nil, errors.New("statement has no predicate")
	}
	return protojson.Marshal(s)
}

// unmarshal is lenient about fields the Go types do not know (provenance
// generators add their own) but strict about the types of known ones.
var unmarshal = protojson.UnmarshalOptions{DiscardUnknown: true}

func parseV02(raw []byte) (*Provenance, error) {
	var pb prov02.Provenance
	if err := unmarshal.Unmarshal(raw, &pb); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	p := &Provenance{BuilderID: pb.GetBuilder().GetId(), BuildType: pb.GetBuildType()}
	cs := pb.GetInvocation().GetConfigSource()
	uri, digest := cs.GetUri(), cs.GetDigest()
	if uri == "" && len(pb.GetMaterials()) > 0 {
		// Older generators record the source only as the first material.
		uri, digest = pb.GetMaterials()[0].GetUri(), pb.GetMaterials()[0].GetDigest()
	}
	p.SourceURI, p.SourceRef = splitRef(uri)
	p.SourceDigest = copyMap(digest)
	if p.SourceURI != "" && cs.GetEntryPoint() != "" && strings.HasPrefix(NormalizeURI(p.SourceURI), "github.com/") {
		p.Workflow = &Workflow{Repository: "https://" + NormalizeURI(p.SourceURI), Path: cs.GetEntryPoint(), Ref: p.SourceRef}
	}
	return p, nil
}

func parseV1(raw []byte) (*Provenance, error) {
	var pb prov1.Provenance
	if err := unmarshal.Unmarshal(raw, &pb); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	bd := pb.GetBuildDefinition()
	p := &Provenance{BuilderID: pb.GetRunDetails().GetBuilder().GetId(), BuildType: bd.GetBuildType()}
	ext := bd.GetExternalParameters().AsMap()
	// GitHub Actions build types (actions.github.io/buildtypes/workflow/v1,
	// slsa-framework.github.io/github-actions-buildtypes/workflow/v1):
	// externalParameters.workflow = {repository, path, ref}.
	if w, ok := ext["workflow"].(map[string]any); ok {
		repo, _ := w["repository"].(string)
		path, _ := w["path"].(string)
		ref, _ := w["ref"].(string)
		if repo != "" {
			p.Workflow = &Workflow{Repository: repo, Path: path, Ref: ref}
			p.SourceURI, p.SourceRef = repo, ref
		}
	}
	// Generic build types (slsa-github-generator delegator, others):
	// externalParameters.source = "git+https://...@ref" or {uri, digest}.
	if p.SourceURI == "" {
		switch s := ext["source"].(type) {
		case string:
			p.SourceURI, p.SourceRef = splitRef(s)
		case map[string]any:
			u, _ := s["uri"].(string)
			p.SourceURI, p.SourceRef = splitRef(u)
		}
	}
	// The source revision: the resolved dependency of the source repository.
	// Only a git repository can be the source: toolchains and packages
	// (vouch lists pkg:golang/stdlib) are dependencies, never the source.
	for _, d := range bd.GetResolvedDependencies() {
		u, ref := splitRef(d.GetUri())
		if !isSourceRepository(d.GetUri(), d.GetDigest()) || (p.SourceURI != "" && NormalizeURI(u) != NormalizeURI(p.SourceURI)) {
			continue
		}
		if p.SourceURI == "" {
			p.SourceURI, p.SourceRef = u, ref
		}
		if p.SourceRef == "" {
			p.SourceRef = ref
		}
		p.SourceDigest = copyMap(d.GetDigest())
		break
	}
	return p, nil
}

// isSourceRepository reports whether a resolved dependency is a source
// repository: a git URI ("git+https://...", as every GitHub build type and
// vouch write it), or a URL pinned by a git commit. A package URL ("pkg:")
// never is.
func isSourceRepository(uri string, digest map[string]string) bool {
	switch {
	case uri == "" || strings.HasPrefix(uri, "pkg:"):
		return false
	case strings.HasPrefix(uri, "git+"):
		return true
	}
	_, commit := digest["gitCommit"]
	return commit && strings.Contains(uri, "://")
}

// splitRef splits "git+https://github.com/o/r@refs/heads/main" into the
// repository and the ref. The '@' searched for is the last one after the
// host, so "ssh://git@host/r" keeps its user.
func splitRef(uri string) (repo, ref string) {
	schemeEnd := strings.Index(uri, "://")
	start := 0
	if schemeEnd >= 0 {
		start = schemeEnd + 3
		if slash := strings.Index(uri[start:], "/"); slash >= 0 {
			start += slash
		}
	}
	if at := strings.LastIndex(uri[start:], "@"); at >= 0 {
		return uri[:start+at], uri[start+at+1:]
	}
	return uri, ""
}

// NormalizeURI reduces a source repository URI to host and path, the form
// slsa-verifier's --source-uri takes: "git+https://github.com/O/r.git@ref"
// → "github.com/O/r". The host is lower-cased; the path keeps its case.
func NormalizeURI(uri string) string {
	u, _ := splitRef(strings.TrimSpace(uri))
	u = strings.TrimPrefix(u, "git+")
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	u = strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git")
	host, path, _ := strings.Cut(u, "/")
	if path == "" {
		return strings.ToLower(host)
	}
	return strings.ToLower(host) + "/" + path
}

func copyMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// String summarises the provenance as JSON, for findings.
func (p *Provenance) String() string {
	b, _ := json.Marshal(p)
	return string(b)
}
