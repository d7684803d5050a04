package spdx3

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the decoder: it must never panic, and
// whatever it accepts must encode again. It is seeded from every SPDX 3
// document among the fixtures and goldens, and fails when it finds none.
//
// The golden seed is large, so minimizing each new input takes the default
// minute; for short runs pass a short minimize time:
//
//	go test ./pkg/sbom/format/spdx3 -run '^$' -fuzz FuzzDecode -fuzztime 15s -fuzzminimizetime 2s
func FuzzDecode(f *testing.F) {
	var paths []string
	for _, pattern := range []string{"testdata/golden/*.json", fixtures + "/*.json"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		paths = append(paths, m...)
	}
	seeds := 0
	for _, p := range paths {
		b := readFile(f, p)
		if ok, _ := (Decoder{}).Identify(b); !ok || strings.Contains(p, "schema") {
			continue
		}
		f.Add(b)
		seeds++
	}
	if seeds < 3 {
		f.Fatalf("only %d seed documents found in %v: the fixtures are missing", seeds, paths)
	}
	f.Add([]byte(`{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Decoder{MaxBytes: 1 << 20}.Decode(context.Background(), bytes.NewReader(b))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := (Encoder{}).Encode(&buf, d); err != nil {
			t.Fatalf("decoded document does not encode: %v", err)
		}
	})
}
