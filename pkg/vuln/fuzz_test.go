package vuln

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseRecord: the OSV entry reader never panics on untrusted bytes,
// and the pre-filter never drops a record the strict reader accepts: every
// package name a decodable record lists as affected is found by mayName
// in its raw bytes (escaped, split or spaced as the input has it).
func FuzzParseRecord(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(goDB, "*", "*.json"))
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"id":"X","affected":[{"package":{"ecosystem":"npm","name":"l\u006fdash"}}]}`))
	f.Add([]byte(`{"id":"X","id":"Y"}`))
	f.Add([]byte(`{"id":"X","withdrawn":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"Req_uests"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseRecord("fuzz", data)
		if err != nil {
			return
		}
		for _, a := range v.GetAffected() {
			var s nameSet
			s.add(a.GetPackage().GetName())
			if !mayName(data, &s) {
				t.Fatalf("the filter drops a record naming %q", a.GetPackage().GetName())
			}
		}
	})
}
