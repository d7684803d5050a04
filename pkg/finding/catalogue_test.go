package finding

import (
	"strings"
	"testing"
)

func TestCatalogueLookup(t *testing.T) {
	c := NewCatalogue()
	if err := c.Register(
		Rule{ID: "predicate.*", Title: "a required attestation", Level: LevelError},
		Rule{ID: "predicate.slsa.*", Title: "a SLSA attestation", Level: LevelWarning},
		Rule{ID: "predicate.provenance", Title: "provenance", Level: LevelNote},
		Rule{ID: "signer", Title: "signer", Level: LevelError},
	); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		id, title string
		ok        bool
	}{
		{"signer", "signer", true},
		{"predicate.provenance", "provenance", true},          // exact beats a family
		{"predicate.openvex", "a required attestation", true}, // family
		{"predicate.slsa.v1", "a SLSA attestation", true},     // the longest family prefix
		{"predicate.", "", false},                             // a family needs a name after its prefix
		{"predicate", "", false},                              // nor is its stem an id
		{"signer.extra", "", false},                           // an exact rule is not a family
		{"predicate.*", "a required attestation", true},       // the pattern itself, as listed
	} {
		r, ok := c.Lookup(tt.id)
		if ok != tt.ok || r.Title != tt.title || (ok && r.ID != tt.id) {
			t.Errorf("Lookup(%q) = %+v, %v; want title %q, %v", tt.id, r, ok, tt.title, tt.ok)
		}
	}
	var ids []string
	for _, r := range c.Rules() {
		ids = append(ids, r.ID)
	}
	if got := strings.Join(ids, " "); got != "predicate.* predicate.provenance predicate.slsa.* signer" {
		t.Errorf("Rules() = %s", got)
	}
}

func TestFamilyHelpURI(t *testing.T) {
	c := NewCatalogue()
	if err := c.Register(
		Rule{ID: "vulnerability.*", Title: "an advisory", HelpURI: OSVURI + NamePlaceholder, Level: LevelError},
		Rule{ID: "rule.*", Title: "a CEL rule", HelpURI: "https://example.com/policy#cel", Level: LevelError},
	); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{
		"vulnerability.GO-2024-2687":  "https://osv.dev/vulnerability/GO-2024-2687",
		"vulnerability.a/b?c":         "https://osv.dev/vulnerability/a%2Fb%3Fc", // escaped, not a path or query of its own
		"rule.built-on-tag":           "https://example.com/policy#cel",          // control: no placeholder, unchanged
		"vulnerability.GHSA-x-y-z{n}": "https://osv.dev/vulnerability/GHSA-x-y-z%7Bn%7D",
	} {
		if r, ok := c.Lookup(id); !ok || r.HelpURI != want {
			t.Errorf("Lookup(%q).HelpURI = %q, want %q", id, r.HelpURI, want)
		}
	}
}

func TestCatalogueRefuses(t *testing.T) {
	ok := Rule{ID: "a", Title: "A", Level: LevelError}
	for name, r := range map[string]Rule{
		"no id":        {Title: "t", Level: LevelError},
		"spaces":       {ID: " a", Title: "t", Level: LevelError},
		"no title":     {ID: "b", Level: LevelError},
		"bad level":    {ID: "b", Title: "t", Level: "fatal"},
		"no level":     {ID: "b", Title: "t"},
		"inner star":   {ID: "b*c", Title: "t", Level: LevelError},
		"duplicate id": ok,
	} {
		c := NewCatalogue()
		if err := c.Register(ok); err != nil {
			t.Fatalf("control: %v", err)
		}
		if err := c.Register(r); err == nil {
			t.Errorf("%s: %+v registered", name, r)
		}
	}
}

func TestRuleForAndLevel(t *testing.T) {
	c := NewCatalogue()
	_ = c.Register(Rule{ID: "sbom.ntia", Title: "NTIA", Level: LevelWarning})
	v := &Vulnerability{ID: "GO-2024-2687", Summary: "HTTP/2 CONTINUATION flood in net/http", Severity: "high", Aliases: []string{"CVE-2023-45288"}}
	for _, tt := range []struct {
		name  string
		f     Finding
		id    string
		level Level
		uri   string
	}{
		{"catalogued", Finding{ID: "sbom.ntia"}, "sbom.ntia", LevelWarning, ""},
		{"own level wins", Finding{ID: "sbom.ntia", Level: LevelNote}, "sbom.ntia", LevelNote, ""},
		{"unknown fails closed", Finding{ID: "mystery"}, "mystery", LevelError, ""},
		{"not evaluated fails closed", Finding{ID: "sbom.ntia", Status: StatusError, Level: LevelNote}, "sbom.ntia", LevelError, ""},
		{"skipped keeps the rule's", Finding{ID: "sbom.ntia", Status: StatusSkipped}, "sbom.ntia", LevelWarning, ""},
		{"advisory", Finding{ID: v.ID, Vulnerability: v}, v.ID, LevelError, "https://osv.dev/vulnerability/GO-2024-2687"},
		{"medium advisory", Finding{ID: "GHSA-x", Vulnerability: &Vulnerability{ID: "GHSA-x", Severity: "medium"}}, "GHSA-x", LevelWarning, "https://osv.dev/vulnerability/GHSA-x"},
		{"unknown severity", Finding{ID: "OSV-1", Vulnerability: &Vulnerability{ID: "OSV-1", Severity: "unknown"}}, "OSV-1", LevelNote, "https://osv.dev/vulnerability/OSV-1"},
	} {
		r := RuleFor(c, &tt.f)
		if r.ID != tt.id || LevelOf(&tt.f, r) != tt.level || r.HelpURI != tt.uri || r.Title == "" {
			t.Errorf("%s: rule %+v level %s", tt.name, r, LevelOf(&tt.f, r))
		}
	}
	if r := VulnerabilityRule(v); r.Title != v.Summary || !strings.Contains(r.Help, "CVE-2023-45288") {
		t.Errorf("advisory rule %+v", r)
	}
}

func TestSuppressed(t *testing.T) {
	for vex, want := range map[string]bool{"not_affected": true, "fixed": true, "affected": false, "under_investigation": false, "": false} {
		f := Finding{Status: StatusFail, Vulnerability: &Vulnerability{ID: "x", VEX: vex}}
		if f.Suppressed() != want {
			t.Errorf("VEX %q: suppressed %v", vex, !want)
		}
		f.Status = StatusError // not evaluated: never suppressed
		if f.Suppressed() {
			t.Errorf("VEX %q: a finding that could not be evaluated is suppressed", vex)
		}
	}
	if (&Finding{}).Suppressed() {
		t.Error("a finding without a vulnerability is suppressed")
	}
}
