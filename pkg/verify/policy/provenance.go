package policy

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/slsa"
)

// acceptedProvenance is the provenance statement that met every SLSA
// requirement; CEL rules see it as `provenance`.
type acceptedProvenance struct {
	it      *item
	p       *slsa.Provenance
	outcome slsa.Outcome
}

// candidate is one provenance statement under evaluation.
type candidate struct {
	it      *item
	p       *slsa.Provenance
	err     error
	outcome slsa.Outcome
	trusted bool   // signer trusted by identity/key or through the builder
	why     string // why the signer is not trusted
	level   bool   // meets minLevel
}

func (c *candidate) ok() bool { return c.err == nil && c.trusted && c.level && c.outcome.OK() }

// passes counts the checks a candidate passed, to pick the one to explain.
func (c *candidate) passes() int {
	n := 0
	if c.err != nil {
		return -1
	}
	for _, r := range c.outcome.Results {
		if r.OK {
			n++
		}
	}
	if c.trusted {
		n++
	}
	if c.level {
		n++
	}
	return n
}

// checkProvenance evaluates every provenance statement naming the artifact
// (findings are emitted later, in emitProvenance, so that the signer
// finding can count provenance trusted through its builder).
func (s *state) checkProvenance(context.Context) {
	if s.p.SLSA == nil {
		// Provenance accepted by identity still feeds CEL rules.
		for _, it := range s.items {
			if s.accepted(it) && slsa.IsProvenance(it.st.GetPredicateType()) {
				if p, err := slsa.Parse(it.st); err == nil {
					s.prov = &acceptedProvenance{it: it, p: p}
					break
				}
			}
		}
		return
	}
	cfg := s.p.SLSA
	req := slsa.Requirements{BuilderIDs: cfg.BuilderIDs, SourceURI: cfg.SourceURI, SourceRefs: cfg.SourceRefs, Builders: s.c.builders}
	var cands []*candidate
	present := map[string]bool{}
	for _, it := range s.items {
		if it.st == nil || it.badStmt != "" || !it.relevant {
			continue
		}
		pt := it.st.GetPredicateType()
		present[pt] = true
		if !slsa.IsProvenance(pt) {
			continue
		}
		c := &candidate{it: it}
		c.p, c.err = slsa.Parse(it.st)
		if c.err == nil {
			c.outcome = slsa.Evaluate(c.p, it.ev.Signer, req)
			c.trusted = it.trusted || c.outcome.SignerIsBuilder
			if !c.trusted {
				c.why = c.outcome.SignerWhy
				if c.why == "" {
					c.why = "no trust.identities entry matches and the builder does not vouch for the signer"
				}
			}
			c.level = cfg.MinLevel == 0 || c.outcome.Level >= cfg.MinLevel
		}
		cands = append(cands, c)
	}
	if len(cands) == 0 {
		s.provFindings = append(s.provFindings, verify.Finding{ID: FindingProvenance, Status: verify.StatusFail,
			Message: "no SLSA provenance names this artifact", Expected: "a statement of type " + slsa.PredicateV1 + " or " + slsa.PredicateV02,
			Found: "predicate types present: " + joinSet(present, "none")})
		return
	}
	var best *candidate
	for _, c := range cands {
		if c.ok() && !s.opts.InsecureAnyIdentity && !c.it.trusted {
			s.builderTrusted[c.it] = true
		}
		if c.ok() && (best == nil || !best.ok()) {
			best = c
		}
		if best == nil || (!best.ok() && c.passes() > best.passes()) {
			best = c
		}
	}
	for _, c := range cands {
		if c.err == nil && c.trusted && !s.builderTrusted[c.it] && !c.it.trusted {
			// Trusted through the builder but failing a requirement: still
			// a statement from that builder, so it counts for conflicts.
			s.builderTrusted[c.it] = true
		}
	}
	s.provFindings = append(s.provFindings, s.provenanceFindings(best, cands)...)
	if f, ok := s.conflicts(cands); ok {
		s.provFindings = append(s.provFindings, f)
	}
	if best.ok() {
		s.prov = &acceptedProvenance{it: best.it, p: best.p, outcome: best.outcome}
	}
}

func (s *state) emitProvenance(context.Context) { s.findings = append(s.findings, s.provFindings...) }

