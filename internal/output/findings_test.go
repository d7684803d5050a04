package output

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/pkg/finding"
	_ "github.com/vouchdev/vouch/pkg/sbom/check" // registers the check profiles' rules
	"github.com/vouchdev/vouch/pkg/verify"
)

var findingsSchema = filepath.Join("..", "..", "schemas", "findings.schema.json")

// loadRun reads the recorded run of testdata/findings (see its ORIGIN).
func loadRun(t *testing.T) []finding.Finding {
	return decodeFixture[[]finding.Finding](t, filepath.Join("testdata", "findings", "run.json"))
}

// decodeFixture reads a recorded fixture strictly: a field the type lacks
// is an error, so a renamed field cannot go unnoticed.
func decodeFixture[T any](t *testing.T, path string) T {
	t.Helper()
	var v T
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// render emits the run through h and returns what it wrote.
func render(t *testing.T, fs []finding.Finding, mk func(w *bytes.Buffer) finding.Handler) []byte {
	t.Helper()
	var buf bytes.Buffer
	h := mk(&buf)
	for _, f := range fs {
		if err := h.Finding(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func findingsGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden(t, filepath.Join("..", "findings", name), got)
}

func TestJSONHandler(t *testing.T) {
	fs := loadRun(t)
	out := render(t, fs, func(w *bytes.Buffer) finding.Handler { return NewJSONHandler(w) })
	schematest.ValidateJSON(t, findingsSchema, out)
	var doc FindingsDocument
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	// signer fails, layout.inspections is skipped (both errors), the SHA-512
	// finding is an error, GO-2024-2687 (high, no VEX) is an error; the
	// two advisories a VEX statement settles are suppressed.
	want := Counts{Pass: 1, Error: 4, Suppressed: 2}
	if doc.Pass || doc.Counts != want || len(doc.Findings) != len(fs) {
		t.Errorf("pass %v counts %+v findings %d; want false %+v %d", doc.Pass, doc.Counts, len(doc.Findings), want, len(fs))
	}
	rules := map[string]finding.Rule{}
	for _, r := range doc.Rules {
		rules[r.ID] = r
	}
	if r := rules["bsi-tr-03183-2.component.hash-sha512"]; r.Clause != "TR-03183-2 v2.1.0 §5.2.2" {
		t.Errorf("check rule without its clause: %+v", r)
	}
	if r := rules["GO-2024-2687"]; r.HelpURI != "https://osv.dev/vulnerability/GO-2024-2687" || r.Title != "HTTP/2 CONTINUATION flood in net/http" {
		t.Errorf("advisory rule %+v", r)
	}
	if r := rules["signer"]; r.Title == "signer" || r.Help == "" {
		t.Errorf("verify rule not from the catalogue: %+v", r)
	}
	findingsGolden(t, "run.json.golden", out)
	// Control: a run of passes only passes.
	ok := render(t, fs[:1], func(w *bytes.Buffer) finding.Handler { return NewJSONHandler(w) })
	schematest.ValidateJSON(t, findingsSchema, ok)
	if !bytes.Contains(ok, []byte(`"pass": true`)) {
		t.Errorf("a run of passes does not pass:\n%s", ok)
	}
	// An empty run is a valid document with empty lists.
	empty := render(t, nil, func(w *bytes.Buffer) finding.Handler { return NewJSONHandler(w) })
	schematest.ValidateJSON(t, findingsSchema, empty)
}

func TestSARIFHandler(t *testing.T) {
	fs := loadRun(t)
	mk := func(w *bytes.Buffer) finding.Handler { return NewSARIFHandler(w, VouchTool("v1.2.3")) }
	out := render(t, fs, mk)
	schematest.ValidateJSON(t, sarifSchemaFile, out)
	if again := render(t, fs, mk); !bytes.Equal(out, again) {
		t.Error("two renderings of one run differ")
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID                   string
						HelpURI              string
						DefaultConfiguration struct{ Level string }
						Properties           map[string]any
					}
				}
			}
			Artifacts []struct {
				Location struct{ URI string }
				Hashes   map[string]string
			}
			Results []struct {
				RuleID       string
				RuleIndex    int
				Level        string
				Locations    []json.RawMessage
				Suppressions []struct{ Kind, Status, Justification string }
			}
		}
	}
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	// Passes are not results; every other finding is, suppressed or not.
	if len(run.Results) != len(fs)-1 {
		t.Fatalf("%d results, want %d", len(run.Results), len(fs)-1)
	}
	var got []string
	for _, r := range run.Results {
		if rule := run.Tool.Driver.Rules[r.RuleIndex]; rule.ID != r.RuleID {
			t.Errorf("result %s points at rule %s", r.RuleID, rule.ID)
		}
		s := r.RuleID + "=" + r.Level
		for _, sup := range r.Suppressions {
			s += "/" + sup.Kind + ":" + sup.Status + ":" + sup.Justification
		}
		if len(r.Locations) != 1 {
			t.Errorf("%s: %d locations", r.RuleID, len(r.Locations))
		}
		got = append(got, s)
	}
	want := []string{
		"signer=error", "layout.inspections=error", "bsi-tr-03183-2.component.hash-sha512=error",
		"GO-2024-2687=error", // the control: affected, no VEX statement, not suppressed
		"GO-2022-0969=error/external:accepted:VEX not_affected: vulnerable_code_not_in_execute_path: the server never enables HTTP/2 (app.openvex.json)",
		"GO-2023-2185=note/external:accepted:VEX fixed (app.openvex.json)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("results\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, r := range run.Tool.Driver.Rules {
		if strings.HasPrefix(r.ID, "GO-") && r.HelpURI != "https://osv.dev/vulnerability/"+r.ID {
			t.Errorf("advisory rule %s: helpUri %q", r.ID, r.HelpURI)
		}
		// Code scanning's security-severity: the CVSS score where the
		// advisory gives one (GO-2024-2687), none otherwise; no other rule
		// is tagged as a vulnerability.
		_, scored := r.Properties["security-severity"]
		_, tagged := r.Properties["tags"]
		if scored != (r.ID == "GO-2024-2687") || tagged != strings.HasPrefix(r.ID, "GO-") ||
			(scored && r.Properties["security-severity"] != "7.5") {
			t.Errorf("rule %s: properties %v", r.ID, r.Properties)
		}
	}
	if len(run.Artifacts) != 2 || run.Artifacts[0].Location.URI != "dist/app" ||
		run.Artifacts[0].Hashes["sha-256"] != "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" ||
		run.Artifacts[1].Location.URI != "dist/app.cdx.json" || run.Artifacts[1].Hashes != nil {
		t.Errorf("artifacts %+v", run.Artifacts)
	}
	findingsGolden(t, "run.sarif", out)
}

