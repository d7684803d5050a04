package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/pkg/verify"
)

var (
	verifySchema    = filepath.Join("..", "..", "schemas", "verify-report.schema.json")
	sarifSchemaFile = filepath.Join("..", "..", "testdata", "sarif", "sarif-schema-2.1.0.json")
)

// loadVerifyReport reads recorded verdicts: the renderers are tested from
// data, independently of the verification code.
func loadVerifyReport(t *testing.T) verify.Report {
	return verify.NewReport(decodeFixture[[]verify.ArtifactReport](t, filepath.Join("testdata", "verify", "report.json")))
}

func verifyGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "verify", name)
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

func TestVerifyTextGolden(t *testing.T) {
	r := loadVerifyReport(t)
	var buf bytes.Buffer
	if err := VerifyText(&buf, r, false); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "\x1b[") {
		t.Error("colour codes without a terminal")
	}
	// One line per finding, and a failure shows what was expected and found.
	for _, want := range []string{
		"dist/tool  sha256:e258d248fda94c63753607f7c4494ee0fcbe92f1a76bfdac795c9d84101eb317  NOT VERIFIED\n",
		"  FAIL    signer: none of the signers is trusted by the policy (expected: https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1 (issuer https://token.actions.githubusercontent.com); found: https://github.com/evil/app/",
		"  SKIPPED layout.inspections: ",
		"\n1 of 2 artifacts verified\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if n, want := strings.Count(out, "\n  "), 8; n != want {
		t.Errorf("%d finding lines, want %d (one per finding)", n, want)
	}
	verifyGolden(t, "report.txt", buf.Bytes())

	buf.Reset()
	if err := VerifyText(&buf, r, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), red+"NOT VERIFIED"+reset) || !strings.Contains(buf.String(), green+"VERIFIED"+reset) {
		t.Errorf("no colour on a terminal:\n%q", buf.String())
	}
}

func TestVerifyJSONGoldenAndSchema(t *testing.T) {
	r := loadVerifyReport(t)
	if r.Verified {
		t.Fatal("a report with a refused artifact is verified")
	}
	var buf bytes.Buffer
	if err := VerifyJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	schematest.ValidateJSON(t, verifySchema, buf.Bytes())
	verifyGolden(t, "report.json.golden", buf.Bytes())

	// The schema is strict enough to catch a broken report.
	sch, err := schematest.Compile(verifySchema)
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{
		"unknown status": `{"schema":"https://vouch.dev/schemas/verify-report/v1","verified":false,"artifacts":[{"name":"a","digest":"sha256:` + strings.Repeat("0", 64) + `","verified":false,"findings":[{"id":"bundle","status":"maybe","message":"m"}]}]}`,
		"wrong schema":   `{"schema":"v0","verified":true,"artifacts":[]}`,
		"short digest":   `{"schema":"https://vouch.dev/schemas/verify-report/v1","verified":false,"artifacts":[{"name":"a","digest":"sha256:00","verified":false,"findings":[]}]}`,
	} {
		if err := schematest.Check(sch, []byte(doc)); err == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}
}

func TestNewVerifyReportEmptyIsNotVerified(t *testing.T) {
	r := verify.NewReport(nil)
	if r.Verified || r.Artifacts == nil {
		t.Errorf("empty report: verified %v, artifacts %v", r.Verified, r.Artifacts)
	}
	var buf bytes.Buffer
	if err := VerifyJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	schematest.ValidateJSON(t, verifySchema, buf.Bytes())
}

func TestVerifySARIFGoldenAndSchema(t *testing.T) {
	var buf bytes.Buffer
	if err := VerifySARIF(&buf, loadVerifyReport(t), "v1.2.3"); err != nil {
		t.Fatal(err)
	}
	schematest.ValidateJSON(t, sarifSchemaFile, buf.Bytes())
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID     string         `json:"ruleId"`
				Level      string         `json:"level"`
				Properties map[string]any `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	// Results are the four findings that did not pass, all errors.
	var ids []string
	for _, r := range log.Runs[0].Results {
		ids = append(ids, r.RuleID+"="+fmt.Sprint(r.Properties["status"]))
		if r.Level != "error" {
			t.Errorf("%s: level %q, want error", r.RuleID, r.Level)
		}
	}
	if got, want := strings.Join(ids, " "), "bundle=fail signer=fail sbom.licenses=error layout.inspections=skipped"; got != want {
		t.Errorf("results %s, want %s", got, want)
	}
	verifyGolden(t, "report.sarif", buf.Bytes())
}

func TestVerifyBatchLine(t *testing.T) {
	var buf bytes.Buffer
	r := loadVerifyReport(t)
	if err := VerifyBatchLine(&buf, BatchLine{Line: 2, Report: &r.Artifacts[0]}); err != nil {
		t.Fatal(err)
	}
	if err := VerifyBatchLine(&buf, BatchLine{Line: 3, Error: "cannot read artifact"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), buf.String())
	}
	var l BatchLine
	if err := json.Unmarshal([]byte(lines[0]), &l); err != nil || l.Line != 2 || l.Report == nil || !l.Report.Verified {
		t.Errorf("line 1 = %s (%v)", lines[0], err)
	}
	if lines[1] != `{"line":3,"error":"cannot read artifact"}` {
		t.Errorf("line 2 = %s", lines[1])
	}
}
