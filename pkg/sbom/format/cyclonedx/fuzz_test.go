package cyclonedx_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom/format/cyclonedx"
)

// FuzzDecode feeds the decoder mutations of the specification's examples
// and of the goldens: it must never panic, and whatever it accepts must
// encode again in every version.
func FuzzDecode(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{
		filepath.Join(examplesDir, "*", "*.json"),
		filepath.Join("testdata", "golden", "*.cdx.*"),
	} {
		m, err := filepath.Glob(pattern)
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
		d, err := cyclonedx.Decoder{MaxBytes: 1 << 20}.Decode(context.Background(), bytes.NewReader(data))
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("Decode returned an invalid document: %v", err)
		}
		for _, v := range cyclonedx.Versions {
			for _, xml := range []bool{false, true} {
				if err := (cyclonedx.Encoder{Version: v, XML: xml}).Encode(&bytes.Buffer{}, d); err != nil {
					t.Fatalf("decoded document does not encode as %s xml=%v: %v", v, xml, err)
				}
			}
		}
	})
}
