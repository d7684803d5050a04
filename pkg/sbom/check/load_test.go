package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/format"
)

var goldenDir = filepath.Join("..", "format")

func TestLoadDetects(t *testing.T) {
	for _, tc := range []struct {
		file                      string
		family, version, encoding string
	}{
		{filepath.Join(goldenDir, "cyclonedx", "testdata", "golden", "sample-1.5.cdx.json"), "cyclonedx", "1.5", "json"},
		{filepath.Join(goldenDir, "cyclonedx", "testdata", "golden", "sample-1.7.cdx.xml"), "cyclonedx", "1.7", "xml"},
		{filepath.Join(goldenDir, "spdx2", "testdata", "golden", "sample-2.2.spdx.json"), "spdx-2", "2.2", "json"},
		{filepath.Join(goldenDir, "spdx2", "testdata", "golden", "sample-2.3.spdx"), "spdx-2", "2.3", "tag-value"},
		{filepath.Join(goldenDir, "spdx3", "testdata", "golden", "sample.spdx3.json"), "spdx-3", "3.0.1", "json"},
		{filepath.Join(spdxExamples, "SPDXJSONExample-v2.2.spdx.json"), "spdx-2", "2.2", "json"},
		{filepath.Join(cdxExamples, "valid-1.7", "valid-bom-1.7.json"), "cyclonedx", "1.7", "json"},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			in := loadFile(t, tc.file)
			if in.Family != tc.family || in.SpecVersion != tc.version || in.Encoding != tc.encoding {
				t.Errorf("detected %s %s %s, want %s %s %s", in.Family, in.SpecVersion, in.Encoding, tc.family, tc.version, tc.encoding)
			}
			if in.Doc == nil || in.DecodeErr != nil {
				t.Errorf("not decoded: %v", in.DecodeErr)
			}
			if in.Name != tc.file || len(in.Raw) == 0 {
				t.Errorf("name %q, %d raw bytes", in.Name, len(in.Raw))
			}
		})
	}
}

// TestLoadVersionAfterHead: a spec version declared after the first 64 KiB
// (a large metadata block first) is still found.
func TestLoadVersionAfterHead(t *testing.T) {
	doc := `{"bomFormat":"CycloneDX","metadata":{"properties":[{"name":"pad","value":"` +
		strings.Repeat("x", 70<<10) + `"}]},"specVersion":"1.5","version":1}`
	in, err := Load(context.Background(), "late.json", strings.NewReader(doc), 0)
	if err != nil {
		t.Fatal(err)
	}
	if in.SpecVersion != "1.5" {
		t.Errorf("spec version %q, want 1.5", in.SpecVersion)
	}
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	big := strings.Repeat(" ", 200) + `{"bomFormat":"CycloneDX","specVersion":"1.6"}`
	if _, err := Load(ctx, "big.json", strings.NewReader(big), 100); !errors.Is(err, ErrTooLarge) ||
		!strings.Contains(err.Error(), "big.json") || !strings.Contains(err.Error(), "100 bytes") || !strings.Contains(err.Error(), "--max-sbom-size") {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := Load(ctx, "x", strings.NewReader("{}"), MaxMaxBytes+1); err == nil {
		t.Error("a limit over MaxMaxBytes was accepted")
	}
	for name, doc := range map[string]string{
		"empty":   "",
		"json":    `{"name":"left-pad"}`,
		"xml":     `<project><modelVersion>4.0.0</modelVersion></project>`,
		"text":    "hello\n",
		"binary":  "\x7fELF\x02\x01\x01",
		"html":    "<!doctype html><html></html>",
		"spdxish": "SPDXVersion: SPDX-9\n",
	} {
		_, err := Load(ctx, name, strings.NewReader(doc), 0)
		if !errors.Is(err, ErrNotSBOM) || !strings.HasPrefix(err.Error(), name+": not a recognised sbom") {
			t.Errorf("%s: %v, want %q…", name, err, name+": not a recognised sbom")
		}
	}
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Load(ctx2, "x", strings.NewReader(`{"bomFormat":"CycloneDX","specVersion":"1.6"}`), 0); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestLoadKeepsDecodeError: recognised documents that do not decode come
// back with the reason, for the schema profile.
func TestLoadKeepsDecodeError(t *testing.T) {
	for name, tc := range map[string]struct{ doc, family, want string }{
		"truncated": {`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":`, "cyclonedx", "cyclonedx"},
		"duplicate bom-ref": {`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
			{"type":"library","name":"a","bom-ref":"x"},{"type":"library","name":"b","bom-ref":"x"}]}`, "cyclonedx", `"x"`},
		"bomFormat": {`{"bomFormat":"CycloneDXX","specVersion":"1.6"}`, "cyclonedx", `bomFormat is "CycloneDXX"`},
		"dangling": {`{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"d",
			"documentNamespace":"https://example.com/d","creationInfo":{"created":"2024-01-01T00:00:00Z","creators":["Tool: x"]},
			"packages":[{"SPDXID":"SPDXRef-A","name":"a","downloadLocation":"NOASSERTION"}],
			"relationships":[{"spdxElementId":"SPDXRef-A","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-Gone"}]}`, "spdx-2", "SPDXRef-Gone"},
	} {
		t.Run(name, func(t *testing.T) {
			in, err := Load(context.Background(), name, strings.NewReader(tc.doc), 0)
			if err != nil {
				t.Fatal(err)
			}
			if in.Doc != nil || in.DecodeErr == nil || !strings.Contains(in.DecodeErr.Error(), tc.want) || in.Family != tc.family {
				t.Errorf("family %q, doc %v, decode error %v; want one containing %q", in.Family, in.Doc != nil, in.DecodeErr, tc.want)
			}
		})
	}
}

// FuzzLoad feeds Load and the schema profile mutations of real documents:
// neither may panic, and Load's error cases are the documented ones.
func FuzzLoad(f *testing.F) {
	var seeds []string
	for _, p := range []string{
		filepath.Join(casesDir, "cyclonedx", "1.5", "*.json"),
		filepath.Join(casesDir, "spdx", "*", "*.spdx*"),
		filepath.Join(casesDir, "spdx", "3.0", "*.json"),
		filepath.Join(goldenDir, "*", "testdata", "golden", "*"),
	} {
		m, err := filepath.Glob(p)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, m...)
	}
	if len(seeds) == 0 {
		f.Fatal("no seed files: the fuzz target would run blind")
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Load(context.Background(), "fuzz", bytes.NewReader(data), 1<<20)
		if err != nil {
			if !errors.Is(err, ErrNotSBOM) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("undocumented Load error: %v", err)
			}
			return
		}
		if (in.Doc == nil) == (in.DecodeErr == nil) {
			t.Fatalf("Doc and DecodeErr both set or both unset: %v", in.DecodeErr)
		}
		if _, err := Run(context.Background(), in, SchemaProfile); err != nil {
			t.Fatalf("schema profile: %v", err)
		}
	})
}

