package check

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// bigDoc is a synthetic document of n components: a binary and n-1 modules
// it depends on directly, every field BSI asks for filled in, each module
// with a hash of its own (as real ones have: no two values alike to
// shortcut validation with).
func bigDoc(n int) *sbom.Document {
	d := baseDoc()
	app := d.Components[0]
	d.Components = make([]sbom.Component, 0, n)
	d.Components = append(d.Components, app)
	deps := make([]string, 0, n-1)
	for i := 1; i < n; i++ {
		id := fmt.Sprintf("pkg:golang/example.com/m%05d@v1.0.%d", i, i%7)
		d.Components = append(d.Components, sbom.Component{
			ID: id, Type: sbom.TypeLibrary, Name: fmt.Sprintf("example.com/m%05d", i), Version: fmt.Sprintf("v1.0.%d", i%7), PURL: id,
			Supplier: sbom.Contact{Name: "Example", URL: "https://example.com"},
			Licenses: sbom.Licenses{Declared: "Apache-2.0 OR MIT", Concluded: "Apache-2.0"},
			Hashes:   []sbom.Hash{{Algorithm: sbom.SHA256, Value: fmt.Sprintf("%x", sha256.Sum256([]byte(id)))}},
		})
		deps = append(deps, id)
	}
	d.Dependencies = []sbom.Dependency{{Ref: "app", DependsOn: deps, Completeness: sbom.CompletenessComplete}}
	for _, id := range deps {
		d.Dependencies = append(d.Dependencies, sbom.Dependency{Ref: id, Completeness: sbom.CompletenessUnknown})
	}
	d.Normalize()
	return d
}

// BenchmarkBSI50k checks a 50,000-component document with bsi-tr-03183-2:
// the model alone, and its CycloneDX 1.6 JSON encoding decoded back (the
// check then also reads the bytes for the format-level facts; decoding is
// not timed).
func BenchmarkBSI50k(b *testing.B) {
	inputs := map[string]func() *Input{
		"model": func() *Input { return &Input{Name: "model", Doc: bigDoc(50_000)} },
		"cyclonedx-json@1.6": func() *Input {
			return input(b, "cyclonedx-json@1.6", encode(b, bigDoc(50_000), "cyclonedx-json@1.6"))
		},
	}
	for _, name := range []string{"model", "cyclonedx-json@1.6"} {
		b.Run(name, func(b *testing.B) {
			in := inputs[name]()
			rep := run(b, in, BSIProfile)
			if !rep.Pass || rep.Checks < 50_000*7 {
				b.Fatalf("pass=%v checks=%d findings=%d", rep.Pass, rep.Checks, len(rep.Findings))
			}
			runtime.GC() // not to time the collection of the setup's garbage
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := Run(context.Background(), in, BSIProfile); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCheck50k is what `vouch sbom check big.cdx.json` does with the
// default profiles: Load (format detection and decoding) of a
// 50,000-component CycloneDX 1.6 JSON document from its bytes, then the
// schema and bsi-tr-03183-2 profiles.
func BenchmarkCheck50k(b *testing.B) {
	raw := encode(b, bigDoc(50_000), "cyclonedx-json@1.6")
	b.SetBytes(int64(len(raw)))
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		in, err := Load(context.Background(), "big.cdx.json", bytes.NewReader(raw), 0)
		if err != nil {
			b.Fatal(err)
		}
		reports, err := Run(context.Background(), in, SchemaProfile, BSIProfile)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range reports {
			if !r.Pass || len(r.Findings) != 0 {
				b.Fatalf("%s: pass=%v findings=%d", r.Profile, r.Pass, len(r.Findings))
			}
		}
	}
}
