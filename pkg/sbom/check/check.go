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

// Finding is one failed check.
type Finding struct {
	Rule      string   `json:"rule"`
	Clause    string   `json:"clause"`
	Severity  Severity `json:"severity"`
	Component string   `json:"component,omitempty"` // bom-ref / SPDX id; "" for the document itself
	PURL      string   `json:"purl,omitempty"`
	Field     string   `json:"field"`    // e.g. "metadata.timestamp", "components[].hashes"
	Expected  string   `json:"expected"` // what the clause asks for
	Found     string   `json:"found"`    // what the document has ("nothing" when absent)
	Message   string   `json:"message"`  // one sentence for people
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

// Counts are findings by severity.
type Counts struct {
	Error   int `json:"error"`
	Warning int `json:"warning"`
	Info    int `json:"info"`
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
		return strings.Compare(a.Rule+"\x00"+a.Component+"\x00"+a.Field, b.Rule+"\x00"+b.Component+"\x00"+b.Field)
	})
	// Info findings are information, not failed checks: they do not lower the score.
	r := Report{Profile: p.ID(), Title: p.Title(), Checks: checks, Findings: fs, Pass: true}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	for _, f := range fs {
		switch f.Severity {
		case SeverityError:
			r.Counts.Error++
			r.Failed++
			r.Pass = false
		case SeverityWarning:
			r.Counts.Warning++
			r.Failed++
		default:
			r.Counts.Info++
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
