package keys

import (
	"os"
	"path/filepath"
	"testing"
)

// seeds returns every key file in testdata; a fuzz target without them
// would fuzz from nothing, so it fails instead.
func seeds(f *testing.F, glob string) [][]byte {
	names, _ := filepath.Glob(filepath.Join("testdata", glob))
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		f.Fatalf("no seeds match testdata/%s", glob)
	}
	return out
}

func FuzzLoadPrivate(f *testing.F) {
	for _, s := range seeds(f, "*.key") {
		f.Add(s, []byte("vouch-test"))
	}
	f.Fuzz(func(t *testing.T, data, password []byte) {
		k, err := LoadPrivate(data, password)
		if err != nil {
			return
		}
		// Whatever loads must encode and load back to the same key.
		enc, err := EncodePrivateUnencrypted(k)
		if err != nil {
			t.Fatalf("loaded key does not encode: %v", err)
		}
		k2, err := LoadPrivate(enc, nil)
		if err != nil || !k2.(equaler).Equal(k) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzLoadPublic(f *testing.F) {
	for _, s := range seeds(f, "*.pub") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pub, err := LoadPublic(data)
		if err != nil {
			return
		}
		enc, err := EncodePublic(pub)
		if err != nil {
			t.Fatalf("loaded key does not encode: %v", err)
		}
		if _, err := LoadPublic(enc); err != nil {
			t.Fatalf("round trip: %v", err)
		}
	})
}
