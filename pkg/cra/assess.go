package cra

import (
	"fmt"
	"slices"
	"strings"
)

// item is one entry of the Annex I catalogue.
type item struct {
	id, clause, text string
	// judge returns the status, evidence and missing evidence; nil items
	// are the manufacturer's declaration alone.
	judge func(r *Report) (Status, []string, []string)
}

// annexI is CRA Annex I, part I (1) and (2)(a)–(m), part II (1)–(8),
// shortened and paraphrased: the regulation's text is the reference.
var annexI = []item{
	{"I.1", "Annex I part I (1)", "Designed, developed and produced to ensure an appropriate level of cybersecurity based on the risks.", nil},
	{"I.2.a", "Annex I part I (2)(a)", "Made available on the market without known exploitable vulnerabilities.", (*Report).judgeVulns},
	{"I.2.b", "Annex I part I (2)(b)", "Made available with a secure by default configuration, which can be reset to its original state.", nil},
	{"I.2.c", "Annex I part I (2)(c)", "Vulnerabilities can be addressed through security updates, automatic by default where applicable, with an opt-out.", (*Report).judgeSupport},
	{"I.2.d", "Annex I part I (2)(d)", "Protection from unauthorised access by appropriate control mechanisms (authentication, identity or access management).", nil},
	{"I.2.e", "Annex I part I (2)(e)", "Confidentiality of stored, transmitted or otherwise processed data protected, e.g. by encryption.", nil},
	{"I.2.f", "Annex I part I (2)(f)", "Integrity of data, programs and configuration protected against manipulation the user has not authorised.", (*Report).judgeIntegrity},
	{"I.2.g", "Annex I part I (2)(g)", "Only data that are adequate, relevant and limited to what is necessary are processed (data minimisation).", nil},
	{"I.2.h", "Annex I part I (2)(h)", "Availability of essential functions protected, including resilience against denial-of-service attacks.", nil},
	{"I.2.i", "Annex I part I (2)(i)", "Own negative impact on the availability of services of other devices or networks minimised.", nil},
	{"I.2.j", "Annex I part I (2)(j)", "Designed, developed and produced to limit attack surfaces, including external interfaces.", nil},
	{"I.2.k", "Annex I part I (2)(k)", "Impact of an incident reduced by appropriate exploitation mitigation mechanisms and techniques.", nil},
	{"I.2.l", "Annex I part I (2)(l)", "Security-related information provided by recording and monitoring relevant internal activity, with an opt-out.", nil},
	{"I.2.m", "Annex I part I (2)(m)", "Users can securely and easily remove all data and settings permanently, and transfer them securely.", nil},
	{"II.1", "Annex I part II (1)", "Vulnerabilities and components identified and documented, including an SBOM in a commonly used machine-readable format covering at least the top-level dependencies.", (*Report).judgeSBOMs},
	{"II.2", "Annex I part II (2)", "Vulnerabilities addressed and remediated without delay, including by providing security updates.", (*Report).judgeVulns},
	{"II.3", "Annex I part II (3)", "Effective and regular tests and reviews of the product's security applied.", nil},
	{"II.4", "Annex I part II (4)", "Fixed vulnerabilities publicly disclosed once a security update is available, with their description, impact, severity and remediation.", (*Report).judgeDisclosure},
	{"II.5", "Annex I part II (5)", "A policy on coordinated vulnerability disclosure put in place and enforced.", (*Report).judgeCVD},
	{"II.6", "Annex I part II (6)", "Sharing of information about potential vulnerabilities facilitated, including a contact address for reporting them.", (*Report).judgeContact},
	{"II.7", "Annex I part II (7)", "Mechanisms to securely distribute updates provided, so that vulnerabilities are fixed or mitigated in a timely manner.", (*Report).judgeDistribution},
	{"II.8", "Annex I part II (8)", "Security updates disseminated without delay and free of charge, with advisory messages.", (*Report).judgeSupport},
}

// declared is the evidence line of a requirement no tool can judge.
const declared = "not something a tool can check: the manufacturer declares it in the technical documentation"

// assess evaluates every Annex I item and fills the missing list and the
// summary.
func (r *Report) assess() {
	missing := map[string]bool{}
	r.Requirements = make([]Requirement, 0, len(annexI))
	for _, it := range annexI {
		req := Requirement{ID: it.id, Clause: it.clause, Text: it.text, Status: StatusDeclaration, Evidence: []string{declared}}
		if it.judge != nil {
			req.Status, req.Evidence, req.Missing = it.judge(r)
		}
		for _, m := range req.Missing {
			missing[m] = true
		}
		r.Requirements = append(r.Requirements, req)
		r.Summary.add(req.Status)
	}
	r.Missing = make([]string, 0, len(missing))
	for m := range missing {
		r.Missing = append(r.Missing, m)
	}
	slices.Sort(r.Missing)
}

