package cyclonedx

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom/licexpr"
)

// TestSPDXIDsMatchSchema keeps the embedded licence list equal to the enum
// of the schema's spdx.schema.json: an id outside it would make license.id
// schema-invalid.
func TestSPDXIDsMatchSchema(t *testing.T) {
	b, err := os.ReadFile("../../../../testdata/cyclonedx/schema/spdx.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s struct{ Enum []string }
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	got := licexpr.IDs()
	if !slices.Equal(got, s.Enum) || len(got) < 500 {
		t.Fatalf("spdx-ids.txt (%d ids) differs from spdx.schema.json's enum (%d ids); regenerate it from the schema", len(got), len(s.Enum))
	}
}

func TestLicenseRef(t *testing.T) {
	for in, want := range map[string]string{
		"Acme Public License":   "LicenseRef-Acme-Public-License",
		" Foo (v2.0) / custom ": "LicenseRef-Foo-v2.0-custom",
		"ÄÖÜ":                   "LicenseRef-unnamed",
	} {
		if got := licenseRef(in); got != want {
			t.Errorf("licenseRef(%q) = %q, want %q", in, got, want)
		}
	}
}
