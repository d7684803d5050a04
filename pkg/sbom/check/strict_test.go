package check

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/internal/strictjson"
)

// TestCheckDuplicateKeys: sbom check's load path (the decoder) and the
// schema profile (its fast piecewise path included) refuse a real document
// with a repeated key, naming the JSON path; the untouched document passes.
func TestCheckDuplicateKeys(t *testing.T) {
	syft, err := os.ReadFile("testdata/syft-go-binary.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	spdx, err := os.ReadFile("../../../testdata/spdx/examples/SPDXJSONExample-v2.3.spdx.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		good      []byte
		old, new  string
		path      string
		schemaBad bool // the untouched document already fails its schema
	}{
		{"cyclonedx specVersion", syft, `"specVersion": "1.6",`, `"specVersion": "1.6", "specVersion": "1.2",`, "$.specVersion", false},
		{"cyclonedx component name", syft, `"name": "example.com/hello",`, `"name": "example.com/hello", "name": "evil",`, "$.components[0].name", false},
		{"spdx2 version", spdx, `"spdxVersion" : "SPDX-2.3",`, `"spdxVersion" : "SPDX-2.3", "spdxVersion" : "SPDX-2.2",`, "$.spdxVersion", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Load(context.Background(), "good", bytes.NewReader(tt.good), 0)
			if err != nil || in.DecodeErr != nil {
				t.Fatalf("control: %v, %v", err, in.DecodeErr)
			}
			if rep := run(t, in, SchemaProfile); !tt.schemaBad && !rep.Pass {
				t.Fatalf("control fails the schema: %+v", rep.Findings)
			}
			bad := bytes.Replace(tt.good, []byte(tt.old), []byte(tt.new), 1)
			in, err = Load(context.Background(), "bad", bytes.NewReader(bad), 0)
			if err != nil {
				t.Fatal(err)
			}
			if in.Doc != nil || !errors.Is(in.DecodeErr, strictjson.ErrDuplicateKey) || !strings.Contains(in.DecodeErr.Error(), tt.path) {
				t.Fatalf("Load: doc %v, DecodeErr %v; want a duplicate key at %s", in.Doc != nil, in.DecodeErr, tt.path)
			}
			rep := run(t, in, SchemaProfile)
			if rep.Pass || len(rep.Findings) != 1 || rep.Findings[0].Rule != RuleSchemaJSON || !strings.Contains(rep.Findings[0].Message, tt.path) {
				t.Fatalf("schema: pass %v, findings %+v; want one %s naming %s", rep.Pass, rep.Findings, RuleSchemaJSON, tt.path)
			}
		})
	}
}