func TestTextHandler(t *testing.T) {
	fs := loadRun(t)
	out := render(t, fs, func(w *bytes.Buffer) finding.Handler { return NewTextHandler(w, false) })
	if bytes.Contains(out, []byte("\x1b[")) {
		t.Error("colour codes without a terminal")
	}
	for _, line := range []string{
		"dist/app  sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
		"  FAIL    signer: no bundle is signed by a trusted signer (expected: a key of trust.keys; found: key 3c5f…)\n",
		"  SKIPPED layout.inspections: ",
		"  FAIL    GO-2024-2687  pkg:golang/golang.org/x/net@v0.17.0: golang.org/x/net v0.17.0 is affected by GO-2024-2687 [high 7.5, CVE-2023-45288 GHSA-4v7x-pqxf-cx7m, fixed in 0.23.0, called]\n",
		"  VEX     GO-2022-0969  pkg:golang/stdlib@v1.19.0: ",
		"\n4 errors, 0 warnings, 0 notes, 1 passed, 2 not affected or fixed (VEX)\n",
	} {
		if !bytes.Contains(out, []byte(line)) {
			t.Errorf("missing %q in\n%s", line, out)
		}
	}
	findingsGolden(t, "run.txt", out)
	colour := render(t, fs, func(w *bytes.Buffer) finding.Handler { return NewTextHandler(w, true) })
	if !bytes.Contains(colour, []byte(red+"FAIL   "+reset)) || !bytes.Contains(colour, []byte(green+"pass   "+reset)) {
		t.Errorf("no colour on a terminal:\n%q", colour)
	}
}

// TestHandlersRefuseInvalidRule: an engine announcing a rule without a
// valid level is a programming error the handler reports.
func TestHandlersRefuseInvalidRule(t *testing.T) {
	var buf bytes.Buffer
	for name, h := range map[string]finding.Handler{
		"text": NewTextHandler(&buf, false), "json": NewJSONHandler(&buf), "sarif": NewSARIFHandler(&buf, VouchTool("x")),
	} {
		if err := h.Rule(finding.Rule{ID: "x", Title: "x", Level: "fatal"}); err == nil {
			t.Errorf("%s: accepted level fatal", name)
		}
		if err := h.Rule(finding.Rule{ID: "x", Title: "x", Level: finding.LevelNote}); err != nil {
			t.Errorf("%s: control: %v", name, err)
		}
	}
}

// TestVerifyRulesInReport: every finding id of the recorded verify report
// has a rule of its own in the catalogue (title, help), not the fallback.
func TestVerifyRulesInReport(t *testing.T) {
	r := loadVerifyReport(t)
	for _, a := range r.Artifacts {
		for _, f := range a.Findings {
			if rule, ok := finding.Lookup(f.ID); !ok || rule.Help == "" {
				t.Errorf("finding %s has no catalogued rule", f.ID)
			}
		}
	}
	if len(verify.Rules) == 0 {
		t.Fatal("no verify rules")
	}
}
