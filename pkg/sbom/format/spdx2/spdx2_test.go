package spdx2

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/sbomtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const (
	examplesDir = "../../../../testdata/spdx/examples"
	schemaPath  = "../../../../testdata/spdx/schema/spdx-2.3-schema.json"
)

// variants are the four outputs, named as their golden files.
var variants = []struct {
	golden string
	enc    Encoder
}{
	{"sample-2.3.spdx.json", Encoder{}},
	{"sample-2.3.spdx", Encoder{Version: "2.3", TagValue: true}},
	{"sample-2.2.spdx.json", Encoder{Version: "2.2"}},
	{"sample-2.2.spdx", Encoder{Version: "2.2", TagValue: true}},
}

func encode(t testing.TB, e Encoder, d *sbom.Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := e.Encode(&buf, d); err != nil {
		t.Fatalf("encode %+v: %v", e, err)
	}
	return buf.Bytes()
}

func decode(t testing.TB, b []byte) *sbom.Document {
	t.Helper()
	d, err := Decoder{}.Decode(context.Background(), bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return d
}

func TestGolden(t *testing.T) {
	for _, v := range variants {
		t.Run(v.golden, func(t *testing.T) {
			got := encode(t, v.enc, sbomtest.Sample())
			path := filepath.Join("testdata", "golden", v.golden)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run go test -update after checking the change):\n%s", path, got)
			}
			// Deterministic, and the input is left alone.
			d := sbomtest.Sample()
			if again := encode(t, v.enc, d); !bytes.Equal(got, again) {
				t.Error("two encodings of the same document differ")
			}
			if !reflect.DeepEqual(d, sbomtest.Sample()) {
				t.Error("Encode modified its input")
			}
		})
	}
}

// TestGoldenFacts pins the SPDX-visible facts a consumer relies on, so that
// an -update cannot silently drop them.
func TestGoldenFacts(t *testing.T) {
	tv := string(encode(t, Encoder{TagValue: true}, sbomtest.Sample()))
	d := sbomtest.Sample()
	for _, want := range []string{
		"SPDXVersion: SPDX-2.3",
		"DocumentNamespace: https://vouch.dev/spdxdocs/hello-" + sbom.UUIDFromDigest(d.Digest()),
		"Created: 2026-01-02T03:04:05Z",
		"Creator: Tool: vouch-v0.1.0",
		"Creator: Organization: Example Org (sbom@example.com)",
		"Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-archive-hello",
		"Relationship: SPDXRef-archive-hello DEPENDS_ON " + spdxRef + elementID("pkg:golang/example.com/hello@v1.2.3"),
		"Relationship: " + spdxRef + elementID("pkg:golang/golang.org/x/mod@v0.42.0") + " DEPENDS_ON NOASSERTION\n\n",
		"ExternalRef: PACKAGE-MANAGER purl pkg:golang/github.com/spf13/cobra@v1.10.2",
		"PackageChecksum: SHA512: f7fbba6e",
		"PrimaryPackagePurpose: ARCHIVE",
		"PackageSupplier: Organization: spf13",
		"PackageOriginator: Organization: Example Org",
		"PackageLicenseDeclared: BSD-3-Clause",
		"PackageLicenseConcluded: NOASSERTION",
		"FilesAnalyzed: false",
	} {
		if !strings.Contains(tv, want) {
			t.Errorf("tag-value output lacks %q", want)
		}
	}
}

func TestSchema(t *testing.T) {
	for _, v := range variants {
		if v.enc.TagValue {
			continue
		}
		t.Run(v.golden, func(t *testing.T) {
			// The 2.3 schema accepts 2.2's PACKAGE_MANAGER spelling too; 2.2
			// has no schema of its own in the corpus.
			schematest.ValidateJSON(t, schemaPath, encode(t, v.enc, sbomtest.Sample()))
		})
	}
	// The validator must be able to fail: a relationship type SPDX does not
	// define is rejected.
	sch, err := schematest.Compile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(encode(t, Encoder{}, sbomtest.Sample()), []byte(`"DEPENDS_ON"`), []byte(`"USES"`), 1)
	if err := schematest.Check(sch, bad); err == nil {
		t.Error("schema accepted an unknown relationship type")
	}
}

