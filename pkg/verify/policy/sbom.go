package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/vouchdev/vouch/pkg/verify"
	"sort"
	"strings"

	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/check"
	"github.com/vouchdev/vouch/pkg/sbom/format"
)

// MaxSBOMBytes bounds an SBOM predicate re-encoded for decoding; it is the
// limit of package check.
const MaxSBOMBytes = check.DefaultMaxBytes

// maxListed bounds how many offending components a finding names.
const maxListed = 20

// sbomDoc is one attested SBOM.
type sbomDoc struct {
	it    *item
	input *check.Input
	err   error // why it could not be decoded
}

// family is "cyclonedx" or "spdx" (either version).
func (d *sbomDoc) family() string {
	if strings.HasPrefix(d.input.Family, "spdx") {
		return "spdx"
	}
	return d.input.Family
}

// loadSBOMs decodes the predicate of every accepted SBOM statement.
func (s *state) loadSBOMs(ctx context.Context) {
	for _, it := range s.items {
		if !s.accepted(it) || it.st == nil || !isSBOMType(it.st.GetPredicateType()) {
			continue
		}
		d := &sbomDoc{it: it, input: &check.Input{Name: it.ev.Bundle, Encoding: "json"}}
		s.sboms = append(s.sboms, d)
		raw, err := json.Marshal(it.st.GetPredicate().AsMap())
		if err != nil {
			d.err = fmt.Errorf("re-encode predicate: %w", err)
			continue
		}
		if len(raw) > MaxSBOMBytes {
			d.err = fmt.Errorf("predicate is %d bytes, over the limit of %d", len(raw), MaxSBOMBytes)
			continue
		}
		d.input.Raw = raw
		d.input.Family, d.input.SpecVersion, err = format.Detect(raw)
		if err != nil {
			d.err = fmt.Errorf("predicate %s: %w", it.st.GetPredicateType(), err)
			continue
		}
		doc, _, err := format.Decode(ctx, bytes.NewReader(raw))
		if err != nil {
			d.input.DecodeErr = err
			d.err = fmt.Errorf("decode %s %s: %w", d.input.Family, d.input.SpecVersion, err)
			continue
		}
		d.input.Doc = doc
	}
}

// evalSBOM: presence, format, profile, licences, denied components, the
// artifact's own components.
func (s *state) evalSBOM(ctx context.Context) {
	s.loadSBOMs(ctx)
	cfg := s.p.SBOM
	if cfg == nil {
		return
	}
	var evidence []string
	for _, d := range s.sboms {
		evidence = append(evidence, d.it.ev.Bundle)
	}
	sort.Strings(evidence)
	if len(s.sboms) == 0 {
		if cfg.Required || cfg.Profile != "" || cfg.Licenses != nil || len(cfg.DeniedComponents) > 0 || len(cfg.Formats) > 0 || cfg.MatchArtifact {
			s.add(verify.Finding{ID: FindingSBOM, Status: verify.StatusFail,
				Message:  "no SBOM attested for this artifact by a trusted signer",
				Expected: "a CycloneDX or SPDX attestation (" + PredicateCycloneDX + ", " + PredicateSPDX + ")",
				Found:    "predicate types present: " + s.presentTypes()})
		}
		return
	}
	var broken []string
	for _, d := range s.sboms {
		if d.err != nil {
			broken = append(broken, d.it.ev.Bundle+": "+d.err.Error())
		}
	}
	if len(broken) > 0 {
		sort.Strings(broken)
		s.add(verify.Finding{ID: FindingSBOM, Status: verify.StatusError, Message: "an attested SBOM cannot be read",
			Expected: "a CycloneDX or SPDX document vouch decodes", Found: strings.Join(broken, "; "), Evidence: evidence})
		return
	}
	s.add(verify.Finding{ID: FindingSBOM, Status: verify.StatusPass, Message: fmt.Sprintf("%d SBOM attestation(s)", len(s.sboms)),
		Found: s.sbomFormats(), Evidence: evidence})
	if len(cfg.Formats) > 0 {
		s.evalFormats(cfg.Formats, evidence)
	}
	if cfg.Profile != "" {
		s.evalProfile(ctx, cfg.Profile, evidence)
	}
	if cfg.Licenses != nil {
		s.evalLicenses(evidence)
	}
	if len(s.c.denied) > 0 {
		s.evalDenied(evidence)
	}
	if cfg.MatchArtifact {
		s.evalMatch(ctx, evidence)
	}
}

func (s *state) presentTypes() string {
	set := map[string]bool{}
	for _, it := range s.items {
		if it.st != nil && it.relevant {
			set[it.st.GetPredicateType()] = true
		}
	}
	return joinSet(set, "none")
}

func (s *state) sbomFormats() string {
	set := map[string]bool{}
	for _, d := range s.sboms {
		set[d.input.Family+" "+d.input.SpecVersion] = true
	}
	return joinSet(set, "none")
}

func (s *state) evalFormats(formats []string, evidence []string) {
	want := map[string]bool{}
	for _, f := range formats {
		want[f] = true
	}
	var wrong []string
	for _, d := range s.sboms {
		if !want[d.family()] {
			wrong = append(wrong, d.it.ev.Bundle+": "+d.input.Family+" "+d.input.SpecVersion)
		}
	}
	f := verify.Finding{ID: FindingSBOM + ".format", Status: verify.StatusPass, Message: "SBOM format accepted",
		Expected: strings.Join(formats, " or "), Found: s.sbomFormats(), Evidence: evidence}
	if len(wrong) > 0 {
		sort.Strings(wrong)
		f.Status, f.Message, f.Found = verify.StatusFail, "an SBOM is in a format the policy does not accept", strings.Join(wrong, "; ")
	}
	s.add(f)
}

