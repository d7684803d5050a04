package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/internal/schematest"
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
