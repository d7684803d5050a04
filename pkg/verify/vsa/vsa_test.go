package vsa

import (
	"errors"
	"strings"
	"testing"
	"time"

	vsapb "github.com/in-toto/attestation/go/predicates/vsa/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/vouchdev/vouch/pkg/verify"
)

func report(status verify.Status, levelFound string) *verify.ArtifactReport {
	r := &verify.ArtifactReport{Name: "app", Digest: "sha256:ab", Findings: []verify.Finding{{ID: "bundle", Status: verify.StatusPass}}}
	if levelFound != "" {
		r.Findings = append(r.Findings, verify.Finding{ID: "provenance.level", Status: status, Found: levelFound})
	}
	r.Verified = r.Accept()
	return r
}

var digest = "ab" + strings.Repeat("0", 62)

func summary() Summary {
	return Summary{
		TimeVerified: time.Unix(1700000000, 0),
		ResourceURI:  "https://registry.example/app",
		Policy:       Ref{URI: "https://example.com/policy.yaml", Digest: map[string]string{"sha256": "00"}},
		InputAttestations: []Ref{
			{URI: "b.sigstore.json", Digest: map[string]string{"sha256": "02"}},
			{URI: "a.sigstore.json", Digest: map[string]string{"sha256": "01"}},
		},
	}
}

func TestStatementIsVSA(t *testing.T) {
	for _, tc := range []struct {
		name   string
		r      *verify.ArtifactReport
		result string
		levels []string
	}{
		{"passed with level", report(verify.StatusPass, "level 3 (slsa-github-generator)"), Passed, []string{"SLSA_BUILD_LEVEL_3"}},
		{"passed without level", report(verify.StatusPass, ""), Passed, nil},
		{"failed", report(verify.StatusFail, "level 1 (local)"), Failed, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := summary()
			if l := LevelFromFindings(tc.r); l != "" {
				s.VerifiedLevels = []string{l}
			}
			st, err := Statement(tc.r, map[string]string{"sha256": digest}, s)
			if err != nil {
				t.Fatal(err)
			}
			if st.GetPredicateType() != PredicateType || st.GetSubject()[0].GetName() != "app" {
				t.Errorf("statement %v", st)
			}
			data, err := protojson.Marshal(st.GetPredicate())
			if err != nil {
				t.Fatal(err)
			}
			// The in-toto VSA v1 type reads it strictly (no unknown field).
			var pred vsapb.VerificationSummary
			if err := protojson.Unmarshal(data, &pred); err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if pred.GetVerificationResult() != tc.result || pred.GetVerifier().GetId() != DefaultVerifierID ||
				pred.GetTimeVerified().AsTime().Unix() != 1700000000 || pred.GetSlsaVersion() != SLSAVersion {
				t.Errorf("predicate %s", data)
			}
			if got := pred.GetVerifiedLevels(); len(got) != len(tc.levels) || (len(got) > 0 && got[0] != tc.levels[0]) {
				t.Errorf("verifiedLevels %v, want %v", got, tc.levels)
			}
			if in := pred.GetInputAttestations(); len(in) != 2 || in[0].GetUri() != "a.sigstore.json" {
				t.Errorf("inputAttestations not sorted: %v", in)
			}
		})
	}
}

func TestRequiredFields(t *testing.T) {
	r := report(verify.StatusPass, "")
	for name, mutate := range map[string]func(*Summary){
		"time":     func(s *Summary) { s.TimeVerified = time.Time{} },
		"resource": func(s *Summary) { s.ResourceURI = "" },
		"policy":   func(s *Summary) { s.Policy.URI = "" },
	} {
		s := summary()
		mutate(&s)
		if _, err := Statement(r, map[string]string{"sha256": digest}, s); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s missing: %v", name, err)
		}
	}
	if _, err := Statement(r, nil, summary()); !errors.Is(err, ErrInvalid) {
		t.Errorf("no digest: %v", err)
	}
}
