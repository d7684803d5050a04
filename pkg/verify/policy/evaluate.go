package policy

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	ita "github.com/in-toto/attestation/go/v1"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/slsa"
	"github.com/vouchdev/vouch/pkg/vex"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// Artifact is what is being verified: a name (a file name, or the digest
// itself when only a digest was given) and its digests, algorithm →
// lower-case hex ("sha256", "sha512").
type Artifact struct {
	Name    string
	Digests map[string]string
	// Derive re-derives the artifact's components from its own bytes —
	// the bytes whose digests are Digests — for sbom.matchArtifact. It is
	// called at most once per evaluation, and only when the policy asks
	// for it. nil means the bytes are not available (a subject known by
	// digest only): the requirement then fails.
	Derive func(ctx context.Context) (*Derived, error)
	// Repository is the source repository the artifact's package declares
	// (package.json's "repository"), as the caller was told it, for rules
	// (artifact.repository, normalized as provenance.source is); "" when
	// not given.
	Repository string
}

// Derived is what an artifact's own bytes show: the document the catalog
// builds from them, and the catalog's warnings (entries it skipped).
type Derived struct {
	Document *sbom.Document
	Warnings []string
}

// Options are per-run choices that are not part of the policy.
type Options struct {
	// RunInspections runs an in-toto layout's inspections, which execute
	// commands on this machine. Without it they are reported as skipped.
	RunInspections bool
	// InspectionDir is where inspections run (they read the final product);
	// default: the layout's link directory.
	InspectionDir string
	// KeyIDs are the ids of the keys the caller verified with, for
	// messages; a policy with trust.keys counts only its own keys.
	KeyIDs []string
	// InsecureAnyIdentity accepts any keyless signer whose certificate
	// verified: an explicit, named opt-out of identity checks.
	InsecureAnyIdentity bool
	// Vulns is the vulnerability database the policy's vulnerabilities
	// gate matches SBOM components against; nil: a policy with that
	// section fails with an error finding.
	Vulns vuln.Matcher
	// VEX are statements the verifying user vouches for (vouch verify
	// --vex): they count like a trusted signer's VEX attestation.
	VEX []vex.Statement
	// Now is the time allow entries' expiry dates are compared with;
	// nil: time.Now.
	Now func() time.Time
}

// Finding ids. Per-requirement ids are built from these:
// "predicate.<name>", "sbom.profile.<id>", "rule.<name>".
const (
	FindingEvidence   = "evidence"
	FindingStatement  = "statement"
	FindingSubject    = "subject"
	FindingSigner     = "signer"
	FindingIdentity   = "identity"
	FindingPredicate  = "predicate"
	FindingProvenance = "provenance"
	FindingSBOM       = "sbom"
	FindingLayout     = "layout"
	FindingRule       = "rule"
)

// strongDigests are the only subject digest algorithms that bind a
// statement to an artifact: a subject that matches by md5 or sha1 alone,
// or by an algorithm vouch does not compute, names nothing.
var strongDigests = []string{"sha256", "sha512"}

// item is one piece of evidence with what evaluation derived from it.
type item struct {
	ev       *verify.Evidence
	st       *ita.Statement // nil for a message signature
	relevant bool           // the statement names the artifact (or a message signature)
	trusted  bool           // the signer is one the policy accepts (identity, key)
	badStmt  string         // why the statement is unusable
}

// state is one evaluation.
type state struct {
	p        *Policy
	c        *compiled
	a        Artifact
	opts     Options
	items    []*item
	findings []verify.Finding
	// builderTrusted marks provenance trusted through its builder (SLSA
	// trusted builders), filled by checkProvenance.
	builderTrusted map[*item]bool
	prov           *acceptedProvenance
	provFindings   []verify.Finding
	sboms          []*sbomDoc
}

// Evaluate checks the verified evidence of one artifact against the policy
// and returns one finding per requirement, in a fixed order: evidence and
// statements, signer, predicates, provenance, SBOM, vulnerabilities,
// layout, rules.
//
// It fails closed: a requirement that cannot be evaluated is a finding with
// [verify.StatusError].
func (p *Policy) Evaluate(ctx context.Context, a Artifact, ev []verify.Evidence, opts Options) []verify.Finding {
	if p.c == nil {
		// Never compiled here: lazy compilation would race between
		// concurrent evaluations of one policy.
		return []verify.Finding{{ID: "policy", Status: verify.StatusError, Message: "the policy is not compiled (call Compile once, before evaluating)"}}
	}
	s := &state{p: p, c: p.c, a: normalizeArtifact(a), opts: opts, builderTrusted: map[*item]bool{}}
	if len(s.a.Digests) == 0 {
		return []verify.Finding{{ID: FindingSubject, Status: verify.StatusError,
			Message: "the artifact has no sha256 or sha512 digest to match statements against", Found: fmt.Sprint(a.Digests)}}
	}
	for i := range ev {
		s.items = append(s.items, s.classify(&ev[i]))
	}
	steps := []func(context.Context){s.evalEvidence, s.checkProvenance, s.evalSigner, s.evalIdentity, s.evalPredicates, s.emitProvenance, s.evalSBOM, s.evalVulns, s.evalLayout, s.evalRules}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			s.add(verify.Finding{ID: "policy", Status: verify.StatusError, Message: "evaluation interrupted: " + err.Error()})
			break
		}
		step(ctx)
	}
	return s.findings
}

