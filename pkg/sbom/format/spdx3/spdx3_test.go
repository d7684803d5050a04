package spdx3

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/sbomtest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const (
	goldenSample = "testdata/golden/sample.spdx3.json"
	fixtures     = "../../../../testdata/spdx3"
	schemaPath   = fixtures + "/spdx-3.0.1.schema.json"
	// The two SPDX 3 examples of the SPDX specification.
	exampleTagged  = fixtures + "/package_sbom-3.0.1.json"
	exampleDevelop = fixtures + "/package_sbom-develop.json"
)

func encode(t testing.TB, d *sbom.Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := (Encoder{}).Encode(&buf, d); err != nil {
		t.Fatalf("encode: %v", err)
	}
	return buf.Bytes()
}

func decodeBytes(t testing.TB, b []byte) *sbom.Document {
	t.Helper()
	d, err := Decoder{}.Decode(context.Background(), bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return d
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGolden(t *testing.T) {
	got := encode(t, sbomtest.Sample())
	if *update {
		if err := os.MkdirAll(filepath.Dir(goldenSample), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenSample, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := readFile(t, goldenSample)
	if ok, v := (Decoder{}).Identify(got); !ok || v != "3.0.1" {
		t.Errorf("Identify(own output) = %v, %q", ok, v)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("encoding of sbomtest.Sample() differs from %s (run go test -update to accept):\n%s", goldenSample, firstDiff(got, want))
	}
	if !bytes.HasSuffix(got, []byte("}\n")) || !bytes.HasPrefix(got, []byte("{\n  \"@context\"")) {
		t.Errorf("output is not 2-space indented JSON with a trailing newline: %.40q ... %q", got, got[len(got)-3:])
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + gl + "\nwant: " + wl
		}
	}
	return "(no line differs)"
}

func TestEncodeDeterministicAndPure(t *testing.T) {
	d := sbomtest.Sample()
	// Shuffle the input: the encoder must normalize a copy and give the same bytes.
	shuffled := sbomtest.Sample()
	slices.Reverse(shuffled.Components)
	slices.Reverse(shuffled.Dependencies)
	slices.Reverse(shuffled.Components[1].Properties)
	before := sbomtest.Sample()
	slices.Reverse(before.Components)
	slices.Reverse(before.Dependencies)
	slices.Reverse(before.Components[1].Properties)

	a, b := encode(t, d), encode(t, shuffled)
	if !bytes.Equal(a, b) {
		t.Errorf("the same content in another order encodes differently:\n%s", firstDiff(a, b))
	}
	if !reflect.DeepEqual(shuffled, before) {
		t.Error("Encode modified its input document")
	}
	// Another timestamp changes only the created field; ids are content-derived.
	later := sbomtest.Sample()
	later.Created = later.Created.Add(time.Hour)
	c := encode(t, later)
	if strings.Count(string(a), "\n") != strings.Count(string(c), "\n") ||
		!strings.Contains(string(c), `"created": "2026-01-02T04:04:05Z"`) {
		t.Errorf("a later timestamp changed more than created:\n%s", firstDiff(a, c))
	}
	if diff := firstDiff(a, c); !strings.Contains(diff, `"created"`) {
		t.Errorf("first difference is not the timestamp: %s", diff)
	}
}

func TestGoldenValidatesAgainstSchema(t *testing.T) {
	validateSchema(t, readFile(t, goldenSample))
}

func TestSchemaRejectsBrokenDocument(t *testing.T) {
	// Guards against a validator that accepts everything: the golden with
	// its created timestamp stripped of its zone must fail.
	b := bytes.Replace(readFile(t, goldenSample), []byte(`"created": "2026-01-02T03:04:05Z"`), []byte(`"created": "2026-01-02T03:04:05"`), 1)
	if err := checkSchema(t, b); err == nil {
		t.Error("schema accepted a created timestamp without time zone")
	}
}

// graphOf parses an encoded document into its graph nodes.
func graphOf(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var top struct {
		Context string           `json:"@context"`
		Graph   []map[string]any `json:"@graph"`
	}
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	if top.Context != "https://spdx.org/rdf/3.0.1/spdx-context.jsonld" {
		t.Errorf("@context = %q", top.Context)
	}
	return top.Graph
}

func byType(g []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, n := range g {
		if n["type"] == typ {
			out = append(out, n)
		}
	}
	return out
}

func byID(g []map[string]any, id any) map[string]any {
	for _, n := range g {
		if n["spdxId"] == id || n["@id"] == id {
			return n
		}
	}
	return nil
}

func byName(g []map[string]any, typ, name string) map[string]any {
	for _, n := range byType(g, typ) {
		if n["name"] == name {
			return n
		}
	}
	return nil
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestBSIMapping checks the fields BSI TR-03183-2 v2.1 reads from SPDX 3.0.1.
func TestBSIMapping(t *testing.T) {
	g := graphOf(t, encode(t, sbomtest.Sample()))
	if g[0]["type"] != "CreationInfo" || g[0]["@id"] != "_:creationinfo" {
		t.Fatalf("first node is %v, want the CreationInfo", g[0])
	}
	info := g[0]
	if info["specVersion"] != "3.0.1" || info["created"] != "2026-01-02T03:04:05Z" {
		t.Errorf("CreationInfo = %v", info)
	}
	if n := len(byType(g, "CreationInfo")); n != 1 {
		t.Errorf("%d CreationInfo nodes, want one shared", n)
	}
	// Creator of the SBOM, with email.
	creators := strs(info["createdBy"])
	if len(creators) != 1 {
		t.Fatalf("createdBy = %v", creators)
	}
	org := byID(g, creators[0])
	if org == nil || org["type"] != "Organization" || org["name"] != "Example Org" {
		t.Fatalf("creator = %v", org)
	}
	ids, _ := json.Marshal(org["externalIdentifier"])
	if !strings.Contains(string(ids), `"externalIdentifierType":"email","identifier":"sbom@example.com"`) {
		t.Errorf("creator identifiers = %s, want the email", ids)
	}
	tool := byID(g, strs(info["createdUsing"])[0])
	if tool == nil || tool["type"] != "Tool" || tool["name"] != "vouch" {
		t.Errorf("createdUsing tool = %v", tool)
	}
	// SBOM-URI: the Sbom element's spdxId, under the content-derived namespace.
	boms := byType(g, "software_Sbom")
	if len(boms) != 1 {
		t.Fatalf("%d software_Sbom elements", len(boms))
	}
	wantNS := "https://vouch.dev/spdx/hello-" + sbom.UUIDFromDigest(sbomtest.Sample().Digest()) + "#"
	if id := boms[0]["spdxId"].(string); !strings.HasPrefix(id, wantNS) {
		t.Errorf("Sbom spdxId %q is not under %q", id, wantNS)
	}
	if got := strs(boms[0]["software_sbomType"]); !slices.Equal(got, []string{"build"}) {
		t.Errorf("sbomType = %v", got)
	}
	archive := byName(g, "software_Package", "hello_linux_amd64.tar.gz")
	if got := strs(boms[0]["rootElement"]); archive == nil || !slices.Equal(got, []string{archive["spdxId"].(string)}) {
		t.Errorf("Sbom rootElement = %v, want the archive package", got)
	}
	docs := byType(g, "SpdxDocument")
	if len(docs) != 1 || !slices.Equal(strs(docs[0]["rootElement"]), []string{boms[0]["spdxId"].(string)}) {
		t.Errorf("SpdxDocument = %v", docs)
	}

	app := byName(g, "software_Package", "hello")
	if app == nil {
		t.Fatal("no package named hello")
	}
	if app["software_packageVersion"] != "v1.2.3" || app["software_packageUrl"] != "pkg:golang/example.com/hello@v1.2.3" ||
		app["software_primaryPurpose"] != "application" || app["spdxId"] != wantNS+"pkg:golang/example.com/hello@v1.2.3" {
		t.Errorf("hello package = %v", app)
	}
	if supplier := byID(g, app["suppliedBy"]); supplier == nil || supplier["type"] != "Organization" || supplier["name"] != "example.com" {
		t.Errorf("suppliedBy = %v", supplier)
	}
	if author := byID(g, strs(app["originatedBy"])[0]); author == nil || author["name"] != "Example Org" {
		t.Errorf("originatedBy = %v", author)
	}
	// The shipped file: name, SHA-512, executable.
	file := byName(g, "software_File", "hello")
	if file == nil {
		t.Fatal("no File named hello")
	}
	if got := strs(file["software_additionalPurpose"]); !slices.Equal(got, []string{"executable"}) {
		t.Errorf("File additionalPurpose = %v", got)
	}
	vu, _ := json.Marshal(file["verifiedUsing"])
	if !strings.Contains(string(vu), `"algorithm":"sha512","hashValue":"d9e6762dd1c8eaf6`) {
		t.Errorf("File verifiedUsing = %s, want the SHA-512", vu)
	}
	if f := byName(g, "software_File", "hello_linux_amd64.tar.gz"); f == nil || !slices.Equal(strs(f["software_additionalPurpose"]), []string{"archive"}) {
		t.Errorf("archive File = %v", f)
	}
	rels := byType(g, "Relationship")
	has := func(from any, typ string, to ...string) map[string]any {
		for _, r := range rels {
			if r["from"] == from && r["relationshipType"] == typ && slices.Equal(strs(r["to"]), to) {
				return r
			}
		}
		return nil
	}
	if has(app["spdxId"], "hasDistributionArtifact", file["spdxId"].(string)) == nil {
		t.Error("no hello hasDistributionArtifact File relationship")
	}
	// Licences.
	var apache string
	for _, l := range byType(g, "simplelicensing_LicenseExpression") {
		if l["simplelicensing_licenseExpression"] == "Apache-2.0" {
			apache = l["spdxId"].(string)
		}
	}
	if has(app["spdxId"], "hasConcludedLicense", apache) == nil || has(app["spdxId"], "hasDeclaredLicense", apache) == nil {
		t.Error("hello lacks its concluded and declared Apache-2.0 licence relationships")
	}
	mod := byName(g, "software_Package", "golang.org/x/mod")
	for _, r := range rels {
		if r["from"] == mod["spdxId"] && r["relationshipType"] == "hasConcludedLicense" {
			t.Error("x/mod has no concluded licence but got a relationship")
		}
	}
	// Dependencies and completeness.
	cobra := byName(g, "software_Package", "github.com/spf13/cobra")
	stdlib := byName(g, "software_Package", "stdlib")
	if r := has(app["spdxId"], "dependsOn", cobra["spdxId"].(string), mod["spdxId"].(string), stdlib["spdxId"].(string)); r == nil || r["completeness"] != "complete" {
		t.Errorf("hello dependsOn = %v", r)
	}
	if r := has(cobra["spdxId"], "dependsOn", "NoAssertionElement"); r == nil || r["completeness"] != "incomplete" {
		t.Errorf("cobra dependsOn = %v, want NoAssertionElement, incomplete", r)
	}
	if r := has(mod["spdxId"], "dependsOn", "NoAssertionElement"); r == nil || r["completeness"] != "noAssertion" {
		t.Errorf("x/mod dependsOn = %v, want NoAssertionElement, noAssertion", r)
	}
	// External references.
	refs, _ := json.Marshal(app["externalRef"])
	if !strings.Contains(string(refs), `"externalRefType":"vcs","locator":["https://example.com/hello"]`) {
		t.Errorf("hello externalRef = %s", refs)
	}
	// Every reference resolves inside the document.
	for _, n := range g {
		for _, key := range []string{"from", "suppliedBy", "creationInfo"} {
			if v, ok := n[key]; ok && byID(g, v) == nil {
				t.Errorf("%v: %s %v is not in the graph", n["spdxId"], key, v)
			}
		}
		for _, key := range []string{"to", "rootElement", "element", "originatedBy", "createdBy", "createdUsing"} {
			if v, ok := n[key]; ok {
				for _, id := range strs(v) {
					if id != "NoneElement" && id != "NoAssertionElement" && byID(g, id) == nil {
						t.Errorf("%v: %s %v is not in the graph", n["spdxId"], key, id)
					}
				}
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	want := sbomtest.Sample()
	got := decodeBytes(t, encode(t, want))
	compareDocs(t, got, want)
}

// compareDocs compares two documents field by field, so that a failure says
// which field differs.
func compareDocs(t *testing.T, got, want *sbom.Document) {
	t.Helper()
	if !got.Created.Equal(want.Created) || got.Created.Location() != want.Created.Location() {
		t.Errorf("Created = %v, want %v", got.Created, want.Created)
	}
	gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := 0; i < gv.NumField(); i++ {
		name := gv.Type().Field(i).Name
		if name == "Components" || name == "Created" {
			continue
		}
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			t.Errorf("%s = %#v\nwant %#v", name, gv.Field(i).Interface(), wv.Field(i).Interface())
		}
	}
	if len(got.Components) != len(want.Components) {
		t.Fatalf("%d components, want %d", len(got.Components), len(want.Components))
	}
	for i := range want.Components {
		g, w := reflect.ValueOf(got.Components[i]), reflect.ValueOf(want.Components[i])
		for j := 0; j < g.NumField(); j++ {
			if !reflect.DeepEqual(g.Field(j).Interface(), w.Field(j).Interface()) {
				t.Errorf("component %q: %s = %#v\nwant %#v", want.Components[i].ID, g.Type().Field(j).Name, g.Field(j).Interface(), w.Field(j).Interface())
			}
		}
	}
}

// TestRoundTripEdgeCases covers what Sample does not: IDs that need
// sanitizing, a purl shared by two components, unmapped types, hash
// algorithms and reference types, reference digests, no authors, unmapped
// lifecycle, a complete empty dependency list.
func TestRoundTripEdgeCases(t *testing.T) {
	d := &sbom.Document{
		Name:      "odd name/ü",
		Created:   time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC),
		Tools:     []sbom.Tool{{Name: "other-tool"}, {Vendor: "v", Name: "vouch", Version: "v1"}},
		Lifecycle: "decommission",
		Primary:   "main thing",
		Components: []sbom.Component{
			{ID: "main thing", Type: "cryptographic-asset", Name: "main"},
			{ID: "SPDXRef-Document", Type: sbom.TypeFile, Name: "clash", FileName: "clash.bin", Size: 1,
				Hashes: []sbom.Hash{{Algorithm: "SHA3-256", Value: "aa"}, {Algorithm: "WEIRD-9", Value: "bb"}}},
			{ID: "a", Type: sbom.TypeLibrary, Name: "a", PURL: "pkg:generic/shared@1"},
			{ID: "b", Type: sbom.TypeLibrary, Name: "b", PURL: "pkg:generic/shared@1",
				Licenses: sbom.Licenses{Declared: "MIT OR Apache-2.0", Concluded: "NONE"},
				References: []sbom.ExternalRef{
					{Type: sbom.RefWebsite, URL: "https://b.example"},
					{Type: sbom.RefWebsite, URL: "https://b2.example"},
					{Type: sbom.RefDistribution, URL: "https://dl.example/b.tgz", Hashes: []sbom.Hash{{Algorithm: sbom.SHA512, Value: "cc"}}},
					{Type: "pentest-report", URL: "https://x.example/report"},
					{Type: sbom.RefSecurityContact, URL: "https://b.example/.well-known/security.txt"},
				}},
			{ID: "c:ok@1/x+y", Type: "", Name: "c", Scope: sbom.ScopeExcluded},
		},
		Dependencies: []sbom.Dependency{
			{Ref: "main thing", DependsOn: []string{"a", "b", "c:ok@1/x+y", "SPDXRef-Document"}, Completeness: sbom.CompletenessIncomplete},
			{Ref: "a", Completeness: sbom.CompletenessComplete},
		},
		Completeness: sbom.CompletenessIncomplete,
		Properties:   []sbom.Property{{Name: "empty", Value: ""}},
	}
	want := d.Clone()
	want.Normalize()
	b := encode(t, d)
	validateSchema(t, b)
	got := decodeBytes(t, b)
	compareDocs(t, got, want)

	g := graphOf(t, b)
	if c := byName(g, "software_Package", "c"); c == nil || !strings.HasSuffix(c["spdxId"].(string), "#c:ok@1/x+y") {
		t.Errorf("an IRI-safe id was changed: %v", c)
	}
	if m := byName(g, "software_Package", "main"); m == nil || !strings.Contains(m["spdxId"].(string), "#main-thing-") {
		t.Errorf("an id with a space was not sanitized with a hash suffix: %v", m)
	}
	if ids := strs(g[0]["createdBy"]); len(ids) != 1 || byID(g, ids[0])["type"] != "SoftwareAgent" {
		t.Errorf("without authors createdBy = %v, want vouch as SoftwareAgent", ids)
	}
	if r := byType(g, "Relationship"); !slices.ContainsFunc(r, func(n map[string]any) bool {
		return n["relationshipType"] == "dependsOn" && slices.Equal(strs(n["to"]), []string{"NoneElement"}) && n["completeness"] == "complete"
	}) {
		t.Error("a complete empty dependency list is not dependsOn NoneElement, complete")
	}
}

func TestEncodeRejectsInvalid(t *testing.T) {
	d := sbomtest.Sample()
	d.Dependencies = append(d.Dependencies, sbom.Dependency{Ref: "archive-hello", DependsOn: []string{"missing"}})
	err := (Encoder{}).Encode(&bytes.Buffer{}, d)
	if err == nil || !strings.Contains(err.Error(), `"missing"`) {
		t.Errorf("Encode with a dangling dependency: err = %v", err)
	}
}

func TestDecodeSpecExamples(t *testing.T) {
	for _, tc := range []struct {
		path, version string
	}{
		{exampleTagged, "1.0"},
		{exampleDevelop, "1.0.0"},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			b := readFile(t, tc.path)
			validateSchema(t, b) // the validator accepts the specification's own example
			if ok, v := (Decoder{}).Identify(b); !ok || v != "3.0.1" {
				t.Errorf("Identify = %v, %q", ok, v)
			}
			d := decodeBytes(t, b)
			if len(d.Components) != 2 {
				t.Fatalf("%d components, want the package and its file: %+v", len(d.Components), d.Components)
			}
			pkg := d.Component("http://spdx.example.com/Package1")
			if pkg == nil || pkg.Name != "my-package" || pkg.Version != tc.version || pkg.Type != sbom.TypeLibrary {
				t.Errorf("package = %+v", pkg)
			}
			if pkg != nil && (pkg.Author != "Joshua Watt" ||
				!reflect.DeepEqual(pkg.References, []sbom.ExternalRef{{Type: sbom.RefDistribution, URL: "http://dl.example.com/my-package_1.0.0.tar"}})) {
				t.Errorf("package author/references = %q, %+v", pkg.Author, pkg.References)
			}
			file := d.Component("http://spdx.example.com/Package1/myprogram")
			if file == nil || file.Name != "myprogram" || file.Type != sbom.TypeFile {
				t.Errorf("file = %+v", file)
			}
			if d.Primary != "http://spdx.example.com/Package1" {
				t.Errorf("Primary = %q", d.Primary)
			}
			wantDeps := []sbom.Dependency{{Ref: "http://spdx.example.com/Package1", DependsOn: []string{"http://spdx.example.com/Package1/myprogram"}, Completeness: sbom.CompletenessComplete}}
			if !reflect.DeepEqual(d.Dependencies, wantDeps) {
				t.Errorf("Dependencies = %+v", d.Dependencies)
			}
			if !d.Created.Equal(time.Date(2024, 3, 6, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("Created = %v", d.Created)
			}
			if !reflect.DeepEqual(d.Authors, []sbom.Contact{{Name: "Joshua Watt", Email: "JPEWhacker@gmail.com"}}) {
				t.Errorf("Authors = %+v", d.Authors)
			}
			if d.Lifecycle != "build" {
				t.Errorf("Lifecycle = %q", d.Lifecycle)
			}
			// Re-encoding gives a schema-valid document that decodes to the same model.
			again := encode(t, d)
			validateSchema(t, again)
			compareDocs(t, decodeBytes(t, again), d)
		})
	}
}

func TestIdentify(t *testing.T) {
	for _, tc := range []struct {
		name, head string
		ok         bool
		version    string
	}{
		{"3.0.1", `{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [`, true, "3.0.1"},
		{"3.0.0 array context, BOM", "\xef\xbb\xbf {\"@context\": [\"https://spdx.org/rdf/3.0.0/spdx-context.jsonld\"]", true, "3.0.0"},
		{"spdx 2", `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT"}`, false, ""},
		{"cyclonedx", `{"bomFormat": "CycloneDX", "specVersion": "1.6"}`, false, ""},
		{"other json-ld", `{"@context": "https://schema.org/"}`, false, ""},
		{"not json", `SPDXVersion: SPDX-2.3 https://spdx.org/rdf/3.0.1/ "@context"`, false, ""},
		{"empty", ``, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, v := Decoder{}.Identify([]byte(tc.head))
			if ok != tc.ok || v != tc.version {
				t.Errorf("Identify = %v, %q; want %v, %q", ok, v, tc.ok, tc.version)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	example := string(readFile(t, exampleTagged))
	golden := string(readFile(t, goldenSample))
	for _, tc := range []struct {
		name, doc string
		want      []string // substrings of the error
	}{
		{"dangling relationship target",
			strings.Replace(example, `"to": [
                "http://spdx.example.com/Package1/myprogram"`, `"to": [
                "http://spdx.example.com/Package1/nothing"`, 1),
			[]string{`Relationship "http://spdx.example.com/Relationship/1"`, `to "http://spdx.example.com/Package1/nothing"`}},
		{"dangling creator",
			strings.Replace(example, `"createdBy": [
                "http://spdx.example.com/Agent/JoshuaWatt"`, `"createdBy": [
                "http://spdx.example.com/Agent/Nobody"`, 1),
			[]string{`CreationInfo "_:creationinfo"`, `createdBy "http://spdx.example.com/Agent/Nobody"`}},
		{"dangling creationInfo",
			strings.Replace(golden, `"creationInfo": "_:creationinfo"`, `"creationInfo": "_:other"`, 1),
			[]string{`creationInfo "_:other"`}},
		{"dangling root element",
			strings.Replace(example, `"rootElement": [
                "http://spdx.example.com/Package1"`, `"rootElement": [
                "http://spdx.example.com/Package9"`, 1),
			[]string{`software_Sbom "http://spdx.example.com/BOM1"`, `rootElement "http://spdx.example.com/Package9"`}},
		{"duplicate id",
			strings.Replace(example, `"spdxId": "http://spdx.example.com/Package1/myprogram"`, `"spdxId": "http://spdx.example.com/Package1"`, 1),
			[]string{`duplicate element id "http://spdx.example.com/Package1"`}},
		{"bad created", strings.Replace(example, `"created": "2024-03-06T00:00:00Z"`, `"created": "yesterday"`, 1),
			[]string{`created "yesterday"`}},
		{"bad size", strings.Replace(golden, `"extension_cdxPropValue": "2048"`, `"extension_cdxPropValue": "-2"`, 1),
			[]string{`vouch:spdx3:size`, `"-2"`}},
		{"relationship without from", strings.Replace(example, `"from": "http://spdx.example.com/Package1",`, ``, 1),
			[]string{`no "from"`}},
		{"wrong context", strings.Replace(example, "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "https://schema.org/", 1),
			[]string{`@context`, `schema.org`}},
		{"no graph", `{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}`, []string{`no "@graph"`}},
		{"graph entry not an object", `{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [1]}`, []string{`@graph[0]`}},
		{"truncated", example[:len(example)/2], []string{"parse json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.doc == example || tc.doc == golden {
				t.Fatal("test input was not changed: the replacement did not match")
			}
			_, err := Decoder{}.Decode(context.Background(), strings.NewReader(tc.doc))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestDecodeSizeLimit(t *testing.T) {
	b := readFile(t, goldenSample)
	_, err := Decoder{MaxBytes: int64(len(b) - 1)}.Decode(context.Background(), bytes.NewReader(b))
	if err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("over the limit: err = %v", err)
	}
	if _, err := (Decoder{MaxBytes: int64(len(b))}).Decode(context.Background(), bytes.NewReader(b)); err != nil {
		t.Errorf("exactly at the limit: %v", err)
	}
}

func TestDecodeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Decoder{}).Decode(ctx, bytes.NewReader(readFile(t, goldenSample))); err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestDecodeExpandedIRIs reads a document that writes types and vocabulary
// values as full IRIs, which JSON-LD allows.
func TestDecodeExpandedIRIs(t *testing.T) {
	doc := strings.NewReplacer(
		`"type": "software_Package"`, `"type": "https://spdx.org/rdf/3.0.1/terms/Software/Package"`,
		`"relationshipType": "contains"`, `"relationshipType": "https://spdx.org/rdf/3.0.1/terms/Core/RelationshipType/contains"`,
	).Replace(string(readFile(t, exampleTagged)))
	d := decodeBytes(t, []byte(doc))
	if p := d.Component("http://spdx.example.com/Package1"); p == nil || p.Name != "my-package" {
		t.Errorf("package with an expanded type not read: %+v", d.Components)
	}
	if len(d.Dependencies) != 1 || len(d.Dependencies[0].DependsOn) != 1 {
		t.Errorf("contains with an expanded type not read: %+v", d.Dependencies)
	}
}

// TestDecodeOtherShapes reads what other producers write and vouch does not:
// inline CreationInfo and agents, imported elements, listed licences by IRI,
// NoneLicense, a File distributed by two packages (not folded), and
// relationships from elements that are not components.
func TestDecodeOtherShapes(t *testing.T) {
	const doc = `{
  "@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
  "@graph": [
    {"type": "SpdxDocument", "spdxId": "https://x.example/doc#SPDXRef-DOCUMENT", "name": "other",
     "creationInfo": {"type": "CreationInfo", "@id": "_:ci", "specVersion": "3.0.1", "created": "2024-05-06T07:08:09Z",
       "createdBy": [{"type": "Person", "spdxId": "https://x.example/doc#alice", "creationInfo": "_:ci", "name": "Alice",
         "externalIdentifier": [{"type": "ExternalIdentifier", "externalIdentifierType": "email", "identifier": "alice@x.example"}]},
         "https://x.example/doc#bot"]},
     "import": [{"type": "ExternalMap", "externalSpdxId": "https://y.example/doc#lib"}],
     "rootElement": ["https://x.example/doc#app"]},
    {"type": "SoftwareAgent", "spdxId": "https://x.example/doc#bot", "creationInfo": "_:ci", "name": "generator"},
    {"type": "software_Package", "spdxId": "https://x.example/doc#app", "creationInfo": "_:ci", "name": "app",
     "software_primaryPurpose": "executable", "software_homePage": "https://app.example",
     "verifiedUsing": [{"type": "Hash", "algorithm": "sha256", "hashValue": "ABCD"}, "_:elsewhere"]},
    {"type": "software_Package", "spdxId": "https://x.example/doc#tool", "creationInfo": "_:ci", "name": "tool",
     "software_packageUrl": "pkg:generic/tool@2"},
    {"type": "software_File", "spdxId": "https://x.example/doc#shared.bin", "creationInfo": "_:ci", "name": "shared.bin"},
    {"type": "Relationship", "spdxId": "https://x.example/doc#r1", "creationInfo": "_:ci",
     "from": "https://x.example/doc#app", "relationshipType": "dependsOn",
     "to": ["https://x.example/doc#tool", "https://y.example/doc#lib"]},
    {"type": "Relationship", "spdxId": "https://x.example/doc#r2", "creationInfo": "_:ci",
     "from": "https://x.example/doc#app", "relationshipType": "hasDeclaredLicense",
     "to": ["https://spdx.org/licenses/MIT", "https://spdx.org/licenses/Apache-2.0"]},
    {"type": "Relationship", "spdxId": "https://x.example/doc#r3", "creationInfo": "_:ci",
     "from": "https://x.example/doc#tool", "relationshipType": "hasConcludedLicense", "to": ["expandedlicensing_NoneLicense"]},
    {"type": "Relationship", "spdxId": "https://x.example/doc#r4", "creationInfo": "_:ci",
     "from": "https://x.example/doc#app", "relationshipType": "hasDistributionArtifact", "to": ["https://x.example/doc#shared.bin"]},
    {"type": "Relationship", "spdxId": "https://x.example/doc#r5", "creationInfo": "_:ci",
     "from": "https://x.example/doc#tool", "relationshipType": "hasDistributionArtifact", "to": ["https://x.example/doc#shared.bin"]},
    {"type": "Relationship", "spdxId": "https://x.example/doc#r6", "creationInfo": "_:ci",
     "from": "https://x.example/doc#SPDXRef-DOCUMENT", "relationshipType": "contains", "to": ["https://x.example/doc#app"]}
  ]
}`
	validateSchema(t, []byte(doc))
	d := decodeBytes(t, []byte(doc))
	want := &sbom.Document{
		Name:    "other",
		Created: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
		Authors: []sbom.Contact{{Name: "Alice", Email: "alice@x.example"}},
		Primary: "app",
		Components: []sbom.Component{
			{ID: "app", Type: sbom.TypeApplication, Name: "app",
				Licenses:   sbom.Licenses{Declared: "MIT AND Apache-2.0"},
				Hashes:     []sbom.Hash{{Algorithm: sbom.SHA256, Value: "abcd"}},
				References: []sbom.ExternalRef{{Type: sbom.RefWebsite, URL: "https://app.example"}}},
			{ID: "pkg:generic/tool@2", Type: sbom.TypeLibrary, Name: "tool", PURL: "pkg:generic/tool@2",
				Licenses: sbom.Licenses{Concluded: "NONE"}},
			{ID: "shared.bin", Type: sbom.TypeFile, Name: "shared.bin"},
		},
		Dependencies: []sbom.Dependency{{Ref: "app", DependsOn: []string{"pkg:generic/tool@2"}}},
	}
	want.Normalize()
	compareDocs(t, d, want)
}

func TestSchemaRejectsUnknownProperty(t *testing.T) {
	golden := readFile(t, goldenSample)
	for _, tc := range []struct{ name, old, new string }{
		{"unknown package property", `"software_packageVersion": "v1.2.3"`, `"software_packageVersion": "v1.2.3", "software_notAField": "x"`},
		{"unknown relationship type", `"relationshipType": "dependsOn"`, `"relationshipType": "dependsUpon"`},
		{"blank node as element id", `"spdxId": "https://vouch.dev/spdx/`, `"spdxId": "_:x`},
	} {
		b := bytes.Replace(golden, []byte(tc.old), []byte(tc.new), 1)
		if bytes.Equal(b, golden) {
			t.Fatalf("%s: replacement did not match", tc.name)
		}
		if err := checkSchema(t, b); err == nil {
			t.Errorf("schema accepted a document with an %s", tc.name)
		}
	}
}
