// Package check tells whether an SBOM is good enough: it checks any
// CycloneDX or SPDX document — vouch's own or another tool's — against
// profiles of published requirements (BSI TR-03183-2, NTIA minimum
// elements, CISA 2025 minimum elements) and against the official schema of
// its exact spec version.
//
// Every rule has a stable id and cites the clause it implements. A failed
// check is a [Finding] naming the component and the field, what was
// expected and what was found. [Run] returns one [Report] per profile.
//
// The library never prints; internal/output renders reports as text, JSON
// or SARIF.
package check

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/sbom"
)

// Severity says how binding the clause behind a rule is.
type Severity string

// Severities. Only SeverityError findings make a profile fail.
const (
	SeverityError   Severity = "error"   // a SHALL / MUST: the profile fails
	SeverityWarning Severity = "warning" // a SHOULD: reported, the profile still passes
	SeverityInfo    Severity = "info"    // a MAY: reported for information
)

// Rule is one requirement of a profile.
type Rule struct {
	ID       string   // stable, e.g. "bsi-tr-03183-2.component.hash-sha512"
	Clause   string   // document, version and section, e.g. "TR-03183-2 v2.1.0 §5.2.2"
	Title    string   // one line, e.g. "Deployable components carry a SHA-512 hash"
	Severity Severity // of the clause
}

// Level is the finding level of a severity: error, warning, note.
func (s Severity) Level() finding.Level {
	switch s {
	case SeverityError:
		return finding.LevelError
	case SeverityWarning:
		return finding.LevelWarning
	}
	return finding.LevelNote
}

// Catalogued is the rule as [finding.Default] lists it: its clause and
// the published document the clause cites.
func (r Rule) Catalogued() finding.Rule {
	return finding.Rule{ID: r.ID, Title: r.Title, Clause: r.Clause, HelpURI: ClauseURI(r.Clause), Level: r.Severity.Level()}
}

// ClauseURI points at the published document a clause cites, "" when
// none is known.
func ClauseURI(clause string) string {
	for _, d := range []struct{ prefix, uri string }{
		{"TR-03183-2", "https://www.bsi.bund.de/dok/TR-03183"},
		{"BSI TR-03183-2", "https://www.bsi.bund.de/dok/TR-03183"},
		{"NTIA", "https://www.ntia.gov/report/2021/minimum-elements-software-bill-materials-sbom"},
		{"CISA", "https://www.cisa.gov/resources-tools/resources/2025-minimum-elements-software-bill-materials-sbom"},
		{"CycloneDX", "https://cyclonedx.org/specification/overview/"},
		{"SPDX", "https://spdx.dev/use/specifications/"},
		{"RFC 8259", "https://www.rfc-editor.org/rfc/rfc8259"},
	} {
		if strings.HasPrefix(clause, d.prefix) {
			return d.uri
		}
	}
	return ""
}

// Finding is one failed check: [finding.Finding], vouch's one result
// type, with status fail, the rule's id as ID and its severity as Level
// (error, warning, note). The clause is the rule's, in [finding.Default].
type Finding = finding.Finding

// newFinding is a failed check of rule r.
func newFinding(r Rule, field, expected, found, msg string) Finding {
	return Finding{ID: r.ID, Status: finding.StatusFail, Level: r.Severity.Level(), Field: field,
		Expected: expected, Found: found, Message: msg}
}

// Report is the outcome of one profile on one document.
type Report struct {
	Profile  string    `json:"profile"`
	Title    string    `json:"title"`
	Pass     bool      `json:"pass"`   // no error-severity finding
	Checks   int       `json:"checks"` // rule × subject evaluations made
	Failed   int       `json:"failed"` // of those, how many failed (error and warning findings)
	Score    float64   `json:"score"`  // 0–10: 10 × (checks − failed) / checks, one decimal
	Counts   Counts    `json:"counts"`
	Findings []Finding `json:"findings"`
}

// Counts are findings by level.
type Counts struct {
	Error   int `json:"error"`
	Warning int `json:"warning"`
	Note    int `json:"note"` // rules of a MAY (SeverityInfo), reported at level note
}

// Input is one SBOM to check: its bytes and what vouch made of them.
type Input struct {
	Name        string         // file name, for messages
	Raw         []byte         // the document as read
	Family      string         // "cyclonedx", "spdx-2" or "spdx-3"
	SpecVersion string         // as the document declares it: "1.6", "2.3", "3.0.1"
	Encoding    string         // "json", "xml" or "tag-value"
	Doc         *sbom.Document // decoded; nil when decoding failed (only the schema profile runs then)
	DecodeErr   error          // why Doc is nil

	cache *inputCache // facts read from Raw, shared by the profiles; set by Load
}

// Profile is a named rule set.
type Profile interface {
	ID() string
	Title() string
	Rules() []Rule
	// Check evaluates every rule and returns the findings and the number of
	// rule × subject checks made (for the score). An error is an
	// operational failure, not a finding.
	Check(ctx context.Context, in *Input) (findings []Finding, checks int, err error)
}

var (
	mu       sync.RWMutex
	profiles = map[string]Profile{}
)

// Register adds a profile; it panics on a duplicate id, a programming error.
func Register(p Profile) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := profiles[p.ID()]; dup {
		panic("check: duplicate profile " + p.ID())
	}
	profiles[p.ID()] = p
	for _, r := range p.Rules() {
		finding.MustRegister(r.Catalogued())
	}
}

// Lookup returns the profile with the given id.
func Lookup(id string) (Profile, bool) {
	mu.RLock()
	defer mu.RUnlock()
	p, ok := profiles[id]
	return p, ok
}

// Profiles lists the registered profile ids, sorted.
func Profiles() []string {
	mu.RLock()
	defer mu.RUnlock()
	ids := make([]string, 0, len(profiles))
	for id := range profiles {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Run evaluates the named profiles on one input, in the order given.
func Run(ctx context.Context, in *Input, ids ...string) ([]Report, error) {
	var reports []Report
	for _, id := range ids {
		p, ok := Lookup(id)
		if !ok {
			return nil, fmt.Errorf("unknown profile %q (profiles: %s)", id, strings.Join(Profiles(), ", "))
		}
		fs, checks, err := p.Check(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("%s: profile %s: %w", in.Name, id, err)
		}
		reports = append(reports, NewReport(p, fs, checks))
	}
	return reports, nil
}

// NewReport sorts findings deterministically and computes the summary.
func NewReport(p Profile, fs []Finding, checks int) Report {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return strings.Compare(a.ID+"\x00"+a.Component+"\x00"+a.Field, b.ID+"\x00"+b.Component+"\x00"+b.Field)
	})
	// Info findings are information, not failed checks: they do not lower the score.
	r := Report{Profile: p.ID(), Title: p.Title(), Checks: checks, Findings: fs, Pass: true}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	for _, f := range fs {
		switch f.Level {
		case finding.LevelError:
			r.Counts.Error++
			r.Failed++
			r.Pass = false
		case finding.LevelWarning:
			r.Counts.Warning++
			r.Failed++
		default:
			r.Counts.Note++
		}
	}
	if checks > 0 {
		ok := max(checks-r.Failed, 0)
		r.Score = float64(int(100*float64(ok)/float64(checks)+0.5)) / 10
	} else {
		r.Score = 10
	}
	return r
}