func (s *state) add(f verify.Finding) { s.findings = append(s.findings, f) }

func normalizeArtifact(a Artifact) Artifact {
	out := Artifact{Name: a.Name, Digests: map[string]string{}, Derive: a.Derive}
	if a.Repository != "" {
		out.Repository = slsa.NormalizeURI(a.Repository)
	}
	for alg, v := range a.Digests {
		alg = strings.ToLower(alg)
		for _, strong := range strongDigests {
			if alg == strong && v != "" {
				out.Digests[alg] = strings.ToLower(v)
			}
		}
	}
	return out
}

// classify decides whether a piece of evidence concerns the artifact and
// whether its signer is trusted by identity or key.
func (s *state) classify(ev *verify.Evidence) *item {
	it := &item{ev: ev, st: ev.Statement}
	if ev.Statement == nil {
		if ev.Kind == "dsse" {
			it.badStmt = "a DSSE bundle without a parsed statement"
		} else {
			// A message signature: the bundle layer checked the signed
			// digest against the artifact itself.
			it.relevant = true
		}
	} else {
		// The in-toto Statement v1 spec makes the predicate optional, and
		// PyPI's publish attestations have none ("predicate": null);
		// in-toto-golang requires one. Validate checks it last, so every
		// other requirement still holds.
		switch err := ev.Statement.Validate(); {
		case err != nil && !errors.Is(err, ita.ErrPredicateRequired):
			it.badStmt = "not a valid in-toto statement: " + err.Error()
		case ev.PredicateType != "" && ev.PredicateType != ev.Statement.GetPredicateType():
			// The predicate type is read from the signed statement only.
			it.badStmt = fmt.Sprintf("bundle says predicate type %q, its signed statement %q", ev.PredicateType, ev.Statement.GetPredicateType())
		default:
			it.relevant = s.namesArtifact(ev.Statement)
		}
	}
	it.trusted = s.signerTrusted(ev.Signer)
	return it
}

// namesArtifact reports whether some subject of the statement is the
// artifact: every strong digest the subject and the artifact both have
// must be equal, and there must be at least one. A subject that agrees on
// sha256 but disagrees on sha512 names a different artifact.
func (s *state) namesArtifact(st *ita.Statement) bool {
	for _, sub := range st.GetSubject() {
		compared, equal := 0, true
		for alg, v := range sub.GetDigest() {
			alg = strings.ToLower(alg)
			want, ok := s.a.Digests[alg]
			if !ok {
				continue
			}
			compared++
			if strings.ToLower(v) != want {
				equal = false
			}
		}
		if compared > 0 && equal {
			return true
		}
	}
	return false
}

// signerTrusted reports whether a signer counts by the policy's identities
// or keys (trust through a SLSA builder is decided in evalProvenance).
func (s *state) signerTrusted(sg verify.Signer) bool {
	if sg.Identity != "" {
		if s.opts.InsecureAnyIdentity {
			return true
		}
		for i := range s.c.identities {
			m := &s.c.identities[i]
			if s.governs(m, false) && m.matches(sg) {
				return true
			}
		}
		return false
	}
	if sg.KeyID == "" {
		return false
	}
	// The bundle layer verified the signature with a key the caller
	// trusts. When the policy names keys, the key must be one of them: a
	// deployment's other keys (another tenant's, a registry's) do not
	// count for it.
	if len(s.c.keyIDs) == 0 {
		return true
	}
	_, ok := s.c.keyIDs[strings.ToLower(sg.KeyID)]
	return ok
}

// accepted reports whether an item counts as evidence for the artifact.
func (s *state) accepted(it *item) bool {
	return it.relevant && it.badStmt == "" && (it.trusted || s.builderTrusted[it])
}

func (s *state) bundles(items []*item) []string {
	set := map[string]bool{}
	for _, it := range items {
		if it.ev.Bundle != "" {
			set[it.ev.Bundle] = true
		}
	}
	out := make([]string, 0, len(set))
	for b := range set {
		out = append(out, b)
	}
	sort.Strings(out)
	return out
}

