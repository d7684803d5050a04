package policy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/slsa"
	"github.com/vouchdev/vouch/pkg/vex"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// TestVulnerabilitiesParse: the vulnerabilities section is read strictly;
// each mistake is refused naming its field.
func TestVulnerabilitiesParse(t *testing.T) {
	tests := []struct {
		name, doc, wantErr string
	}{
		{"full", "vulnerabilities:\n  failOn: high\n  requireVexFor: [critical, high]\n  unknownSeverity: medium\n  allow:\n" +
			"    - id: GHSA-jf85-cpcp-j695\n      expires: 2027-03-31\n      reason: not reachable\n      component: pkg:npm/lodash\n", ""},
		{"empty section: defaults", "vulnerabilities: {}\n", ""},
		{"failOn none", "vulnerabilities:\n  failOn: none\n  requireVexFor: [critical]\n", ""},
		{"quoted date", "vulnerabilities:\n  allow:\n    - id: CVE-2019-10744\n      expires: \"2027-03-31\"\n", ""},
		{"unknown key", "vulnerabilities:\n  failon: high\n", "vulnerabilities.failon: unknown key"},
		{"unknown key in allow", "vulnerabilities:\n  allow:\n    - id: X\n      expires: 2027-01-01\n      until: 2027-01-01\n", "vulnerabilities.allow[].until: unknown key"},
		{"bad failOn", "vulnerabilities:\n  failOn: severe\n", `vulnerabilities.failOn: is "severe", want critical, high, medium, low or none`},
		{"failOn unknown", "vulnerabilities:\n  failOn: unknown\n", "vulnerabilities.failOn: is \"unknown\""},
		{"upper-case severity", "vulnerabilities:\n  failOn: High\n", "vulnerabilities.failOn: is \"High\""},
		{"bad requireVexFor", "vulnerabilities:\n  requireVexFor: [critical, urgent]\n", `vulnerabilities.requireVexFor[1]: is "urgent"`},
		{"none in requireVexFor", "vulnerabilities:\n  requireVexFor: [none]\n", `vulnerabilities.requireVexFor[0]: is "none"`},
		{"bad unknownSeverity", "vulnerabilities:\n  unknownSeverity: unknown\n", `vulnerabilities.unknownSeverity: is "unknown"`},
		{"allow without expires", "vulnerabilities:\n  allow:\n    - id: GHSA-jf85-cpcp-j695\n", "vulnerabilities.allow[0].expires: is required"},
		{"allow with a bad date", "vulnerabilities:\n  allow:\n    - id: GHSA-jf85-cpcp-j695\n      expires: 31/03/2027\n", `vulnerabilities.allow[0].expires: is "31/03/2027", want a date YYYY-MM-DD`},
		{"allow with a date and time", "vulnerabilities:\n  allow:\n    - id: A\n      expires: 2027-03-31T00:00:00Z\n", `vulnerabilities.allow[0].expires: is "2027-03-31T00:00:00Z"`},
		{"allow without id", "vulnerabilities:\n  allow:\n    - expires: 2027-03-31\n", `vulnerabilities.allow[0].id: is ""`},
		{"allow with a bad component", "vulnerabilities:\n  allow:\n    - id: A\n      expires: 2027-03-31\n      component: lodash\n", `vulnerabilities.allow[0].component: is "lodash", want a package URL`},
		{"second entry named", "vulnerabilities:\n  allow:\n    - id: A\n      expires: 2027-03-31\n    - id: B\n      expires: soon\n", "vulnerabilities.allow[1].expires"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte("apiVersion: vouch.dev/v1\nkind: Policy\n"+tt.doc), ".")
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("accepted, want an error with %q", tt.wantErr)
			case tt.wantErr != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %q, want ErrInvalid with %q", err, tt.wantErr)
			}
		})
	}
}

const vulnDir = "testdata/vuln"