func (s *Summary) add(st Status) {
	switch st {
	case StatusMet:
		s.Met++
	case StatusNotMet:
		s.NotMet++
	case StatusMissingEvidence:
		s.MissingEvidence++
	default:
		s.Declaration++
	}
}

// combine folds per-artifact checks into one status: any not met is not
// met, then any missing is missing evidence; met only when every artifact
// has met it (and there is at least one).
func combine(checks []Check) Status {
	if len(checks) == 0 {
		return StatusMissingEvidence
	}
	st := StatusMet
	for _, c := range checks {
		switch {
		case c.Status == StatusNotMet:
			return StatusNotMet
		case c.Status != StatusMet:
			st = StatusMissingEvidence
		}
	}
	return st
}

// perArtifact lists one check of every artifact as evidence lines, and
// the missing ones as missing evidence.
func (r *Report) perArtifact(get func(*Artifact) Check) ([]Check, []string, []string) {
	var checks []Check
	var ev, miss []string
	for i := range r.Release.Artifacts {
		a := &r.Release.Artifacts[i]
		c := get(a)
		checks = append(checks, c)
		line := a.Name + ": " + c.Detail
		ev = append(ev, line)
		if c.Status == StatusMissingEvidence {
			miss = append(miss, line)
		}
	}
	return checks, ev, miss
}

func (r *Report) judgeSBOMs() (Status, []string, []string) {
	checks, ev, miss := r.perArtifact(func(a *Artifact) Check { return a.SBOM.Check })
	return combine(checks), ev, miss
}

// judgeIntegrity: signatures can refute integrity of the programs as
// released, never confirm the rest (run-time integrity) — so at best the
// manufacturer's declaration, with the signatures as evidence.
func (r *Report) judgeIntegrity() (Status, []string, []string) {
	checks, ev, miss := r.perArtifact(func(a *Artifact) Check { return a.Signature })
	st := combine(checks)
	if st == StatusMet {
		st = StatusDeclaration
		ev = append(ev, "the signatures cover the programs as released; integrity at run time is the manufacturer's declaration")
	}
	return st, ev, miss
}

// judgeDistribution: every artifact signed and attested with provenance,
// and the manifest signed.
func (r *Report) judgeDistribution() (Status, []string, []string) {
	sigs, ev, miss := r.perArtifact(func(a *Artifact) Check { return a.Signature })
	provs, pev, pmiss := r.perArtifact(func(a *Artifact) Check { return a.Provenance })
	m := r.Release.Manifest
	ev = append(append(ev, pev...), "checksums.txt: "+m.Detail)
	miss = append(miss, pmiss...)
	if m.Status == StatusMissingEvidence {
		miss = append(miss, "checksums.txt: "+m.Detail)
	}
	return combine(append(append(sigs, provs...), m)), ev, miss
}

// judgeVulns: open vulnerabilities from the database, after VEX.
func (r *Report) judgeVulns() (Status, []string, []string) {
	v := r.Vulnerabilities
	if v.Database == "" {
		const m = "no vulnerability database given (--db DIR): vulnerabilities are unknown"
		return StatusMissingEvidence, []string{m}, []string{m}
	}
	var miss []string
	for _, a := range r.Release.Artifacts {
		if !a.Matched {
			miss = append(miss, a.Name+": no attested SBOM to match against the vulnerability database")
		}
	}
	ev := []string{fmt.Sprintf("matched against the OSV database %s: %d open, %d resolved by VEX", v.Database, len(v.Open), len(v.Resolved))}
	ev = append(append(ev, describeOpen(v.Open)...), miss...)
	if n := len(v.Unmatched); n > 0 {
		// Not met on the word of a database never asked about them.
		line := fmt.Sprintf("%d component(s) not matched: no purl of an ecosystem the database reads (%s)", n, strings.Join(v.Unmatched[:min(n, maxListed)], ", "))
		ev, miss = append(ev, line), append(miss, line)
	}
	miss = append(miss, r.unsignedResolutions()...)
	switch {
	case len(v.Open) > 0:
		return StatusNotMet, ev, miss
	case len(miss) > 0:
		return StatusMissingEvidence, ev, miss
	}
	return StatusMet, ev, nil
}

