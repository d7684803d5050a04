package vex

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/internal/strictjson"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseFixtures reads the real OpenVEX and CycloneDX VEX examples.
func TestParseFixtures(t *testing.T) {
	for _, tc := range []struct {
		file    string
		n       int
		first   Statement // Source and Timestamp are checked apart
		firstTS string
	}{
		{"openvex/v0.2.0.json", 5, Statement{Vulnerability: "CVE-2023-1255", Status: Fixed,
			Products:      []string{"pkg:oci/alpine@sha256%3A124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126"},
			Subcomponents: []string{"pkg:apk/alpine/libssl3@3.0.8-r3", "pkg:apk/alpine/libcrypto3@3.0.8-r3"}}, "2023-07-18T00:28:47.696004345Z"},
		{"openvex/v020-1.vex.json", 1, Statement{Vulnerability: "CVE-9876-54321", Status: UnderInvestigation,
			Products: []string{"pkg:apk/wolfi/bash@1.0.0"}}, "2022-12-22T21:36:43Z"},
		{"openvex/v020-2.vex.json", 1, Statement{Vulnerability: "CVE-1234-5678", Status: UnderInvestigation,
			Products: []string{"pkg:apk/wolfi/git@2.41.0-1"}}, "2022-12-22T21:36:43Z"},
		{"cyclonedx/vex.json", 1, Statement{Vulnerability: "CVE-2020-25649", Status: NotAffected,
			Aliases:       []string{"SNYK-JAVA-COMFASTERXMLJACKSONCORE-1048302"},
			Products:      []string{"pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar"},
			Justification: "vulnerable_code_not_in_execute_path",
			Impact:        "Automated dataflow analysis and manual code review indicates that the vulnerable code is not reachable, either directly or indirectly."}, "0001-01-01T00:00:00Z"},
		{"cyclonedx/cisa_Case-1_vex-not_affected.json", 1, Statement{Vulnerability: "CVE-2021-44228", Status: NotAffected,
			Products: []string{"product-ABC"}, Justification: "vulnerable_code_not_present",
			Impact: "This version of Product ABC is not affected by the vulnerability. Class with vulnerable code was removed before shipping."}, "2022-03-03T00:00:00Z"},
		{"cyclonedx/cisa_Case-1_vex-affected.json", 1, Statement{Vulnerability: "CVE-2021-44228", Status: Affected,
			Products:        []string{"product-DEF"},
			ActionStatement: "This version of Product DEF is affected by the vulnerability. Customers are advised to upgrade to the latest release. Response: will not fix. Response: update."}, "2022-03-03T00:00:00Z"},
		{"cyclonedx/cisa_Case-1_vex-fixed.json", 1, Statement{Vulnerability: "CVE-2021-44228", Status: Fixed,
			Products: []string{"product-DEF"}}, "2022-03-03T00:00:00Z"},
		{"cyclonedx/cisa_Case-1_vex-under_investigation.json", 1, Statement{Vulnerability: "CVE-2021-44228", Status: UnderInvestigation,
			Products: []string{"product-GHI"}}, "2022-03-03T00:00:00Z"},
		{"cyclonedx/cisa_Case-2_vex.json", 19, Statement{Vulnerability: "CVE-2020-11896", Status: NotAffected,
			Products: []string{"product-ABC"}, Justification: "vulnerable_code_not_in_execute_path",
			Impact: "This version of Product ABC is not affected by the vulnerability. Linux TCP/IP used and therefore not vulnerable."}, "2022-03-03T00:00:00Z"},
		{"cyclonedx/uc_Case-2_vex.json", 1, Statement{Vulnerability: "CVE-2020-25649", Status: Affected,
			Products:        []string{"acme-product"},
			ActionStatement: "This version of Acme Product is affected by the vulnerability. Customers are advised to upgrade to the latest release. Response: will not fix. Response: update."}, "2022-01-13T00:00:00Z"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := Parse(tc.file, readFixture(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.n {
				t.Fatalf("%d statements, want %d", len(got), tc.n)
			}
			for _, s := range got {
				if s.Source != tc.file {
					t.Errorf("Source %q, want %q", s.Source, tc.file)
				}
			}
			first := got[0]
			if ts := first.Timestamp.Format(time.RFC3339Nano); ts != tc.firstTS {
				t.Errorf("timestamp %s, want %s", ts, tc.firstTS)
			}
			first.Source, first.Timestamp = "", time.Time{}
			if !equalStatement(first, tc.first) {
				t.Errorf("first statement\n got %+v\nwant %+v", first, tc.first)
			}
		})
	}
}

func equalStatement(a, b Statement) bool {
	return a.Vulnerability == b.Vulnerability && strings.Join(a.Aliases, ",") == strings.Join(b.Aliases, ",") &&
		strings.Join(a.Products, ",") == strings.Join(b.Products, ",") &&
		strings.Join(a.Subcomponents, ",") == strings.Join(b.Subcomponents, ",") &&
		a.Status == b.Status && a.Justification == b.Justification && a.Impact == b.Impact &&
		a.ActionStatement == b.ActionStatement && a.Timestamp.Equal(b.Timestamp) && a.Source == b.Source
}

// TestParseRejects changes one thing in a real document that parses (the
// control) and expects an error naming the file and the field.
func TestParseRejects(t *testing.T) {
	ovx := readFixture(t, "openvex/v0.2.0.json")
	cdx := readFixture(t, "cyclonedx/cisa_Case-1_vex-not_affected.json")
	for _, tc := range []struct {
		name, base string
		data       []byte
		want       string
		is         error
	}{
		{"openvex duplicate key", "openvex", replaceOnce(ovx, `"status": "fixed"`, `"status": "fixed", "status": "not_affected"`), "$.statements[0].status", strictjson.ErrDuplicateKey},
		{"openvex case-folded duplicate", "openvex", replaceOnce(ovx, `"status": "fixed"`, `"status": "fixed", "Status": "not_affected"`), "Status", strictjson.ErrDuplicateKey},
		{"openvex unknown status", "openvex", replaceOnce(ovx, `"status": "fixed"`, `"status": "patched"`), `statements[0]: invalid status value "patched"`, nil},
		{"openvex not_affected without why", "openvex", bytes.Replace(replaceOnce(ovx, `"status": "fixed"`, `"status": "not_affected"`), []byte(`"justification": "vulnerable_code_not_present",`), nil, -1), "statements[0]: either justification or impact statement", nil},
		{"openvex unknown justification", "openvex", replaceOnce(ovx, `"justification": "vulnerable_code_not_present"`, `"justification": "trust_me"`), `statements[3]: invalid justification value "trust_me"`, nil},
		{"openvex affected without action", "openvex", replaceOnce(ovx, `"status": "fixed"`, `"status": "affected"`), "statements[0]: action statement must be set", nil},
		{"openvex no vulnerability name", "openvex", replaceOnce(ovx, `"name": "CVE-2023-1255"`, `"name": ""`), "statements[0]: vulnerability.name: missing", nil},
		{"openvex no products", "openvex", replaceOnce(ovx, `"products": [`, `"products": [], "x": [`), "statements[0]: products: none", nil},
		{"openvex other context", "openvex", replaceOnce(ovx, `"https://openvex.dev/ns/v0.2.0"`, `"https://example.com/ns"`), `@context: want "https://openvex.dev/ns/v0.2.0"`, ErrFormat},
		{"openvex wrong type", "openvex", replaceOnce(ovx, `"version": 1`, `"version": "1"`), "$.version: want", nil},
		{"openvex no time", "openvex", replaceOnce(ovx, `"timestamp": "2023-07-17T18:28:47.696004345-06:00",`, ``), "statements[0]: timestamp: missing", nil},
		{"cyclonedx unknown state", "cyclonedx", replaceOnce(cdx, `"state": "not_affected"`, `"state": "fine"`), `vulnerabilities[0].analysis.state: want one of`, nil},
		{"cyclonedx unknown justification", "cyclonedx", replaceOnce(cdx, `"justification": "code_not_present"`, `"justification": "trust_me"`), `vulnerabilities[0].analysis.justification: unknown value "trust_me"`, nil},
		{"cyclonedx not_affected without why", "cyclonedx", bytes.Replace(replaceOnce(cdx, `"justification": "code_not_present",`, ``), []byte(`"detail": "This version of Product ABC is not affected by the vulnerability. Class with vulnerable code was removed before shipping."`), []byte(`"detail": ""`), 1), `vulnerabilities[0].analysis: state "not_affected" needs a justification or a detail`, nil},
		{"cyclonedx no affects", "cyclonedx", replaceOnce(cdx, `"ref": "product-ABC"`, `"ref": ""`), "vulnerabilities[0].affects[0].ref: missing", nil},
		{"cyclonedx no analysis", "cyclonedx", replaceOnce(cdx, `"analysis"`, `"x-analysis"`), "no entry has an analysis", ErrFormat},
		{"cyclonedx bad time", "cyclonedx", replaceOnce(cdx, `"2022-03-03T00:00:00Z"`, `"2022-03-03"`), "metadata.timestamp: want an RFC 3339 time", nil},
		{"cyclonedx response not a list", "cyclonedx", replaceOnce(cdx, `["will_not_fix"]`, `"will_not_fix"`), "$.vulnerabilities[0].analysis.response: want an array", nil},
		{"too deep", "openvex", append(append([]byte(`{"@context":`), bytes.Repeat([]byte("["), 100)...), bytes.Repeat([]byte("]"), 100)...), "nested too deeply", strictjson.ErrTooDeep},
		{"too large", "openvex", append(ovx, bytes.Repeat([]byte(" "), MaxSize)...), "the limit is", nil},
		{"neither", "openvex", []byte(`{"spdxVersion":"SPDX-2.3"}`), "neither OpenVEX", ErrFormat},
		{"a Sigstore bundle", "openvex", []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{}}`), "a Sigstore bundle (application/vnd.dev.sigstore.bundle.v0.3+json): give the VEX document it signs", ErrFormat},
		{"attestation of another type", "openvex", []byte(`{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`), "predicateType: want", ErrFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			control := map[string][]byte{"openvex": ovx, "cyclonedx": cdx}[tc.base]
			if _, err := Parse("control.json", control); err != nil {
				t.Fatalf("control: %v", err)
			}
			_, err := Parse("doc.json", tc.data)
			if err == nil {
				t.Fatal("parsed")
			}
			if !strings.HasPrefix(err.Error(), "doc.json: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to start with the file and contain %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

// replaceOnce replaces the first old in b, failing loudly (with a nil
// result the parser refuses) if it is not there.
func replaceOnce(b []byte, old, new string) []byte {
	if !bytes.Contains(b, []byte(old)) {
		panic("fixture lacks " + old)
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}

// TestParseAttestation reads the OpenVEX predicate of an in-toto
// statement, as a signed VEX bundle carries it.
func TestParseAttestation(t *testing.T) {
	doc := readFixture(t, "openvex/v0.2.0.json")
	st := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"00"}}],"predicateType":"` + PredicateType + `","predicate":` + string(doc) + `}`)
	got, err := Parse("a.vex.sigstore.json", st)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Parse("a.vex.sigstore.json", doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d statements, want %d", len(got), len(want))
	}
	for i := range got {
		if !equalStatement(got[i], want[i]) {
			t.Errorf("statement %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

// FuzzParse: Parse never panics, and what it accepts has a vulnerability,
// a known status and a product in every statement.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"openvex/v0.2.0.json", "openvex/v020-1.vex.json", "cyclonedx/vex.json", "cyclonedx/cisa_Case-2_vex.json", "cyclonedx/cisa_Case-1_vex-affected.json"} {
		f.Add(readFixture(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		stmts, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		for _, s := range stmts {
			if s.Vulnerability == "" || len(s.Products) == 0 {
				t.Fatalf("accepted %+v", s)
			}
			switch s.Status {
			case NotAffected, Affected, Fixed, UnderInvestigation:
			default:
				t.Fatalf("status %q", s.Status)
			}
		}
	})
}
