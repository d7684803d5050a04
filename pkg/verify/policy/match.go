package policy

import (
	"context"
	"errors"
	"fmt"

	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/sbommatch"
)

// Finding ids of sbom.matchArtifact.
const (
	// FindingMatch is one difference between an SBOM and the artifact's
	// own components (omitted, misstated version, differing digest), or
	// the artifact that could not be re-derived; it passes once when every
	// SBOM lists what the artifact shows.
	FindingMatch = FindingSBOM + ".match-artifact"
	// FindingMatchUnshown passes, listing the components an SBOM names
	// that the artifact does not show (see package sbommatch: an SBOM may
	// legitimately list more than what ships).
	FindingMatchUnshown = FindingMatch + ".unshown"
)

// errNoBytes is the reason when the caller gave no way to re-derive the
// artifact.
var errNoBytes = errors.New("the artifact's bytes are not available (it was given as a digest): its components cannot be re-derived")

// matchExpected is what sbom.matchArtifact requires.
const matchExpected = "every component the artifact shows listed in each SBOM, at the version and with the digests the artifact shows"

// evalMatch re-derives the artifact's components and compares every SBOM
// with them (sbom.matchArtifact). An artifact that cannot be re-derived
// fails the requirement: it is never a pass.
func (s *state) evalMatch(ctx context.Context, evidence []string) {
	derived, err := s.derive(ctx)
	if err != nil {
		s.add(verify.Finding{ID: FindingMatch, Status: verify.StatusFail, Evidence: evidence,
			Message:  "the artifact's components cannot be re-derived to check the SBOM against",
			Expected: "an artifact vouch's catalog reads (a Go binary, a release archive .tar.gz/.tgz/.zip, a lockfile, ...)",
			Found:    err.Error()})
		return
	}
	var compared, unshown []string
	failed := 0
	for _, d := range s.sboms {
		res := sbommatch.Compare(d.input.Doc, derived.Document, s.a.Digests)
		for _, diff := range res.Diffs {
			failed++
			if failed <= maxListed {
				s.add(matchFinding(d.it.ev.Bundle, diff))
			}
		}
		for _, u := range res.Unshown {
			unshown = append(unshown, d.it.ev.Bundle+": "+u.String())
		}
		compared = append(compared, fmt.Sprintf("%s: %d components compared", d.it.ev.Bundle, res.Compared))
	}
	switch {
	case failed > maxListed:
		s.add(verify.Finding{ID: FindingMatch, Status: verify.StatusFail, Evidence: evidence, Expected: matchExpected,
			Message: fmt.Sprintf("and %d more differences between the SBOM and the artifact", failed-maxListed)})
	case failed == 0:
		f := verify.Finding{ID: FindingMatch, Status: verify.StatusPass, Evidence: evidence, Expected: matchExpected,
			Message: "the SBOM lists every component the artifact shows, at its version and digests", Found: listed(compared)}
		if len(derived.Warnings) > 0 {
			f.Found += "; the catalog warned: " + listed(derived.Warnings)
		}
		s.add(f)
	}
	if len(unshown) > 0 {
		s.add(verify.Finding{ID: FindingMatchUnshown, Status: verify.StatusPass, Evidence: evidence,
			Message: fmt.Sprintf("%d component(s) listed in the SBOM are not shown by the artifact (allowed: an SBOM may list source-level dependencies)", len(unshown)),
			Found:   listed(unshown)})
	}
}

// derive re-derives the artifact once per evaluation.
func (s *state) derive(ctx context.Context) (*Derived, error) {
	if s.a.Derive == nil {
		return nil, errNoBytes
	}
	d, err := s.a.Derive(ctx)
	if err == nil && (d == nil || d.Document == nil) {
		err = errors.New("re-deriving the artifact gave no document")
	}
	return d, err
}

// matchFinding is the failing finding for one difference: expected is
// what the artifact shows, found what the SBOM says.
func matchFinding(bundle string, d sbommatch.Diff) verify.Finding {
	f := verify.Finding{ID: FindingMatch, Status: verify.StatusFail, Evidence: []string{bundle}}
	switch d.Kind {
	case sbommatch.Omitted:
		f.Message = d.Name() + ": omitted from the SBOM"
		f.Expected, f.Found = "listed, at version "+d.Artifact+" (the artifact's)", "not listed"
	case sbommatch.Version:
		f.Message = d.Name() + ": version misstated in the SBOM"
		f.Expected, f.Found = "version "+d.Artifact+" (the artifact's)", "version "+d.SBOM
	default:
		f.Message = d.Name() + ": " + d.Field + " in the SBOM differs from the artifact's"
		f.Expected, f.Found = d.Field+" "+d.Artifact+" (the artifact's)", d.Field+" "+d.SBOM
	}
	return f
}
