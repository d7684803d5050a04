// Package vuln matches an SBOM's components against an offline OSV
// database and reports each affected component as a [Match]: the advisory,
// its severity, the version that fixes it, how a Go program reaches it,
// and the VEX statement or policy allow entry that decides it.
//
// The database is read from a directory in the OSV export layout (one
// folder per ecosystem holding its all.zip, or folders of OSV JSON files)
// by [Open], streaming: only the advisories that name a package being
// matched are kept. Version comparison is osv-scalibr's (package
// semantic); Go binaries and modules are analysed by golang.org/x/vuln
// (govulncheck), so a Go vulnerability is "called", "imported" or
// "required" as govulncheck reports it.
package vuln

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/pkg/finding"
)

// Severity of an advisory, from its CVSS score or its database's rating.
type Severity string

// Severities, most severe first. SeverityUnknown is an advisory that
// gives no score or rating: a policy treats it as at least its threshold
// only if asked to (see ParseSeverity and AtLeast).
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
	SeverityUnknown  Severity = "unknown"
)

// rank orders severities; unknown ranks below low.
var rank = map[Severity]int{SeverityUnknown: 0, SeverityLow: 1, SeverityMedium: 2, SeverityHigh: 3, SeverityCritical: 4}

// ParseSeverity reads "critical", "high", "medium" (or "moderate"), "low",
// "unknown", in any case.
func ParseSeverity(s string) (Severity, bool) {
	v := Severity(strings.ToLower(strings.TrimSpace(s)))
	if v == "moderate" {
		v = SeverityMedium
	}
	_, ok := rank[v]
	return v, ok
}

// AtLeast reports whether s is as severe as t or more.
func (s Severity) AtLeast(t Severity) bool { return rank[s] >= rank[t] }

// FromScore maps a CVSS v3/v4 base score to its qualitative rating
// (CVSS v3.1 specification §5).
func FromScore(score float64) Severity {
	switch {
	case score >= 9.0:
		return SeverityCritical
	case score >= 7.0:
		return SeverityHigh
	case score >= 4.0:
		return SeverityMedium
	case score > 0:
		return SeverityLow
	}
	return SeverityUnknown
}

// Reachability levels for Go, as govulncheck names them.
const (
	Called   = "called"
	Imported = "imported"
	Required = "required"
)

// Component is the component a match is about, as its SBOM names it.
type Component struct {
	// Ref is its id in the document (bom-ref, SPDX id).
	Ref       string `json:"ref,omitempty"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	PURL      string `json:"purl,omitempty"`
	Ecosystem string `json:"ecosystem"` // OSV ecosystem name: "Go", "npm", "PyPI", …
}

// Match is one advisory affecting one component.
type Match struct {
	Component Component `json:"component"`
	// Vulnerability carries the advisory and, once decided, the VEX
	// statement or allow entry (finding.Vulnerability is the one shape
	// every renderer and the policy read).
	Vulnerability finding.Vulnerability `json:"vulnerability"`
}

// Suppressed reports whether a VEX statement says the component is not
// affected or the vulnerability is fixed in it.
func (m *Match) Suppressed() bool {
	return m.Vulnerability.VEX == "not_affected" || m.Vulnerability.VEX == "fixed"
}

// Finding is the match as a finding of subject (the SBOM or artifact
// matched): its rule is the advisory, it fails at level error, and it
// carries the advisory in Vulnerability.
func (m Match) Finding(subject string) finding.Finding {
	v := m.Vulnerability
	v.Aliases = slices.Clone(v.Aliases)
	v.Symbols = slices.Clone(v.Symbols)
	msg := v.Summary
	if msg == "" {
		msg = fmt.Sprintf("%s@%s is affected by %s", m.Component.Name, m.Component.Version, v.ID)
	}
	expected := "a version not affected by " + v.ID
	if v.FixedVersion != "" {
		expected = "version " + v.FixedVersion + " or later"
	}
	return finding.Finding{
		ID:            v.ID,
		Status:        finding.StatusFail,
		Level:         finding.LevelError,
		Subject:       subject,
		Component:     m.Component.Ref,
		PURL:          m.Component.PURL,
		Message:       msg,
		Expected:      expected,
		Found:         m.Component.Version,
		Vulnerability: &v,
	}
}