func TestRoundTrip(t *testing.T) {
	for _, v := range variants {
		t.Run(v.golden, func(t *testing.T) {
			want := sbomtest.Sample()
			got := decode(t, encode(t, v.enc, want))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip differs:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// awkward uses what the sample does not: IDs that are no valid SPDX id,
// values that need quoting, types and hashes SPDX 2.2 cannot hold, reference
// hashes, a CPE kept as a property, no primary component.
func awkward() *sbom.Document {
	d := &sbom.Document{
		Name:    "odd name/with <chars>",
		Created: time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC),
		Authors: []sbom.Contact{{Name: "Jane (Doe)"}, {Email: "only@example.com"}},
		Tools:   []sbom.Tool{{Name: "vouch", Version: "v1.0.0"}},
		Components: []sbom.Component{
			{
				ID: "file:sha256:abc/def", Type: sbom.TypeFile, Name: "weird \"name\"", FileName: "a.bin", Size: 7,
				Hashes: []sbom.Hash{{Algorithm: "BLAKE3", Value: "00ff"}, {Algorithm: sbom.SHA1, Value: "abcd"}},
				Properties: []sbom.Property{
					{Name: "vouch:note", Value: "line one\nline two </text> \"quoted\""},
					{Name: PropExternalRef, Value: "SECURITY cpe23Type cpe:2.3:a:x:y:1:*:*:*:*:*:*:*"},
				},
				References: []sbom.ExternalRef{
					{Type: sbom.RefDistribution, URL: "https://example.com/a.bin", Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: "beef"}}},
					{Type: sbom.RefWebsite, URL: "https://example.com"},
				},
				Licenses: sbom.Licenses{Declared: "MIT OR LicenseRef-custom"},
			},
			{ID: "DOCUMENT", Type: "framework", Name: "doc-named", Scope: sbom.ScopeExcluded, Author: "Someone (x@y)"},
			{ID: "plain-id", Type: "machine-learning-model", Name: "m", PURL: "pkg:generic/m@1"},
		},
		Dependencies: []sbom.Dependency{
			{Ref: "DOCUMENT", DependsOn: []string{"plain-id"}},
			{Ref: "file:sha256:abc/def", DependsOn: []string{"DOCUMENT"}, Completeness: sbom.CompletenessIncomplete},
			{Ref: "plain-id", Completeness: sbom.CompletenessComplete},
		},
		Completeness: sbom.CompletenessIncomplete,
	}
	d.Normalize()
	return d
}

func TestRoundTripAwkward(t *testing.T) {
	for _, v := range variants {
		t.Run(v.golden, func(t *testing.T) {
			want := awkward()
			b := encode(t, v.enc, want)
			got := decode(t, b)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip differs:\n got %+v\nwant %+v\n%s", got, want, b)
			}
			if !v.enc.TagValue {
				schematest.ValidateJSON(t, schemaPath, b)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		enc  Encoder
		edit func(d *sbom.Document)
		want string
	}{
		{"version", Encoder{Version: "2.1"}, func(*sbom.Document) {}, `unsupported version "2.1"`},
		{"no name", Encoder{}, func(d *sbom.Document) { d.Name = "" }, "document name is empty"},
		{"no time", Encoder{}, func(d *sbom.Document) { d.Created = time.Time{} }, "no creation time"},
		{"dangling", Encoder{}, func(d *sbom.Document) { d.Dependencies[0].DependsOn = []string{"nope"} }, `dependsOn "nope" names no component`},
		{"empty component name", Encoder{}, func(d *sbom.Document) { d.Components[0].Name = "" }, "empty name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sbomtest.Sample()
			tt.edit(d)
			err := tt.enc.Encode(&bytes.Buffer{}, d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Encode error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestDecodeExamples(t *testing.T) {
	tests := []struct {
		file       string
		version    string
		components int // packages plus files
		packages   int
		purl       string // a purl some component carries
		edge       [2]string
		cpe        string
	}{
		{"SPDXJSONExample-v2.3.spdx.json", "2.3", 9, 4, "pkg:maven/org.apache.jena/apache-jena@3.12.0", [2]string{"Package", "JenaLib"}, "cpe:2.3:a:pivotal_software:spring_framework:4.1.0:*:*:*:*:*:*:*"},
		{"SPDXTagExample-v2.3.spdx", "2.3", 9, 4, "pkg:maven/org.apache.jena/apache-jena@3.12.0", [2]string{"Package", "JenaLib"}, "cpe:2.3:a:pivotal_software:spring_framework:4.1.0:*:*:*:*:*:*:*"},
		{"tools-python/SPDXTagExample-v2.3.spdx", "2.3", 9, 4, "pkg:maven/org.apache.jena/apache-jena@3.12.0", [2]string{"Package", "JenaLib"}, "cpe:2.3:a:pivotal_software:spring_framework:4.1.0:*:*:*:*:*:*:*"},
		{"SPDXJSONExample-v2.2.spdx.json", "2.2", 8, 4, "pkg:maven/org.apache.jena/apache-jena@3.12.0", [2]string{"Package", "JenaLib"}, "cpe:2.3:a:pivotal_software:spring_framework:4.1.0:*:*:*:*:*:*:*"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(examplesDir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if ok, v := (Decoder{}).Identify(b[:min(len(b), 512)]); !ok || v != tt.version {
				t.Errorf("Identify = %v, %q; want true, %q", ok, v, tt.version)
			}
			d := decode(t, b)
			if d.Name != "SPDX-Tools-v2.0" || !d.Created.Equal(time.Date(2010, 1, 29, 18, 30, 22, 0, time.UTC)) {
				t.Errorf("name, created = %q, %v", d.Name, d.Created)
			}
			if len(d.Components) != tt.components {
				t.Errorf("%d components, want %d", len(d.Components), tt.components)
			}
			pkgs := 0
			for _, c := range d.Components {
				if c.Type != sbom.TypeFile {
					pkgs++
				}
			}
			if pkgs != tt.packages {
				t.Errorf("%d packages, want %d", pkgs, tt.packages)
			}
			jena := d.Component("fromDoap-0")
			if jena == nil || jena.PURL != tt.purl || jena.Name != "Jena" || jena.Version != "3.12.0" {
				t.Errorf("fromDoap-0 = %+v, want Jena 3.12.0 with purl %s", jena, tt.purl)
			}
			glibc := d.Component("Package")
			if glibc == nil {
				t.Fatal("no component Package (glibc)")
			}
			if glibc.Name != "glibc" || glibc.Version != "2.11.1" || glibc.Licenses.Declared == "" ||
				glibc.Supplier.Name != "Jane Doe" || glibc.Supplier.Email != "jane.doe@example.com" ||
				glibc.Hash(sbom.SHA1) != "85ed0817af83a24ad8da68c2b5094de69833983c" {
				t.Errorf("glibc = %+v", glibc)
			}
			if !slices.Contains(glibc.Properties, sbom.Property{Name: PropExternalRef, Value: "SECURITY cpe23Type " + tt.cpe}) {
				t.Errorf("glibc properties %v lack the CPE %s", glibc.Properties, tt.cpe)
			}
			if !hasEdge(d, tt.edge[0], tt.edge[1]) {
				t.Errorf("no dependency %s -> %s in %+v", tt.edge[0], tt.edge[1], d.Dependencies)
			}
			// JenaLib CONTAINS Package, read as JenaLib -> Package.
			if !hasEdge(d, "JenaLib", "Package") {
				t.Errorf("no dependency JenaLib -> Package (JenaLib CONTAINS Package)")
			}
			// Whatever vouch decodes it can encode.
			for _, v := range variants {
				encode(t, v.enc, d)
			}
		})
	}
}

func hasEdge(d *sbom.Document, from, to string) bool {
	for _, dep := range d.Dependencies {
		if dep.Ref == from {
			for _, x := range dep.DependsOn {
				if x == to {
					return true
				}
			}
		}
	}
	return false
}

const miniTV = `SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: mini
DocumentNamespace: https://example.com/mini
Creator: Tool: x-1
Created: 2024-01-01T00:00:00Z

PackageName: a
SPDXID: SPDXRef-a
PackageDownloadLocation: NOASSERTION

PackageName: b
SPDXID: SPDXRef-b
PackageDownloadLocation: NOASSERTION

`

func miniJSON(rel string) string {
	return `{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"mini",
"documentNamespace":"https://example.com/mini","creationInfo":{"creators":["Tool: x-1"],"created":"2024-01-01T00:00:00Z"},
"packages":[{"name":"a","SPDXID":"SPDXRef-a","downloadLocation":"NOASSERTION"},{"name":"b","SPDXID":"SPDXRef-b","downloadLocation":"NOASSERTION"}],
"relationships":[` + rel + `]}`
}

func TestRelationships(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantErr string // "" for success
		check   func(*sbom.Document) bool
	}{
		{"json dangling target", miniJSON(`{"spdxElementId":"SPDXRef-a","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-missing"}`),
			"relationships[0] (SPDXRef-a DEPENDS_ON SPDXRef-missing): SPDXRef-missing is not an element of the document", nil},
		{"json dangling source", miniJSON(`{"spdxElementId":"SPDXRef-ghost","relationshipType":"CONTAINS","relatedSpdxElement":"SPDXRef-a"}`),
			"SPDXRef-ghost is not an element of the document", nil},
		{"json dangling describes", miniJSON(`{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-nope"}`),
			"SPDXRef-nope is not an element", nil},
		{"tag-value dangling", miniTV + "Relationship: SPDXRef-b DEPENDENCY_OF SPDXRef-zzz\n",
			"relationships[0] (SPDXRef-b DEPENDENCY_OF SPDXRef-zzz): SPDXRef-zzz is not an element of the document", nil},
		{"external document ref", miniJSON(`{"spdxElementId":"SPDXRef-a","relationshipType":"DEPENDS_ON","relatedSpdxElement":"DocumentRef-other:SPDXRef-x"}`),
			"", func(d *sbom.Document) bool { return len(d.Dependencies) == 0 }},
		{"dependency of is reversed", miniTV + "Relationship: SPDXRef-b DEPENDENCY_OF SPDXRef-a\nRelationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-a\n",
			"", func(d *sbom.Document) bool {
				return d.Primary == "a" && hasEdge(d, "a", "b") && d.Dependencies[0].Completeness == sbom.CompletenessUnknown
			}},
		{"none marks complete", miniTV + "Relationship: SPDXRef-a DEPENDS_ON SPDXRef-b\nRelationship: SPDXRef-a DEPENDS_ON NONE\n",
			"", func(d *sbom.Document) bool {
				return hasEdge(d, "a", "b") && d.Dependencies[0].Completeness == sbom.CompletenessComplete
			}},
		{"noassertion beats none", miniTV + "Relationship: SPDXRef-a DEPENDS_ON NONE\nRelationship: SPDXRef-a DEPENDS_ON NOASSERTION\n",
			"", func(d *sbom.Document) bool { return d.Dependencies[0].Completeness == sbom.CompletenessUnknown }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decoder{}.Decode(context.Background(), strings.NewReader(tt.doc))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Decode error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(d) {
				t.Errorf("unexpected result: %+v", d)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"empty", "  \n", "empty document"},
		{"not json", "{nope", "decode json"},
		{"unknown version", strings.Replace(miniTV, "SPDX-2.3", "SPDX-9.9", 1), `SPDXVersion "SPDX-9.9"`},
		{"bad created", strings.Replace(miniTV, "2024-01-01T00:00:00Z", "yesterday", 1), `creationInfo.created "yesterday"`},
		{"no name", strings.Replace(miniTV, "DocumentName: mini\n", "", 1), "document name is empty"},
		{"duplicate id", strings.Replace(miniTV, "SPDXRef-b", "SPDXRef-a", 1), "duplicate SPDX id"},
		{"bad note", miniTV + "PackageName: c\nSPDXID: SPDXRef-c\nPackageComment: vouch:size lots\n", `packages[2] (SPDXRef-c): comment: vouch:size`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decoder{}.Decode(context.Background(), strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	b := encode(t, Encoder{}, sbomtest.Sample())
	_, err := Decoder{MaxBytes: int64(len(b) - 1)}.Decode(context.Background(), bytes.NewReader(b))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Decode error = %v, want ErrTooLarge", err)
	}
	if _, err := (Decoder{MaxBytes: int64(len(b))}).Decode(context.Background(), bytes.NewReader(b)); err != nil {
		t.Fatalf("a document of exactly MaxBytes: %v", err)
	}
}

func TestIdentify(t *testing.T) {
	tests := []struct {
		head    string
		ok      bool
		version string
	}{
		{`{"spdxVersion": "SPDX-2.2", "dataLicense"`, true, "2.2"},
		{"\ufeff{\n  \"SPDXID\": \"SPDXRef-DOCUMENT\",\n  \"spdxVersion\":\"SPDX-2.3\"", true, "2.3"},
		{"SPDXVersion: SPDX-2.1\nDataLicense: CC0-1.0\n", true, "2.1"},
		{"## comment\r\nSPDXVersion: SPDX-2.3\r\n", true, "2.3"},
		{`{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "spdxVersion": "SPDX-3.0"}`, false, ""},
		{`{"bomFormat": "CycloneDX", "specVersion": "1.6"}`, false, ""},
		{"", false, ""},
	}
	for _, tt := range tests {
		ok, v := Decoder{}.Identify([]byte(tt.head))
		if ok != tt.ok || v != tt.version {
			t.Errorf("Identify(%q) = %v, %q; want %v, %q", tt.head, ok, v, tt.ok, tt.version)
		}
	}
}

func TestElementID(t *testing.T) {
	tests := []struct{ id, want string }{
		{"archive-hello", "archive-hello"},
		{"v1.2.3", "v1.2.3"},
		{"DOCUMENT", "DOCUMENT-"},
		{"a/b", "a-b-"},
		{"", "-"},
	}
	for _, tt := range tests {
		got := elementID(tt.id)
		if !strings.HasPrefix(got, tt.want) || !validIDString(got) {
			t.Errorf("elementID(%q) = %q, want prefix %q and a valid idstring", tt.id, got, tt.want)
		}
		if got != tt.id && len(got) != len(tt.want)+8 {
			t.Errorf("elementID(%q) = %q: want an 8-digit hash suffix", tt.id, got)
		}
	}
	if elementID("a/b") == elementID("a:b") {
		t.Error("IDs that sanitize alike share an SPDX id")
	}
}

func TestNotesQuoting(t *testing.T) {
	for _, s := range []string{"", "plain", "two words", "quote\"d", "</text>", "line\nbreak", "tab\there", "ünïcode"} {
		n := note{"vouch:property", []string{s, "x"}}
		if strings.ContainsAny(n.String(), "\n<") {
			t.Errorf("note %q contains a newline or '<'", n.String())
		}
		got, err := parseNotes(n.String())
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], n) {
			t.Errorf("parseNotes(%q) = %v, %v; want %v", n.String(), got, err, n)
		}
	}
}

func ExampleEncoder() {
	var buf bytes.Buffer
	if err := (Encoder{Version: "2.3", TagValue: true}).Encode(&buf, sbomtest.Sample()); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.SplitN(buf.String(), "\n", 2)[0])
	// Output: SPDXVersion: SPDX-2.3
}
