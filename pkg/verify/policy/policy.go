// Package policy evaluates verified evidence against a declared policy:
// who must have signed, which predicates must be attested, SLSA provenance
// requirements, SBOM requirements (presence, format, a compliance profile,
// licences as SPDX expressions, denied components, and whether the SBOM
// tells the truth about the artifact's own contents — see [Artifact.Derive]
// and package sbommatch), known vulnerabilities of the SBOM's components
// and the VEX statements and allow entries that clear them (see
// [Vulnerabilities]), an in-toto layout, and custom rules written in CEL.
//
// # Use
//
// [Load] reads a policy file (YAML, apiVersion vouch.dev/v1, kind Policy;
// schema in schemas/policy.schema.json, documented in docs/policy.md) and
// compiles it: a policy that loads has valid regexps, globs, version ranges,
// keys and CEL rules. [Policy.Evaluate] then checks the evidence of one
// artifact and returns one [verify.Finding] per requirement.
//
// Evaluation fails closed: a requirement that cannot be evaluated is a
// finding with status error, never a pass. A failing finding says what was
// expected and what was found.
//
// The evidence must already be verified (package bundle): this package
// reads statements and signer identities, never signatures.
package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/internal/strictyaml"
	"github.com/vouchdev/vouch/pkg/verify/slsa"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// APIVersion and Kind a policy file must declare.
const (
	APIVersion = "vouch.dev/v1"
	Kind       = "Policy"
)

// MaxPolicyBytes bounds a policy file. Real policies are a few kilobytes;
// the limit keeps a hostile file from exhausting memory in the YAML decoder.
const MaxPolicyBytes = 1 << 20

// GitHubActionsIssuer is the OIDC issuer of GitHub Actions workflows, the
// default issuer of identities given as repo or signerWorkflow.
const GitHubActionsIssuer = "https://token.actions.githubusercontent.com"

// ErrInvalid marks a policy that does not load: malformed YAML, an unknown
// field, a value of the wrong kind, a bad regexp, glob, range or CEL rule.
var ErrInvalid = errors.New("invalid policy")

// Policy is a parsed policy file. Build one with [Load] or [Parse]; a
// Policy assembled in code (from command-line flags) must be passed to
// [Policy.Compile] before [Policy.Evaluate].
type Policy struct {
	APIVersion string     `yaml:"apiVersion" json:"apiVersion"`
	Kind       string     `yaml:"kind" json:"kind"`
	Trust      Trust      `yaml:"trust,omitempty" json:"trust,omitempty"`
	Predicates Predicates `yaml:"predicates,omitempty" json:"predicates,omitempty"`
	SLSA       *SLSA      `yaml:"slsa,omitempty" json:"slsa,omitempty"`
	SBOM       *SBOM      `yaml:"sbom,omitempty" json:"sbom,omitempty"`
	Layout     *Layout    `yaml:"layout,omitempty" json:"layout,omitempty"`
	Rules      []Rule     `yaml:"rules,omitempty" json:"rules,omitempty"`
	// Publisher is how vouch serve treats publisher drift (see [Publisher]).
	Publisher *Publisher `yaml:"publisher,omitempty" json:"publisher,omitempty"`
	// Vulnerabilities is the vulnerability gate (see [Vulnerabilities]).
	Vulnerabilities *Vulnerabilities `yaml:"vulnerabilities,omitempty" json:"vulnerabilities,omitempty"`

	// Dir is the directory relative paths in the policy resolve against:
	// the policy file's directory for [Load].
	Dir string `yaml:"-" json:"-"`
	// SHA256 is the hex SHA-256 of the document [Parse] read (a
	// verification summary names the policy by it): the bytes evaluated,
	// never a second read of the file.
	SHA256 string `yaml:"-" json:"-"`

	c *compiled
}

// Trust says whose signatures count.
type Trust struct {
	// Keys are PEM public keys (cosign.pub too) whose signatures count.
	Keys []string `yaml:"keys,omitempty" json:"keys,omitempty"`
	// TrustedRoot is a Sigstore TrustedRoot JSON for keyless bundles; the
	// bundle layer reads it, the policy only resolves its path.
	TrustedRoot string `yaml:"trustedRoot,omitempty" json:"trustedRoot,omitempty"`
	// Identities are the keyless signers that count, per artifact.
	Identities []Identity `yaml:"identities,omitempty" json:"identities,omitempty"`
}

