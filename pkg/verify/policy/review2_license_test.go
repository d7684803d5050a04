package policy

import (
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// TestReview2DenyListDeprecatedIDs: SPDX's deprecated ids are the same
// licences as their replacements (GPL-2.0 is GPL-2.0-only, GPL-2.0+ is
// GPL-2.0-or-later, GPL-2.0-with-classpath-exception is GPL-2.0-only WITH
// Classpath-exception-2.0; license-list-data marks them
// isDeprecatedLicenseId and names the replacement). A deny list compares
// spellings, so the denied licence passes under its other name — and
// syft, npm and Maven metadata write the deprecated ids routinely
// (package.json "license": "GPL-2.0"). docs/policy.md promises that
// denying GPL-2.0 denies GPL-2.0+, yet GPL-2.0-or-later, the same
// licence, passes. Controls: each denied licence spelled as denied fails.
func TestReview2DenyListDeprecatedIDs(t *testing.T) {
	cases := []struct{ deny, expr string }{
		{"GPL-2.0-only", "GPL-2.0-only"}, // control
		{"GPL-2.0-only", "GPL-2.0"},
		{"GPL-2.0-only", "GPL-2.0-with-classpath-exception"},
		{"GPL-2.0", "GPL-2.0"},  // control
		{"GPL-2.0", "GPL-2.0+"}, // control (documented)
		{"GPL-2.0", "GPL-2.0-only"},
		{"GPL-2.0", "GPL-2.0-or-later"},
		{"AGPL-3.0-only", "AGPL-3.0"},
		{"GPL-3.0-or-later", "GPL-3.0+"},
		{"LGPL-2.1-only", "LGPL-2.1"},
	}
	for _, c := range cases {
		deny := map[string]bool{strings.ToLower(c.deny): true}
		got := licenseVerdict(&sbom.Component{Name: "x", Licenses: sbom.Licenses{Declared: c.expr}}, nil, deny)
		if got == "" {
			t.Errorf("deny [%s]: component licensed %q is accepted; it is the same licence", c.deny, c.expr)
		}
	}
}
