package policy

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/vex"
)

// review5VEX is an OpenVEX document with one statement about lodash's
// critical advisory (GHSA-jf85-cpcp-j695) per entry of stmts: product,
// time, and status.
func review5VEX(stmts ...[3]string) string {
	var parts []string
	for _, s := range stmts {
		product, ts, status := s[0], s[1], s[2]
		why := `"justification": "vulnerable_code_not_in_execute_path"`
		if status == "affected" {
			why = `"action_statement": "update lodash to 4.17.12"`
		}
		parts = append(parts, fmt.Sprintf(`{"vulnerability": {"name": "GHSA-jf85-cpcp-j695"}, "timestamp": %q,
  "products": [{"@id": %q, "subcomponents": [{"@id": "pkg:npm/lodash@4.17.11"}]}], "status": %q, %s}`, ts, product, status, why))
	}
	return `{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/web", "author": "Example Release Team",
  "timestamp": "2026-12-01T00:00:00Z", "version": 1, "statements": [` + strings.Join(parts, ",\n") + `]}`
}

// TestReview5VEXLatestAcrossNames: the artifact is known to the gate by
// its digests and by its SBOM's primary purl. Of the statements that
// cover a match under any of those names, the latest decides (OpenVEX's
// rule) — an older not_affected under the digest must not beat a newer
// affected under the purl. Controls: each statement alone, and the same
// two with their times swapped.
func TestReview5VEXLatestAcrossNames(t *testing.T) {
	digest := "sha256:" + art256
	const purl = "pkg:generic/web.tar.gz@1.0.0" // web.cdx.json's primary component
	older, newer := "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"
	tests := []struct {
		name string
		doc  string
		pass bool
	}{
		{"control: not_affected by digest alone clears", review5VEX([3]string{digest, older, "not_affected"}), true},
		{"control: not_affected by purl alone clears", review5VEX([3]string{purl, older, "not_affected"}), true},
		{"control: affected by purl alone does not clear", review5VEX([3]string{purl, newer, "affected"}), false},
		{"attack: older not_affected by digest, newer affected by purl", review5VEX([3]string{digest, older, "not_affected"}, [3]string{purl, newer, "affected"}), false},
		{"control: older affected by purl, newer not_affected by digest", review5VEX([3]string{digest, newer, "not_affected"}, [3]string{purl, older, "affected"}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, ghIdentity+"vulnerabilities:\n  failOn: critical\n")
			ev := gateEvidence(t, vexAttestation(t, vex.PredicateType, artifact.Digests, ghSigner, tt.doc))
			fs := p.Evaluate(context.Background(), artifact, ev, Options{Vulns: testMatcher(t), Now: gateNow})
			if accepted(fs) != tt.pass {
				t.Fatalf("accepted = %v, want %v\n%s", accepted(fs), tt.pass, dump(fs))
			}
			if f := findingByID(fs, critical); tt.pass == (f != nil && f.Status != verify.StatusPass) {
				t.Errorf("%s: %+v, want failing = %v", critical, f, !tt.pass)
			}
		})
	}
}

