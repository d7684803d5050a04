package check

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/finding"
)

var (
	casesDir     = filepath.Join("..", "..", "..", "testdata", "cases")
	cdxExamples  = filepath.Join("..", "..", "..", "testdata", "cyclonedx", "examples")
	spdxExamples = filepath.Join("..", "..", "..", "testdata", "spdx", "examples")
)

// schemaCase is one entry of testdata/cases/schema-cases.json.
type schemaCase struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	File        string `json:"file"`
	SpecVersion string `json:"spec_version"`
	Expect      string `json:"expect"`
	Why         string `json:"why"`
}

func loadFile(t testing.TB, path string) *Input {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, err := Load(context.Background(), path, f, 0)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return in
}

func runSchema(t testing.TB, in *Input) Report {
	t.Helper()
	rs, err := Run(context.Background(), in, SchemaProfile)
	if err != nil {
		t.Fatal(err)
	}
	return rs[0]
}

// TestSchemaCases gives every cyclonedx-validate and spdx-validate case of
// the shared corpora its expected verdict.
func TestSchemaCases(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(casesDir, "schema-cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []schemaCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 100 {
		t.Fatalf("only %d cases in schema-cases.json", len(cases))
	}
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			in := loadFile(t, filepath.Join(casesDir, c.File))
			if in.SpecVersion != c.SpecVersion {
				t.Errorf("detected spec version %q, want %q", in.SpecVersion, c.SpecVersion)
			}
			r := runSchema(t, in)
			if got := map[bool]string{true: "pass", false: "fail"}[r.Pass]; got != c.Expect {
				t.Errorf("verdict %s, want %s (%s); findings:\n%s", got, c.Expect, c.Why, dump(r.Findings))
			}
		})
	}
}

// TestSchemaExamples: the specification's invalid-* CycloneDX examples fail,
// its valid-* examples and the SPDX examples pass.
func TestSchemaExamples(t *testing.T) {
	invalid, _ := filepath.Glob(filepath.Join(cdxExamples, "invalid-*", "*.json"))
	valid, _ := filepath.Glob(filepath.Join(cdxExamples, "valid-*", "*.json"))
	spdx, _ := filepath.Glob(filepath.Join(spdxExamples, "*.spdx*"))
	if len(invalid) < 10 || len(valid) < 50 || len(spdx) < 3 {
		t.Fatalf("examples missing: %d invalid, %d valid, %d spdx", len(invalid), len(valid), len(spdx))
	}
	for _, p := range invalid {
		t.Run(filepath.Base(p), func(t *testing.T) {
			r := runSchema(t, loadFile(t, p))
			if r.Pass || r.Counts.Error == 0 {
				t.Errorf("invalid example passes the schema profile")
			}
			for _, f := range r.Findings {
				if rule, _ := finding.Lookup(f.ID); f.ID != "schema.cyclonedx-1.6" || rule.Clause != "CycloneDX 1.6 JSON schema" || f.Field == "" || f.Expected == "" || f.Found == "" {
					t.Errorf("incomplete finding %+v", f)
				}
			}
		})
	}
	for _, p := range append(valid, spdx...) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			if r := runSchema(t, loadFile(t, p)); !r.Pass || len(r.Findings) != 0 {
				t.Errorf("valid example has findings:\n%s", dump(r.Findings))
			}
		})
	}
}

func dump(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.ID + " " + f.Field + ": expected " + f.Expected + ", found " + f.Found + "\n")
	}
	return b.String()
}