// Identity is one accepted keyless signer. Every field given must match.
type Identity struct {
	// Subject is a glob (path.Match) on the artifact's name; "" is every
	// artifact.
	Subject string `yaml:"subject,omitempty" json:"subject,omitempty"`
	// Identity is the certificate's SAN, exactly; IdentityRegexp a regular
	// expression (RE2) matched against the whole SAN (it is anchored).
	Identity       string `yaml:"identity,omitempty" json:"identity,omitempty"`
	IdentityRegexp string `yaml:"identityRegexp,omitempty" json:"identityRegexp,omitempty"`
	// Issuer is the OIDC issuer, exactly; IssuerRegexp anchored as above.
	Issuer       string `yaml:"issuer,omitempty" json:"issuer,omitempty"`
	IssuerRegexp string `yaml:"issuerRegexp,omitempty" json:"issuerRegexp,omitempty"`
	// Repo is a GitHub repository "owner/name": the certificate's source
	// repository (like gh attestation verify --repo).
	Repo string `yaml:"repo,omitempty" json:"repo,omitempty"`
	// SignerWorkflow is "[host/]owner/name/path/to/workflow.yml": the
	// certificate's build signer, at any ref (gh --signer-workflow).
	SignerWorkflow string `yaml:"signerWorkflow,omitempty" json:"signerWorkflow,omitempty"`
}

// Predicates lists attestations that must be present.
type Predicates struct {
	// Required are predicate type URIs or names: cosign's (slsaprovenance,
	// slsaprovenance02, slsaprovenance1, spdx, spdxjson, cyclonedx, vuln,
	// openvex, vsa) and vouch's (provenance: SLSA v0.2 or v1; sbom: any
	// SBOM predicate).
	Required []string `yaml:"required,omitempty" json:"required,omitempty"`
}

// SLSA are provenance requirements.
type SLSA struct {
	// BuilderIDs accepted, each with or without "@ref"; empty: the trusted
	// builders marked default.
	BuilderIDs []string `yaml:"builderIds,omitempty" json:"builderIds,omitempty"`
	// SourceURI is the source repository ("github.com/owner/name").
	SourceURI string `yaml:"sourceUri,omitempty" json:"sourceUri,omitempty"`
	// SourceRefs are globs on the built git ref ("refs/tags/v*").
	SourceRefs []string `yaml:"sourceRefs,omitempty" json:"sourceRefs,omitempty"`
	// MinLevel is the minimum SLSA build level (0–3) of the builder.
	MinLevel int `yaml:"minLevel,omitempty" json:"minLevel,omitempty"`
	// TrustedBuilders extend vouch's list (see slsa.Builders).
	TrustedBuilders []slsa.Builder `yaml:"trustedBuilders,omitempty" json:"trustedBuilders,omitempty"`
}

// SBOM are requirements on attested SBOMs.
type SBOM struct {
	Required bool `yaml:"required,omitempty" json:"required,omitempty"`
	// Formats accepted: cyclonedx, spdx.
	Formats []string `yaml:"formats,omitempty" json:"formats,omitempty"`
	// Profile is a compliance profile of package check: bsi-tr-03183-2,
	// ntia, cisa-2025.
	Profile          string            `yaml:"profile,omitempty" json:"profile,omitempty"`
	Licenses         *Licenses         `yaml:"licenses,omitempty" json:"licenses,omitempty"`
	DeniedComponents []DeniedComponent `yaml:"deniedComponents,omitempty" json:"deniedComponents,omitempty"`
	// MatchArtifact re-derives the artifact's components from its own
	// bytes (Go build info, a release archive's binaries and lockfiles:
	// whatever vouch's catalog reads) and requires every SBOM to list
	// each of them, at the version and with the digests the artifact
	// shows (package sbommatch). Components an SBOM lists beyond what the
	// artifact shows are reported apart and do not fail it.
	MatchArtifact bool `yaml:"matchArtifact,omitempty" json:"matchArtifact,omitempty"`
}

// Licenses are SPDX licence ids allowed and denied. A component's licence
// expression must be satisfiable with allowed, non-denied licences only.
type Licenses struct {
	Allow []string `yaml:"allow,omitempty" json:"allow,omitempty"`
	Deny  []string `yaml:"deny,omitempty" json:"deny,omitempty"`
}

// DeniedComponent is a package that must not ship, by purl (type,
// namespace, name; a version in the purl is an exact version) and an
// optional version range (see docs/policy.md: ">=1.0.0, <1.2.3 || =2.0.0").
type DeniedComponent struct {
	PURL     string `yaml:"purl" json:"purl"`
	Versions string `yaml:"versions,omitempty" json:"versions,omitempty"`
	Reason   string `yaml:"reason,omitempty" json:"reason,omitempty"`
}

// Layout is an in-toto layout to verify.
type Layout struct {
	File string   `yaml:"file" json:"file"`
	Keys []string `yaml:"keys" json:"keys"`
	// Links is the directory of link files; default: the layout's directory.
	Links string `yaml:"links,omitempty" json:"links,omitempty"`
}

