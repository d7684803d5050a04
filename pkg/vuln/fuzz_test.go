package vuln

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	osvpb "github.com/ossf/osv-schema/bindings/go/osvschema"
)

// FuzzParseRecord: the OSV entry reader never panics on untrusted bytes,
// and the pre-filter never drops a record the strict reader accepts: every
// package name a decodable record lists as affected is found by mayName
// in its raw bytes (escaped, split or spaced as the input has it).
func FuzzParseRecord(f *testing.F) {
	addRecordSeeds(f)
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

// addRecordSeeds adds the real records of every ecosystem folder of
// testdata/osv.
func addRecordSeeds(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(goDB, "*", "*.json"))
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzDecodeRecord is differential: where both protojson (ParseRecord,
// osv-scalibr's reader) and decodeRecord, the reader the matcher uses,
// accept the same bytes, they read the same values of every field the
// matcher uses; neither panics, nor does parsing the versions of a record
// decodeRecord accepts, and the pre-filter finds every package name it
// reads.
func FuzzDecodeRecord(f *testing.F) {
	addRecordSeeds(f)
	db, err := Open(goDB)
	if err != nil {
		f.Fatal(err)
	}
	n := 0
	for data, err := range db.GoRecords(context.Background()) {
		if err != nil {
			f.Fatal(err)
		}
		if n++; n%500 == 0 { // a spread of the real Go records
			f.Add(bytes.Clone(data))
		}
	}
	f.Add([]byte(`{"id":"X","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.3","last_affected":"1.2"}]}]}]}`))
	f.Add([]byte(`{"id":"X","ID":"Y"}`))
	f.Add([]byte(`{"id":"X","Withdrawn":"2024-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"id":"X","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N"}],"database_specific":{"severity":7}}`))
	f.Add([]byte(`{"id":"X","affected":[{"package":null,"ranges":[{"type":1}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		adv, _, err := loadRecord("fuzz", data) // decodes, and parses every version
		if err == nil {
			for _, a := range adv.affected {
				if a.name == "" {
					continue // names no component: nothing to find
				}
				var s nameSet
				s.add(a.name)
				if !mayName(data, &s) {
					t.Fatalf("the filter drops a record naming %q", a.name)
				}
			}
		}
		r, err := decodeRecord("fuzz", data)
		ref, refErr := ParseRecord("fuzz", data)
		if err != nil || refErr != nil {
			return
		}
		if got, want := recordView(r), protoView(ref); got != want {
			t.Fatalf("encoding/json reads\n%s\nprotojson reads\n%s", got, want)
		}
	})
}

// recordView prints the fields of a decoded record the matcher uses.
func recordView(r *osvRecord) string {
	var b strings.Builder
	fmt.Fprintf(&b, "id=%q withdrawn=%v aliases=%q summary=%q db-severity=%q\n", r.ID, r.Withdrawn, r.Aliases, r.Summary, r.DBSeverity)
	writeSeverities(&b, r.Severity)
	for _, a := range r.Affected {
		if a.Package != nil {
			fmt.Fprintf(&b, "package %q %q\n", a.Package.Ecosystem, a.Package.Name)
		}
		fmt.Fprintf(&b, "versions=%q\n", a.Versions)
		writeSeverities(&b, a.Severity)
		for _, rg := range a.Ranges {
			fmt.Fprintf(&b, "range %v\n", rg.Type)
			for _, e := range rg.Events {
				fmt.Fprintf(&b, "event %q %q %q %q\n", e.Introduced, e.Fixed, e.LastAffected, e.Limit)
			}
		}
	}
	return b.String()
}

func writeSeverities(b *strings.Builder, s []osvSeverity) {
	for _, v := range s {
		fmt.Fprintf(b, "severity %v %q\n", v.Type, v.Score)
	}
}

// protoView prints the same fields of a protojson-decoded record.
func protoView(v *osvpb.Vulnerability) string {
	var b strings.Builder
	aliases := v.GetAliases()
	if len(aliases) == 0 {
		aliases = nil
	}
	fmt.Fprintf(&b, "id=%q withdrawn=%v aliases=%q summary=%q db-severity=%q\n", v.GetId(), v.GetWithdrawn() != nil, aliases, v.GetSummary(),
		v.GetDatabaseSpecific().GetFields()["severity"].GetStringValue())
	protoSeverities(&b, v.GetSeverity())
	for _, a := range v.GetAffected() {
		if a.GetPackage() != nil {
			fmt.Fprintf(&b, "package %q %q\n", a.GetPackage().GetEcosystem(), a.GetPackage().GetName())
		}
		versions := a.GetVersions()
		if len(versions) == 0 {
			versions = nil
		}
		fmt.Fprintf(&b, "versions=%q\n", versions)
		protoSeverities(&b, a.GetSeverity())
		for _, rg := range a.GetRanges() {
			fmt.Fprintf(&b, "range %v\n", rg.GetType())
			for _, e := range rg.GetEvents() {
				fmt.Fprintf(&b, "event %q %q %q %q\n", e.GetIntroduced(), e.GetFixed(), e.GetLastAffected(), e.GetLimit())
			}
		}
	}
	return b.String()
}

func protoSeverities(b *strings.Builder, s []*osvpb.Severity) {
	for _, v := range s {
		fmt.Fprintf(b, "severity %v %q\n", v.GetType(), v.GetScore())
	}
}
