package output

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/sbom/check"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// loadResults reads recorded check results: the renderers are tested from
// data, independently of the profiles' current rules.
func loadResults(t *testing.T) []CheckedSBOM {
	return decodeFixture[[]CheckedSBOM](t, filepath.Join("testdata", "check", "results.json"))
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "check", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestCheckTextGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := CheckText(&buf, loadResults(t), false); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\x1b[") {
		t.Error("colour codes without a terminal")
	}
	if !strings.Contains(buf.String(), "bsi-tr-03183-2: FAIL 3 errors 1 warning 1 note, score 7.8/10") {
		t.Errorf("summary line missing:\n%s", buf.String())
	}
	golden(t, "results.txt", buf.Bytes())

	buf.Reset()
	if err := CheckText(&buf, loadResults(t), true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), red+"FAIL"+reset) || !strings.Contains(buf.String(), green+"PASS"+reset) {
		t.Errorf("no colour on a terminal:\n%q", buf.String())
	}
}

func TestCheckJSONGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := CheckJSON(&buf, loadResults(t)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SchemaVersion string `json:"schemaVersion"`
		Pass          *bool  `json:"pass"`
		SBOMs         []struct {
			Name, Format, SpecVersion string
			Reports                   []check.Report
		} `json:"sboms"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != "vouch.check/v2" || doc.Pass == nil || *doc.Pass || len(doc.SBOMs) != 2 || len(doc.SBOMs[0].Reports) != 2 {
		t.Errorf("unexpected document shape: %+v", doc)
	}
	checkSchema := filepath.Join("..", "..", "schemas", "check-report.schema.json")
	schematest.ValidateJSON(t, checkSchema, buf.Bytes(), findingsSchema)
	// Control: the schema refuses v1's findings (rule, clause, severity).
	sch, err := schematest.Compile(checkSchema, findingsSchema)
	if err != nil {
		t.Fatal(err)
	}
	v1 := strings.Replace(buf.String(), `"id": "bsi-tr-03183-2.document.creator"`, `"rule": "bsi-tr-03183-2.document.creator", "clause": "TR-03183-2 v2.1.0 §5.2.1"`, 1)
	if v1 == buf.String() || schematest.Check(sch, []byte(v1)) == nil {
		t.Error("the check-report schema accepts a v1 finding")
	}
	golden(t, "results.json.golden", buf.Bytes())
}

func TestCheckSARIFGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := CheckSARIF(&buf, loadResults(t), "v1.2.3"); err != nil {
		t.Fatal(err)
	}
	schematest.ValidateJSON(t, filepath.Join("..", "..", "testdata", "sarif", "sarif-schema-2.1.0.json"), buf.Bytes())
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string
						Properties struct{ Clause string }
					}
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Results) != 6 {
		t.Errorf("%d results, want 6 (one per finding)", len(run.Results))
	}
	levels := map[string]int{}
	for _, r := range run.Results {
		levels[r.Level]++
		if rule := run.Tool.Driver.Rules[r.RuleIndex]; rule.ID != r.RuleID {
			t.Errorf("result %s points at rule %d (%s)", r.RuleID, r.RuleIndex, rule.ID)
		}
	}
	if levels["error"] != 4 || levels["warning"] != 1 || levels["note"] != 1 {
		t.Errorf("levels %v, want 4 error, 1 warning, 1 note", levels)
	}
	// The schema profile is registered: its whole rule table is listed.
	p, _ := check.Lookup(check.SchemaProfile)
	for _, r := range p.Rules() {
		found := false
		for _, sr := range run.Tool.Driver.Rules {
			found = found || (sr.ID == r.ID && sr.Properties.Clause == r.Clause)
		}
		if !found {
			t.Errorf("rule %s missing from the SARIF rules", r.ID)
		}
	}
	golden(t, "results.sarif", buf.Bytes())
}

// TestCheckSARIFAllProfiles renders every registered profile's rule table
// and validates the log: clauses and titles of any profile make valid SARIF.
func TestCheckSARIFAllProfiles(t *testing.T) {
	ids := check.Profiles()
	if len(ids) == 0 {
		t.Fatal("no profiles registered")
	}
	s := CheckedSBOM{Name: "dir/a b.cdx.json", Format: "cyclonedx", SpecVersion: "1.6", Encoding: "json"}
	for _, id := range ids {
		p, _ := check.Lookup(id)
		var fs []check.Finding
		for _, r := range p.Rules() {
			fs = append(fs, check.Finding{ID: r.ID, Status: finding.StatusFail, Level: r.Severity.Level(), Component: "c", PURL: "pkg:golang/c@v1",
				Field: "f", Expected: "e", Found: "nothing"})
		}
		s.Reports = append(s.Reports, check.NewReport(p, fs, len(fs)))
	}
	var buf bytes.Buffer
	if err := CheckSARIF(&buf, []CheckedSBOM{s}, "(devel)"); err != nil {
		t.Fatal(err)
	}
	schematest.ValidateJSON(t, filepath.Join("..", "..", "testdata", "sarif", "sarif-schema-2.1.0.json"), buf.Bytes())
	if !strings.Contains(buf.String(), `"uri": "dir/a%20b.cdx.json"`) {
		t.Error("artifact URI not escaped")
	}
}
