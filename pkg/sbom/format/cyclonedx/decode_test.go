package cyclonedx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

const examplesDir = "../../../../testdata/cyclonedx/examples"

func decode(t testing.TB, b []byte) (*sbom.Document, error) {
	t.Helper()
	return cyclonedx.Decoder{}.Decode(context.Background(), bytes.NewReader(b))
}

func diffDocs(t *testing.T, got, want *sbom.Document) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	g, _ := json.MarshalIndent(got, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	gl, wl := strings.Split(string(g), "\n"), strings.Split(string(w), "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var a, b string
		if i < len(gl) {
			a = gl[i]
		}
		if i < len(wl) {
			b = wl[i]
		}
		if a != b {
			t.Errorf("documents differ at line %d:\ngot:  %s\nwant: %s", i+1, a, b)
			return
		}
	}
	t.Errorf("documents differ: got %+v, want %+v", got, want)
}

// TestRoundTrip: 1.6 and 1.7 keep every field of the model, in JSON and XML.
func TestRoundTrip(t *testing.T) {
	for _, v := range []string{"1.6", "1.7"} {
		for _, xml := range []bool{false, true} {
			got, err := decode(t, encode(t, cyclonedx.Encoder{Version: v, XML: xml}, sbomtest.Sample()))
			if err != nil {
				t.Fatalf("%s xml=%v: %v", v, xml, err)
			}
			diffDocs(t, got, sbomtest.Sample())
		}
	}
}

// TestRoundTrip15 pins what CycloneDX 1.5 loses: the concluded licence (no
// acknowledgement before 1.6). Everything else survives.
func TestRoundTrip15(t *testing.T) {
	want := sbomtest.Sample()
	for i := range want.Components {
		want.Components[i].Licenses.Concluded = ""
	}
	for _, xml := range []bool{false, true} {
		got, err := decode(t, encode(t, cyclonedx.Encoder{Version: "1.5", XML: xml}, sbomtest.Sample()))
		if err != nil {
			t.Fatalf("xml=%v: %v", xml, err)
		}
		diffDocs(t, got, want)
	}
}

// TestGoldenXMLRoundTripsThroughCycloneDXGo checks the XML goldens against
// cyclonedx-go's own decoder: same BOM as the JSON golden of that version.
func TestGoldenXMLRoundTripsThroughCycloneDXGo(t *testing.T) {
	for _, v := range cyclonedx.Versions {
		read := func(xml bool) cdx.BOM {
			b, err := os.ReadFile(goldenPath(v, xml))
			if err != nil {
				t.Fatal(err)
			}
			format := cdx.BOMFileFormatJSON
			if xml {
				format = cdx.BOMFileFormatXML
			}
			var bom cdx.BOM
			if err := cdx.NewBOMDecoder(bytes.NewReader(b), format).Decode(&bom); err != nil {
				t.Fatalf("%s xml=%v: %v", v, xml, err)
			}
			// Fields that exist in only one of the two encodings.
			bom.XMLName.Space, bom.XMLName.Local = "", ""
			bom.XMLNS, bom.JSONSchema, bom.BOMFormat = "", "", ""
			return bom
		}
		fromJSON, fromXML := read(false), read(true)
		if !reflect.DeepEqual(fromJSON, fromXML) {
			j, _ := json.Marshal(fromJSON)
			x, _ := json.Marshal(fromXML)
			t.Errorf("%s: XML and JSON goldens differ:\njson %s\nxml  %s", v, j, x)
		}
	}
}

func corpus(t testing.TB, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(examplesDir, pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s (err %v)", pattern, err)
	}
	return files
}

func TestDecodeValidExamples(t *testing.T) {
	for _, f := range append(corpus(t, "valid-1.6/*.json"), corpus(t, "valid-1.7/*.json")...) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			d, err := decode(t, b)
			if err != nil {
				t.Fatal(err)
			}
			// Whatever was read must be writable again.
			for _, v := range cyclonedx.Versions {
				if err := (cyclonedx.Encoder{Version: v}).Encode(&bytes.Buffer{}, d); err != nil {
					t.Errorf("re-encode %s: %v", v, err)
				}
			}
		})
	}
}

// TestInvalidExamples: each invalid example is rejected by Decode or by
// schema validation; the test says which, so a change in either shows.
func TestInvalidExamples(t *testing.T) {
	sch, err := schematest.Compile(schemaPath("1.6"), schemaResources...)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range corpus(t, "invalid-1.6/*.json") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, decErr := decode(t, b)
		schemaErr := schematest.Check(sch, b)
		if decErr == nil && schemaErr == nil {
			t.Errorf("%s: accepted by Decode and by the schema", filepath.Base(f))
		}
		t.Logf("%s: decode: %v; schema rejects: %v", filepath.Base(f), decErr, schemaErr != nil)
	}
}

