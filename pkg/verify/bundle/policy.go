package bundle

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"

	"github.com/vouchdev/vouch/pkg/verify"
)

// GitHubActionsIssuer is the OIDC issuer of GitHub Actions workflow tokens,
// implied by [Policy.Repo] and [Policy.SignerWorkflow] when no issuer is set.
const GitHubActionsIssuer = "https://token.actions.githubusercontent.com"

// Policy states who must have signed a keyless bundle. Constraints that
// are set must all hold. Regular expressions are anchored (wrapped as
// ^(?:...)$): "https://github.com/org/repo/.*" does not accept
// "https://github.com/org/repo-evil/..." nor "https://evil.example/https://github.com/org/repo/x".
//
// Key-based bundles ignore the identity fields: the trusted key is the
// identity. Only [Policy.InsecureIgnoreTlog] applies to them.
type Policy struct {
	// Identity is the exact certificate subject alternative name (an email
	// or a URI such as a workflow ref).
	Identity string
	// IdentityRegexp matches the whole SAN.
	IdentityRegexp string
	// Issuer is the exact OIDC issuer in the certificate.
	Issuer string
	// IssuerRegexp matches the whole OIDC issuer.
	IssuerRegexp string
	// Repo is a GitHub repository OWNER/NAME: the certificate's source
	// repository URI must be https://github.com/OWNER/NAME; a certificate
	// from before that extension (early 2023) is matched by its deprecated
	// GitHub workflow repository extension (verify.Signer.SourceRepository).
	Repo string
	// SignerWorkflow is the workflow that signed: a path in Repo
	// (".github/workflows/release.yml"), OWNER/NAME/PATH (a workflow in any
	// repository, such as a reusable builder), or a full https:// URI. The certificate's build signer URI must start with
	// https://github.com/OWNER/NAME/PATH@ (any ref).
	SignerWorkflow string
	// InsecureAnyIdentity accepts a keyless bundle without any identity
	// requirement: anyone with a Fulcio certificate could have signed it.
	InsecureAnyIdentity bool
	// InsecureIgnoreTlog leaves the transparency-log entries of a
	// key-signed bundle unchecked (cosign's --insecure-ignore-tlog); the
	// evidence records it. Without it, entries that are present must
	// verify against the trusted material's logs. Keyless bundles always
	// have their log entries checked.
	InsecureIgnoreTlog bool
}

// matcher is a compiled Policy.
type matcher struct {
	san, issuer       string
	sanRe, issuerRe   *regexp.Regexp
	repoURI, wfPrefix string
}

// Validate checks the policy as it would apply to a keyless bundle: an
// identity is required, regexps must compile, shortcuts must be well-formed.
func (p Policy) Validate() error {
	_, err := p.compile()
	return err
}

func (p Policy) compile() (*matcher, error) {
	m := &matcher{san: p.Identity, issuer: p.Issuer}
	var err error
	if p.Identity != "" && p.IdentityRegexp != "" {
		return nil, fmt.Errorf("%w: set either Identity or IdentityRegexp, not both", ErrPolicy)
	}
	if p.Issuer != "" && p.IssuerRegexp != "" {
		return nil, fmt.Errorf("%w: set either Issuer or IssuerRegexp, not both", ErrPolicy)
	}
	if m.sanRe, err = anchored("identity", p.IdentityRegexp); err != nil {
		return nil, err
	}
	if m.issuerRe, err = anchored("issuer", p.IssuerRegexp); err != nil {
		return nil, err
	}
	if p.Repo != "" {
		owner, name, ok := strings.Cut(p.Repo, "/")
		if !ok || owner == "" || name == "" || strings.ContainsAny(name, "/@ ") || strings.ContainsAny(owner, "@ ") {
			return nil, fmt.Errorf("%w: repo %q: expected OWNER/NAME", ErrPolicy, p.Repo)
		}
		m.repoURI = "https://github.com/" + p.Repo
	}
	if p.SignerWorkflow != "" {
		if m.wfPrefix, err = workflowPrefix(p.Repo, p.SignerWorkflow); err != nil {
			return nil, err
		}
	}
	github := m.repoURI != "" || m.wfPrefix != ""
	if github && m.issuer == "" && m.issuerRe == nil {
		m.issuer = GitHubActionsIssuer
	}
	hasSAN := m.san != "" || m.sanRe != nil || github
	hasIssuer := m.issuer != "" || m.issuerRe != nil
	if !p.InsecureAnyIdentity && (!hasSAN || !hasIssuer) {
		missing := "an identity"
		if hasSAN {
			missing = "an OIDC issuer"
		} else if hasIssuer {
			missing = "a signer identity"
		}
		return nil, fmt.Errorf("%w: keyless bundles need %s: set the certificate identity "+
			"(--certificate-identity or --certificate-identity-regexp, or --repo/--signer-workflow) and "+
			"the OIDC issuer (--certificate-oidc-issuer or --certificate-oidc-issuer-regexp), "+
			"or accept any signer explicitly with --insecure-any-identity", ErrPolicy, missing)
	}
	return m, nil
}

