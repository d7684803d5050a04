package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// TestVulnReportsValidate: vouch vuln's JSON is a findings document of
// schemas/findings.schema.json and its SARIF is valid SARIF 2.1.0, with
// the matches of a real SBOM's vulnerable components in them (and, the
// control, none for an SBOM of fixed versions, still valid).
func TestVulnReportsValidate(t *testing.T) {
	dir := t.TempDir()
	sboms := map[string]string{
		"vulnerable": `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
{"type":"library","bom-ref":"a","name":"lodash","version":"4.17.20","purl":"pkg:npm/lodash@4.17.20"},
{"type":"library","bom-ref":"s","name":"stdlib","version":"go1.21.0","purl":"pkg:golang/stdlib@go1.21.0"}]}`,
		"fixed": `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
{"type":"library","bom-ref":"a","name":"lodash","version":"4.17.21","purl":"pkg:npm/lodash@4.17.21"}]}`,
	}
	schemas := map[string]string{
		"json":  filepath.Join("..", "..", "schemas", "findings.schema.json"),
		"sarif": filepath.Join("..", "..", "testdata", "sarif", "sarif-schema-2.1.0.json"),
	}
	for name, doc := range sboms {
		p := filepath.Join(dir, name+".cdx.json")
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		for format, schema := range schemas {
			t.Run(name+"/"+format, func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				code := Run(context.Background(), []string{"vuln", p, "--db", filepath.Join("..", "..", "testdata", "osv"), "-o", format},
					strings.NewReader(""), &stdout, &stderr)
				if code != ExitOK {
					t.Fatalf("exit %d: %s", code, stderr.String())
				}
				schematest.ValidateJSON(t, schema, stdout.Bytes())
				has := strings.Contains(stdout.String(), "GHSA-35jh-r3h4-6jhm")
				if has != (name == "vulnerable") {
					t.Errorf("report names lodash's advisory: %v, want %v", has, name == "vulnerable")
				}
			})
		}
	}
}

// TestVulnVerdict: --fail-on counts a match at or above the threshold
// unless a VEX statement says not_affected or fixed; affected and
// under_investigation still count; unknown severity counts only for
// --fail-on unknown.
func TestVulnVerdict(t *testing.T) {
	m := func(sev, vex string) vuln.Match {
		return vuln.Match{Component: vuln.Component{Name: "lodash", Version: "4.17.20"},
			Vulnerability: finding.Vulnerability{ID: "GHSA-35jh-r3h4-6jhm", Severity: sev, VEX: vex}}
	}
	for _, c := range []struct {
		name   string
		ms     []vuln.Match
		failOn vuln.Severity
		fail   bool
	}{
		{"high at high", []vuln.Match{m("high", "")}, vuln.SeverityHigh, true},
		{"high at critical", []vuln.Match{m("high", "")}, vuln.SeverityCritical, false},
		{"high, VEX not_affected", []vuln.Match{m("high", "not_affected")}, vuln.SeverityHigh, false},
		{"high, VEX fixed", []vuln.Match{m("high", "fixed")}, vuln.SeverityHigh, false},
		{"high, VEX affected", []vuln.Match{m("high", "affected")}, vuln.SeverityHigh, true},
		{"high, VEX under_investigation", []vuln.Match{m("high", "under_investigation")}, vuln.SeverityHigh, true},
		{"unknown at low", []vuln.Match{m("unknown", "")}, vuln.SeverityLow, false},
		{"unknown at unknown", []vuln.Match{m("unknown", "")}, vuln.SeverityUnknown, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stderr bytes.Buffer
			e := &env{stderr: &stderr}
			err := e.vulnVerdict(c.ms, &c.failOn, &vulnFlags{})
			var ee *exitError
			if got := errors.As(err, &ee) && ee.code == ExitFailure; got != c.fail {
				t.Fatalf("exit 3: %v, want %v (%v)", got, c.fail, err)
			}
		})
	}
}
