package policy

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/vouchdev/vouch/pkg/verify"
)

// identityMatcher is a compiled [Identity].
type identityMatcher struct {
	src      Identity
	identity *regexp.Regexp
	issuer   *regexp.Regexp
	repoURI  string // "https://github.com/owner/name"
	workflow string // "https://github.com/owner/name/.github/workflows/x.yml"
}

func compileIdentity(id Identity) (identityMatcher, error) {
	m := identityMatcher{src: id}
	if id.Subject != "" {
		if _, err := path.Match(id.Subject, ""); err != nil {
			return m, fmt.Errorf("subject %q: %w", id.Subject, err)
		}
	}
	if id.Identity != "" && id.IdentityRegexp != "" {
		return m, fmt.Errorf("identity and identityRegexp exclude each other")
	}
	if id.Issuer != "" && id.IssuerRegexp != "" {
		return m, fmt.Errorf("issuer and issuerRegexp exclude each other")
	}
	if id.Identity == "" && id.IdentityRegexp == "" && id.Repo == "" && id.SignerWorkflow == "" {
		return m, fmt.Errorf("give identity, identityRegexp, repo or signerWorkflow")
	}
	var err error
	if id.IdentityRegexp != "" {
		if m.identity, err = anchored(id.IdentityRegexp); err != nil {
			return m, fmt.Errorf("identityRegexp: %w", err)
		}
	}
	if id.IssuerRegexp != "" {
		if m.issuer, err = anchored(id.IssuerRegexp); err != nil {
			return m, fmt.Errorf("issuerRegexp: %w", err)
		}
	}
	if id.Issuer == "" && id.IssuerRegexp == "" {
		if id.Repo == "" && id.SignerWorkflow == "" {
			return m, fmt.Errorf("give issuer or issuerRegexp: an identity without its issuer can be claimed at any OIDC provider")
		}
		m.src.Issuer = GitHubActionsIssuer
	}
	if id.Repo != "" {
		parts := strings.Split(id.Repo, "/")
		if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
			return m, fmt.Errorf("repo %q: want owner/name", id.Repo)
		}
		m.repoURI = "https://github.com/" + id.Repo
	}
	if id.SignerWorkflow != "" {
		w := strings.TrimPrefix(id.SignerWorkflow, "https://")
		if strings.Contains(w, "@") || strings.Count(w, "/") < 3 {
			return m, fmt.Errorf("signerWorkflow %q: want [host/]owner/name/path/to/workflow.yml without @ref", id.SignerWorkflow)
		}
		if first, _, _ := strings.Cut(w, "/"); !strings.Contains(first, ".") {
			w = "github.com/" + w
		}
		m.workflow = "https://" + w
		if m.repoURI == "" {
			// A reusable workflow signs as itself for every repository
			// that calls it: without a repository, "signed by workflow W"
			// would accept any caller's run. As gh requires --repo or
			// --owner, the repository defaults to the workflow's own.
			parts := strings.SplitN(w, "/", 4)
			m.repoURI = "https://" + strings.Join(parts[:3], "/")
		}
	}
	return m, nil
}

// anchored compiles a regular expression that must match the whole value:
// an unanchored "https://github.com/o/r/" would also match
// "https://evil.example/?https://github.com/o/r/".
func anchored(expr string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + expr + `)$`)
}

// appliesTo reports whether the identity governs the artifact.
func (m *identityMatcher) appliesTo(artifact string) bool {
	if m.src.Subject == "" {
		return true
	}
	ok, _ := path.Match(m.src.Subject, artifact)
	return ok
}

// matches reports whether a keyless signer is this identity.
func (m *identityMatcher) matches(s verify.Signer) bool {
	if s.Identity == "" {
		return false
	}
	switch {
	case m.src.Identity != "" && s.Identity != m.src.Identity:
		return false
	case m.identity != nil && !m.identity.MatchString(s.Identity):
		return false
	case m.src.Issuer != "" && s.Issuer != m.src.Issuer:
		return false
	case m.issuer != nil && !m.issuer.MatchString(s.Issuer):
		return false
	case m.repoURI != "" && !strings.EqualFold(s.SourceRepository(), m.repoURI):
		return false
	}
	if m.workflow != "" {
		signer, _, _ := strings.Cut(s.Extensions["buildSignerURI"], "@")
		if signer != m.workflow {
			return false
		}
	}
	return true
}

// String describes the identity for "expected" texts.
func (m *identityMatcher) String() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+" "+v)
		}
	}
	add("identity", m.src.Identity)
	add("identity matching", m.src.IdentityRegexp)
	add("issuer", m.src.Issuer)
	add("issuer matching", m.src.IssuerRegexp)
	add("repository", m.repoURI)
	add("signer workflow", m.workflow)
	s := strings.Join(parts, ", ")
	if m.src.Subject != "" {
		s += " (for " + m.src.Subject + ")"
	}
	return s
}

// describeSigner names a signer for "found" texts.
func describeSigner(s verify.Signer) string {
	switch {
	case s.Identity != "":
		d := s.Identity + " (issuer " + orNone(s.Issuer)
		if r := s.SourceRepository(); r != "" {
			d += ", repository " + r
		}
		return d + ")"
	case s.KeyID != "":
		return "key " + s.KeyID
	}
	return "an unidentified signer"
}

func describeSigners(evs []verify.Evidence) string {
	set := map[string]bool{}
	for _, e := range evs {
		set[describeSigner(e.Signer)] = true
	}
	return joinSet(set, "no signer")
}

// joinSet joins a set's members, sorted, or says none.
func joinSet(set map[string]bool, none string) string {
	if len(set) == 0 {
		return none
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
