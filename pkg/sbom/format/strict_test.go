package format

import (
	"bytes"
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/sbomtest"
)

// strictCases are real documents of each JSON format with one key repeated
// (at the top, inside an element, and through an escape): every decoder
// refuses them naming the JSON path, and decodes the untouched document.
var strictCases = []struct {
	name, file, old, new, path string
}{
	{"cyclonedx tools", "../check/testdata/syft-go-binary.cdx.json",
		`"specVersion": "1.6",`, `"specVersion": "1.6", "specVersion": "1.2",`, `"specVersion" at $.specVersion`},
	{"cyclonedx component", "../check/testdata/syft-go-binary.cdx.json",
		`"name": "example.com/hello",`, `"name": "example.com/hello", "name": "evil",`, `"name" at $.components[0].name`},
	{"cyclonedx escaped", "../check/testdata/syft-go-binary.cdx.json",
		`"specVersion": "1.6",`, `"specVersion": "1.6", "spec\u0056ersion": "1.2",`, `"specVersion" at $.specVersion`},
	{"spdx2 top", "../../../testdata/spdx/examples/SPDXJSONExample-v2.3.spdx.json",
		`"spdxVersion" : "SPDX-2.3",`, `"spdxVersion" : "SPDX-2.3", "spdxVersion" : "SPDX-2.2",`, `"spdxVersion" at $.spdxVersion`},
	{"spdx2 licence", "../../../testdata/spdx/examples/SPDXJSONExample-v2.3.spdx.json",
		`"name" : "Beer-Ware License (Version 42)",`, `"name" : "Beer-Ware License (Version 42)", "name" : "MIT",`, `at $.hasExtractedLicensingInfos[`},
	{"spdx3 element", "../../../testdata/spdx3/package_sbom-3.0.1.json",
		`"name": "my-package",`, `"name": "my-package", "name": "evil",`, `"name" at $.@graph[`},
}

func TestDecodeRefusesDuplicateKeys(t *testing.T) {
	for _, tt := range strictCases {
		t.Run(tt.name, func(t *testing.T) {
			good, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := Decode(context.Background(), bytes.NewReader(good)); err != nil {
				t.Fatalf("control: the real document does not decode: %v", err)
			}
			if !bytes.Contains(good, []byte(tt.old)) {
				t.Fatalf("%s does not contain %s", tt.file, tt.old)
			}
			bad := bytes.Replace(good, []byte(tt.old), []byte(tt.new), 1)
			_, _, err = Decode(context.Background(), bytes.NewReader(bad))
			if !errors.Is(err, strictjson.ErrDuplicateKey) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("Decode = %v, want a duplicate key error naming %s", err, tt.path)
			}
		})
	}
}

// TestNestingDepth: CycloneDX components nested 20,000 deep (900 KB of
// JSON) once took gigabytes and a minute to decode. Now the document, JSON
// or XML, is refused naming the limit, allocating no more than a few times
// its size. The controls: documents nested 50 and 100 deep (within the
// limit) decode completely, and twice the depth costs about twice the
// memory, not four times (no walk quadratic in the depth).
func TestNestingDepth(t *testing.T) {
	for _, xml := range []bool{false, true} {
		name := map[bool]string{false: "json", true: "xml"}[xml]
		t.Run(name, func(t *testing.T) {
			deep := sbomtest.NestedCycloneDX(20_000, xml)
			var err error
			alloc := allocated(func() { _, _, err = Decode(context.Background(), bytes.NewReader(deep)) })
			if err == nil || !strings.Contains(err.Error(), "more than 256 levels") || !strings.Contains(err.Error(), "sbom.MaxDepth") {
				t.Fatalf("20,000 deep: %v, want the nesting limit", err)
			}
			if alloc > 8*uint64(len(deep)) {
				t.Errorf("refusing a %d-byte document allocated %d bytes", len(deep), alloc)
			}
			var costs [2]uint64
			for i, depth := range []int{50, 100} {
				doc := sbomtest.NestedCycloneDX(depth, xml)
				var d *sbom.Document
				costs[i] = allocated(func() { d, _, err = Decode(context.Background(), bytes.NewReader(doc)) })
				if err != nil || len(d.Components) != depth {
					t.Fatalf("%d deep: %v", depth, err)
				}
			}
			if costs[1] > 3*costs[0] {
				t.Errorf("decoding 100 levels allocates %d bytes, 50 levels %d: more than linear", costs[1], costs[0])
			}
		})
	}
}

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestDecodeErrorsNameKeys: a value of the wrong type in a real document
// is reported at its key path (with item indexes where the decoder read
// the bytes itself), never as vouch's or a library's Go struct field.
func TestDecodeErrorsNameKeys(t *testing.T) {
	for _, tt := range []struct{ name, file, old, new, want string }{
		{"cyclonedx component", "../check/testdata/syft-go-binary.cdx.json",
			`"name": "example.com/hello",`, `"name": 5,`, "at $.components[0].name: want a string, found a JSON number"},
		{"cyclonedx tools", "../check/testdata/syft-go-binary.cdx.json",
			`"components": [`, `"components": {"a": 1}, "x": [`, "at $.metadata.tools.components: want an array, found a JSON object"},
		{"spdx2 package", "../../../testdata/spdx/examples/SPDXJSONExample-v2.3.spdx.json",
			`"name" : "SPDX-Tools-v2.0",`, `"name" : 7,`, "at $.name: want a string, found a JSON number"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			good, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := Decode(context.Background(), bytes.NewReader(good)); err != nil {
				t.Fatalf("control: %v", err)
			}
			if !bytes.Contains(good, []byte(tt.old)) {
				t.Fatalf("%s has no %s", tt.file, tt.old)
			}
			_, _, err = Decode(context.Background(), bytes.NewReader(bytes.Replace(good, []byte(tt.old), []byte(tt.new), 1)))
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "Go struct") {
				t.Fatalf("Decode = %v, want %q", err, tt.want)
			}
		})
	}
}
