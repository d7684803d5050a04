package policy

import (
	"context"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify"
)

// TestReview6PurlVersionDisagrees: a component states its version twice,
// in its version field and in its purl. sbom.matchArtifact compares the
// field with the artifact; the database matched the purl's version alone.
// An SBOM saying lodash "version": "4.17.11" (what the artifact ships,
// so matchArtifact passes) with purl pkg:npm/lodash@4.17.21 (the fixed
// release) passed the gate: the critical GHSA-jf85-cpcp-j695 of 4.17.11
// was never looked up. Both versions must be matched. Controls: both
// 4.17.21 (no advisory: passes), both 4.17.11 (fails), and the field
// 4.17.21 with the purl 4.17.11 (fails, as before).
func TestReview6PurlVersionDisagrees(t *testing.T) {
	sbomDoc := readFixture(t, "web.cdx.json")
	const field, purl = `"version": "4.17.11"`, `"purl": "pkg:npm/lodash@4.17.11"`
	if strings.Count(sbomDoc, field) != 1 || strings.Count(sbomDoc, purl) != 1 {
		t.Fatalf("web.cdx.json: want one %s and one %s", field, purl)
	}
	tests := []struct {
		name, version, purl string
		pass                bool
	}{
		{"control: both the fixed release", "4.17.21", "4.17.21", true},
		{"control: both the vulnerable release", "4.17.11", "4.17.11", false},
		{"control: the field fixed, the purl vulnerable", "4.17.21", "4.17.11", false},
		{"attack: the field vulnerable, the purl fixed", "4.17.11", "4.17.21", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(sbomDoc, field, `"version": "`+tt.version+`"`, 1)
			doc = strings.Replace(doc, purl, `"purl": "pkg:npm/lodash@`+tt.purl+`"`, 1)
			ev := []verify.Evidence{evidence(gateSBOM, statement(t, PredicateCycloneDX, artifact.Digests, doc), ghSigner)}
			p := mustParse(t, ghIdentity+"vulnerabilities:\n  failOn: critical\n")
			fs := p.Evaluate(context.Background(), artifact, ev, Options{Vulns: testMatcher(t), Now: gateNow})
			if accepted(fs) != tt.pass {
				t.Fatalf("accepted = %v, want %v\n%s", accepted(fs), tt.pass, dump(fs))
			}
			if f := findingByID(fs, critical); !tt.pass && (f == nil || !strings.Contains(f.Message, "lodash@4.17.11")) {
				t.Errorf("%s does not name lodash@4.17.11: %+v", critical, f)
			}
		})
	}
}
