package spdx2

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds the decoder mutations of real SPDX 2 documents, JSON and
// tag-value: it must never panic, and whatever it accepts must encode in every
// variant.
func FuzzDecode(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{
		filepath.Join(examplesDir, "*.spdx*"),
		filepath.Join(examplesDir, "tools-python", "*.spdx"),
		filepath.Join("testdata", "golden", "*.spdx*"),
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, m...)
	}
	// Fail loudly when the fixtures move: a fuzzer without seeds finds little.
	if len(seeds) < 8 {
		f.Fatalf("found %d seed files, want at least 8 (examples and goldens): %v", len(seeds), seeds)
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Decoder{MaxBytes: 1 << 20}.Decode(context.Background(), bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, v := range variants {
			var buf bytes.Buffer
			if err := v.enc.Encode(&buf, d); err != nil {
				t.Fatalf("decoded document does not encode as %s: %v", v.golden, err)
			}
		}
	})
}
