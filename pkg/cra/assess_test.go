package cra

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// testConfig is testdata/cra.yaml.
func testConfig(t *testing.T) *Config {
	t.Helper()
	data, err := os.ReadFile("testdata/cra.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig("testdata/cra.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// artifact is an artifact whose three checks have the given statuses.
func artifact(name string, sig, prov, sb Status) Artifact {
	return Artifact{Name: name, Digest: "sha256:" + sum, Verified: sig != StatusNotMet, Failures: []verify.Finding{},
		Signature: Check{Status: sig, Detail: "signature " + string(sig)}, Provenance: Check{Status: prov, Detail: "provenance " + string(prov)},
		SBOM: SBOM{Check: Check{Status: sb, Detail: "sbom " + string(sb)}}, Matched: sb == StatusMet}
}

func openVuln(artifact, id string) Vuln {
	return Vuln{Artifact: artifact, Match: vuln.Match{Component: vuln.Component{Name: "golang.org/x/net", Version: "v0.1.0", PURL: "pkg:golang/golang.org/x/net@v0.1.0"},
		Vulnerability: finding.Vulnerability{ID: id, Severity: "high", FixedVersion: "v0.23.0"}}}
}

func status(r *Report, id string) Status {
	for _, q := range r.Requirements {
		if q.ID == id {
			return q.Status
		}
	}
	return ""
}

// TestAssess: each requirement a tool can judge follows its evidence;
// the good release (the control) meets them; no requirement a tool cannot
// judge is ever met.
func TestAssess(t *testing.T) {
	good := artifact("hello", StatusMet, StatusMet, StatusMet)
	for _, tc := range []struct {
		name      string
		now       string
		db        string
		artifacts []Artifact
		open      []Vuln
		manifest  Status
		want      map[string]Status
		missing   string
	}{
		{name: "good release", now: "2026-12-06", db: "osv", artifacts: []Artifact{good}, manifest: StatusMet,
			want: map[string]Status{"I.2.a": StatusMet, "II.1": StatusMet, "II.2": StatusMet, "II.7": StatusMet, "I.2.f": StatusDeclaration, "II.8": StatusDeclaration}},
		{name: "no database", now: "2026-12-06", artifacts: []Artifact{good}, manifest: StatusMet,
			want:    map[string]Status{"I.2.a": StatusMissingEvidence, "II.2": StatusMissingEvidence, "II.1": StatusMet},
			missing: "no vulnerability database given (--db DIR)"},
		{name: "open vulnerability", now: "2026-12-06", db: "osv", artifacts: []Artifact{good}, open: []Vuln{openVuln("hello", "GO-2024-2687")}, manifest: StatusMet,
			want: map[string]Status{"I.2.a": StatusNotMet, "II.2": StatusNotMet, "II.7": StatusMet}},
		{name: "unsigned artifact", now: "2026-12-06", db: "osv", artifacts: []Artifact{good, artifact("b", StatusNotMet, StatusNotMet, StatusNotMet)}, manifest: StatusMet,
			want: map[string]Status{"II.1": StatusNotMet, "II.7": StatusNotMet, "I.2.f": StatusNotMet, "I.2.a": StatusMissingEvidence}},
		{name: "no provenance", now: "2026-12-06", db: "osv", artifacts: []Artifact{artifact("hello", StatusMet, StatusMissingEvidence, StatusMet)}, manifest: StatusMet,
			want: map[string]Status{"II.7": StatusMissingEvidence, "II.1": StatusMet}, missing: "hello: provenance missing_evidence"},
		{name: "no SBOM", now: "2026-12-06", db: "osv", artifacts: []Artifact{artifact("hello", StatusMet, StatusMet, StatusMissingEvidence)}, manifest: StatusMet,
			want:    map[string]Status{"II.1": StatusMissingEvidence, "I.2.a": StatusMissingEvidence},
			missing: "hello: no attested SBOM to match against the vulnerability database"},
		{name: "unsigned manifest", now: "2026-12-06", db: "osv", artifacts: []Artifact{good}, manifest: StatusNotMet,
			want: map[string]Status{"II.7": StatusNotMet}},
		{name: "support ended", now: "2032-01-01", db: "osv", artifacts: []Artifact{good}, manifest: StatusMet,
			want: map[string]Status{"I.2.c": StatusNotMet, "II.8": StatusNotMet, "II.7": StatusMet}},
		{name: "last day of support", now: "2031-12-31", db: "osv", artifacts: []Artifact{good}, manifest: StatusMet,
			want: map[string]Status{"I.2.c": StatusDeclaration, "II.8": StatusDeclaration}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now, _ := time.Parse(time.DateOnly, tc.now)
			r := newReport(Options{Config: testConfig(t), Now: now.Add(13 * time.Hour), DB: tc.db, Dir: "dist"})
			r.Release.Artifacts = tc.artifacts
			r.Release.Manifest = Check{Status: tc.manifest, Detail: "manifest " + string(tc.manifest)}
			r.Vulnerabilities.Open = append(r.Vulnerabilities.Open, tc.open...)
			r.assess()
			for id, want := range tc.want {
				if got := status(r, id); got != want {
					t.Errorf("%s: %s, want %s", id, got, want)
				}
			}
			declaredOnly := []string{"I.1", "I.2.b", "I.2.d", "I.2.e", "I.2.g", "I.2.h", "I.2.i", "I.2.j", "I.2.k", "I.2.l", "I.2.m", "II.3", "II.4", "II.5", "II.6"}
			for _, id := range declaredOnly {
				if got := status(r, id); got != StatusDeclaration {
					t.Errorf("%s: %s, want the manufacturer's declaration", id, got)
				}
			}
			if len(r.Requirements) != 22 {
				t.Errorf("%d requirements, want 22 (part I: 1 + 13, part II: 8)", len(r.Requirements))
			}
			s := r.Summary
			if s.Met+s.NotMet+s.MissingEvidence+s.Declaration != 22 {
				t.Errorf("summary %+v does not add up to 22", s)
			}
			if tc.missing != "" && !strings.Contains(strings.Join(r.Missing, "\n"), tc.missing) {
				t.Errorf("missing = %q, want %q", r.Missing, tc.missing)
			}
		})
	}
}

func TestDescribeOpen(t *testing.T) {
	v := func(name, id, fixed string) Vuln {
		x := openVuln("app", id)
		x.Component.Name, x.Component.PURL, x.Vulnerability.FixedVersion = name, "pkg:golang/"+name, fixed
		return x
	}
	got := describeOpen([]Vuln{
		v("golang.org/x/net", "GO-1", "0.0.0-20210520170846-37e1c6afe023"), v("golang.org/x/net", "GO-2", "0.62.0"), v("golang.org/x/net", "GO-3", "0.7.0"),
		v("golang.org/x/net", "GO-4", "0.9.0"), v("golang.org/x/net", "GO-5", "0.10.0"), v("golang.org/x/net", "GO-6", "0.1.0"),
		v("gopkg.in/yaml.v2", "GO-7", ""),
	})
	want := []string{
		"app: golang.org/x/net@v0.1.0: 6 open (GO-1, GO-2, GO-3, GO-4, GO-5 and 1 more); all fixed in 0.62.0",
		"app: gopkg.in/yaml.v2@v0.1.0: 1 open (GO-7); not all have a fix",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("describeOpen =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestReview5UnmatchedNotMet: Annex I (2)(a) "without known exploitable
// vulnerabilities" is not met on the word of a database that was never
// asked about some components (no purl of an ecosystem it reads): that
// is missing evidence, naming them. Control: the same release with every
// component matched is met. (The artifact itself, each SBOM's primary
// component, is not a component to match: see TestReview5UnmatchedPrimary.)
func TestReview5UnmatchedNotMet(t *testing.T) {
	for _, tc := range []struct {
		name      string
		unmatched []string
		want      Status
	}{
		{"control: every component matched", nil, StatusMet},
		{"attack: a component without a purl", []string{"hello: lodash@4.17.11 (no purl)"}, StatusMissingEvidence},
		{"attack: a component of no OSV ecosystem", []string{"hello: pkg:github/lodash/lodash@4.17.11"}, StatusMissingEvidence},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now, _ := time.Parse(time.DateOnly, "2026-12-06")
			r := newReport(Options{Config: testConfig(t), Now: now, DB: "osv", Dir: "dist"})
			r.Release.Artifacts = []Artifact{artifact("hello", StatusMet, StatusMet, StatusMet)}
			r.Release.Manifest = Check{Status: StatusMet}
			r.Vulnerabilities.Unmatched = tc.unmatched
			r.assess()
			for _, id := range []string{"I.2.a", "II.2"} {
				if got := status(r, id); got != tc.want {
					t.Errorf("%s: %s, want %s", id, got, tc.want)
				}
			}
			for _, u := range tc.unmatched {
				if !strings.Contains(strings.Join(r.Missing, "\n"), strings.TrimPrefix(u, "hello: ")) {
					t.Errorf("missing %q does not name %s", r.Missing, u)
				}
			}
		})
	}
}

// TestReview5UnsignedVEXNotMet: a plain VEX file in the release directory
// is anyone's to drop there. An advisory it alone resolves is shown
// resolved, but Annex I (2)(a) is not "met" on its word: that is missing
// evidence naming the document. Control: the same statement from a signed
// VEX attestation that verified is met.
func TestReview5UnsignedVEXNotMet(t *testing.T) {
	for _, tc := range []struct {
		name   string
		signed bool
		want   Status
	}{
		{"control: resolved by a signed VEX attestation", true, StatusMet},
		{"attack: resolved only by an unsigned VEX file", false, StatusMissingEvidence},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const doc = "dist/app.openvex.json"
			now, _ := time.Parse(time.DateOnly, "2026-12-06")
			r := newReport(Options{Config: testConfig(t), Now: now, DB: "osv", Dir: "dist"})
			r.Release.Artifacts = []Artifact{artifact("hello", StatusMet, StatusMet, StatusMet)}
			r.Release.Manifest = Check{Status: StatusMet}
			r.Release.VEX = []VEXDocument{{Name: doc, Signed: tc.signed, Statements: 1}}
			v := openVuln("hello", "GO-2024-2687")
			v.Vulnerability.VEX, v.Vulnerability.Justification, v.Vulnerability.VEXSource = "not_affected", "vulnerable_code_not_in_execute_path", doc
			r.Vulnerabilities.Resolved = []Vuln{v}
			r.assess()
			if got := status(r, "I.2.a"); got != tc.want {
				t.Errorf("I.2.a: %s, want %s", got, tc.want)
			}
			if !tc.signed && !strings.Contains(strings.Join(r.Missing, "\n"), doc) {
				t.Errorf("missing %q does not name %s", r.Missing, doc)
			}
		})
	}
}
