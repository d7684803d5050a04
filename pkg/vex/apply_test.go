package vex

import (
	"archive/zip"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// osvMatch is a match of the real Go vulnerability database's advisory id
// (its aliases and summary as the database has them) on a component.
func osvMatch(t testing.TB, id, name, version string) vuln.Match {
	t.Helper()
	z, err := zip.OpenReader(filepath.Join("..", "..", "testdata", "osv", "Go", "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	f, err := z.Open(id + ".json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Aliases []string `json:"aliases"`
		Summary string   `json:"summary"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return vuln.Match{
		Component: vuln.Component{Name: name, Version: version, Ecosystem: "Go",
			PURL: "pkg:golang/" + name + "@" + version},
		Vulnerability: finding.Vulnerability{ID: id, Aliases: e.Aliases, Summary: e.Summary, Severity: "unknown"},
	}
}

// realMatches are four real advisories on two modules of one product.
func realMatches(t testing.TB) []vuln.Match {
	return []vuln.Match{
		osvMatch(t, "GO-2023-2102", "golang.org/x/net", "v0.7.0"),
		osvMatch(t, "GO-2024-2687", "golang.org/x/net", "v0.7.0"),
		osvMatch(t, "GO-2021-0113", "golang.org/x/text", "v0.3.6"),
		osvMatch(t, "GO-2022-1059", "golang.org/x/text", "v0.3.6"),
	}
}

const product = "pkg:golang/example.com/app@v1.2.0"

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func na(vulnID string, products, subs []string) Statement {
	return Statement{Vulnerability: vulnID, Products: products, Subcomponents: subs, Status: NotAffected,
		Justification: "vulnerable_code_not_in_execute_path", Timestamp: t0, Source: "test.vex.json"}
}

// TestApply: each statement that must not suppress (attack) comes with
// the statement that must (control), over real advisories; the decision
// lands on exactly the covered match.
func TestApply(t *testing.T) {
	net := "pkg:golang/golang.org/x/net@v0.7.0"
	for _, tc := range []struct {
		name   string
		stmt   Statement
		decide int // index of the one match decided, -1 none
	}{
		{"control: product and subcomponent", na("GO-2023-2102", []string{product}, []string{net}), 0},
		{"control: the component itself", na("GO-2023-2102", []string{net}, nil), 0},
		{"control: the component without version", na("GO-2023-2102", []string{"pkg:golang/golang.org/x/net"}, nil), 0},
		{"control: by the statement's CVE, an alias of the advisory", na("CVE-2023-39325", []string{net}, nil), 0},
		{"control: by GHSA alias in another case", na("ghsa-4374-P667-p6c8", []string{net}, nil), 0},
		{"control: the statement's alias is the advisory", func() Statement {
			s := na("CVE-0000-0000", []string{net}, nil)
			s.Aliases = []string{"GO-2023-2102"}
			return s
		}(), 0},
		{"control: product only covers its components", na("GO-2022-1059", []string{product}, nil), 3},
		{"control: the product by digest", na("GO-2022-1059", []string{"sha256:ABCDEF"}, nil), -2},
		{"control: qualifier given and equal", na("GO-2023-2102", []string{"pkg:golang/golang.org/x/net@v0.7.0?type=module"}, nil), -3},
		{"attack: another component", na("GO-2023-2102", []string{"pkg:golang/golang.org/x/text@v0.3.6"}, nil), -1},
		{"attack: another component in the product", na("GO-2023-2102", []string{product}, []string{"pkg:golang/golang.org/x/text"}), -1},
		{"attack: another version", na("GO-2023-2102", []string{"pkg:golang/golang.org/x/net@v0.8.0"}, nil), -1},
		{"attack: another vulnerability", na("GO-2024-2687x", []string{net}, nil), -1},
		{"attack: another vulnerability's alias", na("CVE-2023-45289", []string{net}, nil), -1},
		{"attack: another product", na("GO-2023-2102", []string{"pkg:golang/example.com/other@v1.2.0"}, []string{net}), -1},
		{"attack: another product version", na("GO-2023-2102", []string{"pkg:golang/example.com/app@v1.1.0"}, []string{net}), -1},
		{"attack: a name that only prefixes", na("GO-2023-2102", []string{"pkg:golang/golang.org/x/ne"}, nil), -1},
		{"attack: another namespace", na("GO-2023-2102", []string{"pkg:golang/golang.org/y/net@v0.7.0"}, nil), -1},
		{"attack: another type", na("GO-2023-2102", []string{"pkg:npm/golang.org/x/net@v0.7.0"}, nil), -1},
		{"attack: qualifier given and different", na("GO-2023-2102", []string{"pkg:golang/golang.org/x/net@v0.7.0?type=zip"}, nil), -1},
		{"attack: empty vulnerability", na("", []string{net}, nil), -1},
		{"attack: another digest", na("GO-2022-1059", []string{"sha256:abcdee"}, nil), -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			matches := realMatches(t)
			prod := product
			want := tc.decide
			switch want {
			case -2: // the artifact named by digest
				prod, want = "sha256:abcdef", 3
			case -3: // the component's purl carries the qualifier
				matches[0].Component.PURL = "pkg:golang/golang.org/x/net@v0.7.0?type=module"
				want = 0
			}
			if tc.name == "attack: another digest" {
				prod = "sha256:abcdef"
			}
			if tc.name == "attack: qualifier given and different" {
				matches[0].Component.PURL = "pkg:golang/golang.org/x/net@v0.7.0?type=module"
			}
			got := Apply(matches, []Statement{tc.stmt}, prod)
			for i, m := range got {
				v := m.Vulnerability
				if i == want {
					if v.VEX != "not_affected" || v.Justification != "vulnerable_code_not_in_execute_path" || v.VEXSource != "test.vex.json" || !m.Suppressed() {
						t.Errorf("match %d (%s) not decided: %+v", i, v.ID, v)
					}
				} else if v.VEX != "" || m.Suppressed() {
					t.Errorf("match %d (%s) decided: %+v", i, v.ID, v)
				}
			}
		})
	}
}

// TestApplyLatestWins: of the statements covering a match the latest
// wins, whatever their order; on equal times the later one.
func TestApplyLatestWins(t *testing.T) {
	net := "pkg:golang/golang.org/x/net@v0.7.0"
	old := na("GO-2023-2102", []string{net}, nil)
	old.Source = "old.json"
	newer := Statement{Vulnerability: "CVE-2023-39325", Products: []string{product}, Subcomponents: []string{net},
		Status: Affected, ActionStatement: "Update golang.org/x/net to v0.17.0.", Timestamp: t0.Add(time.Hour), Source: "new.json"}
	for _, tc := range []struct {
		name  string
		stmts []Statement
		want  string
	}{
		{"older first", []Statement{old, newer}, "affected"},
		{"newer first", []Statement{newer, old}, "affected"},
		{"tie: the later document", []Statement{func() Statement { s := newer; s.Timestamp = t0; return s }(), old}, "not_affected"},
		{"tie: the later document, reversed", []Statement{old, func() Statement { s := newer; s.Timestamp = t0; return s }()}, "affected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Apply(realMatches(t), tc.stmts, product)
			if v := got[0].Vulnerability; v.VEX != tc.want {
				t.Errorf("VEX %q from %s, want %q", v.VEX, v.VEXSource, tc.want)
			}
			if v := got[0].Vulnerability; v.VEX == "affected" && v.Impact != "Update golang.org/x/net to v0.17.0." {
				t.Errorf("impact %q", v.Impact)
			}
			for _, m := range got[1:] {
				if m.Vulnerability.VEX != "" {
					t.Errorf("%s decided", m.Vulnerability.ID)
				}
			}
		})
	}
}

// TestApplyRealDocument applies the real go-vex example (an OCI image,
// its apk subcomponents) to matches in that image: the OpenVEX purl's
// percent-encoded digest compares decoded.
func TestApplyRealDocument(t *testing.T) {
	stmts, err := Parse("v0.2.0.json", readFixture(t, "openvex/v0.2.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	img := "pkg:oci/alpine@sha256:124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126"
	m := func(id, p string) vuln.Match {
		return vuln.Match{Component: vuln.Component{PURL: p}, Vulnerability: finding.Vulnerability{ID: id}}
	}
	matches := []vuln.Match{
		m("CVE-2023-3446", "pkg:apk/alpine/libssl3@3.0.8-r3"),    // not_affected
		m("CVE-2023-1255", "pkg:apk/alpine/libcrypto3@3.0.8-r3"), // fixed
		m("CVE-2023-3446", "pkg:apk/alpine/libssl3@3.0.9-r0"),    // another version
		m("CVE-2023-0464", "pkg:apk/alpine/libssl3@3.0.8-r3"),    // no statement
	}
	got := Apply(matches, stmts, img)
	for i, want := range []string{"not_affected", "fixed", "", ""} {
		if got[i].Vulnerability.VEX != want {
			t.Errorf("match %d: VEX %q, want %q", i, got[i].Vulnerability.VEX, want)
		}
	}
	// The same image by digest alone: the same decisions.
	for i := range matches {
		matches[i].Vulnerability.VEX = ""
	}
	got = Apply(matches, stmts, "sha256:124C7D2707904EEA7431FFFE91522A01E5A861A624EE31D03372CC1D138A3126")
	for i, want := range []string{"not_affected", "fixed", "", ""} {
		if got[i].Vulnerability.VEX != want {
			t.Errorf("by digest, match %d: VEX %q, want %q", i, got[i].Vulnerability.VEX, want)
		}
	}
	// Another image: nothing applies.
	for i := range matches {
		matches[i].Vulnerability.VEX = ""
	}
	for _, other := range []string{"pkg:oci/alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000",
		"sha256:0000000000000000000000000000000000000000000000000000000000000000", "pkg:oci/alpine", "sha256:"} {
		for _, m := range Apply(matches, stmts, other) {
			if m.Vulnerability.VEX != "" {
				t.Errorf("%s in %s decided for %s", m.Vulnerability.ID, m.Component.PURL, other)
			}
		}
	}
}

// TestApplyNames: the product by digest and by purl; the latest statement
// wins whichever name it uses (applying name after name would let the
// older one, under the first name, decide).
func TestApplyNames(t *testing.T) {
	net := "pkg:golang/golang.org/x/net@v0.7.0"
	digest := "sha256:abcdef"
	older := na("GO-2023-2102", []string{digest}, []string{net})
	newer := Statement{Vulnerability: "GO-2023-2102", Products: []string{product}, Subcomponents: []string{net},
		Status: Affected, ActionStatement: "Update.", Timestamp: t0.Add(time.Hour)}
	for _, names := range [][]string{{digest, product}, {product, digest}} {
		got := ApplyNames(realMatches(t), []Statement{older, newer}, names)
		if got[0].Vulnerability.VEX != "affected" {
			t.Errorf("names %v: %q, want the newer affected", names, got[0].Vulnerability.VEX)
		}
	}
	// Control: each statement alone applies under its own name only.
	if got := ApplyNames(realMatches(t), []Statement{older}, []string{digest, product}); got[0].Vulnerability.VEX != "not_affected" {
		t.Errorf("older alone: %q", got[0].Vulnerability.VEX)
	}
	if got := ApplyNames(realMatches(t), []Statement{older}, []string{product, "sha256:abcdee"}); got[0].Vulnerability.VEX != "" {
		t.Errorf("older under other names: %q", got[0].Vulnerability.VEX)
	}
}
