package bundle_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify/bundle"
)

// FuzzLoad parses arbitrary bytes as a bundle: it must never panic, every
// rejection must be classified, and an accepted bundle must survive a
// marshal/parse round trip. Seeded from every real bundle in testdata.
func FuzzLoad(f *testing.F) {
	seeds := 0
	for _, dir := range []string{"../../../testdata/sigstore-conformance", casesDir} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			name := d.Name()
			if !strings.HasSuffix(name, ".sigstore.json") && !strings.HasSuffix(name, ".sigstore") {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			f.Add(data)
			seeds++
			return nil
		})
		if err != nil {
			f.Fatal(err)
		}
	}
	if seeds < 50 {
		f.Fatalf("only %d seed bundles found: the corpus moved?", seeds)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := bundle.Parse(data)
		if err != nil {
			if !errors.Is(err, bundle.ErrMalformed) && !errors.Is(err, bundle.ErrTooLarge) {
				t.Fatalf("unclassified parse error: %v", err)
			}
			// Errors reach terminals: the bundle's bytes must not.
			if strings.IndexFunc(err.Error(), isControl) >= 0 {
				t.Fatalf("raw control character in %q", err)
			}
			return
		}
		out, err := b.MarshalJSON()
		if err != nil {
			t.Fatalf("accepted bundle does not marshal: %v", err)
		}
		if _, err := bundle.Parse(out); err != nil {
			t.Fatalf("accepted bundle does not round-trip: %v", err)
		}
	})
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