// evalEvidence: there is evidence; every statement is a valid in-toto
// statement; some statement names the artifact.
func (s *state) evalEvidence(context.Context) {
	if len(s.items) == 0 {
		if !s.needsEvidence() {
			return // a layout-only policy rests on the layout's own signatures
		}
		s.add(verify.Finding{ID: FindingEvidence, Status: verify.StatusFail,
			Message: "no verified signature or attestation for this artifact", Expected: "at least one verified bundle", Found: "nothing"})
		return
	}
	var bad []string
	var badItems []*item
	for _, it := range s.items {
		if it.badStmt != "" {
			bad = append(bad, it.ev.Bundle+": "+it.badStmt)
			badItems = append(badItems, it)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		s.add(verify.Finding{ID: FindingStatement, Status: verify.StatusFail,
			Message: "an attestation is not a usable in-toto statement", Expected: "in-toto statements (v0.1 or v1) with subjects and a predicate type",
			Found: strings.Join(bad, "; "), Evidence: s.bundles(badItems)})
	}
	var dsse, named []*item
	for _, it := range s.items {
		if it.st != nil && it.badStmt == "" {
			dsse = append(dsse, it)
			if it.relevant {
				named = append(named, it)
			}
		}
	}
	if len(dsse) == 0 {
		return
	}
	if len(named) == 0 {
		s.add(verify.Finding{ID: FindingSubject, Status: verify.StatusFail,
			Message:  "no attestation names this artifact among its subjects",
			Expected: "a subject with digest " + s.digestText(),
			Found:    s.subjectsText(dsse), Evidence: s.bundles(dsse)})
		return
	}
	s.add(verify.Finding{ID: FindingSubject, Status: verify.StatusPass,
		Message: fmt.Sprintf("%d of %d attestations name this artifact", len(named), len(dsse)),
		Found:   s.digestText(), Evidence: s.bundles(named)})
}

// needsEvidence reports whether the policy asks anything of signed
// bundles. Only a policy that consists of an in-toto layout does not: the
// layout and its links carry their own signatures.
func (s *state) needsEvidence() bool {
	p := s.p
	return p.Layout == nil || len(p.Trust.Keys) > 0 || len(p.Trust.Identities) > 0 || len(p.Predicates.Required) > 0 ||
		p.SLSA != nil || p.SBOM != nil || p.Vulnerabilities != nil || len(p.Rules) > 0
}

func (s *state) digestText() string {
	var parts []string
	for _, alg := range strongDigests {
		if v, ok := s.a.Digests[alg]; ok {
			parts = append(parts, alg+":"+v)
		}
	}
	return strings.Join(parts, " or ")
}

func (s *state) subjectsText(items []*item) string {
	set := map[string]bool{}
	for _, it := range items {
		for _, sub := range it.st.GetSubject() {
			var ds []string
			for alg, v := range sub.GetDigest() {
				ds = append(ds, alg+":"+v)
			}
			sort.Strings(ds)
			set[sub.GetName()+" "+strings.Join(ds, ",")] = true
		}
	}
	return joinSet(set, "no subjects")
}

// evalSigner: some evidence for the artifact is signed by a trusted signer.
func (s *state) evalSigner(context.Context) {
	var relevant, ok []*item
	for _, it := range s.items {
		if it.relevant && it.badStmt == "" {
			relevant = append(relevant, it)
			if s.accepted(it) {
				ok = append(ok, it)
			}
		}
	}
	if len(relevant) == 0 {
		return // evalEvidence already failed
	}
	expected := s.expectedSigners()
	if len(ok) > 0 {
		s.add(verify.Finding{ID: FindingSigner, Status: verify.StatusPass,
			Message: "signed by a trusted signer", Expected: expected, Found: describeSigners(evidenceOf(ok)), Evidence: s.bundles(ok)})
		return
	}
	msg := "none of the signers is trusted by the policy"
	if expected == "" {
		msg = "the policy trusts no keyless signer for this artifact: add trust.identities (or a SLSA source with a trusted builder)"
		expected = "a signer named in trust.identities or trust.keys"
	}
	s.add(verify.Finding{ID: FindingSigner, Status: verify.StatusFail, Message: msg,
		Expected: expected, Found: describeSigners(evidenceOf(relevant)), Evidence: s.bundles(relevant)})
}

// nameless reports whether the artifact has no name a subject glob can be
// matched against: a digest, standard input, or none (a library caller).
func nameless(name string) bool {
	return name == "" || name == "-" || strings.HasPrefix(name, "sha256:") || strings.HasPrefix(name, "sha512:") ||
		strings.HasPrefix(name, "sha256-") || strings.HasPrefix(name, "sha512-")
}

// governs reports whether an identity applies to the artifact. Its
// subject glob is matched against the artifact's name; an artifact without
// one (a digest, "-") is governed by every identity, so a scoped identity
// is never dropped for want of a name. As a requirement (asRequirement),
// the glob also applies when a statement naming the artifact by digest
// names it so: a local name (a renamed file, an upload's name) cannot
// switch the requirement off.
func (s *state) governs(m *identityMatcher, asRequirement bool) bool {
	if m.src.Subject == "" || nameless(s.a.Name) || m.appliesTo(s.a.Name) {
		return true
	}
	if !asRequirement {
		return false
	}
	for _, it := range s.items {
		if it.st == nil || !it.relevant || it.badStmt != "" {
			continue
		}
		for _, sub := range it.st.GetSubject() {
			if m.appliesTo(sub.GetName()) || m.appliesTo(path.Base(sub.GetName())) {
				return true
			}
		}
	}
	return false
}

// evalIdentity: the keyless signers the policy names for the artifact
// (trust.identities; --certificate-identity, --repo, --signer-workflow)
// are requirements, not only trust: some verified certificate among the
// evidence for the artifact must be one of them. A key-signed bundle never
// meets one, so trusting a key as well (npm: the registry's key-signed
// publish attestation beside the keyless provenance) cannot switch the
// identity check off, and no identity is taken from what a statement says.
func (s *state) evalIdentity(context.Context) {
	var want []*identityMatcher
	for i := range s.c.identities {
		if s.governs(&s.c.identities[i], true) {
			want = append(want, &s.c.identities[i])
		}
	}
	if len(want) == 0 {
		return
	}
	var names []string
	for _, m := range want {
		names = append(names, m.String())
	}
	expected := "a verified keyless signature by " + strings.Join(names, " or ")
	var relevant, ok []*item
	for _, it := range s.items {
		if !it.relevant || it.badStmt != "" {
			continue
		}
		relevant = append(relevant, it)
		for _, m := range want {
			if m.matches(it.ev.Signer) {
				ok = append(ok, it)
				break
			}
		}
	}
	if len(ok) > 0 {
		s.add(verify.Finding{ID: FindingIdentity, Status: verify.StatusPass, Message: "signed by the required identity",
			Expected: expected, Found: describeSigners(evidenceOf(ok)), Evidence: s.bundles(ok)})
		return
	}
	found := "no verified evidence for this artifact"
	if len(relevant) > 0 {
		found = describeSigners(evidenceOf(relevant))
	}
	s.add(verify.Finding{ID: FindingIdentity, Status: verify.StatusFail,
		Message:  "no evidence for this artifact is signed by the required identity",
		Expected: expected, Found: found, Evidence: s.bundles(relevant)})
}

func (s *state) expectedSigners() string {
	var parts []string
	for i := range s.c.identities {
		if s.governs(&s.c.identities[i], false) {
			parts = append(parts, s.c.identities[i].String())
		}
	}
	for _, id := range s.p.KeyIDs() {
		parts = append(parts, "key "+id)
	}
	if len(s.c.keyIDs) == 0 {
		for _, id := range s.opts.KeyIDs {
			parts = append(parts, "key "+id)
		}
	}
	if s.p.SLSA != nil && len(s.builderTrusted) > 0 {
		parts = append(parts, "for provenance: the trusted builder's identity")
	}
	return strings.Join(parts, " or ")
}

func evidenceOf(items []*item) []verify.Evidence {
	out := make([]verify.Evidence, len(items))
	for i, it := range items {
		out[i] = *it.ev
	}
	return out
}

// evalPredicates: each required predicate is attested by a trusted signer.
func (s *state) evalPredicates(context.Context) {
	for _, req := range s.c.required {
		id := FindingPredicate + "." + req.name
		var found []*item
		present := map[string]bool{}
		for _, it := range s.items {
			if it.st == nil || it.badStmt != "" {
				continue
			}
			pt := it.st.GetPredicateType()
			label := pt
			switch {
			case !it.relevant:
				label += " (for another artifact)"
			case !s.accepted(it):
				label += " (signed by " + describeSigner(it.ev.Signer) + ", not trusted)"
			}
			present[label] = true
			if s.accepted(it) && req.satisfiedBy(pt) {
				found = append(found, it)
			}
		}
		expected := "an attestation of type " + strings.Join(req.types, " or ") + " for this artifact from a trusted signer"
		if len(found) > 0 {
			s.add(verify.Finding{ID: id, Status: verify.StatusPass, Message: "attested: " + req.name,
				Expected: expected, Found: found[0].st.GetPredicateType(), Evidence: s.bundles(found)})
			continue
		}
		s.add(verify.Finding{ID: id, Status: verify.StatusFail, Message: "required attestation missing: " + req.name,
			Expected: expected, Found: "predicate types present: " + joinSet(present, "none")})
	}
}
