package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/pkg/vex"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// Vulnerabilities is the vulnerability gate: the components of the
// artifact's attested SBOMs are matched against a vulnerability database
// (the caller's, [Options.Vulns]; vouch verify --vuln-db), and each match
// is decided:
//
//   - A match is resolved by a VEX statement of status not_affected or
//     fixed that applies to it: from an OpenVEX attestation about the
//     artifact by a signer the policy trusts, or from a document the
//     verifying user passes ([Options.VEX]; vouch verify --vex).
//   - A match is accepted by an [AllowEntry] whose id is the advisory's id
//     or one of its aliases, whose component (if given) names the
//     component, and whose expiry date has not passed.
//   - A match whose severity is in RequireVEXFor fails unless resolved: an
//     allow entry does not clear it.
//   - A match whose severity is FailOn or worse fails unless resolved or
//     accepted.
//
// An advisory without a severity counts as UnknownSeverity (default
// critical: fail closed).
type Vulnerabilities struct {
	// FailOn is the least severity that fails: critical, high, medium,
	// low (default: low, every known vulnerability), or none (only
	// RequireVEXFor fails).
	FailOn string `yaml:"failOn,omitempty" json:"failOn,omitempty"`
	// RequireVEXFor are severities that only a VEX statement (not_affected
	// or fixed) clears; an allow entry does not.
	RequireVEXFor []string `yaml:"requireVexFor,omitempty" json:"requireVexFor,omitempty"`
	// Allow are accepted advisories, each until its expiry date.
	Allow []AllowEntry `yaml:"allow,omitempty" json:"allow,omitempty"`
	// UnknownSeverity is the severity an advisory without one counts as:
	// critical (the default: fail closed), high, medium or low.
	UnknownSeverity string `yaml:"unknownSeverity,omitempty" json:"unknownSeverity,omitempty"`
	// Unmatched says what components the database cannot be asked about
	// (no purl, or a purl of no ecosystem it reads) do to the gate: "fail"
	// (the default: the gate cannot say they have no known vulnerability)
	// or "report" (named in the finding, which still passes) for SBOMs
	// that list files or packages of ecosystems OSV does not cover.
	Unmatched string `yaml:"unmatched,omitempty" json:"unmatched,omitempty"`
}

// AllowEntry accepts one advisory until a date.
type AllowEntry struct {
	// ID is the advisory's id or one of its aliases (GHSA-…, CVE-…, GO-…).
	ID string `yaml:"id" json:"id"`
	// Expires is the last day (YYYY-MM-DD, UTC, inclusive) the entry
	// counts. It is required: an acceptance is reviewed, not forgotten.
	Expires string `yaml:"expires" json:"expires"`
	// Reason says why the advisory is accepted (for the report).
	Reason string `yaml:"reason,omitempty" json:"reason,omitempty"`
	// Component, a package URL, narrows the entry to one package (type,
	// namespace and name; with a version, that version only; with
	// qualifiers or a subpath, components that have them).
	Component string `yaml:"component,omitempty" json:"component,omitempty"`
}

// Default severities of the gate.
const (
	defaultFailOn          = vuln.SeverityLow
	defaultUnknownSeverity = vuln.SeverityCritical
	// failOnNone is the failOn that fails nothing by severity alone.
	failOnNone = "none"
)

// vulnGate is a compiled [Vulnerabilities].
type vulnGate struct {
	failOn     vuln.Severity // "" for none
	requireVEX map[vuln.Severity]bool
	unknown    vuln.Severity
	allow      []allowRule
	// reportUnmatched: components that cannot be matched are named, not
	// failed (unmatched: report).
	reportUnmatched bool
}

// allowRule is a compiled [AllowEntry].
type allowRule struct {
	src     AllowEntry
	expires time.Time // the first instant it no longer counts
	purl    *packageurl.PackageURL
}

