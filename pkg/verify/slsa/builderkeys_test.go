package slsa

import (
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify"
)

// TestKeySignedBuilderClaim: provenance that merely names a trusted
// builder is credited with it (and its level) only through the builder's
// own keyless identity or a key the policy binds to that builder id (issue
// 8, item 1). The statement is real slsa-github-generator provenance; the
// key-signed variants are the same claims under a key.
func TestKeySignedBuilderClaim(t *testing.T) {
	p, keyless := provenanceOf(t, "gha_generic-v2.1.0-workflow_dispatch/binary-linux-amd64-workflow_dispatch.intoto.jsonl")
	const generic = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml"
	key := verify.Signer{KeyID: strings.Repeat("ab", 32)}
	other := verify.Signer{KeyID: strings.Repeat("cd", 32)}
	bind := func(keys ...string) []Builder {
		return append(Builders(), Builder{Name: "our signing service for the generic generator", ID: generic, Signer: SignerBuilder, Keys: keys})
	}
	tests := []struct {
		name       string
		signer     verify.Signer
		builderIDs []string
		builders   []Builder
		ok         bool // every check passes
		level      int
		builder    bool // Outcome.Builder is set
	}{
		{"keyless, the generator's own identity", keyless, nil, Builders(), true, 3, true},
		{"keyless, builder id named", keyless, []string{generic}, Builders(), true, 3, true},
		{"key, no binding, default builders", key, nil, Builders(), false, 0, false},
		// Naming a well-known builder in builderIds does not prove it either.
		{"key, no binding, builder id named", key, []string{generic}, Builders(), false, 0, false},
		{"key, another key bound", key, nil, bind(other.KeyID), false, 0, false},
		{"key bound to the builder", key, nil, bind(key.KeyID), true, 3, true},
		{"key bound, builder id named", key, []string{generic + "@v2.1.0"}, bind(key.KeyID), true, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Evaluate(p, tt.signer, Requirements{BuilderIDs: tt.builderIDs, SourceURI: "github.com/slsa-framework/example-package", Builders: tt.builders})
			if o.OK() != tt.ok || o.Level != tt.level || (o.Builder != nil) != tt.builder || o.SignerIsBuilder != tt.builder {
				t.Errorf("ok %v level %d builder %v signerIsBuilder %v, want %v %d %v; results %+v, why %q",
					o.OK(), o.Level, o.Builder != nil, o.SignerIsBuilder, tt.ok, tt.level, tt.builder, o.Results, o.SignerWhy)
			}
			if !tt.builder && !strings.Contains(o.SignerWhy, "slsa.trustedBuilders[].keys") {
				t.Errorf("the reason does not name the binding: %q", o.SignerWhy)
			}
		})
	}
}

func TestBuilderKeysValidate(t *testing.T) {
	for _, bad := range []string{"SHA256:abc", strings.Repeat("AB", 32), strings.Repeat("a", 63)} {
		b := Builder{Name: "b", ID: "https://example.com/b", Signer: SignerBuilder, Keys: []string{bad}}
		if err := b.Validate(); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
	good := Builder{Name: "b", ID: "https://example.com/b", Signer: SignerBuilder, Keys: []string{strings.Repeat("0f", 32)}}
	if err := good.Validate(); err != nil {
		t.Error(err)
	}
}
