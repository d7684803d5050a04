package trust_test

import (
	"os"
	"testing"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

const productionRoot = "../../../testdata/sigstore/cases/sigstore/trusted-roots/production.trusted_root.json"

// FuzzParseTrustedRoot parses arbitrary bytes as a trusted root: it must
// never panic, and a document with a repeated key is never accepted.
// Seeded from the real public-good and staging roots.
func FuzzParseTrustedRoot(f *testing.F) {
	for _, p := range []string{productionRoot, "../../../testdata/sigstore/cases/sigstore/trusted-roots/staging.trusted_root.json"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := trust.ParseTrustedRoot(data)
		if err == nil && strictjson.Check(data, 0) != nil {
			t.Fatal("accepted a trusted root with a repeated key or too deep")
		}
	})
}
