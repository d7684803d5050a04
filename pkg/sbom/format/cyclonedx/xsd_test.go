package cyclonedx_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/format/cyclonedx"
	"github.com/vouchdev/vouch/pkg/sbom/sbomtest"
)

// xmllint validates XML goldens against the official XSDs. The XSDs import
// the SPDX licence list by URL; an XML catalog maps it to the local copy and
// --nonet forbids any download.
func xmllint(t *testing.T) func(xsd string, doc []byte) error {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xmllint is required in CI for XSD validation (apt-get install libxml2-utils)")
		}
		t.Skip("xmllint not installed (apt-get install libxml2-utils); CI=true makes this a failure")
	}
	dir := t.TempDir()
	spdx, err := filepath.Abs(filepath.Join(schemaDir, "spdx.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	catalog := filepath.Join(dir, "catalog.xml")
	cat := fmt.Sprintf(`<?xml version="1.0"?>
<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
  <uri name="http://cyclonedx.org/schema/spdx" uri="file://%[1]s"/>
  <system systemId="http://cyclonedx.org/schema/spdx" uri="file://%[1]s"/>
</catalog>
`, filepath.ToSlash(spdx))
	if err := os.WriteFile(catalog, []byte(cat), 0o644); err != nil {
		t.Fatal(err)
	}
	return func(xsd string, doc []byte) error {
		f := filepath.Join(dir, "doc.xml")
		if err := os.WriteFile(f, doc, 0o644); err != nil {
			return err
		}
		cmd := exec.Command(bin, "--noout", "--nonet", "--schema", xsd, f)
		cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+catalog)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("xmllint: %v\n%s", err, out)
		}
		return nil
	}
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
