package vex

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// TestReview5CycloneDXAffectsVersions: a CycloneDX VEX statement whose
// affects ref names a package without a version and narrows it with a
// versions list clears only the versions the list says are unaffected.
// The attacks are the real example (CycloneDX bom-examples VEX/vex.json,
// jackson-databind and CVE-2020-25649) with its ref made unversioned and
// a versions list added; each beside its legitimate control.
func TestReview5CycloneDXAffectsVersions(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "cyclonedx", "vex.json"))
	if err != nil {
		t.Fatal(err)
	}
	const (
		ref      = "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar"
		bare     = "pkg:maven/com.fasterxml.jackson.core/jackson-databind?type=jar"
		unaffect = `[{"version": "2.10.0", "status": "unaffected"}]`
	)
	if !strings.Contains(string(data), `"ref": "`+ref+`"`) {
		t.Fatalf("testdata/cyclonedx/vex.json: no affects ref %s", ref)
	}
	// edit gives the example an unversioned ref with the versions list.
	edit := func(versions string) []byte {
		return []byte(strings.Replace(string(data), `"ref": "`+ref+`"`, `"ref": "`+bare+`", "versions": `+versions, 1))
	}
	match := func(version string) vuln.Match {
		return vuln.Match{
			Component:     vuln.Component{Name: "jackson-databind", Version: version, Ecosystem: "Maven", PURL: "pkg:maven/com.fasterxml.jackson.core/jackson-databind@" + version + "?type=jar"},
			Vulnerability: finding.Vulnerability{ID: "CVE-2020-25649"},
		}
	}
	tests := []struct {
		name    string
		doc     []byte
		version string
		cleared bool
	}{
		{"control: the example as it is clears its version", data, "2.10.0", true},
		{"control: the example as it is leaves another version", data, "2.9.4", false},
		{"control: an unaffected version listed is cleared", edit(unaffect), "2.10.0", true},
		{"attack: a version the list does not name", edit(unaffect), "2.9.4", false},
		{"attack: a version the list says is affected", edit(`[{"version": "2.9.4", "status": "affected"}, {"version": "2.10.0", "status": "unaffected"}]`), "2.9.4", false},
		{"attack: a version the list gives no status (affected)", edit(`[{"version": "2.9.4"}, {"version": "2.10.0", "status": "unaffected"}]`), "2.9.4", false},
		{"attack: a range vouch does not read", edit(`[{"range": "vers:maven/>=2.10.0", "status": "unaffected"}]`), "2.9.4", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmts, err := Parse("vex.json", tt.doc)
			if err != nil {
				if tt.cleared {
					t.Fatalf("Parse: %v", err)
				}
				if !strings.Contains(err.Error(), ".versions") {
					t.Errorf("error %q does not name the versions field", err)
				}
				return
			}
			got := Apply([]vuln.Match{match(tt.version)}, stmts, product)
			if got[0].Suppressed() != tt.cleared {
				t.Errorf("jackson-databind@%s: VEX %q, cleared = %v, want %v (products %v)", tt.version, got[0].Vulnerability.VEX, got[0].Suppressed(), tt.cleared, stmts[0].Products)
			}
		})
	}
}
