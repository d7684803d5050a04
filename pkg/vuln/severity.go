package vuln

import (
	"slices"
	"strings"

	"github.com/google/osv-scalibr/semantic"
	osvpb "github.com/ossf/osv-schema/bindings/go/osvschema"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/vouchdev/vouch/pkg/finding"
)

// newMatch describes advisory v affecting package p.
func newMatch(p pkg, v *advisory) (Match, error) {
	fixed, err := fixedVersion(p, v)
	if err != nil {
		return Match{}, err
	}
	sev, err := v.severityFor(p)
	if err != nil {
		return Match{}, err
	}
	fv := finding.Vulnerability{
		ID:           v.id,
		Aliases:      slices.Clone(v.aliases),
		Summary:      v.summary,
		FixedVersion: displayFixed(p.comp, fixed),
		Severity:     string(sev.severity),
		Score:        sev.score,
		Vector:       sev.vector,
	}
	return Match{Component: p.comp, Vulnerability: fv}, nil
}

// displayFixed writes an OSV fixed version in the form of the
// component's own version, so that the OSV path and govulncheck's
// (pkg/vuln/govuln) show a fix alike: the Go database writes "0.3.7" and
// "1.26.9", a Go SBOM (and govulncheck) "v0.3.7" for a module and, for
// the standard library, the toolchain's "go1.26.9" as vouch's Go catalog
// writes its version. Other ecosystems' versions are shown as they are.
func displayFixed(c Component, fixed string) string {
	if fixed == "" || c.Ecosystem != goEcosystemDir {
		return fixed
	}
	for _, prefix := range []string{"go", "v"} {
		if strings.HasPrefix(c.Version, prefix) && !strings.HasPrefix(fixed, prefix) {
			return prefix + fixed
		}
	}
	return fixed
}

// severityResult is an advisory's severity for a component.
type severityResult struct {
	severity Severity
	score    float64
	vector   string
}

// severityFor is severityOf, computed once per advisory when no affected
// entry carries its own severity (then it is the same for every
// component).
func (v *advisory) severityFor(p pkg) (severityResult, error) {
	if v.entrySeverity {
		return severityOf(p, v)
	}
	v.sevOnce.Do(func() { v.sev, _ = severityOf(p, v) })
	return v.sev, nil
}

// severityOf is the highest CVSS v3.x/v4 base score among the record's
// vectors and those of the affected entries naming p (scored with
// pandatix/go-cvss, osv-scalibr's calculator), rated as CVSS rates it
// unless the GitHub advisory database's own rating
// (database_specific.severity) is more severe, which then wins; without
// a vector that scores, that rating; else unknown.
func severityOf(p pkg, v *advisory) (severityResult, error) {
	sevs := slices.Clone(v.severity)
	if v.entrySeverity {
		for i := range v.affected {
			a := &v.affected[i]
			ok, err := a.affects(&p.target, a.versions, a.ranges)
			if err != nil {
				return severityResult{}, err
			}
			if ok {
				sevs = append(sevs, a.severity...)
			}
		}
	}
	best, vector := -1.0, ""
	for _, s := range sevs {
		if score, ok := cvssScore(s.Type, s.Score); ok && score > best {
			best, vector = score, s.Score
		}
	}
	rating, rated := ParseSeverity(v.dbSeverity)
	if best >= 0 {
		sev := FromScore(best)
		// The database's rating outranks a lower score: a gate fails
		// closed on the more severe of the two (GitHub rates some
		// advisories above what their vector computes).
		if rated && rating != SeverityUnknown && !sev.AtLeast(rating) {
			sev = rating
		}
		return severityResult{sev, best, vector}, nil
	}
	if rated {
		return severityResult{severity: rating}, nil
	}
	return severityResult{severity: SeverityUnknown}, nil
}

// cvssScore scores one CVSS v3.0, v3.1 or v4.0 vector; v2 is not scored
// (its scale does not map onto the ratings).
func cvssScore(typ osvpb.Severity_Type, vec string) (float64, bool) {
	switch {
	case typ == osvpb.Severity_CVSS_V3 && strings.HasPrefix(vec, "CVSS:3.1/"):
		if c, err := gocvss31.ParseVector(vec); err == nil {
			return c.BaseScore(), true
		}
	case typ == osvpb.Severity_CVSS_V3 && strings.HasPrefix(vec, "CVSS:3.0/"):
		if c, err := gocvss30.ParseVector(vec); err == nil {
			return c.BaseScore(), true
		}
	case typ == osvpb.Severity_CVSS_V4:
		if c, err := gocvss40.ParseVector(vec); err == nil {
			return c.Score(), true
		}
	}
	return 0, false
}

// fixedVersion is the fix of the range that matched p: among the fixed
// events of each range that affects p on its own (osv-scalibr's rules),
// the lowest above p's version (semantic's order). "" when no matching
// range has a fix, or p has no version.
func fixedVersion(p pkg, v *advisory) (string, error) {
	if p.x.Version == "" {
		return "", nil
	}
	eco := string(p.target.ecosystem.Ecosystem)
	cur := p.target.parsed
	if p.target.parseErr != nil {
		return "", nil
	}
	best := ""
	var bestV semantic.Version
	for i := range v.affected {
		a := &v.affected[i]
		if !slices.Contains(p.loose, a.loose) {
			continue
		}
		for j := range a.ranges {
			ok, err := a.affects(&p.target, nil, a.ranges[j:j+1])
			if err != nil {
				return "", err
			}
			if !ok {
				continue
			}
			for _, e := range a.ranges[j].events {
				if e.Fixed == "" {
					continue
				}
				fv := e.fixed
				if fv == nil || a.ranges[j].typ != osvpb.Range_ECOSYSTEM && a.ranges[j].typ != osvpb.Range_SEMVER || string(a.ecosystem.Ecosystem) != eco {
					var err error
					if fv, err = semantic.Parse(e.Fixed, eco); err != nil {
						continue
					}
				}
				if c, err := cur.Compare(fv); err != nil || c >= 0 {
					continue // not above p's version
				}
				if best == "" {
					best, bestV = e.Fixed, fv
				} else if c, err := bestV.Compare(fv); err == nil && c > 0 {
					best, bestV = e.Fixed, fv
				}
			}
		}
	}
	return best, nil
}
