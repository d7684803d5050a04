package vuln

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	osvpb "github.com/ossf/osv-schema/bindings/go/osvschema"

	"github.com/vouchdev/vouch/pkg/finding"
)

// TestCVSSScore: vectors scored by go-cvss give the scores their
// publishers state (the nokogiri advisory's own "CVSS3 2.6" for its 3.0
// vector; FIRST's CVSS v4.0 specification example); v2 and malformed
// vectors are not scored.
func TestCVSSScore(t *testing.T) {
	for _, c := range []struct {
		typ    osvpb.Severity_Type
		vector string
		want   float64
		ok     bool
	}{
		{osvpb.Severity_CVSS_V3, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, true},
		{osvpb.Severity_CVSS_V3, "CVSS:3.0/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N", 2.6, true},
		{osvpb.Severity_CVSS_V4, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, true},
		{osvpb.Severity_CVSS_V2, "AV:N/AC:L/Au:N/C:P/I:P/A:P", 0, false},
		{osvpb.Severity_CVSS_V3, "CVSS:3.1/AV:N", 0, false},
	} {
		got, ok := cvssScore(c.typ, c.vector)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: %v %v, want %v %v", c.vector, got, ok, c.want, c.ok)
		}
	}
}

// TestSeverityAndFix: on the real advisories, severity is the CVSS
// rating, else GitHub's own (Newtonsoft.Json's advisory has no vector and
// says LOW); the fixed version is the fix of the range the version is in
// (Log4Shell has three: 2.3.1, 2.12.2 and 2.15.0), and none for a version
// in no range that has a fix.
func TestSeverityAndFix(t *testing.T) {
	db, err := Open(goDB)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := db.Match(context.Background(), doc(
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.3",
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.12.1",
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
		"pkg:nuget/Newtonsoft.Json@12.0.3",
		"pkg:golang/stdlib@go1.26.8",
	))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.3":    {"critical", "2.3.1"},
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.12.1": {"critical", "2.12.2"},
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1": {"critical", "2.15.0"},
		"pkg:nuget/Newtonsoft.Json@12.0.3":                     {"low", "13.0.1"},
	}
	seen := map[string]bool{}
	for _, m := range ms {
		v := m.Vulnerability
		if m.Component.Ecosystem == "Go" {
			// The Go database rates nothing: unknown, and a fix above the version.
			if v.Severity != string(SeverityUnknown) || v.FixedVersion == "" {
				t.Errorf("%s %s: severity %q fix %q", m.Component.PURL, v.ID, v.Severity, v.FixedVersion)
			}
			continue
		}
		w, ok := want[m.Component.PURL]
		if !ok {
			t.Errorf("unexpected match %s %s", m.Component.PURL, v.ID)
			continue
		}
		seen[m.Component.PURL] = true
		if v.Severity != w[0] || v.FixedVersion != w[1] {
			t.Errorf("%s %s: severity %q fixed %q, want %q %q", m.Component.PURL, v.ID, v.Severity, v.FixedVersion, w[0], w[1])
		}
	}
	for p := range want {
		if !seen[p] {
			t.Errorf("%s: not matched", p)
		}
	}
}

// TestMatchFinding: a match is a failed finding at level error whose rule
// is the advisory, naming the component and carrying the advisory; the
// finding does not share the match's slices.
func TestMatchFinding(t *testing.T) {
	db, err := Open(goDB)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := db.Match(context.Background(), doc("pkg:npm/lodash@4.17.20"))
	if err != nil || len(ms) != 1 {
		t.Fatalf("%v %v", ms, err)
	}
	f := ms[0].Finding("sbom.cdx.json")
	if f.ID != "GHSA-35jh-r3h4-6jhm" || f.Status != finding.StatusFail || f.Level != finding.LevelError ||
		f.Subject != "sbom.cdx.json" || f.PURL != "pkg:npm/lodash@4.17.20" || f.Component != "pkg:npm/lodash@4.17.20" ||
		f.Vulnerability == nil || f.Vulnerability.ID != f.ID || f.Expected != "version 4.17.21 or later" || f.Found != "4.17.20" ||
		f.Message != "Command Injection in lodash" {
		t.Fatalf("finding %+v", f)
	}
	f.Vulnerability.Aliases[0] = "changed"
	if ms[0].Vulnerability.Aliases[0] != "CVE-2021-23337" {
		t.Error("the finding shares the match's aliases")
	}
}

// TestRatingOutranksLowerScore: the real lodash advisory GHSA-35jh-r3h4-6jhm
// (CVSS 3.1 score 7.2, GitHub rating HIGH) with its rating raised to
// CRITICAL is critical — the more severe of the two, so a gate fails
// closed — and keeps its score; with its rating lowered to LOW (the
// control) the score's rating, high, stands.
func TestRatingOutranksLowerScore(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "osv", "npm", "GHSA-35jh-r3h4-6jhm.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ rating, want string }{{"CRITICAL", "critical"}, {"LOW", "high"}, {"HIGH", "high"}} {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "npm"), 0o755); err != nil {
			t.Fatal(err)
		}
		rec := bytes.Replace(raw, []byte(`"severity": "HIGH"`), []byte(`"severity": "`+tc.rating+`"`), 1)
		if tc.rating != "HIGH" && bytes.Equal(rec, raw) {
			t.Fatal(`the record has no "severity": "HIGH" to change`)
		}
		if err := os.WriteFile(filepath.Join(dir, "npm", "GHSA-35jh-r3h4-6jhm.json"), rec, 0o644); err != nil {
			t.Fatal(err)
		}
		db, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := db.Match(context.Background(), doc("pkg:npm/lodash@4.17.11"))
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 1 || ms[0].Vulnerability.Severity != tc.want || ms[0].Vulnerability.Score != 7.2 {
			t.Errorf("rating %s: %+v, want one match, severity %s, score 7.2", tc.rating, ms, tc.want)
		}
	}
}