// Rule is a custom requirement in CEL.
type Rule struct {
	Name       string `yaml:"name" json:"name"`
	Expression string `yaml:"expression" json:"expression"`
	Message    string `yaml:"message,omitempty" json:"message,omitempty"`
}

// Load reads and compiles a policy file.
func Load(file string) (*Policy, error) {
	// safefile refuses a FIFO or device, which would block or never end.
	data, err := safefile.Read("policy", file, MaxPolicyBytes)
	if errors.Is(err, safefile.ErrTooLarge) {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err != nil {
		return nil, fmt.Errorf("load %w", err)
	}
	return Parse(file, data, filepath.Dir(file))
}

// Parse decodes a policy document (named name in messages) strictly —
// unknown fields, duplicate keys and a second document are errors naming
// the line — and compiles it with relative paths resolved against dir.
func Parse(name string, data []byte, dir string) (*Policy, error) {
	if len(data) > MaxPolicyBytes {
		return nil, fmt.Errorf("%w: %s: more than %d bytes", ErrInvalid, name, MaxPolicyBytes)
	}
	var p Policy
	if err := strictyaml.Decode(data, &p); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, name, err)
	}
	p.Dir = dir
	sum := sha256.Sum256(data)
	p.SHA256 = hex.EncodeToString(sum[:])
	if err := p.Compile(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &p, nil
}

// compiled is what Compile derives from a policy.
type compiled struct {
	keys       []*trust.Key      // trust.keys, loaded once, in order
	keyIDs     map[string]string // hex SHA-256 of the DER public key → file
	identities []identityMatcher
	required   []requirement
	builders   []slsa.Builder
	denied     []deniedMatcher
	rules      []compiledRule
	licences   licencePolicy
	vulns      *vulnGate
}

