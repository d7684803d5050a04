package engine_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/pkg/attest/keys"
	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/slsa"
	"github.com/vouchdev/vouch/pkg/verify/slsa/slsatest"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// TestKeySignedBuilderClaimEndToEnd (issue 8, item 1): the real
// slsa-github-generator provenance statement, re-signed with a key the user
// trusts, claims the generic generator. At minLevel 3 it fails unless the
// policy binds that key to the generator (slsa.trustedBuilders[].keys); the
// real keyless bundle, signed by the generator itself, passes.
func TestKeySignedBuilderClaimEndToEnd(t *testing.T) {
	const dir = "gha_generic-v2.1.0-workflow_dispatch/"
	artifact := local(dir + "binary-linux-amd64-workflow_dispatch")
	keyless := splitBundles(t, local(dir+"binary-linux-amd64-workflow_dispatch.intoto.jsonl"))
	keyed, key := resignStatement(t, keyless[0])
	const generic = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml"
	bound := []slsa.Builder{{Name: "our re-signing service", ID: generic, Signer: slsa.SignerBuilder, Keys: []string{key.ID()}}}
	otherKey := []slsa.Builder{{Name: "another key", ID: generic, Signer: slsa.SignerBuilder, Keys: []string{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}}
	tests := []struct {
		name     string
		bundle   string
		keys     []*trust.Key
		builders []slsa.Builder
		ids      []string
		want     bool
	}{
		{"key-signed, no binding", keyed, []*trust.Key{key}, nil, nil, false},
		{"key-signed, builder id named, no binding", keyed, []*trust.Key{key}, nil, []string{generic}, false},
		{"key-signed, another key bound", keyed, []*trust.Key{key}, otherKey, nil, false},
		{"key-signed, key bound to the builder", keyed, []*trust.Key{key}, bound, nil, true},
		{"keyless, the generator's own certificate", keyless[0], nil, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &policy.Policy{APIVersion: policy.APIVersion, Kind: policy.Kind,
				SLSA: &policy.SLSA{SourceURI: "github.com/slsa-framework/example-package", MinLevel: 3, BuilderIDs: tt.ids, TrustedBuilders: tt.builders}}
			if err := p.Compile(); err != nil {
				t.Fatal(err)
			}
			e, err := newCLIEngine(engine.Options{Keys: tt.keys, Roots: offlineRoots(t)}, p)
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Verify(context.Background(), target{Artifact: artifact, Bundles: []string{tt.bundle}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Accept() != tt.want {
				for _, f := range res.Findings {
					t.Logf("%s %s: %s (expected %q, found %q)", f.Status, f.ID, f.Message, f.Expected, f.Found)
				}
				t.Fatalf("accept = %v, want %v", res.Accept(), tt.want)
			}
		})
	}
}

// resignStatement signs the in-toto statement of a DSSE bundle with a new
// ECDSA key and returns the new bundle's path and the key.
func resignStatement(t *testing.T, bundlePath string) (string, *trust.Key) {
	t.Helper()
	raw, err := os.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		DSSEEnvelope struct {
			Payload string `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	statement, err := base64.StdEncoding.DecodeString(b.DSSEEnvelope.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := slsatest.ParseStatement(statement); err != nil {
		t.Fatal(err)
	}
	k, err := keys.Generate(keys.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := keys.EncodePublic(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	key, err := trust.FromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sign.NewKeySigner(k, sign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	signed, err := s.Attest(context.Background(), statement)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "keyed.sigstore.json")
	if err := os.WriteFile(out, signed, 0o644); err != nil {
		t.Fatal(err)
	}
	return out, key
}
