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

// TestReview5DistroPackages: distribution packages are matched against
// their distribution's advisories or not at all. A Debian purl whose
// distro qualifier gives the point release (Trivy writes
// "distro=debian-7.11") is the major release's package (OSV's
// "Debian:7"), not a release no advisory names; an Ubuntu package is not
// a Debian one (vouch reads no Ubuntu advisories: unsupported, so the
// gate names it rather than count it clean). Real records: DSA-3029-1
// (nginx, Debian 7), CVE-2022-27449 (mariadb, Alpine v3.12 on).
func TestReview5DistroPackages(t *testing.T) {
	db, err := Open(goDB)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		purl      string
		supported bool
		want      string
	}{
		{"pkg:deb/debian/nginx@1.2.1-2.2?distro=debian-7", true, "DSA-3029-1"},
		{"pkg:deb/debian/nginx@1.2.1-2.2?distro=wheezy", true, "DSA-3029-1"},
		{"pkg:deb/debian/nginx@1.2.1-2.2?arch=amd64&distro=debian-7.11", true, "DSA-3029-1"},
		{"pkg:deb/debian/nginx@1.2.1-2.2+wheezy3?distro=debian-7.11", true, ""},
		{"pkg:deb/ubuntu/nginx@1.2.1-2.2?distro=ubuntu-22.04", false, ""},
		{"pkg:apk/alpine/mariadb@10.4.24-r0?distro=alpine-3.12.0", true, "CVE-2022-27449"},
	} {
		t.Run(tt.purl, func(t *testing.T) {
			c := sbom.Component{ID: "a", PURL: tt.purl}
			if got := Supported(&c); got != tt.supported {
				t.Fatalf("Supported = %v, want %v", got, tt.supported)
			}
			ms, err := db.Match(context.Background(), &sbom.Document{Components: []sbom.Component{c}})
			if err != nil {
				t.Fatal(err)
			}
			var got string
			for _, m := range ms {
				got += m.Vulnerability.ID
			}
			if got != tt.want {
				t.Errorf("matched %q, want %q", got, tt.want)
			}
		})
	}
}

// TestReview5EmptyEcosystemFolder: an ecosystem folder whose all.zip
// holds no record of that ecosystem — an empty archive (a failed
// download), entries that are not *.json, or another ecosystem's records
// — cannot say its packages have no vulnerability: ErrNoEcosystem.
// Controls: the real lodash record, in an all.zip and as a file, whose
// advisory is found.
func TestReview5EmptyEcosystemFolder(t *testing.T) {
	rec := lodashRecord(t)
	pypi := []byte(`{"id":"PYSEC-0","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"lodash"},"versions":["4.17.20"]}]}`)
	for _, tt := range []struct {
		name    string
		files   map[string][]byte
		noEcosy bool
	}{
		{"control: all.zip with the record", map[string][]byte{"npm/all.zip": zipOf(t, map[string][]byte{"GHSA-35jh-r3h4-6jhm.json": rec})}, false},
		{"control: the record as a file", map[string][]byte{"npm/GHSA-35jh-r3h4-6jhm.json": rec}, false},
		{"attack: an empty all.zip", map[string][]byte{"npm/all.zip": zipOf(t, nil)}, true},
		{"attack: entries not named *.json", map[string][]byte{"npm/all.zip": zipOf(t, map[string][]byte{"GHSA-35jh-r3h4-6jhm.JSON": rec})}, true},
		{"attack: another ecosystem's records", map[string][]byte{"npm/all.zip": zipOf(t, map[string][]byte{"PYSEC-0.json": pypi})}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(writeTree(t, tt.files))
			if err != nil {
				t.Fatal(err)
			}
			ms, err := db.Match(context.Background(), doc("pkg:npm/lodash@4.17.20"))
			switch {
			case tt.noEcosy && !errors.Is(err, ErrNoEcosystem):
				t.Fatalf("Match = %d matches, error %v; want ErrNoEcosystem", len(ms), err)
			case !tt.noEcosy && (err != nil || len(ms) != 1):
				t.Fatalf("Match = %d matches, error %v; want lodash's advisory", len(ms), err)
			}
		})
	}
}
