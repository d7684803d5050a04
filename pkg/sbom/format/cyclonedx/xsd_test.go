package cyclonedx_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/format/cyclonedx"
	"github.com/vouchdev/vouch/pkg/sbom/sbomtest"
)

// xmllint validates XML against the official XSDs, offline.
func xmllint(t *testing.T) func(xsd string, doc []byte) error {
	return schematest.XSD(t, filepath.Join(schemaDir, "spdx.xsd"))
}

func TestGoldenXMLIsXSDValid(t *testing.T) {
	validate := xmllint(t)
	// 1.5 has no XSD in the corpus; its XML is checked by the round trip.
	for _, v := range []string{"1.6", "1.7"} {
		xsd := filepath.Join(schemaDir, "bom-"+v+".xsd")
		doc, err := os.ReadFile(goldenPath(v, true))
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(xsd, doc); err != nil {
			t.Errorf("%s: %v", v, err)
		}
		// The validator must be able to fail.
		bad := bytes.Replace(doc, []byte("<aggregate>complete</aggregate>"), []byte("<aggregate>bogus</aggregate>"), 1)
		if bytes.Equal(bad, doc) {
			t.Fatalf("%s: golden has no complete aggregate to break", v)
		}
		if validate(xsd, bad) == nil {
			t.Errorf("%s: a bogus aggregate passed XSD validation", v)
		}
	}
}

// TestCompoundLicensesXMLIsXSDValid covers the licence shapes the sample
// does not use: expressions, and 1.6's declared licence in evidence.
func TestCompoundLicensesXMLIsXSDValid(t *testing.T) {
	validate := xmllint(t)
	d := sbomtest.Sample()
	d.Components[2].Licenses = sbom.Licenses{Declared: "MIT OR Apache-2.0", Concluded: "LicenseRef-acme"}
	d.Components[3].Licenses = sbom.Licenses{Declared: "MIT", Concluded: "GPL-2.0-only WITH Classpath-exception-2.0"}
	for _, v := range []string{"1.6", "1.7"} {
		out := encode(t, cyclonedx.Encoder{Version: v, XML: true}, d)
		if !bytes.Contains(out, []byte("<expression")) {
			t.Fatalf("%s: no expression in the output", v)
		}
		if err := validate(filepath.Join(schemaDir, "bom-"+v+".xsd"), out); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
}