func TestSchemaFindingDetail(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      Finding
		clause    string // of the finding's rule
	}{
		{"enum", `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
		  "components":[{"type":"library","name":"a","bom-ref":"pkg:golang/a@v1","purl":"pkg:golang/a@v1","hashes":[{"alg":"FOO","content":"d41d8cd98f00b204e9800998ecf8427e"}]}]}`,
			Finding{ID: "schema.cyclonedx-1.6", Level: finding.LevelError,
				Component: "pkg:golang/a@v1", PURL: "pkg:golang/a@v1", Field: "/components/0/hashes/0/alg",
				Found: `"FOO"`}, "CycloneDX 1.6 JSON schema"},
		{"required", `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","bom-ref":"x"}]}`,
			Finding{ID: "schema.cyclonedx-1.5", Level: finding.LevelError,
				Component: "x", Field: "/components/0/name", Expected: `required: property "name"`, Found: "nothing"}, "CycloneDX 1.5 JSON schema"},
		{"date-time format", `{"bomFormat":"CycloneDX","specVersion":"1.7","version":1,"metadata":{"timestamp":"2024-01-01"}}`,
			Finding{ID: "schema.cyclonedx-1.7", Level: finding.LevelError,
				Field: "/metadata/timestamp", Found: `"2024-01-01"`}, "CycloneDX 1.7 JSON schema"},
		{"version without schema", `{"bomFormat":"CycloneDX","specVersion":"1.3","version":1}`,
			Finding{ID: RuleSchemaVersion, Level: finding.LevelError, Field: "/specVersion", Expected: "one of 1.4, 1.5, 1.6, 1.7", Found: "1.3"}, ""},
		{"truncated", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[`,
			Finding{ID: RuleSchemaJSON, Level: finding.LevelError, Field: "(root)", Expected: "a well-formed JSON document"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := Load(context.Background(), "doc.json", strings.NewReader(tc.doc), 0)
			if err != nil {
				t.Fatal(err)
			}
			r := runSchema(t, in)
			if len(r.Findings) != 1 {
				t.Fatalf("want 1 finding, got:\n%s", dump(r.Findings))
			}
			f := r.Findings[0]
			rule, _ := finding.Lookup(f.ID)
			if f.ID != tc.want.ID || f.Level != tc.want.Level || f.Status != finding.StatusFail || f.Field != tc.want.Field ||
				f.Component != tc.want.Component || f.PURL != tc.want.PURL ||
				(tc.clause != "" && rule.Clause != tc.clause) ||
				(tc.want.Expected != "" && f.Expected != tc.want.Expected) ||
				(tc.want.Found != "" && f.Found != tc.want.Found) {
				t.Errorf("finding\n got %+v\nwant %+v", f, tc.want)
			}
		})
	}
}

// TestSchemaXMLAndTagValue: formats without a JSON schema are decoded, and
// XML says that the XSD was not checked.
func TestSchemaXMLAndTagValue(t *testing.T) {
	xml := `<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"><components><component type="library"><name>a</name></component></components></bom>`
	in, err := Load(context.Background(), "a.cdx.xml", strings.NewReader(xml), 0)
	if err != nil {
		t.Fatal(err)
	}
	if in.Encoding != "xml" || in.SpecVersion != "1.6" || in.Family != "cyclonedx" {
		t.Fatalf("detected %s %s %s", in.Family, in.SpecVersion, in.Encoding)
	}
	r := runSchema(t, in)
	if !r.Pass || len(r.Findings) != 1 || r.Findings[0].ID != RuleSchemaXSD || r.Findings[0].Level != finding.LevelNote {
		t.Errorf("XML: want one info finding %s, got pass=%v\n%s", RuleSchemaXSD, r.Pass, dump(r.Findings))
	}
	bad := strings.Replace(xml, "</components>", "", 1)
	in, err = Load(context.Background(), "bad.cdx.xml", strings.NewReader(bad), 0)
	if err != nil {
		t.Fatal(err)
	}
	if r := runSchema(t, in); r.Pass || r.Findings[0].ID != RuleSchemaXML {
		t.Errorf("malformed XML: want a %s error, got\n%s", RuleSchemaXML, dump(r.Findings))
	}

	tv, err := os.ReadFile(filepath.Join(spdxExamples, "SPDXTagExample-v2.3.spdx"))
	if err != nil {
		t.Fatal(err)
	}
	in, err = Load(context.Background(), "x.spdx", bytes.NewReader(tv), 0)
	if err != nil {
		t.Fatal(err)
	}
	if in.Encoding != "tag-value" || in.SpecVersion != "2.3" {
		t.Fatalf("detected %s %s", in.SpecVersion, in.Encoding)
	}
	bad = strings.Replace(string(tv), "PackageName:", "PackageNam:", 1)
	in, err = Load(context.Background(), "bad.spdx", strings.NewReader(bad), 0)
	if err != nil {
		t.Fatal(err)
	}
	if r := runSchema(t, in); r.Pass || r.Findings[0].ID != RuleSchemaSPDXTagValue {
		t.Errorf("bad tag-value: want a %s error, got\n%s", RuleSchemaSPDXTagValue, dump(r.Findings))
	}
}
