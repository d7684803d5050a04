package npm

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/proto"

	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/slsa/slsatest"
)

const gundam = "../../../testdata/slsa/npm-gundam-visor-v1/gundam-visor-cli-v1-tag.tgz"

// TestAttestations reads the registry's real response and refuses every
// malformed one, naming what is wrong.
func TestAttestations(t *testing.T) {
	real, err := os.ReadFile(gundam + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if !IsAttestations(real) {
		t.Fatal("the registry's response is not recognised")
	}
	atts, err := Attestations("gundam.json", real)
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 2 || atts[0].PredicateType != "https://github.com/npm/attestation/tree/main/specs/publish/v0.1" || atts[1].PredicateType != "https://slsa.dev/provenance/v1" {
		t.Fatalf("attestations %+v", atts)
	}
	for i, a := range atts {
		if _, err := bundle.Parse(a.Bundle); err != nil {
			t.Errorf("attestations[%d] is not a bundle: %v", i, err)
		}
	}
	bundleJSON, err := os.ReadFile("../../../testdata/npm/bundle-publish.json")
	if err != nil {
		t.Fatal(err)
	}
	if IsAttestations(bundleJSON) {
		t.Error("a Sigstore bundle is taken for an attestations response")
	}
	many := `{"attestations":[` + strings.TrimSuffix(strings.Repeat(`{"bundle":{}},`, MaxAttestations+1), ",") + `]}`
	for doc, want := range map[string]string{
		`{"attestations":[]}`:                                `"attestations" is empty`,
		`{"attestations":[{"bundle":{}}],"attestations":[]}`: "duplicate",
		`{"attestations":[{"predicateType":"x"}]}`:           "attestations[0].bundle",
		`{"attestations":[{"bundle":"text"}]}`:               "attestations[0].bundle",
		many:                                                 "the limit is 64",
		`{"attestations":[{"bundle":{}}`:                     "",
	} {
		_, err := Attestations("doc.json", []byte(doc))
		if !errors.Is(err, ErrAttestations) || !strings.Contains(err.Error(), "doc.json") || !strings.Contains(err.Error(), want) {
			t.Errorf("%.60s: error %v, want ErrAttestations naming doc.json and %q", doc, err, want)
		}
	}
}

func TestCanonicalPURL(t *testing.T) {
	for in, want := range map[string]string{
		"pkg:npm/%40scope/name@1.0.0":  "pkg:npm/%40scope/name@1.0.0",
		"pkg:npm/@scope/name@1.0.0":    "pkg:npm/%40scope/name@1.0.0",
		"pkg:NPM/sigstore@1.3.0":       "pkg:npm/sigstore@1.3.0",
		"pkg:npm/name":                 "pkg:npm/name",
		"pkg:npm/%40scope/name":        "pkg:npm/%40scope/name",
		"pkg:npm/a%2Fb@1":              "pkg:npm/a%2Fb@1",
		"pkg:npm/name@1.0.0?repo=x#sp": "pkg:npm/name@1.0.0?repo=x#sp",
		"pkg:npm/name@1.0.0-rc%2B1":    "pkg:npm/name@1.0.0-rc+1",
		"npm/name@1.0.0":               "",
		"pkg:npm":                      "",
		"pkg:npm/%zz@1":                "",
		"pkg:npm//name@1":              "",
	} {
		got, ok := CanonicalPURL(in)
		if got != want || ok != (want != "") {
			t.Errorf("CanonicalPURL(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// TestSubjectFinding on the real publish attestation and provenance of
// gundam-visor 1.0.1: the purl and digest must both match, in every
// attestation that names the artifact.
func TestSubjectFinding(t *testing.T) {
	evs, err := slsatest.Load(gundam + ".json")
	if err != nil {
		t.Fatal(err)
	}
	digests, err := slsatest.FileDigests(gundam)
	if err != nil {
		t.Fatal(err)
	}
	other := map[string]string{"sha512": strings.Repeat("0", 128)}
	forged := evs[1]
	forged.Statement = proto.Clone(evs[1].Statement).(*ita.Statement)
	forged.Statement.Subject[0].Name = "pkg:npm/evil@1.0.1"
	tests := []struct {
		name     string
		purl     string
		evidence []verify.Evidence
		digests  map[string]string
		want     verify.Status
	}{
		{"both name it", "pkg:npm/gundam-visor@1.0.1", evs, digests, verify.StatusPass},
		{"encoded form", "pkg:npm/gundam-visor@1.0.%31", evs, digests, verify.StatusPass},
		{"another package", "pkg:npm/gundam-visorS@1.0.1", evs, digests, verify.StatusFail},
		{"another version", "pkg:npm/gundam-visor@1.0.2", evs, digests, verify.StatusFail},
		{"another artifact", "pkg:npm/gundam-visor@1.0.1", evs, other, verify.StatusFail},
		{"one attestation names another package", "pkg:npm/gundam-visor@1.0.1", []verify.Evidence{evs[0], forged}, digests, verify.StatusFail},
		{"no evidence", "pkg:npm/gundam-visor@1.0.1", nil, digests, verify.StatusFail},
		{"not a purl", "gundam-visor@1.0.1", evs, digests, verify.StatusError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := SubjectFinding(tt.purl, tt.evidence, tt.digests)
			if f.Status != tt.want || f.ID != FindingSubjectPURL {
				t.Errorf("%s %s: %s (found %q), want %s", f.ID, f.Status, f.Message, f.Found, tt.want)
			}
		})
	}
}

// FuzzNPM: the attestations response, package URLs and integrity values
// are untrusted input; none may panic, and what parses is consistent.
func FuzzNPM(f *testing.F) {
	if real, err := os.ReadFile(gundam + ".json"); err == nil {
		f.Add(string(real))
	}
	for _, s := range []string{`{"attestations":[{"bundle":{}}]}`, "pkg:npm/%40s/n@1", "sha512-" + strings.Repeat("A", 86) + "==", "sha1-x", "{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if atts, err := Attestations("f", []byte(s)); err == nil && (len(atts) == 0 || len(atts) > MaxAttestations) {
			t.Fatalf("%d attestations accepted", len(atts))
		}
		if c, ok := CanonicalPURL(s); ok {
			if again, ok2 := CanonicalPURL(c); !ok2 || again != c {
				panic(fmt.Sprintf("not idempotent: %q → %q → %q", s, c, again))
			}
		}
		if d, ok, err := bundle.ParseIntegrity(s); ok && err == nil {
			if _, err := bundle.ArtifactDigest(d); err != nil {
				t.Fatalf("integrity %q gave digest %q: %v", s, d, err)
			}
		}
	})
}