// unsignedResolutions names each advisory resolved only on the word of an
// unsigned VEX file in the release directory: anyone who can write there
// can write one, so it is shown resolved but is not evidence enough for
// "met".
func (r *Report) unsignedResolutions() []string {
	signed := map[string]bool{}
	for _, d := range r.Release.VEX {
		signed[d.Name] = d.Signed
	}
	var out []string
	for _, v := range r.Vulnerabilities.Resolved {
		if !signed[v.Vulnerability.VEXSource] {
			out = append(out, fmt.Sprintf("%s: %s@%s %s resolved only by the unsigned VEX document %s: sign it into the release (vouch release --vex)",
				v.Artifact, v.Component.Name, v.Component.Version, v.Vulnerability.ID, v.Vulnerability.VEXSource))
		}
	}
	return out
}

// maxListed bounds the advisory ids an evidence line names; the
// vulnerability section lists them all.
const maxListed = 5

// describeOpen is one line per vulnerable component: its open advisories
// (those no VEX statement resolves) and the version that fixes them all.
func describeOpen(open []Vuln) []string {
	var lines []string
	for i := 0; i < len(open); {
		j := i
		var ids []string
		fixed, unfixed := "", false
		for ; j < len(open) && open[j].Artifact == open[i].Artifact && open[j].Component == open[i].Component; j++ {
			ids = append(ids, open[j].Vulnerability.ID)
			f := open[j].Vulnerability.FixedVersion
			unfixed = unfixed || f == ""
			if semverLess(fixed, f) {
				fixed = f
			}
		}
		c := open[i].Component
		list := strings.Join(ids[:min(len(ids), maxListed)], ", ")
		if len(ids) > maxListed {
			list += fmt.Sprintf(" and %d more", len(ids)-maxListed)
		}
		line := fmt.Sprintf("%s: %s@%s: %d open (%s)", open[i].Artifact, c.Name, c.Version, len(ids), list)
		switch {
		case unfixed:
			line += "; not all have a fix"
		case fixed != "":
			line += "; all fixed in " + fixed
		}
		lines = append(lines, line)
		i = j
	}
	return lines
}

// semverLess orders fixed versions ("0.23.0", "v0.23.0", "1.26.9") well
// enough to name the highest: numerically by dotted fields.
func semverLess(a, b string) bool {
	if a == "" {
		return b != ""
	}
	pa := strings.FieldsFunc(strings.TrimPrefix(a, "v"), func(r rune) bool { return r == '.' || r == '-' })
	pb := strings.FieldsFunc(strings.TrimPrefix(b, "v"), func(r rune) bool { return r == '.' || r == '-' })
	for k := 0; k < min(len(pa), len(pb)); k++ {
		if pa[k] == pb[k] {
			continue
		}
		if len(pa[k]) != len(pb[k]) {
			return len(pa[k]) < len(pb[k])
		}
		return pa[k] < pb[k]
	}
	return len(pa) < len(pb)
}

// judgeSupport: an ended support period refutes the update duties; a
// running one is the manufacturer's declaration.
func (r *Report) judgeSupport() (Status, []string, []string) {
	sp := r.SupportPeriod
	if sp.Ended {
		return StatusNotMet, []string{fmt.Sprintf("the support period ended on %s (report date %s): no security updates are due", sp.End, r.Date)}, nil
	}
	return StatusDeclaration, []string{fmt.Sprintf("support period until %s: %d days left on %s", sp.End, sp.DaysLeft, r.Date), declared}, nil
}

func (r *Report) judgeDisclosure() (Status, []string, []string) {
	ev := []string{declared}
	if n := len(r.Vulnerabilities.Resolved); n > 0 {
		ev = append(ev, fmt.Sprintf("%d vulnerabilities resolved by VEX statements in the release", n))
	}
	return StatusDeclaration, ev, nil
}

func (r *Report) judgeCVD() (Status, []string, []string) {
	return StatusDeclaration, []string{"coordinated vulnerability disclosure policy: " + r.CVDPolicy + " (as cra.yaml states; not fetched)", declared}, nil
}

func (r *Report) judgeContact() (Status, []string, []string) {
	c := r.SecurityContact
	kind := "a security contact"
	if c.SecurityTxt {
		kind = "a security.txt (RFC 9116)"
	} else if strings.HasPrefix(c.URI, "mailto:") {
		kind = "a reporting address"
	}
	return StatusDeclaration, []string{fmt.Sprintf("%s: %s (as cra.yaml states; not fetched)", kind, c.URI), declared}, nil
}