// TestValidExamplesAreSchemaValid guards the validator itself: the
// specification's valid examples must pass it (formats included).
func TestValidExamplesAreSchemaValid(t *testing.T) {
	for _, v := range []string{"1.6", "1.7"} {
		sch, err := schematest.Compile(schemaPath(v), schemaResources...)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range corpus(t, "valid-"+v+"/*.json") {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := schematest.Check(sch, b); err != nil {
				t.Errorf("%s: %v", filepath.Base(f), err)
			}
		}
	}
}

const header = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,`

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want string
		invalid         bool // the error wraps sbom.ErrInvalid
	}{
		{"duplicate bom-ref", header + `"components":[{"type":"library","name":"a","bom-ref":"x"},{"type":"library","name":"b","bom-ref":"x"}]}`, `duplicate bom-ref "x"`, true},
		{"duplicate with metadata.component", header + `"metadata":{"component":{"type":"application","name":"m","bom-ref":"x"}},"components":[{"type":"library","name":"b","bom-ref":"x"}]}`, `duplicate bom-ref "x"`, true},
		{"duplicate nested", header + `"components":[{"type":"library","name":"a","bom-ref":"x","components":[{"type":"library","name":"b","bom-ref":"x"}]}]}`, `duplicate bom-ref "x"`, true},
		{"dangling ref", header + `"components":[{"type":"library","name":"a","bom-ref":"a"}],"dependencies":[{"ref":"nope"}]}`, `"nope" names no component`, true},
		{"dangling dependsOn", header + `"components":[{"type":"library","name":"a","bom-ref":"a"}],"dependencies":[{"ref":"a","dependsOn":["nope"]}]}`, `"nope" names no component`, true},
		{"spdx", `{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT"}`, "SPDX document", false},
		{"spdx3", `{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[]}`, "JSON-LD", false},
		{"other bomFormat", `{"bomFormat":"SWID","specVersion":"1.6"}`, `bomFormat is "SWID"`, false},
		{"no bomFormat", `{"specVersion":"1.6"}`, `no "bomFormat"`, false},
		{"old version", `{"bomFormat":"CycloneDX","specVersion":"1.1"}`, `unsupported specVersion "1.1"`, false},
		{"future version", `{"bomFormat":"CycloneDX","specVersion":"2.0"}`, `unsupported specVersion "2.0"`, false},
		{"numeric version", `{"bomFormat":"CycloneDX","specVersion":1.6}`, `specVersion 1.6 is not a string`, false},
		{"bad timestamp", header + `"metadata":{"timestamp":"yesterday"}}`, `metadata.timestamp "yesterday"`, false},
		{"truncated", header + `"components":[`, "parse", false},
		{"xml other root", `<?xml version="1.0"?><project xmlns="http://maven.apache.org/POM/4.0.0"/>`, `root element is <project>`, false},
		{"xml old namespace", `<bom xmlns="http://cyclonedx.org/schema/bom/1.1" version="1"/>`, `unsupported XML namespace`, false},
		{"text", "hello", `starts with 'h'`, false},
		{"empty", "  \n", "empty input", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decode(t, []byte(tc.doc))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if got := errors.Is(err, sbom.ErrInvalid); got != tc.invalid {
				t.Errorf("errors.Is(err, sbom.ErrInvalid) = %v, want %v", got, tc.invalid)
			}
		})
	}
}

func TestDecodeSizeLimit(t *testing.T) {
	doc := encode(t, cyclonedx.Encoder{}, sbomtest.Sample())
	_, err := cyclonedx.Decoder{MaxBytes: int64(len(doc) - 1)}.Decode(context.Background(), bytes.NewReader(doc))
	if !errors.Is(err, cyclonedx.ErrTooLarge) || !strings.Contains(err.Error(), "--max-sbom-size") {
		t.Errorf("got %v, want ErrTooLarge with a hint", err)
	}
	if _, err := (cyclonedx.Decoder{MaxBytes: int64(len(doc))}).Decode(context.Background(), bytes.NewReader(doc)); err != nil {
		t.Errorf("a document of exactly MaxBytes: %v", err)
	}
}

func TestDecodeCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := cyclonedx.Decoder{}.Decode(ctx, bytes.NewReader(encode(t, cyclonedx.Encoder{}, sbomtest.Sample())))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