// anchored compiles a user regexp so that it must match the whole value.
func anchored(field, expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile("^(?:" + expr + ")$")
	if err != nil {
		return nil, fmt.Errorf("%w: %s regexp %q: %v", ErrPolicy, field, expr, err)
	}
	return re, nil
}

func workflowPrefix(repo, wf string) (string, error) {
	wf = strings.TrimSuffix(wf, "@")
	var uri string
	switch {
	case strings.HasPrefix(wf, "https://"):
		uri = wf
	case !strings.HasPrefix(wf, ".") && strings.Count(wf, "/") >= 2:
		// OWNER/NAME/PATH: a workflow in any repository, e.g. a reusable
		// builder workflow.
		uri = "https://github.com/" + wf
	case repo != "":
		uri = "https://github.com/" + repo + "/" + strings.TrimPrefix(wf, "/")
	default:
		return "", fmt.Errorf("%w: signer workflow %q: expected a path in the repository given with Repo, OWNER/NAME/PATH or an https:// URI", ErrPolicy, wf)
	}
	if strings.Contains(strings.TrimPrefix(uri, "https://"), "@") {
		return "", fmt.Errorf("%w: signer workflow %q: give the workflow without @ref", ErrPolicy, wf)
	}
	return uri + "@", nil
}

// check matches a verified certificate summary. The error says what was
// expected and everything the certificate holds that could match.
func (m *matcher) check(s certificate.Summary) error {
	var bad []string
	if m.san != "" && s.SubjectAlternativeName != m.san {
		bad = append(bad, "identity")
	}
	if m.sanRe != nil && !m.sanRe.MatchString(s.SubjectAlternativeName) {
		bad = append(bad, "identity")
	}
	if m.issuer != "" && s.Issuer != m.issuer {
		bad = append(bad, "issuer")
	}
	if m.issuerRe != nil && !m.issuerRe.MatchString(s.Issuer) {
		bad = append(bad, "issuer")
	}
	if m.repoURI != "" && sourceRepository(s) != m.repoURI {
		bad = append(bad, "repository")
	}
	if m.wfPrefix != "" && !strings.HasPrefix(s.BuildSignerURI, m.wfPrefix) {
		bad = append(bad, "signer workflow")
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s mismatch: expected %s; certificate has %s",
		ErrIdentity, strings.Join(bad, ", "), m.expected(), found(s))
}

// expected describes the requirements, in a stable order.
func (m *matcher) expected() string {
	var parts []string
	if m.san != "" {
		parts = append(parts, fmt.Sprintf("identity %q", m.san))
	}
	if m.sanRe != nil {
		parts = append(parts, fmt.Sprintf("identity matching %q", m.sanRe.String()))
	}
	if m.issuer != "" {
		parts = append(parts, fmt.Sprintf("issuer %q", m.issuer))
	}
	if m.issuerRe != nil {
		parts = append(parts, fmt.Sprintf("issuer matching %q", m.issuerRe.String()))
	}
	if m.repoURI != "" {
		parts = append(parts, fmt.Sprintf("source repository %q", m.repoURI))
	}
	if m.wfPrefix != "" {
		parts = append(parts, fmt.Sprintf("build signer URI starting with %q", m.wfPrefix))
	}
	return strings.Join(parts, ", ")
}

// sourceRepository applies verify.Signer.SourceRepository's rule (the new
// extension, else the deprecated workflow repository) to a summary.
func sourceRepository(s certificate.Summary) string {
	return verify.Signer{Extensions: extensions(s.Extensions)}.SourceRepository()
}

// found describes the certificate's identity fields.
func found(s certificate.Summary) string {
	parts := []string{
		fmt.Sprintf("identity %q", s.SubjectAlternativeName),
		fmt.Sprintf("issuer %q", s.Issuer),
	}
	if s.SourceRepositoryURI != "" {
		parts = append(parts, fmt.Sprintf("source repository %q", s.SourceRepositoryURI))
	} else if s.GithubWorkflowRepository != "" {
		parts = append(parts, fmt.Sprintf("workflow repository %q (deprecated extension, no source repository)", s.GithubWorkflowRepository))
	}
	if s.SourceRepositoryRef != "" {
		parts = append(parts, fmt.Sprintf("source ref %q", s.SourceRepositoryRef))
	}
	if s.BuildSignerURI != "" {
		parts = append(parts, fmt.Sprintf("build signer URI %q", s.BuildSignerURI))
	}
	return strings.Join(parts, ", ")
}
