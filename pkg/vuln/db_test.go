package vuln

import (
	"context"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// goDB is the whole real Go vulnerability database (testdata/osv/ORIGIN).
const goDB = "../../testdata/osv"

func doc(purls ...string) *sbom.Document {
	d := &sbom.Document{}
	for _, p := range purls {
		d.Components = append(d.Components, sbom.Component{ID: p, PURL: p})
	}
	return d
}

// TestEveryGoRecordParses: the strict reader takes every record of the
// real database (no duplicate keys, no field outside the OSV schema), as
// GoRecords streams them.
func TestEveryGoRecordParses(t *testing.T) {
	db, err := Open(goDB)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for data, err := range db.GoRecords(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseRecord("Go", data); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 4789 {
		t.Fatalf("GoRecords yielded %d records, want the 4,789 of the snapshot", n)
	}
}
