package policy

import (
	"context"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom/format"
)

// review2SPDX3 is an SPDX 3.0.1 document with one package whose declared
// licences are two LicenseExpression elements, e1 and e2 (JSON string
// bodies), each through its own hasDeclaredLicense relationship.
func review2SPDX3(e1, e2 string) string {
	el := func(n, e string) string {
		return `{"type":"simplelicensing_LicenseExpression","spdxId":"https://x.example/doc#lic` + n + `","creationInfo":"_:ci",` +
			`"simplelicensing_licenseExpression":"` + e + `"},` +
			`{"type":"Relationship","spdxId":"https://x.example/doc#r` + n + `","creationInfo":"_:ci",` +
			`"from":"https://x.example/doc#lib","relationshipType":"hasDeclaredLicense","to":["https://x.example/doc#lic` + n + `"]}`
	}
	return `{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[` +
		`{"type":"CreationInfo","@id":"_:ci","specVersion":"3.0.1","created":"2024-05-06T07:08:09Z","createdBy":["https://x.example/doc#bot"]},` +
		`{"type":"SoftwareAgent","spdxId":"https://x.example/doc#bot","creationInfo":"_:ci","name":"generator"},` +
		`{"type":"SpdxDocument","spdxId":"https://x.example/doc#SPDXRef-DOCUMENT","creationInfo":"_:ci","rootElement":["https://x.example/doc#lib"]},` +
		`{"type":"software_Package","spdxId":"https://x.example/doc#lib","creationInfo":"_:ci","name":"lib",` +
		`"software_packageVersion":"1.0.0","software_packageUrl":"pkg:npm/lib@1.0.0"},` +
		el("1", e1) + `,` + el("2", e2) + `]}`
}

// review2CDX is a CycloneDX 1.6 document with one component whose licences
// are two entries, e1 and e2 (JSON string bodies).
func review2CDX(e1, e2 string) string {
	return `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[` +
		`{"type":"library","name":"lib","version":"1.0.0","purl":"pkg:npm/lib@1.0.0",` +
		`"licenses":[{"expression":"` + e1 + `"},{"expression":"` + e2 + `"}]}]}`
}

// TestReview2LicenseEntriesJoinedWithoutParentheses: a component's licence
// entries all apply (the decoder joins them with AND), and an entry is put
// in parentheses only when it contains a space. An entry whose operators
// are separated by tabs or line breaks — white space to the SPDX grammar
// and to licexpr — is joined bare, and AND binding tighter than OR
// re-associates it: "GPL-3.0-only" and "MIT\tOR\tMIT" become
// "GPL-3.0-only AND MIT\tOR\tMIT", that is (GPL-3.0-only AND MIT) OR MIT,
// which MIT alone satisfies. A policy denying GPL-3.0-only accepts a
// component that cannot be used without it (and an allow list [MIT]
// accepts it too). The same with an entry "(GPL-3.0-only" and
// "MIT)OR(MIT)", neither valid alone. Control: the same entries written
// with spaces are parenthesised and the component is denied.
func TestReview2LicenseEntriesJoinedWithoutParentheses(t *testing.T) {
	deny := map[string]bool{"gpl-3.0-only": true}
	allow := map[string]bool{"mit": true}
	cases := []struct {
		name, e1, e2 string
		accepted     bool // by both the deny and the allow list
	}{
		{"spaces (control)", "GPL-3.0-only", "MIT OR MIT", false},
		{"tabs", "GPL-3.0-only", `MIT\tOR\tMIT`, false},
		{"line breaks", "GPL-3.0-only", `MIT\nOR\nMIT`, false},
		{"unbalanced halves", "(GPL-3.0-only", "MIT)OR(MIT)", false},
		// Legitimate: every entry is satisfiable with MIT alone.
		{"legitimate tabs", "MIT", `MIT\tOR\tGPL-3.0-only`, true},
		{"legitimate groups", "(MIT)", "(MIT OR GPL-3.0-only) AND MIT", true},
	}
	docs := map[string]func(e1, e2 string) string{"cyclonedx": review2CDX, "spdx3": review2SPDX3}
	for _, c := range cases {
		for f, mk := range docs {
			t.Run(f+"/"+c.name, func(t *testing.T) {
				doc, _, err := format.Decode(context.Background(), strings.NewReader(mk(c.e1, c.e2)))
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				if len(doc.Components) != 1 {
					t.Fatalf("%d components", len(doc.Components))
				}
				comp := &doc.Components[0]
				expr := componentLicense(comp)
				for _, list := range []struct {
					name        string
					allow, deny map[string]bool
				}{{"deny [GPL-3.0-only]", nil, deny}, {"allow [MIT]", allow, nil}} {
					v := licenseVerdict(comp, list.allow, list.deny)
					if (v == "") != c.accepted {
						t.Errorf("%s: licences %q and %q (read as %q): verdict %q, want accepted=%v", list.name, c.e1, c.e2, expr, v, c.accepted)
					}
				}
			})
		}
	}
}