// provenanceFindings reports each requirement from the best candidate;
// "found" lists what every candidate claims when there are several.
func (s *state) provenanceFindings(best *candidate, cands []*candidate) []verify.Finding {
	ev := []string{best.it.ev.Bundle}
	if best.err != nil {
		var errs []string
		for _, c := range cands {
			if c.err != nil {
				errs = append(errs, c.it.ev.Bundle+": "+c.err.Error())
			}
		}
		return []verify.Finding{{ID: FindingProvenance, Status: verify.StatusError,
			Message: "the provenance cannot be read", Expected: "SLSA provenance v0.2 or v1 with a builder id", Found: strings.Join(errs, "; "), Evidence: ev}}
	}
	var out []verify.Finding
	for _, r := range best.outcome.Results {
		f := verify.Finding{ID: FindingProvenance + "." + r.ID, Status: verify.StatusPass, Expected: r.Expected, Found: r.Found, Evidence: ev}
		switch r.ID {
		case slsa.CheckBuilder:
			f.Message = "built by " + best.p.BuilderID
		case slsa.CheckSource:
			f.Message = "built from " + best.p.Source()
		case slsa.CheckRef:
			f.Message = "built from ref " + best.p.SourceRef
		case slsa.CheckSigner:
			f.Message = "the signing certificate agrees with the provenance"
		}
		if !r.OK {
			f.Status = verify.StatusFail
			f.Message = "provenance " + r.ID + " does not meet the policy"
			if len(cands) > 1 {
				f.Found = s.claims(cands, r.ID)
			}
		}
		out = append(out, f)
	}
	id := verify.Finding{ID: FindingProvenance + ".identity", Status: verify.StatusPass, Evidence: ev,
		Expected: "provenance signed by a trusted identity or by the identity of its trusted builder"}
	id.Found = describeSigner(best.it.ev.Signer)
	switch {
	case best.it.trusted:
		id.Message = "provenance signed by a signer the policy trusts"
	case best.trusted:
		id.Message = "provenance signed by its builder's identity"
	default:
		id.Status = verify.StatusFail
		id.Message = "the provenance's signer is not trusted: " + best.why
	}
	out = append(out, id)
	if m := s.p.SLSA.MinLevel; m > 0 {
		f := verify.Finding{ID: FindingProvenance + ".level", Status: verify.StatusPass, Evidence: ev,
			Expected: fmt.Sprintf("SLSA build level %d or higher", m), Found: levelText(best.outcome)}
		f.Message = "SLSA build level " + fmt.Sprint(best.outcome.Level)
		if !best.level {
			f.Status = verify.StatusFail
			f.Message = "the builder does not provide the required SLSA build level"
		}
		out = append(out, f)
	}
	return out
}

func levelText(o slsa.Outcome) string {
	if o.Builder == nil && o.SignerWhy != "" {
		return fmt.Sprintf("level %d: the builder is not proven: %s", o.Level, o.SignerWhy)
	}
	if o.Builder == nil {
		return fmt.Sprintf("level %d: builder %s is not in the trusted-builder list (add it under slsa.trustedBuilders with its level)", o.Level, o.Provenance.BuilderID)
	}
	return fmt.Sprintf("level %d (%s)", o.Level, o.Builder.Name)
}

// claims lists one claim of every candidate, for "found".
func (s *state) claims(cands []*candidate, check string) string {
	set := map[string]bool{}
	for _, c := range cands {
		if c.err != nil {
			continue
		}
		for _, r := range c.outcome.Results {
			if r.ID == check {
				set[c.it.ev.Bundle+": "+r.Found] = true
			}
		}
	}
	return joinSet(set, "nothing")
}

// conflicts fails when trusted provenance statements for the artifact
// disagree on the builder, source, ref or source revision: one of them is
// lying, and vouch will not pick the one that suits.
func (s *state) conflicts(cands []*candidate) (verify.Finding, bool) {
	claims := map[string][]string{}
	var evidence []string
	for _, c := range cands {
		if c.err != nil || !c.trusted {
			continue
		}
		id, _ := slsa.SplitBuilderID(c.p.BuilderID)
		var ds []string
		for alg, v := range c.p.SourceDigest {
			ds = append(ds, alg+":"+v)
		}
		sort.Strings(ds)
		k := fmt.Sprintf("builder %s, source %s@%s %s", id, c.p.Source(), c.p.SourceRef, strings.Join(ds, ","))
		claims[k] = append(claims[k], c.it.ev.Bundle)
		evidence = append(evidence, c.it.ev.Bundle)
	}
	if len(evidence) < 2 {
		return verify.Finding{}, false
	}
	sort.Strings(evidence)
	if len(claims) == 1 {
		return verify.Finding{ID: FindingProvenance + ".consistent", Status: verify.StatusPass,
			Message: fmt.Sprintf("%d provenance statements agree", len(evidence)), Evidence: evidence}, true
	}
	set := map[string]bool{}
	for k, b := range claims {
		sort.Strings(b)
		set[strings.Join(b, ", ")+": "+k] = true
	}
	return verify.Finding{ID: FindingProvenance + ".consistent", Status: verify.StatusFail,
		Message:  "provenance statements for this artifact contradict each other",
		Expected: "every trusted provenance statement names the same builder and source",
		Found:    joinSet(set, ""), Evidence: evidence}, true
}