// compileVulns checks the vulnerabilities section, reporting each error
// through bad with the field it is about.
func compileVulns(v *Vulnerabilities, bad func(field, format string, args ...any)) *vulnGate {
	g := &vulnGate{requireVEX: map[vuln.Severity]bool{}}
	// severity reads one severity field: def when not given.
	severity := func(field, value string, def vuln.Severity, want string) vuln.Severity {
		if value == "" {
			return def
		}
		s, ok := knownSeverity(value)
		if !ok {
			bad(field, "is %q, want %s", value, want)
		}
		return s
	}
	const names = "critical, high, medium or low"
	if v.FailOn != failOnNone {
		g.failOn = severity("vulnerabilities.failOn", v.FailOn, defaultFailOn, "critical, high, medium, low or none")
	}
	g.unknown = severity("vulnerabilities.unknownSeverity", v.UnknownSeverity, defaultUnknownSeverity, names)
	for i, r := range v.RequireVEXFor {
		if s := severity(fmt.Sprintf("vulnerabilities.requireVexFor[%d]", i), r, "", names); s != "" {
			g.requireVEX[s] = true
		}
	}
	switch v.Unmatched {
	case "", "fail":
	case "report":
		g.reportUnmatched = true
	default:
		bad("vulnerabilities.unmatched", "is %q, want fail or report", v.Unmatched)
	}
	for i, a := range v.Allow {
		r, err := compileAllow(a)
		if err != nil {
			bad(fmt.Sprintf("vulnerabilities.allow[%d]%s", i, err.field), "%s", err.msg)
			continue
		}
		g.allow = append(g.allow, r)
	}
	return g
}

// knownSeverity reads a severity a policy may name: not "unknown", which
// is what UnknownSeverity decides.
func knownSeverity(s string) (vuln.Severity, bool) {
	// Exact lower-case names only: the policy is a contract, not a guess.
	if s != strings.ToLower(strings.TrimSpace(s)) {
		return "", false
	}
	v, ok := vuln.ParseSeverity(s)
	return v, ok && v != vuln.SeverityUnknown
}

// fieldError is an error about one field of an allow entry.
type fieldError struct{ field, msg string }

func compileAllow(a AllowEntry) (allowRule, *fieldError) {
	r := allowRule{src: a}
	if strings.TrimSpace(a.ID) == "" || strings.ContainsAny(a.ID, " \t\n") {
		return r, &fieldError{".id", fmt.Sprintf("is %q, want an advisory id (GHSA-…, CVE-…, GO-…)", a.ID)}
	}
	if a.Expires == "" {
		return r, &fieldError{".expires", "is required: the last day (YYYY-MM-DD) the entry counts"}
	}
	day, err := time.Parse(time.DateOnly, a.Expires)
	if err != nil {
		return r, &fieldError{".expires", fmt.Sprintf("is %q, want a date YYYY-MM-DD", a.Expires)}
	}
	// Inclusive, in UTC: the entry counts through the whole day.
	r.expires = day.AddDate(0, 0, 1)
	if a.Component != "" {
		p, err := packageurl.FromString(a.Component)
		if err != nil || p.Name == "" {
			return r, &fieldError{".component", fmt.Sprintf("is %q, want a package URL (pkg:TYPE/NAMESPACE/NAME[@VERSION])", a.Component)}
		}
		r.purl = &p
	}
	return r, nil
}

// expired reports whether the entry no longer counts at now.
func (r *allowRule) expired(now time.Time) bool { return !now.Before(r.expires) }

// covers reports whether the entry names the match's advisory (by id or
// alias) and, if it names a component, the match's component.
func (r *allowRule) covers(m *vuln.Match) bool {
	if r.src.ID != m.Vulnerability.ID && !slices.Contains(m.Vulnerability.Aliases, r.src.ID) {
		return false
	}
	// As a VEX product names it: every part the entry gives (version,
	// qualifiers, subpath) must be the component's.
	return r.purl == nil || vex.PURLCovers(r.src.Component, m.Component.PURL)
}

// text names the entry in findings.
func (r *allowRule) text() string {
	s := "allow " + r.src.ID
	if r.src.Component != "" {
		s += " for " + r.src.Component
	}
	s += " until " + r.src.Expires
	if r.src.Reason != "" {
		s += " (" + r.src.Reason + ")"
	}
	return s
}

// ExpiredAllow lists the allow entries of the vulnerabilities section that
// no longer count at now ("ID until DATE", in the policy's order); nil
// when there are none or no such section. A stored decision depends on
// it: the same request after an entry expires is another decision.
func (p *Policy) ExpiredAllow(now time.Time) []string {
	if p.c == nil || p.c.vulns == nil {
		return nil
	}
	var out []string
	for i := range p.c.vulns.allow {
		if r := &p.c.vulns.allow[i]; r.expired(now) {
			out = append(out, r.src.ID+" until "+r.src.Expires)
		}
	}
	return out
}
