package vsa

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/verify"
)

// TestMarshalForVerdictIsForVerdict: the direct encoding says exactly what
// ForVerdict's statement, encoded by attest.MarshalStatement, says — for a
// pass with a verified level, a failure, and several digests and inputs —
// and the encoding is the same bytes every time.
func TestMarshalForVerdictIsForVerdict(t *testing.T) {
	leveled := report(verify.StatusPass, "SLSA_BUILD_LEVEL_3")
	for name, r := range map[string]*verify.ArtifactReport{
		"pass":    leveled,
		"fail":    report(verify.StatusFail, ""),
		"nolevel": report(verify.StatusPass, ""),
	} {
		t.Run(name, func(t *testing.T) {
			digests := map[string]string{"sha256": strings.Repeat("ab", 32), "sha512": strings.Repeat("cd", 64)}
			inputs := []Ref{{URI: "b2", Digest: map[string]string{"sha256": "02"}}, {URI: "b1", Digest: map[string]string{"sha256": "01"}}}
			s := summary()
			s.TimeVerified = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
			st, err := ForVerdict(r, digests, inputs, s)
			if err != nil {
				t.Fatal(err)
			}
			want, err := attest.MarshalStatement(st)
			if err != nil {
				t.Fatal(err)
			}
			got, err := MarshalForVerdict(r, digests, inputs, s)
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(want, &w); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("direct encoding:\n%s\nForVerdict + MarshalStatement:\n%s", got, want)
			}
			again, _ := MarshalForVerdict(r, digests, inputs, s)
			if string(again) != string(got) {
				t.Error("two encodings differ")
			}
		})
	}
	if _, err := MarshalForVerdict(leveled, nil, nil, summary()); err == nil {
		t.Error("a statement without digests was encoded")
	}
	if _, err := MarshalForVerdict(leveled, map[string]string{"sha256": "ab"}, nil, summary()); err == nil {
		t.Error("a statement with a short sha256 was encoded")
	}
	if _, err := MarshalForVerdict(nil, map[string]string{"sha256": strings.Repeat("ab", 32)}, nil, summary()); err == nil {
		t.Error("a statement without a verdict was encoded")
	}
}
