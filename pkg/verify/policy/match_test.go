package policy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/sbomtest"
	"github.com/vouchdev/vouch/pkg/verify"
)

// asArtifact makes the sample's archive the test artifact (its digests).
func asArtifact(d *sbom.Document) {
	for i := range d.Components {
		if d.Components[i].ID == d.Primary {
			d.Components[i].Hashes = []sbom.Hash{{Algorithm: sbom.SHA256, Value: art256}, {Algorithm: sbom.SHA512, Value: art512}}
		}
	}
}

// derivedSample re-derives the test artifact as the sample document, and
// counts the calls.
func derivedSample(calls *int) func(context.Context) (*Derived, error) {
	return func(context.Context) (*Derived, error) {
		*calls++
		d := sbomtest.Sample()
		asArtifact(d)
		return &Derived{Document: d}, nil
	}
}

// TestMatchArtifactPolicy: sbom.matchArtifact compares each SBOM with what
// Artifact.Derive shows; a truthful SBOM passes (the control), and every
// way of not being able to compare fails.
func TestMatchArtifactPolicy(t *testing.T) {
	truthful := cycloneDXWith(t, asArtifact)
	sbomEv := func(t *testing.T, docs ...string) []verify.Evidence {
		var out []verify.Evidence
		for i, doc := range docs {
			out = append(out, evidence("sbom"+strings.Repeat("2", i)+".sigstore.json", statement(t, PredicateCycloneDX, map[string]string{"sha512": art512}, doc), ghSigner))
		}
		return out
	}
	omitCobra := cycloneDXWith(t, func(d *sbom.Document) {
		asArtifact(d)
		d.Components = slices.DeleteFunc(d.Components, func(c sbom.Component) bool { return c.Name == "github.com/spf13/cobra" })
		for i := range d.Dependencies {
			d.Dependencies[i].DependsOn = slices.DeleteFunc(d.Dependencies[i].DependsOn, func(id string) bool { return strings.Contains(id, "cobra") })
		}
		d.Dependencies = slices.DeleteFunc(d.Dependencies, func(dep sbom.Dependency) bool { return strings.Contains(dep.Ref, "cobra") })
	})
	p := mustParse(t, ghIdentity+"sbom:\n  matchArtifact: true\n")
	tests := []struct {
		name   string
		derive func(*int) func(context.Context) (*Derived, error)
		ev     func(t *testing.T) []verify.Evidence
		want   verify.Status
		found  string // in the sbom.match-artifact finding's message, expected or found
		calls  int
	}{
		{"truthful", derivedSample, func(t *testing.T) []verify.Evidence { return sbomEv(t, truthful) }, verify.StatusPass, "components compared", 1},
		{"two SBOMs, one derivation", derivedSample, func(t *testing.T) []verify.Evidence { return sbomEv(t, truthful, truthful) }, verify.StatusPass, "sbom2.sigstore.json", 1},
		{"omitted", derivedSample, func(t *testing.T) []verify.Evidence { return sbomEv(t, omitCobra) }, verify.StatusFail, "pkg:golang/github.com/spf13/cobra: omitted from the SBOM", 1},
		{"one truthful, one not", derivedSample, func(t *testing.T) []verify.Evidence { return sbomEv(t, truthful, omitCobra) }, verify.StatusFail, "cobra", 1},
		{"no bytes (digest only)", nil, func(t *testing.T) []verify.Evidence { return sbomEv(t, truthful) }, verify.StatusFail, "given as a digest", 0},
		{"derivation fails", func(calls *int) func(context.Context) (*Derived, error) {
			return func(context.Context) (*Derived, error) { *calls++; return nil, errors.New("app.jar: no cataloger") }
		}, func(t *testing.T) []verify.Evidence { return sbomEv(t, truthful) }, verify.StatusFail, "app.jar: no cataloger", 1},
		{"derivation gives nothing", func(calls *int) func(context.Context) (*Derived, error) {
			return func(context.Context) (*Derived, error) { *calls++; return &Derived{}, nil }
		}, func(t *testing.T) []verify.Evidence { return sbomEv(t, truthful) }, verify.StatusFail, "no document", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			a := artifact
			if tt.derive != nil {
				a.Derive = tt.derive(&calls)
			}
			fs := p.Evaluate(context.Background(), a, tt.ev(t), Options{})
			var got *verify.Finding
			for i := range fs {
				if fs[i].ID == FindingMatch && (got == nil || fs[i].Status != verify.StatusPass) {
					got = &fs[i]
				}
			}
			if got == nil || got.Status != tt.want || !strings.Contains(got.Message+got.Expected+got.Found, tt.found) {
				t.Fatalf("want %s %s naming %q:\n%s", tt.want, FindingMatch, tt.found, dump(fs))
			}
			if accepted(fs) != (tt.want == verify.StatusPass) {
				t.Errorf("accepted = %v:\n%s", accepted(fs), dump(fs))
			}
			if calls != tt.calls {
				t.Errorf("Derive called %d times, want %d", calls, tt.calls)
			}
		})
	}

	t.Run("no SBOM at all", func(t *testing.T) {
		calls := 0
		a := artifact
		a.Derive = derivedSample(&calls)
		fs := p.Evaluate(context.Background(), a, nil, Options{})
		if accepted(fs) || statusOf(fs, FindingSBOM) != verify.StatusFail || calls != 0 {
			t.Fatalf("no SBOM: derive calls %d\n%s", calls, dump(fs))
		}
	})
	t.Run("not asked for, not derived", func(t *testing.T) {
		calls := 0
		a := artifact
		a.Derive = derivedSample(&calls)
		fs := mustParse(t, ghIdentity+"sbom:\n  required: true\n").Evaluate(context.Background(), a, sbomEv(t, truthful), Options{})
		if !accepted(fs) || calls != 0 || findingByID(fs, FindingMatch) != nil {
			t.Fatalf("derive calls %d\n%s", calls, dump(fs))
		}
	})
}
