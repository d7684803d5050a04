package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/vex"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// Finding ids of the vulnerability gate: "vulnerabilities" sums it up,
// "vulnerability.<advisory id>" is one failing match.
const (
	FindingVulnerabilities = "vulnerabilities"
	FindingVulnerability   = "vulnerability"
)

// vulnDBHint says where a vulnerability database comes from.
const vulnDBHint = "a vulnerability database: vouch verify --vuln-db DIR (or $VOUCH_VULN_DB), vouch serve --vuln-db DIR"

// verdict is the gate's decision on one match.
type verdict struct {
	m        vuln.Match
	severity vuln.Severity // the advisory's, or the policy's unknownSeverity
	resolved bool          // by a VEX statement not_affected or fixed
	allow    *allowRule    // the unexpired entry that accepts it
	expired  []*allowRule  // entries that would cover it, past their date
	fail     string        // why it fails; "" when it does not
}

// evalVulns is the vulnerability gate (see [Vulnerabilities]).
func (s *state) evalVulns(ctx context.Context) {
	g := s.c.vulns
	if g == nil {
		return
	}
	// The gate cannot be evaluated: an error, which refuses the artifact.
	cannot := func(msg, expected, found string, evidence []string) {
		s.add(verify.Finding{ID: FindingVulnerabilities, Status: verify.StatusError, Message: msg, Expected: expected, Found: found, Evidence: evidence})
	}
	if s.opts.Vulns == nil {
		cannot("the policy has a vulnerabilities section and no vulnerability database was given (--vuln-db)", vulnDBHint, "none", nil)
		return
	}
	if len(s.sboms) == 0 {
		cannot("no SBOM attested for this artifact by a trusted signer: the vulnerability gate has no components to match",
			"a CycloneDX or SPDX attestation ("+PredicateCycloneDX+", "+PredicateSPDX+") about this artifact from a trusted signer",
			"predicate types present: "+s.presentTypes(), nil)
		return
	}
	matches, evidence, err := s.vulnMatches(ctx)
	if err != nil {
		cannot(err.Error(), "the components of the attested SBOMs, matched against "+vulnDBHint, "", evidence)
		return
	}
	stmts, vexFrom, ignored, err := s.vexStatements()
	if err != nil {
		cannot("a VEX attestation cannot be read: "+err.Error(), "OpenVEX documents ("+vex.PredicateType+" or "+PredicateOpenVEX+")", "", vexFrom)
		return
	}
	matches = applyVEX(matches, stmts, s.vexProducts())
	now := time.Now
	if s.opts.Now != nil {
		now = s.opts.Now
	}
	verdicts := g.decide(matches, now().UTC())
	for _, v := range verdicts {
		if v.fail != "" {
			s.add(v.finding(evidence, ignored))
		}
	}
	sum := g.summary(verdicts, ignored, append(evidence, vexFrom...))
	unmatched(&sum, s.unmatchedComponents(), g.reportUnmatched)
	s.add(sum)
}

