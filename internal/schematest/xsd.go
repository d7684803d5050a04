package schematest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// XSD returns a validator of XML documents against an XSD, run by xmllint.
// The CycloneDX XSDs import the SPDX licence list by URL; an XML catalog
// maps that URL to the local copy spdxXSD and --nonet forbids any download.
// Without xmllint the test is skipped, except under CI=true where it fails:
// CI installs it (.ci/run), so a missing tool there is a broken setup.
func XSD(t testing.TB, spdxXSD string) func(xsd string, doc []byte) error {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xmllint is required in CI for XSD validation (apt-get install libxml2-utils)")
		}
		t.Skip("xmllint not installed (apt-get install libxml2-utils); CI=true makes this a failure")
	}
	dir := t.TempDir()
	spdx, err := filepath.Abs(spdxXSD)
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
	n := 0
	return func(xsd string, doc []byte) error {
		n++
		f := filepath.Join(dir, fmt.Sprintf("doc%d.xml", n))
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
