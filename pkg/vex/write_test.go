package vex

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/pkg/vuln"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var cdxSchemaDir = filepath.Join("..", "..", "testdata", "cyclonedx", "schema")

// writerMatches are the real matches with every kind of decision: a VEX
// not_affected, a VEX affected, a Go vulnerability imported but not
// called, and one called with a fixed version.
func writerMatches(t testing.TB) []vuln.Match {
	ms := realMatches(t)
	ms[0].Vulnerability.VEX, ms[0].Vulnerability.Justification = "not_affected", "vulnerable_code_not_in_execute_path"
	ms[0].Vulnerability.VEXSource = "app.vex.json"
	ms[1].Vulnerability.VEX, ms[1].Vulnerability.Impact = "affected", "Update golang.org/x/net to v0.23.0 in the next release."
	ms[1].Vulnerability.Severity, ms[1].Vulnerability.Score, ms[1].Vulnerability.Vector = "high", 7.5, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
	ms[2].Vulnerability.Reachability = vuln.Imported
	ms[3].Vulnerability.Reachability, ms[3].Vulnerability.FixedVersion = vuln.Called, "0.3.8"
	return ms
}

var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update after checking the change)\ngot:\n%s", path, got)
	}
}

// TestOpenVEX: the document is valid against the OpenVEX schema, equal
// to its golden, byte-identical for equal inputs, and parses back to
// statements that decide the matches as they were decided.
func TestOpenVEX(t *testing.T) {
	for _, tc := range []struct{ name, product string }{
		{"openvex-product.json", product},
		{"openvex-digest.json", "sha256:124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126"},
		{"openvex-components.json", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := OpenVEX(writerMatches(t), tc.product, "Example Inc.", now)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, doc)
			again, err := OpenVEX(writerMatches(t), tc.product, "Example Inc.", now)
			if err != nil || !bytes.Equal(doc, again) {
				t.Fatalf("not deterministic (%v)", err)
			}
			schematest.ValidateJSON(t, filepath.Join("testdata", "openvex", "openvex_json_schema.json"), doc)
			other, _ := OpenVEX(writerMatches(t)[:3], tc.product, "Example Inc.", now)
			if bytes.Equal(idOf(t, doc), idOf(t, other)) {
				t.Error("@id does not depend on the statements")
			}
			roundTrip(t, doc, tc.product)
		})
	}
}

// TestCycloneDXVEX: the BOM is valid against the CycloneDX 1.6 schema,
// equal to its golden, and parses back to the same decisions.
func TestCycloneDXVEX(t *testing.T) {
	for _, tc := range []struct{ name, product string }{
		{"cyclonedx-product.json", product},
		{"cyclonedx-digest.json", "sha256:124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := CycloneDXVEX(writerMatches(t), tc.product, now)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, doc)
			schematest.ValidateJSON(t, filepath.Join(cdxSchemaDir, "bom-1.6.schema.json"), doc,
				filepath.Join(cdxSchemaDir, "spdx.schema.json"), filepath.Join(cdxSchemaDir, "jsf-0.82.schema.json"),
				filepath.Join(cdxSchemaDir, "cryptography-defs.schema.json"))
			roundTrip(t, doc, tc.product)
		})
	}
}

// roundTrip parses doc and applies it to undecided copies of the
// matches: each gets the status the writer gave it.
func roundTrip(t *testing.T, doc []byte, product string) {
	t.Helper()
	stmts, err := Parse("out.json", doc)
	if err != nil {
		t.Fatal(err)
	}
	want := writerMatches(t)
	got := realMatches(t)
	Apply(got, stmts, product)
	for i := range want {
		d := Decision(&want[i])
		if v := got[i].Vulnerability; v.VEX != string(d.Status) || v.Justification != d.Justification {
			t.Errorf("%s: parsed back as %q/%q, want %q/%q", v.ID, v.VEX, v.Justification, d.Status, d.Justification)
		}
	}
}

func idOf(t *testing.T, doc []byte) []byte {
	i := bytes.Index(doc, []byte(`"@id"`))
	if i < 0 {
		t.Fatal("no @id")
	}
	return doc[i : i+100]
}