// evalProfile runs a compliance profile of package check on every SBOM;
// each must pass.
func (s *state) evalProfile(ctx context.Context, profile string, evidence []string) {
	f := verify.Finding{ID: FindingSBOM + ".profile." + profile, Status: verify.StatusPass, Evidence: evidence,
		Expected: "every attested SBOM meets profile " + profile}
	var failed, summary []string
	for _, d := range s.sboms {
		reports, err := check.Run(ctx, d.input, profile)
		if err != nil {
			f.Status, f.Message, f.Found = verify.StatusError, "the compliance profile could not be run", err.Error()
			s.add(f)
			return
		}
		for _, r := range reports {
			summary = append(summary, fmt.Sprintf("%s: %s score %.1f, %d error(s), %d warning(s)", d.it.ev.Bundle, r.Profile, r.Score, r.Counts.Error, r.Counts.Warning))
			if !r.Pass {
				failed = append(failed, d.it.ev.Bundle+": "+profileFailures(r))
			}
		}
	}
	sort.Strings(summary)
	f.Message, f.Found = "SBOM meets "+profile, strings.Join(summary, "; ")
	if len(failed) > 0 {
		sort.Strings(failed)
		f.Status, f.Message, f.Found = verify.StatusFail, "an SBOM does not meet "+profile, strings.Join(failed, "; ")
	}
	s.add(f)
}

// profileFailures summarises a failing report: its error findings by rule,
// with a count and the first component named.
func profileFailures(r check.Report) string {
	type agg struct {
		n     int
		first check.Finding
	}
	by := map[string]*agg{}
	for _, f := range r.Findings {
		if f.Level != finding.LevelError {
			continue
		}
		a := by[f.ID]
		if a == nil {
			a = &agg{first: f}
			by[f.ID] = a
		}
		a.n++
	}
	rules := make([]string, 0, len(by))
	for rule := range by {
		rules = append(rules, rule)
	}
	sort.Strings(rules)
	var parts []string
	for _, rule := range rules {
		a := by[rule]
		where := a.first.Field
		if a.first.Component != "" {
			where = a.first.Component + " " + where
		}
		parts = append(parts, fmt.Sprintf("%s ×%d (e.g. %s: expected %s, found %s)", rule, a.n, where, a.first.Expected, a.first.Found))
	}
	return fmt.Sprintf("%d error(s): %s", r.Counts.Error, strings.Join(parts, ", "))
}

func (s *state) evalLicenses(evidence []string) {
	l := s.p.SBOM.Licenses
	expected := "every component's licence satisfiable with"
	if len(l.Allow) > 0 {
		expected += " allowed licences (" + strings.Join(l.Allow, ", ") + ")"
	}
	if len(l.Deny) > 0 {
		expected += " none of " + strings.Join(l.Deny, ", ")
	}
	var bad []string
	checked := 0
	for _, d := range s.sboms {
		for i := range d.input.Doc.Components {
			c := &d.input.Doc.Components[i]
			if skipLicense(c) {
				continue
			}
			checked++
			if why := s.c.licences.verdict(c); why != "" {
				bad = append(bad, componentName(c)+": "+why)
			}
		}
	}
	f := verify.Finding{ID: FindingSBOM + ".licenses", Status: verify.StatusPass, Evidence: evidence, Expected: expected,
		Message: fmt.Sprintf("%d component licences acceptable", checked)}
	if len(bad) > 0 {
		f.Status, f.Message, f.Found = verify.StatusFail, fmt.Sprintf("%d of %d components have licences the policy does not accept", len(bad), checked), listed(bad)
	}
	s.add(f)
}

// skipLicense leaves out components that are containers of licensed
// things rather than licensed things themselves: a release archive and a
// bare file (known only by its bytes) carry the licences of what they hold,
// which the SBOM lists as their own components.
func skipLicense(c *sbom.Component) bool {
	return c.Type == sbom.TypeFile || c.Type == sbom.TypeArchive
}

func (s *state) evalDenied(evidence []string) {
	var hits []string
	var expected []string
	for _, m := range s.c.denied {
		e := "no " + m.src.PURL
		if m.src.Versions != "" {
			e += " in " + m.src.Versions
		}
		expected = append(expected, e)
	}
	for _, d := range s.sboms {
		for i := range d.input.Doc.Components {
			c := &d.input.Doc.Components[i]
			for j := range s.c.denied {
				if why, ok := s.c.denied[j].matches(c); ok {
					hit := componentName(c) + ": " + why
					if r := s.c.denied[j].src.Reason; r != "" {
						hit += " (" + r + ")"
					}
					hits = append(hits, hit)
				}
			}
		}
	}
	f := verify.Finding{ID: FindingSBOM + ".denied-components", Status: verify.StatusPass, Evidence: evidence,
		Expected: strings.Join(expected, "; "), Message: "no denied component"}
	if len(hits) > 0 {
		f.Status, f.Message, f.Found = verify.StatusFail, fmt.Sprintf("%d denied component(s) in the SBOM", len(hits)), listed(hits)
	}
	s.add(f)
}

// listed joins sorted, de-duplicated entries, at most maxListed of them.
func listed(items []string) string {
	sort.Strings(items)
	items = compact(items)
	if len(items) > maxListed {
		return strings.Join(items[:maxListed], "; ") + fmt.Sprintf("; and %d more", len(items)-maxListed)
	}
	return strings.Join(items, "; ")
}

func compact(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
