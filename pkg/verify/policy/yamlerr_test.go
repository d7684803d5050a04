package policy

import (
	"errors"
	"strings"
	"testing"
)

// TestYAMLErrorsNameKeys: decoding errors name the policy's keys and what
// the key takes, never vouch's Go types ("not found in type policy.SLSA").
// The control: the same documents with the key right load.
func TestYAMLErrorsNameKeys(t *testing.T) {
	head := "apiVersion: vouch.dev/v1\nkind: Policy\n"
	tests := []struct{ bad, good, want string }{
		{head + "slsa:\n  builderId: x\n", head + "slsa:\n  minLevel: 1\n  sourceUri: github.com/a/b\n", "line 4: slsa.builderId: unknown key"},
		{head + "colour: red\n", head, "line 3: colour: unknown key"},
		{head + "sbom:\n  profile: [1]\n", head + "sbom:\n  profile: ntia\n", "line 4: sbom.profile: want a string, found a sequence"},
		{head + "slsa:\n  minLevel: high\n", head + "slsa:\n  minLevel: 2\n  sourceUri: github.com/a/b\n", `line 4: slsa.minLevel: want a number, found a string "high"`},
		{head + "trust:\n  identities:\n    - identity: a@b.c\n      issuer: https://i\n      colour: red\n",
			head + "trust:\n  identities:\n    - identity: a@b.c\n      issuer: https://i\n", "line 7: trust.identities[].colour: unknown key"},
		{head + "trust:\n  identities:\n    - identityx: a@b.c\n", head + "trust:\n  identities:\n    - identity: a@b.c\n      issuer: https://i\n", "line 5: trust.identities[].identityx: unknown key"},
	}
	for _, tt := range tests {
		_, err := Parse("p.yaml", []byte(tt.bad), t.TempDir())
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "policy.") || strings.Contains(err.Error(), "!!") {
			t.Errorf("Parse(%q) = %v, want %q and no Go type", tt.bad, err, tt.want)
		}
		if _, err := Parse("p.yaml", []byte(tt.good), t.TempDir()); err != nil {
			t.Errorf("control %q: %v", tt.good, err)
		}
	}
}