var (
	// gateNow is the day the gate tests run on (allow entries expire
	// around it).
	gateNow   = func() time.Time { return time.Date(2026, 12, 6, 15, 0, 0, 0, time.UTC) }
	evilGH    = verify.Signer{Identity: "https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main", Issuer: GitHubActionsIssuer}
	otherArt  = map[string]string{"sha256": strings.Repeat("b", 64)}
	critical  = "vulnerability.GHSA-jf85-cpcp-j695"
	high      = "vulnerability.GHSA-35jh-r3h4-6jhm"
	gateSBOM  = "web.sbom.sigstore.json"
	gateVEX   = "web.vex.sigstore.json"
	vexNotAff = "web.openvex.json"
)

func readFixture(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vulnDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// gateEvidence is the release's SBOM attestation by the trusted signer,
// and the VEX attestations given.
func gateEvidence(t *testing.T, vexAtts ...verify.Evidence) []verify.Evidence {
	sb := statement(t, PredicateCycloneDX, artifact.Digests, readFixture(t, "web.cdx.json"))
	return append([]verify.Evidence{evidence(gateSBOM, sb, ghSigner)}, vexAtts...)
}

func vexAttestation(t *testing.T, predicateType string, digests map[string]string, signer verify.Signer, doc string) verify.Evidence {
	return evidence(gateVEX, statement(t, predicateType, digests, doc), signer)
}

// TestVulnerabilityGate: the policy's decision on a real SBOM (npm lodash
// 4.17.11) with two real advisories (GHSA-jf85-cpcp-j695 critical,
// GHSA-35jh-r3h4-6jhm high): every attack (an untrusted or misdirected VEX,
// an expired or mismatched allow entry, an allow where VEX is required)
// beside its legitimate control.
func TestVulnerabilityGate(t *testing.T) {
	notAffected := readFixture(t, vexNotAff)
	affected := strings.NewReplacer(`"not_affected"`, `"affected"`,
		`"justification": "vulnerable_code_not_in_execute_path",`, `"action_statement": "update lodash"`,
		`"impact_statement": "web never calls lodash.defaultsDeep"`, "").Replace(notAffected)
	userVEX, err := vex.Parse(vexNotAff, []byte(notAffected))
	if err != nil {
		t.Fatal(err)
	}
	allow := func(entry string) string {
		return "vulnerabilities:\n  failOn: critical\n  allow:\n" + entry
	}
	db := testMatcher(t)
	tests := []struct {
		name   string
		policy string
		ev     []verify.Evidence
		opts   Options
		pass   bool
		fail   []string // finding ids that must fail
		want   []string // text the failing findings must show
	}{
		{name: "no VEX: critical and high fail", policy: "vulnerabilities:\n  failOn: high\n", ev: gateEvidence(t),
			fail: []string{critical, high, FindingVulnerabilities},
			want: []string{"pkg:npm/lodash@4.17.11 GHSA-jf85-cpcp-j695 (CVE-2019-10744), critical, fixed in 4.17.12 | lodash@4.17.11: Prototype Pollution in lodash — failOn high: critical is at or above it; no VEX statement; no allow entry",
				"pkg:npm/lodash@4.17.11 GHSA-35jh-r3h4-6jhm (CVE-2021-23337), high, fixed in 4.17.21 | lodash@4.17.11: Command Injection in lodash"}},
		{name: "default failOn is low", policy: "vulnerabilities: {}\n", ev: gateEvidence(t), fail: []string{critical, high}},
		{name: "failOn critical: the high one passes", policy: "vulnerabilities:\n  failOn: critical\n", ev: gateEvidence(t),
			fail: []string{critical}, want: []string{"failOn critical: critical is at or above it"}},
		{name: "trusted VEX attestation not_affected", policy: "vulnerabilities:\n  failOn: critical\n",
			ev: gateEvidence(t, vexAttestation(t, vex.PredicateType, artifact.Digests, ghSigner, notAffected)), pass: true},
		{name: "cosign's openvex predicate type counts too", policy: "vulnerabilities:\n  failOn: critical\n",
			ev: gateEvidence(t, vexAttestation(t, PredicateOpenVEX, artifact.Digests, ghSigner, notAffected)), pass: true},
		{name: "VEX clears only its advisory", policy: "vulnerabilities:\n  failOn: high\n",
			ev: gateEvidence(t, vexAttestation(t, vex.PredicateType, artifact.Digests, ghSigner, notAffected)), fail: []string{high}},
		{name: "attack: VEX from an untrusted signer", policy: "vulnerabilities:\n  failOn: critical\n",
			ev:   gateEvidence(t, vexAttestation(t, vex.PredicateType, artifact.Digests, evilGH, notAffected)),
			fail: []string{critical}, want: []string{"web.vex.sigstore.json (signed by " + evilGH.Identity}},
		{name: "attack: VEX about another artifact", policy: "vulnerabilities:\n  failOn: critical\n",
			ev:   gateEvidence(t, vexAttestation(t, vex.PredicateType, otherArt, ghSigner, notAffected)),
			fail: []string{critical}, want: []string{"web.vex.sigstore.json (about another artifact)"}},
		{name: "VEX affected does not clear", policy: "vulnerabilities:\n  failOn: critical\n",
			ev: gateEvidence(t, vexAttestation(t, vex.PredicateType, artifact.Digests, ghSigner, affected)), fail: []string{critical},
			want: []string{"VEX affected (from web.vex.sigstore.json)"}},
		{name: "an unreadable VEX attestation fails closed", policy: "vulnerabilities:\n  failOn: critical\n",
			ev:   gateEvidence(t, vexAttestation(t, vex.PredicateType, artifact.Digests, ghSigner, `{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"status": "maybe"}]}`)),
			fail: []string{FindingVulnerabilities}, want: []string{"a VEX attestation cannot be read: web.vex.sigstore.json"}},
		{name: "the user's --vex", policy: "vulnerabilities:\n  failOn: critical\n", ev: gateEvidence(t),
			opts: Options{VEX: userVEX}, pass: true},
		{name: "allow, unexpired", policy: allow("    - id: GHSA-jf85-cpcp-j695\n      expires: 2027-03-31\n"), ev: gateEvidence(t), pass: true},
		{name: "allow by CVE alias", policy: allow("    - id: CVE-2019-10744\n      expires: 2027-03-31\n"), ev: gateEvidence(t), pass: true},
		{name: "allow expiring today still counts", policy: allow("    - id: GHSA-jf85-cpcp-j695\n      expires: 2026-12-06\n"), ev: gateEvidence(t), pass: true},
		{name: "allow expired yesterday", policy: allow("    - id: GHSA-jf85-cpcp-j695\n      expires: 2026-12-05\n      reason: waiting for 4.17.12\n"),
			ev: gateEvidence(t), fail: []string{critical}, want: []string{"allow GHSA-jf85-cpcp-j695 until 2026-12-05 (waiting for 4.17.12): expired"}},
		{name: "allow for the component", policy: allow("    - id: GHSA-jf85-cpcp-j695\n      expires: 2027-03-31\n      component: pkg:npm/lodash\n"), ev: gateEvidence(t), pass: true},
		{name: "allow for the component's version", policy: allow("    - id: GHSA-jf85-cpcp-j695\n      expires: 2027-03-31\n      component: pkg:npm/lodash@4.17.11\n"), ev: gateEvidence(t), pass: true},
		{name: "allow for another version", policy: allow("    - id: GHSA-jf85-cpcp-j695\n      expires: 2027-03-31\n      component: pkg:npm/lodash@4.17.10\n"),
			ev: gateEvidence(t), fail: []string{critical}},
		{name: "allow for another component", policy: allow("    - id: GHSA-jf85-cpcp-j695\n      expires: 2027-03-31\n      component: pkg:npm/lodash-es\n"),
			ev: gateEvidence(t), fail: []string{critical}},
		{name: "allow for another advisory", policy: allow("    - id: GHSA-35jh-r3h4-6jhm\n      expires: 2027-03-31\n"), ev: gateEvidence(t), fail: []string{critical}},
		{name: "requireVexFor: an allow entry does not clear", policy: "vulnerabilities:\n  requireVexFor: [critical]\n  failOn: critical\n  allow:\n    - id: GHSA-jf85-cpcp-j695\n      expires: 2027-03-31\n",
			ev: gateEvidence(t), fail: []string{critical}, want: []string{"requireVexFor critical: only a VEX statement", "(does not clear requireVexFor)"}},
		{name: "requireVexFor: VEX clears", policy: "vulnerabilities:\n  requireVexFor: [critical]\n  failOn: none\n",
			ev: gateEvidence(t, vexAttestation(t, vex.PredicateType, artifact.Digests, ghSigner, notAffected)), pass: true},
		{name: "requireVexFor high with failOn none", policy: "vulnerabilities:\n  requireVexFor: [high]\n  failOn: none\n", ev: gateEvidence(t), fail: []string{high}},
		{name: "no severity counts as critical", policy: "vulnerabilities:\n  failOn: critical\n", ev: gateEvidence(t),
			opts: Options{Vulns: noSeverity{db}}, fail: []string{critical, high}, want: []string{"the advisory gives no severity: unknownSeverity"}},
		{name: "unknownSeverity low", policy: "vulnerabilities:\n  failOn: high\n  unknownSeverity: low\n", ev: gateEvidence(t),
			opts: Options{Vulns: noSeverity{db}}, pass: true},
		{name: "no database", policy: "vulnerabilities: {}\n", ev: gateEvidence(t), opts: Options{Vulns: none{}},
			fail: []string{FindingVulnerabilities}, want: []string{"--vuln-db"}},
		{name: "a database that cannot be read fails closed", policy: "vulnerabilities: {}\n", ev: gateEvidence(t), opts: Options{Vulns: broken{}},
			fail: []string{FindingVulnerabilities}, want: []string{"matching web.sbom.sigstore.json against the vulnerability database: all.zip: truncated"}},
		{name: "no SBOM", policy: "vulnerabilities: {}\n",
			ev:   []verify.Evidence{vexAttestation(t, vex.PredicateType, artifact.Digests, ghSigner, notAffected)},
			fail: []string{FindingVulnerabilities}, want: []string{"no SBOM attested for this artifact by a trusted signer"}},
		{name: "SBOM from an untrusted signer", policy: "vulnerabilities: {}\n",
			ev: []verify.Evidence{
				evidence(gateSBOM, statement(t, PredicateCycloneDX, artifact.Digests, readFixture(t, "web.cdx.json")), evilGH),
				evidence("prov.sigstore.json", statement(t, slsa.PredicateV1, artifact.Digests, provenanceV1("example/app", "refs/tags/v1.2.3")), ghSigner)},
			fail: []string{FindingVulnerabilities}, want: []string{"no SBOM attested for this artifact by a trusted signer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, ghIdentity+tt.policy)
			opts := tt.opts
			opts.Now = gateNow
			switch opts.Vulns.(type) {
			case nil:
				opts.Vulns = db
			case none:
				opts.Vulns = nil
			}
			fs := p.Evaluate(context.Background(), artifact, tt.ev, opts)
			if accepted(fs) != tt.pass {
				t.Fatalf("accepted = %v, want %v\n%s", accepted(fs), tt.pass, dump(fs))
			}
			if tt.pass && statusOf(fs, FindingVulnerabilities) != verify.StatusPass {
				t.Errorf("no passing %s finding\n%s", FindingVulnerabilities, dump(fs))
			}
			var text strings.Builder
			for _, id := range tt.fail {
				f := findingByID(fs, id)
				if f == nil || f.Status == verify.StatusPass {
					t.Errorf("%s does not fail\n%s", id, dump(fs))
					continue
				}
				if v := f.Vulnerability; v != nil {
					fmt.Fprintf(&text, "%s %s (%s), %s, fixed in %s | ", f.PURL, v.ID, strings.Join(v.Aliases, ", "), v.Severity, v.FixedVersion)
				}
				text.WriteString(f.Message + " | " + f.Expected + " | " + f.Found + "\n")
			}
			for _, id := range []string{critical, high} {
				if !contains(tt.fail, id) && findingByID(fs, id) != nil {
					t.Errorf("%s fails, it should not\n%s", id, dump(fs))
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(text.String(), w) {
					t.Errorf("findings do not say %q:\n%s", w, text.String())
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestVulnerabilityGateSummary: a pass says how many matched and how many
// VEX and allow entries cleared.
func TestVulnerabilityGateSummary(t *testing.T) {
	p := mustParse(t, ghIdentity+"vulnerabilities:\n  failOn: high\n  allow:\n    - id: CVE-2021-23337\n      expires: 2027-01-31\n")
	ev := gateEvidence(t, vexAttestation(t, vex.PredicateType, artifact.Digests, ghSigner, readFixture(t, vexNotAff)))
	fs := p.Evaluate(context.Background(), artifact, ev, Options{Vulns: testMatcher(t), Now: gateNow})
	f := findingByID(fs, FindingVulnerabilities)
	if f == nil || f.Status != verify.StatusPass {
		t.Fatalf("no pass\n%s", dump(fs))
	}
	want := "2 match(es) in 1 component(s): 1 resolved by VEX, 1 accepted by allow entries, 0 below the threshold"
	if f.Found != want {
		t.Errorf("found %q, want %q", f.Found, want)
	}
	if !contains(f.Evidence, gateSBOM) || !contains(f.Evidence, gateVEX) {
		t.Errorf("evidence %v, want the SBOM and the VEX bundles", f.Evidence)
	}
}

// none stands for no database in the test table.
type none struct{ vuln.Matcher }

// broken is a database that cannot be read.
type broken struct{ vuln.Matcher }

func (broken) Match(context.Context, *sbom.Document) ([]vuln.Match, error) {
	return nil, errors.New("all.zip: truncated")
}

// noSeverity drops the advisories' severity, as databases without one
// (the Go vulnerability database) give them.
type noSeverity struct{ vuln.Matcher }

func (n noSeverity) Match(ctx context.Context, doc *sbom.Document) ([]vuln.Match, error) {
	ms, err := n.Matcher.Match(ctx, doc)
	for i := range ms {
		ms[i].Vulnerability.Severity, ms[i].Vulnerability.Score, ms[i].Vulnerability.Vector = "", 0, ""
	}
	return ms, err
}

// testMatcher is the real matcher (package vuln, osv-scalibr's) over the
// real advisories of testdata/vuln/osv.
func testMatcher(t *testing.T) vuln.Matcher {
	t.Helper()
	db, err := vuln.Open(filepath.Join(vulnDir, "osv"))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestVulnerabilityGateUnrated: the Go vulnerability database rates no
// advisory. Over a real SBOM (proton-bridge v1.8.0, package vex's fixture)
// and the whole database, every match counts as unknownSeverity —
// critical by default, so failOn critical refuses the artifact and says
// why; unknownSeverity low lets the same matches through (control).
func TestVulnerabilityGateUnrated(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "vex", "testdata", "sbom", "proton-bridge-v1.8.0.bom.json"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := vuln.Open(filepath.Join("..", "..", "..", "testdata", "osv"))
	if err != nil {
		t.Fatal(err)
	}
	ev := []verify.Evidence{evidence(gateSBOM, statement(t, PredicateCycloneDX, artifact.Digests, string(data)), ghSigner)}
	for _, tt := range []struct {
		policy string
		pass   bool
	}{
		{"vulnerabilities:\n  failOn: critical\n", false},
		{"vulnerabilities:\n  failOn: critical\n  unknownSeverity: low\n", true},
	} {
		fs := mustParse(t, ghIdentity+tt.policy).Evaluate(context.Background(), artifact, ev, Options{Vulns: db, Now: gateNow})
		failing := 0
		for _, f := range fs {
			if !strings.HasPrefix(f.ID, FindingVulnerability+".") {
				continue
			}
			failing++
			if f.Vulnerability == nil || f.Vulnerability.Severity != "" && f.Vulnerability.Severity != string(vuln.SeverityUnknown) ||
				!strings.Contains(f.Message, "failOn critical: critical (the advisory gives no severity: unknownSeverity) is at or above it") {
				t.Errorf("%s: %s (severity %+v)", f.ID, f.Message, f.Vulnerability)
			}
		}
		sum := findingByID(fs, FindingVulnerabilities)
		if accepted(fs) != tt.pass || sum == nil || tt.pass != (failing == 0) {
			t.Fatalf("%q: accepted %v with %d failing matches\n%s", tt.policy, accepted(fs), failing, dump(fs))
		}
		if !tt.pass && failing < 10 {
			t.Errorf("only %d unrated matches failed; the SBOM has dozens", failing)
		}
		t.Logf("%s: %s", sum.Message, sum.Found)
	}
}