// Compile validates the policy and prepares it for evaluation: it resolves
// paths, reads keys, compiles regexps, globs, version ranges and CEL rules.
// Every error wraps [ErrInvalid] and names the field.
func (p *Policy) Compile() error {
	c := &compiled{keyIDs: map[string]string{}}
	errs := []error{}
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...)))
	}
	if p.APIVersion != APIVersion {
		bad("apiVersion", "is %q, want %q", p.APIVersion, APIVersion)
	}
	if p.Kind != Kind {
		bad("kind", "is %q, want %q", p.Kind, Kind)
	}
	for i, k := range p.Trust.Keys {
		// A PEM key or an npm registry keys document, as --key.
		keys, err := trust.LoadKeys(p.path(k))
		if err != nil {
			bad(fmt.Sprintf("trust.keys[%d]", i), "%v", err)
			continue
		}
		for _, key := range keys {
			if _, dup := c.keyIDs[key.ID()]; !dup {
				c.keys = append(c.keys, key)
			}
			c.keyIDs[key.ID()] = k
		}
	}
	if p.Trust.TrustedRoot != "" {
		if _, err := os.Stat(p.path(p.Trust.TrustedRoot)); err != nil {
			bad("trust.trustedRoot", "%v", err)
		}
	}
	for i, id := range p.Trust.Identities {
		m, err := compileIdentity(id)
		if err != nil {
			bad(fmt.Sprintf("trust.identities[%d]", i), "%v", err)
			continue
		}
		c.identities = append(c.identities, m)
	}
	for i, r := range p.Predicates.Required {
		req, err := resolvePredicate(r)
		if err != nil {
			bad(fmt.Sprintf("predicates.required[%d]", i), "%v", err)
			continue
		}
		c.required = append(c.required, req)
	}
	if err := p.checkPublisher(); err != nil {
		errs = append(errs, err)
	}
	c.builders = slsa.Builders()
	if s := p.SLSA; s != nil {
		if strings.TrimSpace(s.SourceURI) == "" {
			// Without it the expected source would be whatever the
			// provenance claims: any repository's build would pass.
			bad("slsa.sourceUri", "is required: the source repository the artifact must be built from (github.com/OWNER/NAME), as slsa-verifier's --source-uri")
		}
		for i, g := range s.SourceRefs {
			if _, err := path.Match(g, ""); err != nil || g == "" {
				bad(fmt.Sprintf("slsa.sourceRefs[%d]", i), "%q is not a valid glob", g)
			}
		}
		for i, b := range s.BuilderIDs {
			if b == "" || strings.ContainsAny(b, " \t\n") {
				bad(fmt.Sprintf("slsa.builderIds[%d]", i), "%q is not a builder id", b)
			}
		}
		if s.MinLevel < 0 || s.MinLevel > 3 {
			bad("slsa.minLevel", "is %d, want 0 to 3", s.MinLevel)
		}
		for i := range s.TrustedBuilders {
			if err := s.TrustedBuilders[i].Validate(); err != nil {
				bad(fmt.Sprintf("slsa.trustedBuilders[%d]", i), "%v", err)
			}
		}
		c.builders = append(c.builders, s.TrustedBuilders...)
	}
	if s := p.SBOM; s != nil {
		for i, f := range s.Formats {
			if f != "cyclonedx" && f != "spdx" {
				bad(fmt.Sprintf("sbom.formats[%d]", i), "is %q, want cyclonedx or spdx", f)
			}
		}
		if s.Profile != "" && !knownProfile(s.Profile) {
			bad("sbom.profile", "is %q, want one of %s", s.Profile, strings.Join(profileNames(), ", "))
		}
		if l := s.Licenses; l != nil {
			c.licences = licencePolicy{allow: map[string]bool{}, deny: map[string]bool{}}
			for i, id := range l.Allow {
				key, err := licenceKey(id)
				if err != nil {
					bad(fmt.Sprintf("sbom.licenses.allow[%d]", i), "%v", err)
				}
				c.licences.allow[key] = true
			}
			for i, id := range l.Deny {
				key, err := licenceKey(id)
				if err != nil {
					bad(fmt.Sprintf("sbom.licenses.deny[%d]", i), "%v", err)
				}
				c.licences.deny[key] = true
			}
			if len(l.Allow) == 0 && len(l.Deny) == 0 {
				bad("sbom.licenses", "give allow or deny (or both)")
			}
			if len(l.Allow) == 0 {
				c.licences.allow = nil // no allow list: every licence not denied is allowed
			}
		}
		for i, d := range s.DeniedComponents {
			m, err := compileDenied(d)
			if err != nil {
				bad(fmt.Sprintf("sbom.deniedComponents[%d]", i), "%v", err)
				continue
			}
			c.denied = append(c.denied, m)
		}
	}
	if v := p.Vulnerabilities; v != nil {
		c.vulns = compileVulns(v, bad)
	}
	if l := p.Layout; l != nil {
		if l.File == "" {
			bad("layout.file", "is required")
		}
		if len(l.Keys) == 0 {
			bad("layout.keys", "at least one layout key is required")
		}
	}
	seen := map[string]bool{}
	for i, r := range p.Rules {
		field := fmt.Sprintf("rules[%d]", i)
		switch {
		case !ruleName.MatchString(r.Name):
			bad(field+".name", "%q: want letters, digits, '-', '_' or '.', starting with a letter", r.Name)
			continue
		case seen[r.Name]:
			bad(field+".name", "duplicate rule %q", r.Name)
			continue
		}
		seen[r.Name] = true
		cr, err := compileRule(r)
		if err != nil {
			bad(field, "%v", err)
			continue
		}
		c.rules = append(c.rules, cr)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	p.c = c
	return nil
}

var ruleName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,63}$`)

// path resolves a path from the policy against its directory.
func (p *Policy) path(f string) string {
	if f == "" || filepath.IsAbs(f) || p.Dir == "" {
		return f
	}
	return filepath.Join(p.Dir, f)
}

// Compiled reports whether [Policy.Compile] succeeded. A compiled policy
// is read-only: evaluations may share it across goroutines, and its fields
// must not be changed afterwards.
func (p *Policy) Compiled() bool { return p != nil && p.c != nil }

// ChecksKeylessSigners reports whether the policy itself decides which
// keyless signers count — identities, or SLSA provenance whose builder's
// identity is checked — so that the bundle layer need not.
func (p *Policy) ChecksKeylessSigners() bool {
	return len(p.Trust.Identities) > 0 || p.SLSA != nil
}

// Keys returns the policy's trusted keys (trust.keys), loaded by Compile,
// in the order given, without duplicates.
func (p *Policy) Keys() []*trust.Key {
	if p.c == nil {
		return nil
	}
	return append([]*trust.Key(nil), p.c.keys...)
}

// MatchesArtifact reports whether evaluation needs the artifact's bytes
// (sbom.matchArtifact): the caller then keeps them while hashing the
// artifact (see [Artifact.Derive]).
func (p *Policy) MatchesArtifact() bool { return p != nil && p.SBOM != nil && p.SBOM.MatchArtifact }

// KeyIDs returns the ids of the policy's trusted keys, sorted.
func (p *Policy) KeyIDs() []string {
	if p.c == nil {
		return nil
	}
	out := make([]string, 0, len(p.c.keyIDs))
	for id := range p.c.keyIDs {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
