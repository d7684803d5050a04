package vuln

import (
	"slices"
	"strings"

	"github.com/google/osv-scalibr/enricher/vulnmatch/osvlocal"
	"github.com/google/osv-scalibr/semantic"
	osvpb "github.com/ossf/osv-schema/bindings/go/osvschema"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/vouchdev/vouch/pkg/finding"
)

// newMatch describes advisory v affecting package p.
func newMatch(p pkg, v *osvpb.Vulnerability) Match {
	aliases := slices.Clone(v.GetAliases())
	slices.Sort(aliases)
	fv := finding.Vulnerability{
		ID:           v.GetId(),
		Aliases:      slices.Compact(aliases),
		Summary:      v.GetSummary(),
		FixedVersion: fixedVersion(p, v),
	}
	sev, score, vector := severityOf(p, v)
	fv.Severity, fv.Score, fv.Vector = string(sev), score, vector
	return Match{Component: p.comp, Vulnerability: fv}
}

// severityOf is the highest CVSS v3.x/v4 base score among the record's
// vectors and those of the affected entries naming p (scored with
// pandatix/go-cvss, osv-scalibr's calculator); without a vector that
// scores, the GitHub advisory database's own rating
// (database_specific.severity); else unknown.
func severityOf(p pkg, v *osvpb.Vulnerability) (Severity, float64, string) {
	sevs := slices.Clone(v.GetSeverity())
	if slices.ContainsFunc(v.GetAffected(), func(a *osvpb.Affected) bool { return len(a.GetSeverity()) > 0 }) {
		for _, a := range affectedEntries(p, v) {
			sevs = append(sevs, a.GetSeverity()...)
		}
	}
	best, vector := -1.0, ""
	for _, s := range sevs {
		if score, ok := cvssScore(s); ok && score > best {
			best, vector = score, s.GetScore()
		}
	}
	if best >= 0 {
		return FromScore(best), best, vector
	}
	if ds := v.GetDatabaseSpecific().GetFields()["severity"]; ds != nil {
		if s, ok := ParseSeverity(ds.GetStringValue()); ok {
			return s, 0, ""
		}
	}
	return SeverityUnknown, 0, ""
}

// cvssScore scores one CVSS v3.0, v3.1 or v4.0 vector; v2 is not scored
// (its scale does not map onto the ratings).
func cvssScore(s *osvpb.Severity) (float64, bool) {
	vec := s.GetScore()
	switch {
	case s.GetType() == osvpb.Severity_CVSS_V3 && strings.HasPrefix(vec, "CVSS:3.1/"):
		if c, err := gocvss31.ParseVector(vec); err == nil {
			return c.BaseScore(), true
		}
	case s.GetType() == osvpb.Severity_CVSS_V3 && strings.HasPrefix(vec, "CVSS:3.0/"):
		if c, err := gocvss30.ParseVector(vec); err == nil {
			return c.BaseScore(), true
		}
	case s.GetType() == osvpb.Severity_CVSS_V4:
		if c, err := gocvss40.ParseVector(vec); err == nil {
			return c.Score(), true
		}
	}
	return 0, false
}

// affectedEntries are the affected entries of v that affect p on their
// own, by osv-scalibr's decision.
func affectedEntries(p pkg, v *osvpb.Vulnerability) []*osvpb.Affected {
	var out []*osvpb.Affected
	for _, a := range v.GetAffected() {
		if affects(p, v.GetId(), a) {
			out = append(out, a)
		}
	}
	return out
}

// affects asks osv-scalibr whether a record holding only affected entry a
// affects p.
func affects(p pkg, id string, a *osvpb.Affected) bool {
	one := &osvpb.Vulnerability{Id: id, Affected: []*osvpb.Affected{a}}
	return len(osvlocal.VulnerabilitiesAffectingPackage([]*osvpb.Vulnerability{one}, p.x)) > 0
}

// fixedVersion is the fix of the range that matched p: among the fixed
// events of each range osv-scalibr finds affecting p on its own, the
// lowest above p's version (semantic's order). "" when no matching range
// has a fix, or p has no version.
func fixedVersion(p pkg, v *osvpb.Vulnerability) string {
	if p.x.Version == "" {
		return ""
	}
	eco := p.x.Ecosystem().String()
	cur, err := semantic.Parse(p.x.Version, eco)
	if err != nil {
		return ""
	}
	best := ""
	var bestV semantic.Version
	// With one range only, it is the one that matched (osv-scalibr said
	// the record affects p): the per-range question, which costs as much
	// as the match, is asked only when there is a choice.
	one := rangeCount(p, v) == 1
	for _, a := range v.GetAffected() {
		if !p.named(a.GetPackage().GetName()) {
			continue
		}
		for _, r := range a.GetRanges() {
			ra := &osvpb.Affected{Package: a.GetPackage(), Ranges: []*osvpb.Range{r}}
			if !one && !affects(p, v.GetId(), ra) {
				continue
			}
			for _, e := range r.GetEvents() {
				if e.GetFixed() == "" {
					continue
				}
				fv, err := semantic.Parse(e.GetFixed(), eco)
				if err != nil {
					continue
				}
				if c, err := cur.Compare(fv); err != nil || c >= 0 {
					continue // not above p's version
				}
				if best == "" {
					best, bestV = e.GetFixed(), fv
				} else if c, err := bestV.Compare(fv); err == nil && c > 0 {
					best, bestV = e.GetFixed(), fv
				}
			}
		}
	}
	return best
}

// rangeCount counts the ranges of v's affected entries that name p.
func rangeCount(p pkg, v *osvpb.Vulnerability) int {
	n := 0
	for _, a := range v.GetAffected() {
		if p.named(a.GetPackage().GetName()) {
			n += len(a.GetRanges())
		}
	}
	return n
}
