// Package cra gathers the evidence a release directory holds — verified
// signatures, provenance and SBOM attestations, each SBOM's BSI
// TR-03183-2 result, open vulnerabilities and the VEX statements that
// decide them — with the manufacturer's own facts (cra.yaml) into a
// [Report]: the Cyber Resilience Act's (Regulation (EU) 2024/2847)
// essential requirements of Annex I, part I and part II, item by item,
// each with a status and the evidence behind it, and what is missing.
//
// A tool can judge some requirements (is every artifact signed? does an
// SBOM exist and meet the technical guideline? is a known vulnerability
// open?) and not others (is the product secure by default?): those are
// reported as the manufacturer's declaration, never as met. A
// requirement whose evidence is absent is "missing evidence", never met.
//
// The report is data: [Report.JSON] is its direct encoding (schema
// [Schema]); [Report.HTML] and [Report.Markdown] render the same content
// for people. Nothing here prints.
package cra

import (
	"strings"
	"time"

	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// Schema identifies the JSON encoding of a [Report]. It changes only when
// a field changes meaning or disappears.
const Schema = "https://vouch.dev/schemas/cra-report/v1"

// Status is the outcome of one requirement.
type Status string

// Statuses. Only StatusMet says the evidence shows the requirement met.
const (
	StatusMet             Status = "met"
	StatusNotMet          Status = "not_met"
	StatusMissingEvidence Status = "missing_evidence"
	// StatusDeclaration is a requirement a tool cannot judge: the
	// manufacturer declares it, and the report says so.
	StatusDeclaration Status = "manufacturer_declaration"
)

// Label is the status in words, for people.
func (s Status) Label() string {
	switch s {
	case StatusMet:
		return "met"
	case StatusNotMet:
		return "not met"
	case StatusMissingEvidence:
		return "missing evidence"
	case StatusDeclaration:
		return "manufacturer's declaration"
	}
	return string(s)
}

// Report is the CRA evidence report of one release.
type Report struct {
	Schema string `json:"schema"`
	// Date is the day the report speaks for (--now, SOURCE_DATE_EPOCH),
	// YYYY-MM-DD: the support period is counted from it.
	Date            string        `json:"date"`
	Tool            string        `json:"tool"`
	Product         Product       `json:"product"`
	Manufacturer    Manufacturer  `json:"manufacturer"`
	SupportPeriod   SupportPeriod `json:"supportPeriod"`
	SecurityContact Contact       `json:"securityContact"`
	CVDPolicy       string        `json:"cvdPolicy"`
	Notes           string        `json:"notes,omitempty"`
	Release         Release       `json:"release"`
	Vulnerabilities Vulns         `json:"vulnerabilities"`
	Requirements    []Requirement `json:"requirements"`
	// Missing lists every piece of evidence the report looked for and did
	// not find, sorted.
	Missing []string `json:"missing"`
	Summary Summary  `json:"summary"`
}

// SupportPeriod is the end of the support period and where the report's
// date stands in it.
type SupportPeriod struct {
	End      string `json:"end"`
	Ended    bool   `json:"ended"`
	DaysLeft int    `json:"daysLeft"` // 0 once ended
}

// Contact is the security contact, and whether it is a security.txt URL
// (RFC 9116 §3).
type Contact struct {
	URI         string `json:"uri"`
	SecurityTxt bool   `json:"securityTxt"`
}

// Release is what the release directory holds and what of it verified.
type Release struct {
	// Dir is the directory as given.
	Dir string `json:"dir"`
	// Manifest is checksums.txt, the list of the release's artifacts, and
	// Checks its signature's verification.
	Manifest  Check      `json:"manifest"`
	Artifacts []Artifact `json:"artifacts"`
	// VEX names the VEX documents read, signed or not.
	VEX []VEXDocument `json:"vex"`
}

// Check is one verification outcome.
type Check struct {
	Status Status `json:"status"`
	// Detail says what was checked and found, in one sentence.
	Detail string `json:"detail"`
	// Evidence names the files it rests on.
	Evidence []string `json:"evidence,omitempty"`
}

// Artifact is the evidence about one artifact of the release.
type Artifact struct {
	Name   string `json:"name"`
	Digest string `json:"digest"`
	// Verified is vouch verify's verdict on the artifact and its bundles.
	Verified   bool  `json:"verified"`
	Signature  Check `json:"signature"`
	Provenance Check `json:"provenance"`
	SBOM       SBOM  `json:"sbom"`
	// Matched is true when its SBOM was matched against a vulnerability
	// database.
	Matched bool `json:"vulnerabilitiesMatched"`
	// Failures are the verification findings that did not pass.
	Failures []verify.Finding `json:"failures"`
}

// SBOM is an artifact's attested SBOM and its BSI TR-03183-2 result.
type SBOM struct {
	Check
	Format     string `json:"format,omitempty"` // "cyclonedx 1.6"
	Components int    `json:"components"`
	// BSI is the result of profile bsi-tr-03183-2; nil without an SBOM.
	BSI *Profile `json:"bsi,omitempty"`
}

// Profile is a compliance profile's result on one SBOM.
type Profile struct {
	ID       string  `json:"id"`
	Pass     bool    `json:"pass"`
	Score    float64 `json:"score"`
	Errors   int     `json:"errors"`
	Warnings int     `json:"warnings"`
	// Failures are the error-severity rules that failed, with how many
	// subjects failed each.
	Failures []RuleFailure `json:"failures"`
}

// RuleFailure is one failed profile rule.
type RuleFailure struct {
	Rule    string `json:"rule"`
	Clause  string `json:"clause"`
	Count   int    `json:"count"`
	Message string `json:"message"` // of the first subject that failed it
}

// VEXDocument is one VEX document read from the release.
type VEXDocument struct {
	Name string `json:"name"`
	// Signed is true for a VEX attestation that verified; false for a
	// plain file, whose statements are the manufacturer's word.
	Signed     bool `json:"signed"`
	Statements int  `json:"statements"`
	// Ignored says why a signed document's statements were not applied:
	// it verified against no artifact of the release.
	Ignored string `json:"ignored,omitempty"`
}

// Vulns is the vulnerability evidence.
type Vulns struct {
	// Database is the --db directory; "" when none was given, and then
	// nothing is known about vulnerabilities.
	Database string `json:"database"`
	// Open are matches no VEX statement resolves (not_affected, fixed);
	// Resolved are those it does. Both sorted by (artifact, purl, id).
	Open     []Vuln `json:"open"`
	Resolved []Vuln `json:"resolved"`
	// Unmatched are the components no advisory can name (no purl of an
	// ecosystem the database reads), "artifact: purl".
	Unmatched []string `json:"unmatched"`
}

// Vuln is one advisory matching a component of an artifact's SBOM.
type Vuln struct {
	Artifact string `json:"artifact"`
	vuln.Match
}

// Requirement is one essential requirement of CRA Annex I.
type Requirement struct {
	// ID is "I.1", "I.2.a" … "I.2.m", "II.1" … "II.8".
	ID string `json:"id"`
	// Clause cites it: "Annex I part II (1)".
	Clause string `json:"clause"`
	// Text is the requirement, shortened and paraphrased.
	Text   string `json:"text"`
	Status Status `json:"status"`
	// Evidence says what the status rests on, one line each.
	Evidence []string `json:"evidence"`
	// Missing is the evidence looked for and not found.
	Missing []string `json:"missing,omitempty"`
}

// Summary counts requirements by status.
type Summary struct {
	Met             int `json:"met"`
	NotMet          int `json:"notMet"`
	MissingEvidence int `json:"missingEvidence"`
	Declaration     int `json:"declaration"`
}

// dayOf is t's calendar day in UTC.
func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// PartI and PartII are the requirements of Annex I part I and part II.
func (r *Report) PartI() []Requirement  { return r.part("I.") }
func (r *Report) PartII() []Requirement { return r.part("II.") }

func (r *Report) part(prefix string) []Requirement {
	var out []Requirement
	for _, q := range r.Requirements {
		if strings.HasPrefix(q.ID, prefix) {
			out = append(out, q)
		}
	}
	return out
}
