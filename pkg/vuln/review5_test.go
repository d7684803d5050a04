package vuln

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// goRecord is one real record of the Go database (testdata/osv/Go).
func goRecord(t *testing.T, id string) []byte {
	t.Helper()
	z, err := zip.OpenReader(filepath.Join(goDB, "Go", allZip))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	f, err := z.Open(id + jsonExt)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestReview5FlatMissingEcosystem: a flat folder of OSV files (the Go
// database's data/osv, say) that holds no record of an ecosystem the SBOM
// has cannot say its packages have no vulnerability: it is ErrNoEcosystem,
// as the export layout without that folder is. Controls: the folder with
// a record of each ecosystem matches both.
func TestReview5FlatMissingEcosystem(t *testing.T) {
	goOnly := map[string][]byte{"GO-2024-2687.json": goRecord(t, "GO-2024-2687")}
	both := map[string][]byte{"GO-2024-2687.json": goRecord(t, "GO-2024-2687"), "GHSA-35jh-r3h4-6jhm.json": lodashRecord(t)}
	doc := &sbom.Document{Components: []sbom.Component{
		{ID: "net", Name: "golang.org/x/net", Version: "v0.7.0", PURL: "pkg:golang/golang.org/x/net@v0.7.0"},
		{ID: "lodash", Name: "lodash", Version: "4.17.11", PURL: "pkg:npm/lodash@4.17.11"},
	}}
	for _, tt := range []struct {
		name    string
		files   map[string][]byte
		comps   []sbom.Component
		want    []string
		noEcosy bool
	}{
		{"control: Go records, Go component", goOnly, doc.Components[:1], []string{"GO-2024-2687"}, false},
		{"attack: Go records only, an npm component", goOnly, doc.Components, nil, true},
		{"control: a record of each ecosystem", both, doc.Components, []string{"GO-2024-2687", "GHSA-35jh-r3h4-6jhm"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(writeTree(t, tt.files))
			if err != nil {
				t.Fatal(err)
			}
			ms, err := db.Match(context.Background(), &sbom.Document{Components: tt.comps})
			if tt.noEcosy {
				if !errors.Is(err, ErrNoEcosystem) {
					t.Fatalf("Match = %d matches, error %v; want ErrNoEcosystem", len(ms), err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.Vulnerability.ID)
			}
			if len(got) != len(tt.want) || got[0] != tt.want[0] || got[len(got)-1] != tt.want[len(tt.want)-1] {
				t.Errorf("matched %q, want %q", got, tt.want)
			}
		})
	}
}