// big50k is the CycloneDX 1.6 JSON of a 50,000-component document.
func big50k(tb testing.TB) []byte {
	d := &sbom.Document{Name: "big", Created: time.Unix(1700000000, 0).UTC(), Primary: "app",
		Tools: []sbom.Tool{{Vendor: "vouchdev", Name: "vouch", Version: "v1"}}}
	d.Components = append(d.Components, sbom.Component{ID: "app", Type: sbom.TypeApplication, Name: "app", Version: "v1"})
	var deps []string
	for i := 1; i < 50_000; i++ {
		id := fmt.Sprintf("pkg:golang/example.com/m%05d@v1.0.%d", i, i%7)
		d.Components = append(d.Components, sbom.Component{
			ID: id, Type: sbom.TypeLibrary, Name: fmt.Sprintf("example.com/m%05d", i), Version: fmt.Sprintf("v1.0.%d", i%7), PURL: id,
			Supplier: sbom.Contact{Name: "Example", URL: "https://example.com"},
			Licenses: sbom.Licenses{Declared: "Apache-2.0 OR MIT", Concluded: "Apache-2.0"},
			Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: strings.Repeat("ab", 32)},
				{Algorithm: sbom.SHA512, Value: strings.Repeat("cd", 64)}},
		})
		deps = append(deps, id)
	}
	d.Dependencies = []sbom.Dependency{{Ref: "app", DependsOn: deps}}
	s, err := format.ParseSpec("cyclonedx-json@1.6")
	if err != nil {
		tb.Fatal(err)
	}
	enc, _ := format.NewEncoder(s)
	var buf bytes.Buffer
	if err := enc.Encode(&buf, d); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkSchema50k validates a 50,000-component CycloneDX 1.6 document
// against its JSON schema (Load, which also decodes, is timed separately).
func BenchmarkSchema50k(b *testing.B) {
	raw := big50k(b)
	b.Logf("%d bytes", len(raw))
	b.Run("load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Load(context.Background(), "big", bytes.NewReader(raw), 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	in, err := Load(context.Background(), "big", bytes.NewReader(raw), 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("schema", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rs, err := Run(context.Background(), in, SchemaProfile)
			if err != nil || !rs[0].Pass {
				b.Fatalf("%v %+v", err, rs)
			}
		}
	})
}
