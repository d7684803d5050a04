package vuln

import (
	"strings"
	"testing"
)

// TestDecodeRecordStrict: decodeRecord, the matcher's reader, refuses
// what protojson (ParseRecord, osv-scalibr's reader) refuses in the real
// lodash advisory changed one way at a time, naming the record and the
// field; the unchanged advisory and its nulls (unset fields, as protojson
// reads them) are the controls. A numeric enum is the one form protojson
// takes and decodeRecord does not (the OSV schema writes names).
func TestDecodeRecordStrict(t *testing.T) {
	rec := string(lodashRecord(t))
	edit := func(old, new string) string {
		t.Helper()
		if !strings.Contains(rec, old) {
			t.Fatalf("the advisory has no %q", old)
		}
		return strings.Replace(rec, old, new, 1)
	}
	deep := strings.Repeat(`{"a":`, maxEntryDepth) + "1" + strings.Repeat("}", maxEntryDepth)
	cases := []struct {
		name, data string
		wantErr    string // "" for none
		protojson  bool   // whether protojson accepts it
	}{
		{"the real advisory", rec, "", true},
		{"nulls for unset fields", edit(`"aliases": [`, `"withdrawn": null, "related": null, "upstream": null, "aliases": [`), "", true},
		{"key in another case", edit(`"summary"`, `"Summary"`), `unknown field "Summary"`, false},
		{"field outside the schema", edit(`"summary"`, `"extra": 1, "summary"`), `unknown field "extra"`, false},
		{"nested field outside the schema", edit(`"ecosystem": "npm"`, `"ecosystem": "npm", "version": "1"`), `field affected: field package: unknown field "version"`, false},
		{"duplicate key", edit(`"summary"`, `"id": "GHSA-other", "summary"`), `duplicate JSON object key: "id"`, false},
		{"enum name outside the schema", edit(`"type": "CVSS_V3"`, `"type": "CVSS_V9"`), `field severity: field type: expected an enum name of the OSV schema, found "CVSS_V9"`, false},
		{"numeric enum", edit(`"type": "CVSS_V3"`, `"type": 3`), `field severity: field type:`, true},
		{"timestamp not RFC 3339", edit(`"modified": "2022-02-08T21:35:09Z"`, `"modified": "8 Feb 2022"`), `field modified: expected an RFC 3339 timestamp`, false},
		{"string field given a number", edit(`"summary": "Command Injection in lodash"`, `"summary": 1`), `field summary:`, false},
		{"null in a list", edit(`"CVE-2021-23337"`, `"CVE-2021-23337", null`), `field aliases:`, false},
		{"list given an object", edit(`"aliases": [
    "CVE-2021-23337"
  ]`, `"aliases": {}`), `field aliases:`, false},
		{"invalid UTF-8", edit(`Command Injection`, "Command \xff Injection"), `invalid UTF-8`, false},
		{"nested too deeply", edit(`"affected_functions"`, `"deep": `+deep+`, "affected_functions"`), `nested`, false},
		{"data after the record", rec + " {}", `expected the end of the document`, false},
		{"unterminated", rec[:len(rec)/2], `invalid JSON`, false},
		{"no id", edit(`"id": "GHSA-35jh-r3h4-6jhm",`, ``), `field id: expected an advisory id, found none`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, refErr := ParseRecord("rec.json", []byte(c.data))
			if (refErr == nil) != c.protojson {
				t.Errorf("protojson error %v, want accepted=%v", refErr, c.protojson)
			}
			r, err := decodeRecord("rec.json", []byte(c.data))
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.wantErr == "" && (r.ID != "GHSA-35jh-r3h4-6jhm" || len(r.Affected) != 2 || len(r.Affected[0].Ranges) != 1):
				t.Fatalf("read %+v", r)
			case c.wantErr != "" && err == nil:
				t.Fatalf("accepted, want an error with %q", c.wantErr)
			case c.wantErr != "" && (!strings.Contains(err.Error(), c.wantErr) || !strings.HasPrefix(err.Error(), "OSV record rec.json: ")):
				t.Fatalf("error %q, want it to name rec.json and contain %q", err, c.wantErr)
			}
		})
	}
}
