package format_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom/format"
)

// FuzzDetect feeds format detection and the decoding behind it mutations of
// real documents of every format: neither may panic, detection names one of
// the three families or fails with ErrUnrecognized, and Decode agrees with
// Detect on the family.
func FuzzDetect(f *testing.F) {
	root := filepath.Join("..", "..", "..", "testdata")
	var seeds []string
	for _, pattern := range []string{
		filepath.Join(root, "cyclonedx", "examples", "*", "*.json"),
		filepath.Join(root, "spdx", "examples", "*.spdx*"),
		filepath.Join(root, "spdx3", "package_sbom-*.json"),
		filepath.Join("*", "testdata", "golden", "*"),
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
	f.Add([]byte(""))
	f.Add([]byte("<html></html>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		family, _, err := format.Detect(data)
		if err != nil {
			if !errors.Is(err, format.ErrUnrecognized) {
				t.Fatalf("Detect error %v does not wrap ErrUnrecognized", err)
			}
			family = ""
		} else if !slices.Contains([]string{"cyclonedx", "spdx-2", "spdx-3"}, family) {
			t.Fatalf("Detect named unknown family %q", family)
		}
		_, got, err := format.Decode(context.Background(), bytes.NewReader(data))
		if err == nil && got != family && len(data) <= 64<<10 {
			t.Fatalf("Decode read %q, Detect said %q", got, family)
		}
	})
}
