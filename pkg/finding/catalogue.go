package finding

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// FamilySuffix ends the id of a rule that stands for a family of ids:
// "predicate.*" is the rule of "predicate.slsa-provenance",
// "predicate.openvex", … (ids whose last part comes from the user's policy
// or the document, which no table can list in advance).
const FamilySuffix = ".*"

// Catalogue is a set of rules, looked up by id. Rule ids are stable: a
// SARIF consumer, a policy or a person reading `vouch rules` keys on them.
// It is safe for concurrent use.
type Catalogue struct {
	mu       sync.RWMutex
	rules    map[string]Rule
	families []Rule // sorted by prefix length, longest first
}

// NewCatalogue returns an empty catalogue.
func NewCatalogue() *Catalogue {
	return &Catalogue{rules: map[string]Rule{}}
}

// Register adds rules. It refuses a rule without an id or a title, with
// an unknown level, or whose id is already registered: two packages must
// not describe one id two ways.
func (c *Catalogue) Register(rules ...Rule) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rules {
		if err := r.valid(); err != nil {
			return err
		}
		if _, dup := c.rules[r.ID]; dup {
			return fmt.Errorf("finding: rule %q registered twice", r.ID)
		}
		c.rules[r.ID] = r
		if _, ok := r.family(); ok {
			c.families = append(c.families, r)
			slices.SortStableFunc(c.families, func(a, b Rule) int { return len(b.ID) - len(a.ID) })
		}
	}
	return nil
}

// NamePlaceholder in a family rule's HelpURI stands for the member's
// name: "vulnerability.*" with HelpURI OSVURI+NamePlaceholder points
// "vulnerability.GO-2024-2687" at the advisory's page.
const NamePlaceholder = "{name}"

// Lookup returns the rule of id: the rule registered under id itself,
// else the family rule with the longest prefix of id, its ID set to id
// and [NamePlaceholder] in its HelpURI replaced by the rest of id
// (path-escaped).
func (c *Catalogue) Lookup(id string) (Rule, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if r, ok := c.rules[id]; ok {
		return r, true
	}
	for _, f := range c.families {
		prefix, _ := f.family()
		if name, ok := strings.CutPrefix(id, prefix); ok && name != "" {
			f.ID = id
			f.HelpURI = strings.ReplaceAll(f.HelpURI, NamePlaceholder, url.PathEscape(name))
			return f, true
		}
	}
	return Rule{}, false
}

// Rules lists every registered rule, family rules by their pattern,
// sorted by id.
func (c *Catalogue) Rules() []Rule {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Rule, 0, len(c.rules))
	for _, r := range c.rules {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// family reports whether r stands for a family of ids, and their prefix
// ("predicate." for "predicate.*").
func (r Rule) family() (string, bool) {
	if !strings.HasSuffix(r.ID, FamilySuffix) {
		return "", false
	}
	return strings.TrimSuffix(r.ID, "*"), true
}

func (r Rule) valid() error {
	switch {
	case r.ID == "" || strings.TrimSpace(r.ID) != r.ID:
		return fmt.Errorf("finding: rule id %q: expected a non-empty id without surrounding spaces", r.ID)
	case r.Title == "":
		return fmt.Errorf("finding: rule %q: expected a title, found none", r.ID)
	case strings.Contains(r.ID, "*") && !strings.HasSuffix(r.ID, FamilySuffix):
		return fmt.Errorf("finding: rule %q: expected \"*\" only as a family's final %q", r.ID, FamilySuffix)
	}
	if !r.Level.Valid() {
		return fmt.Errorf("finding: rule %q: level: expected error, warning or note, found %q", r.ID, r.Level)
	}
	return nil
}

// Valid reports whether l is one of the three levels.
func (l Level) Valid() bool {
	return l == LevelError || l == LevelWarning || l == LevelNote
}

// Default is the catalogue of every rule vouch reports on: packages
// register their rules into it when they are initialised (pkg/verify its
// finding ids, pkg/sbom/check its profiles' rules).
var Default = NewCatalogue()

// MustRegister adds rules to [Default]; it panics on an invalid or
// duplicate rule, a programming error found by any test that imports the
// package.
func MustRegister(rules ...Rule) {
	if err := Default.Register(rules...); err != nil {
		panic(err)
	}
}

// Lookup looks id up in [Default].
func Lookup(id string) (Rule, bool) { return Default.Lookup(id) }

// OSVURI is where an advisory is read: OSV's page of the id.
const OSVURI = "https://osv.dev/vulnerability/"

// VulnerabilityRule is the rule of one advisory: vulnerability rules are
// made per advisory, not registered (the database, not vouch, lists
// them). Its level follows the severity: critical and high are errors,
// medium a warning, low and unknown a note.
func VulnerabilityRule(v *Vulnerability) Rule {
	title := v.Summary
	if title == "" {
		title = "Vulnerability " + v.ID
	}
	help := title
	if len(v.Aliases) > 0 {
		help += " (" + strings.Join(v.Aliases, ", ") + ")"
	}
	return Rule{ID: v.ID, Title: title, Help: help, HelpURI: OSVURI + v.ID, Level: SeverityLevel(v.Severity)}
}

// SeverityLevel maps an advisory severity ("critical", "high", "medium",
// "low", "unknown") to a level.
func SeverityLevel(severity string) Level {
	switch strings.ToLower(severity) {
	case "critical", "high":
		return LevelError
	case "medium", "moderate":
		return LevelWarning
	}
	return LevelNote
}

// RuleFor is the rule a finding names, for renderers: the advisory's rule
// for a vulnerability finding, else the rule of cat (family rules
// included), else — so that no finding is dropped for want of a
// description — a rule of its own titled by its id, at level error.
func RuleFor(cat *Catalogue, f *Finding) Rule {
	if f.Vulnerability != nil && f.Vulnerability.ID == f.ID {
		return VulnerabilityRule(f.Vulnerability)
	}
	if cat != nil {
		if r, ok := cat.Lookup(f.ID); ok {
			return r
		}
	}
	return Rule{ID: f.ID, Title: f.ID, Level: LevelError}
}

// LevelOf is the level a finding is reported at: its own, else its
// rule's, else error. A requirement that could not be evaluated (status
// error) is an error whatever the levels say: it fails closed.
func LevelOf(f *Finding, r Rule) Level {
	if f.Status == StatusError {
		return LevelError
	}
	if f.Level.Valid() {
		return f.Level
	}
	if r.Level.Valid() {
		return r.Level
	}
	return LevelError
}

// Suppressed reports whether the finding failed and a VEX statement says
// its component is not affected by the vulnerability, or that it is fixed
// in it. A finding that could not be evaluated is never suppressed.
func (f *Finding) Suppressed() bool {
	return f.Status == StatusFail && f.Vulnerability != nil &&
		(f.Vulnerability.VEX == "not_affected" || f.Vulnerability.VEX == "fixed")
}
