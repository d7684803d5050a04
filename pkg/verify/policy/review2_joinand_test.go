package policy

import (
	"context"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom/format"
)

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
		control      bool
	}{
		{"spaces (control)", "GPL-3.0-only", "MIT OR MIT", true},
		{"tabs", "GPL-3.0-only", `MIT\tOR\tMIT`, false},
		{"line breaks", "GPL-3.0-only", `MIT\nOR\nMIT`, false},
		{"unbalanced halves", "(GPL-3.0-only", "MIT)OR(MIT)", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, _, err := format.Decode(context.Background(), strings.NewReader(review2CDX(c.e1, c.e2)))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(doc.Components) != 1 {
				t.Fatalf("%d components", len(doc.Components))
			}
			comp := &doc.Components[0]
			expr := componentLicense(comp)
			if v := licenseVerdict(comp, nil, deny); v == "" {
				t.Errorf("deny [GPL-3.0-only]: licences %q and %q (read as %q) accepted; GPL-3.0-only applies", c.e1, c.e2, expr)
			}
			if v := licenseVerdict(comp, allow, nil); v == "" {
				t.Errorf("allow [MIT]: licences %q and %q (read as %q) accepted; GPL-3.0-only applies", c.e1, c.e2, expr)
			}
		})
	}
}