// TestReview5UnmatchedComponents: a component of the attested SBOM that
// the database cannot be asked about (no purl, or a purl of no ecosystem
// it reads) is not "no vulnerability": the gate must not pass on it. The
// attacks are the real SBOM (web.cdx.json: lodash 4.17.11, critical
// GHSA-jf85-cpcp-j695) with lodash's purl removed or of another type,
// beside a VEX that clears lodash's advisory; the control is the same
// SBOM and VEX as they are (its primary component, a pkg:generic file, is
// the artifact itself and is not matched).
func TestReview5UnmatchedComponents(t *testing.T) {
	sbomDoc := readFixture(t, "web.cdx.json")
	const lodash = `"purl": "pkg:npm/lodash@4.17.11"`
	if strings.Count(sbomDoc, lodash) != 1 {
		t.Fatalf("web.cdx.json: want one %s", lodash)
	}
	tests := []struct {
		name, purl string
		pass       bool
	}{
		{"control: lodash's own purl", lodash, true},
		{"attack: lodash without a purl", `"purl": ""`, false},
		{"attack: lodash as a pkg:github purl", `"purl": "pkg:github/lodash/lodash@4.17.11"`, false},
		{"attack: lodash as a purl that does not parse", `"purl": "pkg:/lodash@4.17.11"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(sbomDoc, lodash, tt.purl, 1)
			ev := []verify.Evidence{
				evidence(gateSBOM, statement(t, PredicateCycloneDX, artifact.Digests, doc), ghSigner),
				vexAttestation(t, vex.PredicateType, artifact.Digests, ghSigner, readFixture(t, vexNotAff)),
			}
			p := mustParse(t, ghIdentity+"vulnerabilities:\n  failOn: critical\n")
			fs := p.Evaluate(context.Background(), artifact, ev, Options{Vulns: testMatcher(t), Now: gateNow})
			if accepted(fs) != tt.pass {
				t.Fatalf("accepted = %v, want %v\n%s", accepted(fs), tt.pass, dump(fs))
			}
			if f := findingByID(fs, FindingVulnerabilities); !tt.pass && (f == nil || !strings.Contains(f.Message+f.Found, "lodash")) {
				t.Errorf("the gate's finding does not name the component it could not match: %+v", f)
			}
		})
	}
}

// TestReview5AllowComponentQualifiers: an allow entry's component narrows
// it to what the user wrote, qualifiers and subpath included: an entry
// for lodash from another registry (repository_url) or for a subpath
// does not accept the SBOM's plain pkg:npm/lodash@4.17.11. Controls: the
// plain purl, with and without its version.
func TestReview5AllowComponentQualifiers(t *testing.T) {
	for _, tt := range []struct {
		component string
		pass      bool
	}{
		{"pkg:npm/lodash@4.17.11", true},
		{"pkg:npm/lodash", true},
		{"pkg:npm/lodash@4.17.11?repository_url=https://npm.example.com", false},
		{"pkg:npm/lodash@4.17.11#dist/lodash.min.js", false},
	} {
		t.Run(tt.component, func(t *testing.T) {
			p := mustParse(t, ghIdentity+"vulnerabilities:\n  failOn: critical\n  allow:\n    - id: GHSA-jf85-cpcp-j695\n      expires: 2027-03-31\n      component: "+tt.component+"\n")
			fs := p.Evaluate(context.Background(), artifact, gateEvidence(t), Options{Vulns: testMatcher(t), Now: gateNow})
			if accepted(fs) != tt.pass {
				t.Fatalf("accepted = %v, want %v\n%s", accepted(fs), tt.pass, dump(fs))
			}
		})
	}
}

// TestUnmatchedReport: with unmatched: report, a component the database
// cannot be asked about is named in the gate's passing finding; the same
// SBOM fails under the default (the control), and an unknown value of the
// field is refused.
func TestUnmatchedReport(t *testing.T) {
	const lodash = `"purl": "pkg:npm/lodash@4.17.11"`
	doc := strings.Replace(readFixture(t, "web.cdx.json"), lodash, `"purl": "pkg:github/lodash/lodash@4.17.11"`, 1)
	ev := []verify.Evidence{
		evidence(gateSBOM, statement(t, PredicateCycloneDX, artifact.Digests, doc), ghSigner),
		vexAttestation(t, vex.PredicateType, artifact.Digests, ghSigner, readFixture(t, vexNotAff)),
	}
	for _, tt := range []struct {
		section string
		pass    bool
	}{
		{"  unmatched: report\n", true},
		{"  unmatched: fail\n", false},
		{"", false},
	} {
		p := mustParse(t, ghIdentity+"vulnerabilities:\n  failOn: critical\n"+tt.section)
		fs := p.Evaluate(context.Background(), artifact, ev, Options{Vulns: testMatcher(t), Now: gateNow})
		if accepted(fs) != tt.pass {
			t.Fatalf("%q: accepted = %v, want %v\n%s", tt.section, accepted(fs), tt.pass, dump(fs))
		}
		if f := findingByID(fs, FindingVulnerabilities); f == nil || !strings.Contains(f.Found, "lodash") {
			t.Errorf("%q: the gate's finding does not name the unmatched component: %+v", tt.section, f)
		}
	}
	if _, err := Parse("p.yaml", []byte(ghIdentity+"vulnerabilities:\n  unmatched: ignore\n"), "."); err == nil || !strings.Contains(err.Error(), "vulnerabilities.unmatched") {
		t.Errorf("unmatched: ignore: err = %v, want one naming vulnerabilities.unmatched", err)
	}
}
