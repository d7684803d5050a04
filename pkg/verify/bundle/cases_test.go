package bundle_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// casesDir holds real bundles from sigstore-go, sigstore-python,
// sigstore-js and slsa-verifier with a trimmed cases.json (see ORIGIN).
const casesDir = "../../../testdata/sigstore/cases"

type sigstoreCase struct {
	ID     string `json:"id"`
	Expect string `json:"expect"`
	Why    string `json:"why"`
	Params struct {
		Bundle         string          `json:"bundle"`
		Artifact       string          `json:"artifact"`
		ArtifactDigest string          `json:"artifact_digest"`
		TrustedRoot    string          `json:"trusted_root"`
		Key            string          `json:"key"`
		Identity       string          `json:"certificate_identity"`
		Issuer         string          `json:"certificate_oidc_issuer"`
		KeyValidity    json.RawMessage `json:"key_validity"`
	} `json:"params"`
}

func loadCases(t testing.TB) []sigstoreCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(casesDir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []sigstoreCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 30 {
		t.Fatalf("%d cases in cases.json, want the full sigstore-bundle-verify set", len(cases))
	}
	return cases
}

// TestSharedCases verifies every offline sigstore-bundle-verify case of
// the shared corpus, with the artifact as a file (when the case has one)
// and as its digest; each must pass or fail as the case says.
func TestSharedCases(t *testing.T) {
	for _, c := range loadCases(t) {
		forms := map[string]bundle.Artifact{}
		if c.Params.ArtifactDigest != "" {
			a, err := bundle.ArtifactDigest(c.Params.ArtifactDigest)
			if err != nil {
				t.Fatalf("%s: %v", c.ID, err)
			}
			forms["digest"] = a
		}
		if c.Params.Artifact != "" {
			forms["file"] = bundle.ArtifactFile(filepath.Join(casesDir, c.Params.Artifact))
		}
		for form, artifact := range forms {
			t.Run(c.ID+"/"+form, func(t *testing.T) {
				tm := caseTrust(t, c)
				policy := bundle.Policy{Identity: c.Params.Identity, Issuer: c.Params.Issuer}
				ev, err := bundle.VerifyFile(context.Background(), filepath.Join(casesDir, c.Params.Bundle), artifact, tm, policy)
				switch c.Expect {
				case "pass":
					if err != nil {
						t.Fatalf("want pass (%s), got %v", c.Why, err)
					}
					if c.Params.Key == "" && ev.Signer.Identity != c.Params.Identity {
						t.Errorf("evidence identity %q, want %q", ev.Signer.Identity, c.Params.Identity)
					}
					if c.Params.Key != "" && ev.Signer.KeyID == "" {
						t.Error("key-signed evidence has no key id")
					}
					if len(ev.Timestamps) == 0 && c.Params.Key == "" {
						t.Error("keyless evidence has no verified timestamp")
					}
				case "fail":
					if err == nil {
						t.Fatalf("want fail (%s), got pass", c.Why)
					}
					t.Logf("rejected: %v", err)
				default:
					t.Fatalf("unknown expect %q", c.Expect)
				}
			})
		}
	}
}

func caseTrust(t *testing.T, c sigstoreCase) root.TrustedMaterial {
	t.Helper()
	tr, err := trust.FromTrustedRootFile(filepath.Join(casesDir, c.Params.TrustedRoot))
	if err != nil {
		t.Fatal(err)
	}
	if c.Params.Key == "" {
		return tr
	}
	pemBytes, err := os.ReadFile(filepath.Join(casesDir, c.Params.Key))
	if err != nil {
		t.Fatal(err)
	}
	var start, end time.Time
	var window struct{ Start, End time.Time }
	if len(c.Params.KeyValidity) > 0 && json.Unmarshal(c.Params.KeyValidity, &window) == nil {
		start, end = window.Start, window.End
	}
	key, err := trust.FromPublicKeyWithValidity(pemBytes, start, end)
	if err != nil {
		t.Fatal(err)
	}
	return trust.Combine(key, tr)
}