// TestWritersNeedPURL: a component without a purl cannot be named.
func TestWritersNeedPURL(t *testing.T) {
	ms := realMatches(t)
	ms[2].Component.PURL = ""
	if _, err := OpenVEX(ms, product, "", now); err == nil {
		t.Error("OpenVEX named a component without a purl")
	}
	if _, err := CycloneDXVEX(ms, product, now); err == nil {
		t.Error("CycloneDXVEX named a component without a purl")
	}
	if _, err := OpenVEX(realMatches(t), product, "", now); err != nil {
		t.Errorf("control: %v", err)
	}
}

// TestCreateAdd: a created document parses back to its statement; Add
// keeps it, appends one and bumps the version; the later statement about
// the same product and advisory then decides.
func TestCreateAdd(t *testing.T) {
	net := "pkg:golang/golang.org/x/net@v0.7.0"
	first := na("GO-2023-2102", []string{product}, []string{net})
	doc, err := Create([]Statement{first}, "Example Inc.", t0)
	if err != nil {
		t.Fatal(err)
	}
	later := Statement{Vulnerability: "CVE-2023-39325", Products: []string{product}, Status: Fixed, Timestamp: t0.Add(time.Hour)}
	doc2, err := Add("a.json", doc, later, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := Parse("a.json", doc2)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 2 || stmts[0].Status != NotAffected || stmts[1].Status != Fixed {
		t.Fatalf("statements %+v", stmts)
	}
	if !bytes.Contains(doc2, []byte(`"version": 2`)) || !bytes.Equal(idOf(t, doc), idOf(t, doc2)) {
		t.Errorf("version or @id:\n%s", doc2)
	}
	if got := Apply(realMatches(t), stmts, product); got[0].Vulnerability.VEX != "fixed" {
		t.Errorf("VEX %q, want the later statement's fixed", got[0].Vulnerability.VEX)
	}
	if _, err := Add("b.json", readFixture(t, "cyclonedx/cisa_Case-2_vex.json"), later, t0); err == nil {
		t.Error("added an OpenVEX statement to a CycloneDX BOM")
	}
	bad := first
	bad.Justification = ""
	if _, err := Create([]Statement{bad}, "", t0); err == nil {
		t.Error("created not_affected without a justification or impact")
	}
}

// TestPredicate: OpenVEX is signed as it is; CycloneDX VEX converts to
// OpenVEX with the same statements; a ref that names no purl cannot.
func TestPredicate(t *testing.T) {
	ovx := readFixture(t, "openvex/v0.2.0.json")
	got, err := Predicate("v.json", ovx, "", now)
	if err != nil || !bytes.Equal(got, ovx) {
		t.Fatalf("OpenVEX changed (%v)", err)
	}
	cdx := readFixture(t, "cyclonedx/vex.json")
	conv, err := Predicate("vex.json", cdx, "Example Inc.", now)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Parse("x", cdx)
	back, err := Parse("x", conv)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(want) {
		t.Fatalf("%d statements, want %d", len(back), len(want))
	}
	for i := range want {
		want[i].Timestamp = now // the CycloneDX analysis has none: the document's
		if !equalStatement(back[i], want[i]) {
			t.Errorf("statement %d\n got %+v\nwant %+v", i, back[i], want[i])
		}
	}
	if _, err := Predicate("cisa.json", readFixture(t, "cyclonedx/cisa_Case-2_vex.json"), "", now); err == nil {
		t.Error("converted a ref that is no purl (product-ABC)")
	}
}

// TestCreateIDCoversEverything: documents that differ only in an impact
// statement have different @ids (go-vex's canonical hash omits it).
func TestCreateIDCoversEverything(t *testing.T) {
	s := Statement{Vulnerability: "CVE-2023-39325", Products: []string{product}, Status: NotAffected, Impact: "HTTP/2 is off", Timestamp: t0}
	a, err := Create([]Statement{s}, "x", t0)
	if err != nil {
		t.Fatal(err)
	}
	s.Impact = "HTTP/2 is on"
	b, err := Create([]Statement{s}, "x", t0)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(idOf(t, a), idOf(t, b)) {
		t.Error("same @id for different impact statements")
	}
	again, _ := Create([]Statement{s}, "x", t0)
	if !bytes.Equal(b, again) {
		t.Error("not deterministic")
	}
}
