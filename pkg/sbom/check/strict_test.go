package check

import (
	"bytes"
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/sbom/sbomtest"
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
			if rep.Pass || len(rep.Findings) != 1 || rep.Findings[0].ID != RuleSchemaJSON || !strings.Contains(rep.Findings[0].Message, tt.path) {
				t.Fatalf("schema: pass %v, findings %+v; want one %s naming %s", rep.Pass, rep.Findings, RuleSchemaJSON, tt.path)
			}
		})
	}
}

// TestCheckNestedTooDeep: what sbom check --profile ntia does with
// components nested 20,000 deep (once 6–7 GB and 70 s): the document is
// refused by the schema profile naming the limit, the NTIA profile is not run,
// all within a few times the document's size in memory. The control, 100
// deep, passes the NTIA profile's structure checks on every component.
func TestCheckNestedTooDeep(t *testing.T) {
	for _, xml := range []bool{false, true} {
		deep := sbomtest.NestedCycloneDX(20_000, xml)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		in, err := Load(context.Background(), "deep", bytes.NewReader(deep), 0)
		if err != nil {
			t.Fatal(err)
		}
		reports, err := Run(context.Background(), in, SchemaProfile)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Run(context.Background(), in, NTIAProfile); err == nil {
			t.Errorf("xml=%v: the NTIA profile ran on a document that did not decode", xml)
		}
		runtime.ReadMemStats(&after)
		if in.Doc != nil || in.DecodeErr == nil || !strings.Contains(in.DecodeErr.Error(), "sbom.MaxDepth") {
			t.Fatalf("xml=%v: DecodeErr %v, want the nesting limit", xml, in.DecodeErr)
		}
		if len(reports) != 1 || reports[0].Pass {
			t.Fatalf("xml=%v: reports %+v, want a failed schema report only", xml, reports)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 10*uint64(len(deep)) {
			t.Errorf("xml=%v: checking a %d-byte document allocated %d bytes", xml, len(deep), alloc)
		}

		in, err = Load(context.Background(), "nested", bytes.NewReader(sbomtest.NestedCycloneDX(100, xml)), 0)
		if err != nil || in.Doc == nil {
			t.Fatalf("control: %v, %v", err, in.DecodeErr)
		}
		rep := run(t, in, NTIAProfile)
		for _, f := range rep.Findings {
			if f.ID == NTIAName || f.ID == NTIAVersion || f.ID == NTIASupplier {
				t.Errorf("control: %+v", f)
			}
		}
		if len(in.Doc.Components) != 100 {
			t.Errorf("control: %d components, want 100", len(in.Doc.Components))
		}
	}
}