// unmatchedComponents names the components of the attested SBOMs (other
// than the artifact itself, each SBOM's primary component) that the
// database cannot be asked about: no purl, or one of no ecosystem it
// reads. The gate cannot say they have no known vulnerability.
func (s *state) unmatchedComponents() []string {
	var out []string
	for _, d := range s.sboms {
		if d.input.Doc == nil {
			continue
		}
		for i := range d.input.Doc.Components {
			c := &d.input.Doc.Components[i]
			if c.ID != d.input.Doc.Primary && !vuln.Supported(c) {
				out = append(out, fmt.Sprintf("%s@%s (purl %q)", c.Name, c.Version, c.PURL))
			}
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// unmatched fails the gate's summary when components could not be
// matched: fail closed, "0 vulnerabilities" would be a claim about
// components nobody looked up. With report (the policy's unmatched:
// report) they are named and the summary keeps its status.
func unmatched(f *verify.Finding, names []string, report bool) {
	if len(names) == 0 {
		return
	}
	const most = 5
	list := strings.Join(names[:min(len(names), most)], ", ")
	if len(names) > most {
		list += fmt.Sprintf(" and %d more", len(names)-most)
	}
	f.Found += fmt.Sprintf("; %d component(s) not matched: no purl of an ecosystem the database reads: %s", len(names), list)
	f.Expected += "; every component of the attested SBOMs matched against the database (a purl of an OSV ecosystem: golang, npm, pypi, maven, cargo, gem, nuget, composer, deb, apk)"
	if f.Status == verify.StatusPass && !report {
		f.Status = verify.StatusFail
		f.Message = fmt.Sprintf("%d component(s) of the attested SBOMs cannot be matched against the vulnerability database: the gate cannot say they have no known vulnerability", len(names))
	}
}

// vulnMatches matches the components of every accepted SBOM, without
// repeating a (component, advisory) pair two SBOMs share. An SBOM that
// cannot be read is an error: the gate cannot be evaluated.
func (s *state) vulnMatches(ctx context.Context) ([]vuln.Match, []string, error) {
	var evidence []string
	for _, d := range s.sboms {
		evidence = append(evidence, d.it.ev.Bundle)
	}
	sort.Strings(evidence)
	seen := map[string]bool{}
	var out []vuln.Match
	for _, d := range s.sboms {
		if d.err != nil {
			return nil, evidence, fmt.Errorf("an attested SBOM cannot be read: %s: %v", d.it.ev.Bundle, d.err)
		}
		ms, err := s.opts.Vulns.Match(ctx, d.input.Doc)
		if err != nil {
			return nil, evidence, fmt.Errorf("matching %s against the vulnerability database: %v", d.it.ev.Bundle, err)
		}
		for _, m := range ms {
			key := componentKey(m.Component) + "\x00" + m.Vulnerability.ID
			if !seen[key] {
				seen[key] = true
				out = append(out, m)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := componentKey(out[i].Component), componentKey(out[j].Component)
		return a < b || a == b && out[i].Vulnerability.ID < out[j].Vulnerability.ID
	})
	return out, evidence, nil
}

func componentKey(c vuln.Component) string {
	if c.PURL != "" {
		return c.PURL
	}
	return c.Ecosystem + "/" + c.Name + "@" + c.Version
}

// vexStatements gathers the VEX statements that count: those of OpenVEX
// attestations about the artifact from a trusted signer, and those the
// verifying user passed. It also names the VEX attestations that do not
// count, and why.
func (s *state) vexStatements() (stmts []vex.Statement, from, ignored []string, err error) {
	for _, it := range s.items {
		if it.st == nil || it.badStmt != "" || !IsVEXType(it.st.GetPredicateType()) {
			continue
		}
		switch {
		case !it.relevant:
			ignored = append(ignored, it.ev.Bundle+" (about another artifact)")
			continue
		case !s.accepted(it):
			ignored = append(ignored, it.ev.Bundle+" (signed by "+describeSigner(it.ev.Signer)+", not trusted)")
			continue
		}
		from = append(from, it.ev.Bundle)
		raw, err := json.Marshal(it.st.GetPredicate().AsMap())
		if err != nil {
			return nil, from, nil, fmt.Errorf("%s: re-encode predicate: %w", it.ev.Bundle, err)
		}
		st, err := vex.Parse(it.ev.Bundle, raw)
		if err != nil {
			return nil, from, nil, err
		}
		stmts = append(stmts, st...)
	}
	sort.Strings(from)
	sort.Strings(ignored)
	return append(stmts, s.opts.VEX...), from, ignored, nil
}

// IsVEXType reports whether a predicate type is an OpenVEX document:
// vouch's (versioned, vex.PredicateType) or cosign's (--type openvex).
func IsVEXType(pt string) bool { return pt == vex.PredicateType || pt == PredicateOpenVEX }

// vexProducts are the names a VEX statement may give the artifact as its
// product: its digests, and the package URL of the primary component of
// its trusted SBOMs.
func (s *state) vexProducts() []string {
	var out []string
	for _, alg := range strongDigests {
		if v, ok := s.a.Digests[alg]; ok {
			out = append(out, alg+":"+v)
		}
	}
	for _, d := range s.sboms {
		if d.input.Doc == nil {
			continue
		}
		if c := d.input.Doc.Component(d.input.Doc.Primary); c != nil && c.PURL != "" {
			out = append(out, c.PURL)
		}
	}
	return out
}

// applyVEX decides each match with the statements under every name of
// the product at once (vex.ApplyNames): the latest statement that covers
// a match wins whichever name it uses, so an older not_affected under the
// digest cannot outvote a newer affected under the purl.
func applyVEX(matches []vuln.Match, stmts []vex.Statement, products []string) []vuln.Match {
	out := append([]vuln.Match(nil), matches...)
	if len(stmts) == 0 {
		return out
	}
	return vex.ApplyNames(out, stmts, products)
}

// decide applies the gate's rules to each match at the instant now.
func (g *vulnGate) decide(matches []vuln.Match, now time.Time) []verdict {
	out := make([]verdict, len(matches))
	for i, m := range matches {
		v := verdict{m: m, resolved: m.Suppressed()}
		v.severity, _ = vuln.ParseSeverity(m.Vulnerability.Severity)
		if v.severity == vuln.SeverityUnknown || v.severity == "" {
			v.severity = g.unknown
		}
		for j := range g.allow {
			r := &g.allow[j]
			switch {
			case !r.covers(&m):
			case r.expired(now):
				v.expired = append(v.expired, r)
			case v.allow == nil:
				v.allow = r
			}
		}
		if v.allow != nil {
			v.m.Vulnerability.Allowed = v.allow.src.ID + " until " + v.allow.src.Expires
		}
		switch {
		case v.resolved:
		case g.requireVEX[v.severity]:
			v.fail = "requireVexFor " + v.severityText() + ": only a VEX statement (not_affected or fixed) clears it"
		case g.failOn != "" && v.severity.AtLeast(g.failOn) && v.allow == nil:
			v.fail = "failOn " + string(g.failOn) + ": " + v.severityText() + " is at or above it"
		}
		out[i] = v
	}
	return out
}

// severityText is the severity the gate counted, saying so when the
// advisory gives none.
func (v *verdict) severityText() string {
	if x := v.m.Vulnerability.Severity; x == "" || x == string(vuln.SeverityUnknown) {
		return string(v.severity) + " (the advisory gives no severity: unknownSeverity)"
	}
	return string(v.severity)
}

// finding reports one failing match. The advisory (id, aliases,
// severity, score, fixed version) travels as the finding's Vulnerability,
// which renderers show beside the message; the message says which
// component, which rule it breaks and what did not clear it, so that the
// one line a person reads is complete.
func (v *verdict) finding(evidence, ignored []string) verify.Finding {
	m := &v.m
	adv := m.Vulnerability
	found := v.clearance(ignored)
	return verify.Finding{
		ID:            FindingVulnerability + "." + m.Vulnerability.ID,
		Status:        verify.StatusFail,
		Component:     m.Component.Ref,
		PURL:          m.Component.PURL,
		Vulnerability: &adv,
		Message:       v.describe() + " — " + v.fail + "; " + found,
		Expected:      v.fail,
		Found:         found,
		Evidence:      evidence,
	}
}

// describe names the component and the advisory: "lodash@4.17.11:
// Prototype Pollution in lodash" (the advisory's id when it has no
// summary).
func (v *verdict) describe() string {
	m := &v.m
	what := m.Vulnerability.Summary
	if what == "" {
		what = m.Vulnerability.ID
	}
	return m.Component.Name + "@" + m.Component.Version + ": " + what
}

// clearance says what there was to clear a failing match: its VEX status,
// allow entries (an expired one named as expired), and the VEX
// attestations that do not count.
func (v *verdict) clearance(ignored []string) string {
	var parts []string
	switch x := v.m.Vulnerability; {
	case x.VEX != "":
		parts = append(parts, "VEX "+x.VEX+" (from "+x.VEXSource+")")
	case len(ignored) > 0:
		parts = append(parts, "no VEX statement that counts (not counted: "+strings.Join(ignored, ", ")+")")
	default:
		parts = append(parts, "no VEX statement")
	}
	if v.allow != nil {
		parts = append(parts, v.allow.text()+" (does not clear requireVexFor)")
	}
	for _, r := range v.expired {
		parts = append(parts, r.text()+": expired")
	}
	if v.allow == nil && len(v.expired) == 0 {
		parts = append(parts, "no allow entry")
	}
	return strings.Join(parts, "; ")
}

// summary is the gate's overall finding: how many matched, how many VEX
// and allow entries cleared, and which VEX attestations did not count.
func (g *vulnGate) summary(verdicts []verdict, ignored, evidence []string) verify.Finding {
	var failed, resolved, allowed, below int
	components := map[string]bool{}
	for _, v := range verdicts {
		components[componentKey(v.m.Component)] = true
		switch {
		case v.fail != "":
			failed++
		case v.resolved:
			resolved++
		case v.allow != nil:
			allowed++
		default:
			below++
		}
	}
	f := verify.Finding{ID: FindingVulnerabilities, Status: verify.StatusPass, Expected: g.expected(), Evidence: evidence}
	found := fmt.Sprintf("%d match(es) in %d component(s): %d resolved by VEX, %d accepted by allow entries, %d below the threshold",
		len(verdicts), len(components), resolved, allowed, below)
	if len(ignored) > 0 {
		found += "; VEX attestations that do not count: " + strings.Join(ignored, ", ")
	}
	f.Found = found
	if failed > 0 {
		f.Status = verify.StatusFail
		f.Message = fmt.Sprintf("%d of %d vulnerability match(es) not cleared", failed, len(verdicts))
		return f
	}
	f.Message = fmt.Sprintf("no vulnerability fails the policy (%d matched, %d cleared by VEX, %d by allow entries)", len(verdicts), resolved, allowed)
	return f
}

// expected states the gate's rules for findings.
func (g *vulnGate) expected() string {
	var parts []string
	if g.failOn != "" {
		parts = append(parts, "no "+string(g.failOn)+" or worse vulnerability without a VEX statement (not_affected, fixed) or an unexpired allow entry")
	}
	var req []string
	for _, s := range []vuln.Severity{vuln.SeverityCritical, vuln.SeverityHigh, vuln.SeverityMedium, vuln.SeverityLow} {
		if g.requireVEX[s] {
			req = append(req, string(s))
		}
	}
	if len(req) > 0 {
		parts = append(parts, "a VEX statement (not_affected, fixed) for every "+strings.Join(req, " or ")+" vulnerability")
	}
	if len(parts) == 0 {
		return "nothing fails (failOn none, no requireVexFor)"
	}
	return strings.Join(parts, "; ")
}