// TestDecodeStructure covers third-party shapes the encoder never writes:
// nested components, missing bom-refs, services in the graph, named
// licences and several licence entries, legacy tools.
func TestDecodeStructure(t *testing.T) {
	doc := `{"bomFormat":"CycloneDX","specVersion":"1.4","version":1,
	"metadata":{"timestamp":"2024-05-06T07:08:09.5+02:00",
	  "tools":[{"vendor":"acme","name":"scanner","version":"1"}],
	  "component":{"type":"application","name":"app","purl":"pkg:generic/app@1"}},
	"components":[
	  {"type":"library","name":"outer","bom-ref":"outer","licenses":[{"license":{"id":"MIT"}},{"license":{"name":"Acme Public License"}}],
	   "components":[{"type":"library","name":"inner"},{"type":"library","name":"inner2","purl":"pkg:generic/inner2@1"}]},
	  {"type":"library","name":"noref"}
	],
	"services":[{"bom-ref":"svc","name":"api"}],
	"dependencies":[{"ref":"pkg:generic/app@1","dependsOn":["outer","svc"]},{"ref":"svc","dependsOn":["outer"]}],
	"compositions":[{"aggregate":"incomplete_first_party_only","dependencies":["outer","svc"]},{"aggregate":"not_specified","assemblies":["pkg:generic/app@1"]}]
	}`
	d, err := decode(t, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range d.Components {
		ids = append(ids, c.ID)
	}
	wantIDs := []string{"component-0.0", "component-1", "outer", "pkg:generic/app@1", "pkg:generic/inner2@1"}
	if !reflect.DeepEqual(ids, wantIDs) {
		t.Errorf("ids = %q, want %q", ids, wantIDs)
	}
	if d.Primary != "pkg:generic/app@1" || d.Name != "app" {
		t.Errorf("primary %q name %q", d.Primary, d.Name)
	}
	wantDeps := []sbom.Dependency{
		{Ref: "outer", DependsOn: []string{"component-0.0", "pkg:generic/inner2@1"}, Completeness: sbom.CompletenessIncomplete},
		{Ref: "pkg:generic/app@1", DependsOn: []string{"outer"}},
	}
	if !reflect.DeepEqual(d.Dependencies, wantDeps) {
		t.Errorf("dependencies = %+v, want %+v", d.Dependencies, wantDeps)
	}
	if d.Completeness != sbom.CompletenessUnknown {
		t.Errorf("completeness %q", d.Completeness)
	}
	if got := d.Component("outer").Licenses; got != (sbom.Licenses{Declared: "MIT AND LicenseRef-Acme-Public-License"}) {
		t.Errorf("licences = %+v", got)
	}
	if !reflect.DeepEqual(d.Tools, []sbom.Tool{{Vendor: "acme", Name: "scanner", Version: "1"}}) {
		t.Errorf("tools = %+v", d.Tools)
	}
	if got := d.Created.Format("2006-01-02T15:04:05Z07:00"); got != "2024-05-06T05:08:09Z" {
		t.Errorf("created = %s, want UTC seconds", got)
	}
}

// TestDecodeKeepsForeignBSIValues: bsi:* values that disagree with the
// model's derivation stay properties, and re-encoding keeps them.
func TestDecodeKeepsForeignBSIValues(t *testing.T) {
	doc := header + `"components":[{"type":"library","name":"lib","bom-ref":"lib","properties":[
	  {"name":"bsi:component:filename","value":"lib.so"},{"name":"bsi:component:executable","value":"executable"},
	  {"name":"bsi:component:structured","value":"unstructured"},{"name":"vouch:file:size","value":"x"}]}]}`
	d, err := decode(t, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	c := d.Component("lib")
	want := []sbom.Property{{Name: sbom.BSIExecutable, Value: "executable"}, {Name: "vouch:file:size", Value: "x"}}
	if c.FileName != "lib.so" || !reflect.DeepEqual(c.Properties, want) {
		t.Errorf("FileName %q properties %+v, want lib.so and %+v", c.FileName, c.Properties, want)
	}
	out := encode(t, cyclonedx.Encoder{}, d)
	if !bytes.Contains(out, []byte(`"value": "executable"`)) || bytes.Contains(out, []byte(`"non-executable"`)) {
		t.Errorf("re-encoding replaced the document's own executable value:\n%s", out)
	}
}

func TestIdentify(t *testing.T) {
	for _, tc := range []struct {
		head    string
		ok      bool
		version string
	}{
		{`{"bomFormat": "CycloneDX", "specVersion": "1.6"`, true, "1.6"},
		{"\ufeff{\n  \"$schema\": \"x\",\n  \"bomFormat\":\"CycloneDX\"", true, ""},
		{`{"specVersion":"1.5","bomFormat":"CycloneDX"}`, true, "1.5"},
		{`<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.7" version="1">`, true, "1.7"},
		{`<cdx:bom xmlns:cdx='http://cyclonedx.org/schema/bom/1.4'>`, true, "1.4"},
		{`{"spdxVersion":"SPDX-2.3"}`, false, ""},
		{`{"bomFormat":"Other","specVersion":"1.6"}`, false, ""},
		{`<project xmlns="http://maven.apache.org/POM/4.0.0">`, false, ""},
		{``, false, ""},
	} {
		ok, v := cyclonedx.Decoder{}.Identify([]byte(tc.head))
		if ok != tc.ok || v != tc.version {
			t.Errorf("Identify(%q) = %v, %q; want %v, %q", tc.head, ok, v, tc.ok, tc.version)
		}
	}
	for _, v := range cyclonedx.Versions {
		for _, xml := range []bool{false, true} {
			b, err := os.ReadFile(goldenPath(v, xml))
			if err != nil {
				t.Fatal(err)
			}
			if ok, got := (cyclonedx.Decoder{}).Identify(b[:min(len(b), 512)]); !ok || got != v {
				t.Errorf("golden %s xml=%v: Identify = %v, %q", v, xml, ok, got)
			}
		}
	}
}
