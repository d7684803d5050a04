package cyclonedx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/format/cyclonedx"
	"github.com/vouchdev/vouch/pkg/sbom/sbomtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const schemaDir = "../../../../testdata/cyclonedx/schema"

// schemaResources are the files the CycloneDX schemas $ref by relative URL.
var schemaResources = []string{
	filepath.Join(schemaDir, "spdx.schema.json"),
	filepath.Join(schemaDir, "jsf-0.82.schema.json"),
	filepath.Join(schemaDir, "cryptography-defs.schema.json"),
}

func schemaPath(version string) string {
	return filepath.Join(schemaDir, "bom-"+version+".schema.json")
}

func goldenPath(version string, xml bool) string {
	ext := ".cdx.json"
	if xml {
		ext = ".cdx.xml"
	}
	return filepath.Join("testdata", "golden", "sample-"+version+ext)
}

func encode(t testing.TB, e cyclonedx.Encoder, d *sbom.Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := e.Encode(&buf, d); err != nil {
		t.Fatalf("encode %+v: %v", e, err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, v := range cyclonedx.Versions {
		for _, xml := range []bool{false, true} {
			path := goldenPath(v, xml)
			t.Run(filepath.Base(path), func(t *testing.T) {
				got := encode(t, cyclonedx.Encoder{Version: v, XML: xml}, sbomtest.Sample())
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("output differs from %s (run go test -update after checking the change)\ngot:\n%s", path, got)
				}
				if !bytes.HasSuffix(got, []byte("}\n")) && !bytes.HasSuffix(got, []byte(">\n")) {
					t.Error("output does not end with a newline after the document")
				}
			})
		}
	}
}

func TestGoldenJSONIsSchemaValid(t *testing.T) {
	for _, v := range cyclonedx.Versions {
		t.Run(v, func(t *testing.T) {
			doc, err := os.ReadFile(goldenPath(v, false))
			if err != nil {
				t.Fatal(err)
			}
			schematest.ValidateJSON(t, schemaPath(v), doc, schemaResources...)
		})
	}
}

// TestSchemaValidatorRejects makes sure the validator is not vacuous: a
// golden file with a broken timestamp format and an unknown field fails.
func TestSchemaValidatorRejects(t *testing.T) {
	sch, err := schematest.Compile(schemaPath("1.6"), schemaResources...)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(goldenPath("1.6", false))
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(map[string]any){
		"timestamp without zone": func(m map[string]any) { m["metadata"].(map[string]any)["timestamp"] = "2026-01-02T03:04:05" },
		"unknown field":          func(m map[string]any) { m["bogus"] = true },
		"bad serial":             func(m map[string]any) { m["serialNumber"] = "1234" },
	} {
		var m map[string]any
		if err := json.Unmarshal(doc, &m); err != nil {
			t.Fatal(err)
		}
		mutate(m)
		b, _ := json.Marshal(m)
		if schematest.Check(sch, b) == nil {
			t.Errorf("%s: schema validation passed, want a failure", name)
		}
	}
}

func TestEncodeDoesNotModifyInput(t *testing.T) {
	d := sbomtest.Sample()
	// Put things out of order so that normalizing in place would show.
	d.Components[0], d.Components[4] = d.Components[4], d.Components[0]
	c := &d.Components[1]
	for i, j := 0, len(c.Properties)-1; i < j; i, j = i+1, j-1 {
		c.Properties[i], c.Properties[j] = c.Properties[j], c.Properties[i]
	}
	before := cloneJSON(t, d)
	first := encode(t, cyclonedx.Encoder{}, d)
	if after := cloneJSON(t, d); after != before {
		t.Fatal("Encode modified its input")
	}
	if second := encode(t, cyclonedx.Encoder{}, sbomtest.Sample()); !bytes.Equal(first, second) {
		t.Error("the same content in another order encodes differently")
	}
}

func cloneJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEncodeUnknownVersion(t *testing.T) {
	for _, v := range []string{"1.4", "2.0", "1.6.1"} {
		var buf bytes.Buffer
		err := cyclonedx.Encoder{Version: v}.Encode(&buf, sbomtest.Sample())
		if err == nil || !strings.Contains(err.Error(), v) {
			t.Errorf("version %q: got %v, want an error naming it", v, err)
		}
		if buf.Len() != 0 {
			t.Errorf("version %q: wrote %d bytes on error", v, buf.Len())
		}
	}
	if err := (cyclonedx.Encoder{}).Encode(&bytes.Buffer{}, nil); err == nil {
		t.Error("nil document: no error")
	}
	bad := sbomtest.Sample()
	bad.Dependencies[0].DependsOn = append(bad.Dependencies[0].DependsOn, "nope")
	if err := (cyclonedx.Encoder{}).Encode(&bytes.Buffer{}, bad); !errors.Is(err, sbom.ErrInvalid) {
		t.Errorf("dangling dependency: got %v, want sbom.ErrInvalid", err)
	}
}

// TestEncodeBSIFields checks the fields BSI TR-03183-2 v2.1 asks for in the
// default version, on the parsed output rather than on bytes.
func TestEncodeBSIFields(t *testing.T) {
	var bom cdx.BOM
	out := encode(t, cyclonedx.Encoder{}, sbomtest.Sample())
	if err := json.Unmarshal(out, &bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 || bom.Version != 1 {
		t.Errorf("specVersion %v version %d, want 1.6 and 1", bom.SpecVersion, bom.Version)
	}
	if want := "urn:uuid:" + sbom.UUIDFromDigest(sbomtest.Sample().Digest()); bom.SerialNumber != want {
		t.Errorf("serialNumber %q, want %q", bom.SerialNumber, want)
	}
	m := bom.Metadata
	if m.Timestamp != "2026-01-02T03:04:05Z" {
		t.Errorf("timestamp %q", m.Timestamp)
	}
	if m.Manufacturer == nil || m.Manufacturer.URL == nil || (*m.Manufacturer.URL)[0] != "https://example.com" ||
		m.Manufacturer.Contact == nil || (*m.Manufacturer.Contact)[0].Email != "sbom@example.com" {
		t.Errorf("metadata.manufacturer = %+v, want the creator's url and email", m.Manufacturer)
	}
	if m.Component == nil || m.Component.BOMRef != "archive-hello" || m.Component.Type != cdx.ComponentTypeFile {
		t.Fatalf("metadata.component = %+v, want the archive as a file", m.Component)
	}
	for _, c := range *bom.Components {
		if c.BOMRef == "archive-hello" {
			t.Error("the primary component is repeated in components[]")
		}
	}
	props := func(c *cdx.Component) map[string]string {
		m := map[string]string{}
		if c.Properties != nil {
			for _, p := range *c.Properties {
				m[p.Name] = p.Value
			}
		}
		return m
	}
	ap := props(m.Component)
	for k, v := range map[string]string{
		sbom.BSIFilename: "hello_linux_amd64.tar.gz", sbom.BSIArchive: "archive", sbom.BSIExecutable: "non-executable",
		sbom.BSIStructured: "unstructured", "vouch:file:size": "4096",
	} {
		if ap[k] != v {
			t.Errorf("archive property %s = %q, want %q", k, ap[k], v)
		}
	}
	var app *cdx.Component
	for i := range *bom.Components {
		if (*bom.Components)[i].Name == "hello" {
			app = &(*bom.Components)[i]
		}
	}
	if app == nil {
		t.Fatal("no hello component")
	}
	if props(app)[sbom.BSIExecutable] != "executable" {
		t.Error("the Go binary is not marked executable")
	}
	var dist *cdx.ExternalReference
	for i, r := range *app.ExternalReferences {
		if r.Type == cdx.ERTypeDistribution {
			dist = &(*app.ExternalReferences)[i]
		}
	}
	if dist == nil || dist.URL != "hello" || dist.Hashes == nil || len(*dist.Hashes) != 2 || (*dist.Hashes)[1].Algorithm != cdx.HashAlgoSHA512 {
		t.Errorf("distribution reference = %+v, want url hello with SHA-256 and SHA-512", dist)
	}
	if app.Licenses == nil || len(*app.Licenses) != 2 {
		t.Fatalf("licenses = %+v, want concluded and declared", app.Licenses)
	}
	acks := map[cdx.LicenseAcknowledgement]string{}
	for _, l := range *app.Licenses {
		acks[l.License.Acknowledgement] = l.License.ID
	}
	if acks[cdx.LicenseAcknowledgementConcluded] != "Apache-2.0" || acks[cdx.LicenseAcknowledgementDeclared] != "Apache-2.0" {
		t.Errorf("licence acknowledgements = %v", acks)
	}
	if app.Manufacturer == nil || app.Manufacturer.Name != "example.com" {
		t.Errorf("component manufacturer = %+v", app.Manufacturer)
	}
	if len(*bom.Dependencies) != 5 {
		t.Errorf("%d dependency entries, want one for each of the 5 components", len(*bom.Dependencies))
	}
	aggs := map[cdx.CompositionAggregate][]string{}
	for _, c := range *bom.Compositions {
		if c.Dependencies != nil {
			for _, r := range *c.Dependencies {
				aggs[c.Aggregate] = append(aggs[c.Aggregate], string(r))
			}
		}
		if c.Assemblies != nil && c.Aggregate != cdx.CompositionAggregateComplete {
			t.Errorf("document composition %s, want complete", c.Aggregate)
		}
	}
	want := map[cdx.CompositionAggregate][]string{
		cdx.CompositionAggregateComplete:   {"archive-hello", "pkg:golang/example.com/hello@v1.2.3"},
		cdx.CompositionAggregateIncomplete: {"pkg:golang/github.com/spf13/cobra@v1.10.2"},
		cdx.CompositionAggregateUnknown:    {"pkg:golang/golang.org/x/mod@v0.42.0"},
	}
	if !reflect.DeepEqual(aggs, want) {
		t.Errorf("composition refs = %v, want %v", aggs, want)
	}
}

// TestEncodeCompoundLicenses checks that each version's licence rules stay
// schema-valid when an expression is needed, and that 1.6 and 1.7 keep
// both licences through a round trip.
func TestEncodeCompoundLicenses(t *testing.T) {
	cases := []sbom.Licenses{
		{Declared: "MIT OR Apache-2.0", Concluded: "MIT"},
		{Declared: "MIT", Concluded: "GPL-2.0-or-later WITH Classpath-exception-2.0"},
		{Declared: "LicenseRef-acme", Concluded: "LicenseRef-acme"},
		{Declared: "Apache-2.0 AND MIT"},
		{Concluded: "BSD-3-Clause OR MIT"},
	}
	for _, v := range cyclonedx.Versions {
		sch, err := schematest.Compile(schemaPath(v), schemaResources...)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range cases {
			d := sbomtest.Sample()
			d.Components[2].Licenses = l
			for _, xml := range []bool{false, true} {
				out := encode(t, cyclonedx.Encoder{Version: v, XML: xml}, d)
				if !xml {
					if err := schematest.Check(sch, out); err != nil {
						t.Errorf("%s %+v: %v", v, l, err)
					}
				}
				got, err := cyclonedx.Decoder{}.Decode(context.Background(), bytes.NewReader(out))
				if err != nil {
					t.Fatalf("%s %+v: decode: %v", v, l, err)
				}
				want := l
				if v == "1.5" {
					want = sbom.Licenses{Declared: l.Declared} // 1.5 has no acknowledgement
				}
				if gl := got.Component(d.Components[2].ID).Licenses; gl != want {
					t.Errorf("%s xml=%v: licences %+v came back as %+v", v, xml, want, gl)
				}
			}
		}
	}
}
