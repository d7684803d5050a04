package vex

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/format"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// protonBridge is a real SBOM (testdata/ORIGIN) and its matches against
// the whole real Go vulnerability database.
func protonBridge(t *testing.T) (*sbom.Document, []vuln.Match) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sbom", "proton-bridge-v1.8.0.bom.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, _, err := format.Decode(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	db, err := vuln.Open(filepath.Join("..", "..", "testdata", "osv"))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := db.Match(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, ms
}

// TestNotAffectedRemovesExactlyOne is issue 12's acceptance: over a real
// SBOM (proton-bridge v1.8.0, dozens of real matches), an OpenVEX
// not_affected for one advisory in one component, written and read back
// as a document, suppresses that match and no other; the same statement
// about another product suppresses nothing.
func TestNotAffectedRemovesExactlyOne(t *testing.T) {
	doc, matches := protonBridge(t)
	if len(matches) < 10 {
		t.Fatalf("only %d matches: the fixture or the database changed", len(matches))
	}
	product := doc.Component(doc.Primary).PURL
	net := "pkg:golang/golang.org/x/net@v0.0.0-20210405180319-a5a99cb37ef4"
	for _, tc := range []struct {
		name, product, vuln string
		want                int // suppressed matches
	}{
		{"by advisory id", product, "GO-2023-2102", 1},
		{"by CVE alias", product, "CVE-2023-39325", 1},
		{"control: another product", "pkg:golang/github.com/ProtonMail/proton-bridge@v1.6.3", "GO-2023-2102", 0},
		{"control: an advisory the SBOM does not match", product, "GO-2022-1059", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Statement{Vulnerability: tc.vuln, Products: []string{tc.product}, Subcomponents: []string{net},
				Status: NotAffected, Justification: "vulnerable_code_not_in_execute_path", Timestamp: t0}
			data, err := Create([]Statement{s}, "Proton", t0)
			if err != nil {
				t.Fatal(err)
			}
			stmts, err := Parse("bridge.openvex.json", data)
			if err != nil {
				t.Fatal(err)
			}
			got := Apply(append([]vuln.Match(nil), matches...), stmts, product)
			n := 0
			for i, m := range got {
				if !m.Suppressed() {
					continue
				}
				n++
				if m.Vulnerability.ID != "GO-2023-2102" || m.Component.PURL != net || m.Vulnerability.VEXSource != "bridge.openvex.json" {
					t.Errorf("match %d suppressed: %s in %s", i, m.Vulnerability.ID, m.Component.PURL)
				}
			}
			if n != tc.want {
				t.Errorf("%d of %d matches suppressed, want %d", n, len(got), tc.want)
			}
		})
	}
}
