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
