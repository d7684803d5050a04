package format

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/internal/strictjson"
)

// strictCases are real documents of each JSON format with one key repeated
// (at the top, inside an element, and through an escape): every decoder
// refuses them naming the JSON path, and decodes the untouched document.
var strictCases = []struct {
	name, file, old, new, path string
}{
	{"cyclonedx top", "../check/testdata/syft-go-binary.cdx.json",
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
