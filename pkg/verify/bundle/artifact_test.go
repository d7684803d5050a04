package bundle_test

import (
	"errors"
	"strings"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"

	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
)

// TestParseIntegrity: a package-lock integrity is the digest it encodes;
// weak algorithms and malformed values are refused, naming the value.
func TestParseIntegrity(t *testing.T) {
	const sigstore130 = "sha512-dhdv+jOAi1RgLHw13lxumk3rlgZtumUz9QrCNPTx9MazUnUV3BfAb74oYAMPQQ7uaeogB5vTosbz3POzKbEHUQ=="
	tests := []struct {
		in, digest string
		ok, err    bool
	}{
		{sigstore130, "sha512:76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751", true, false},
		{"sha256-" + strings.Repeat("A", 43) + "=", "sha256:" + strings.Repeat("0", 64), true, false},
		{"sha1-" + strings.Repeat("A", 27) + "=", "", true, true},
		{"sha512-" + strings.Repeat("A", 43) + "=", "", true, true},
		{"sha512-not base64", "", false, false},
		{"sha512-***", "", true, true},
		{"sha512:" + strings.Repeat("0", 128), "", false, false},
		{"dist/app-1.0.tgz", "", false, false},
	}
	for _, tt := range tests {
		d, ok, err := bundle.ParseIntegrity(tt.in)
		if d != tt.digest || ok != tt.ok || (err != nil) != tt.err {
			t.Errorf("ParseIntegrity(%.30q) = %q, %v, %v; want %q, %v, error %v", tt.in, d, ok, err, tt.digest, tt.ok, tt.err)
		}
		if err != nil && (!errors.Is(err, bundle.ErrPolicy) || !strings.Contains(err.Error(), tt.in)) {
			t.Errorf("error %v does not name %q", err, tt.in)
		}
	}
	if a := bundle.ParseArtifact(sigstore130); !a.IsDigest() || !strings.HasPrefix(a.String(), "sha512:76176ffa") {
		t.Errorf("ParseArtifact(integrity) = %s", a)
	}
}

// TestBoundDigest: the digest shown is the one the statements bind.
func TestBoundDigest(t *testing.T) {
	art := map[string]string{"sha256": strings.Repeat("a", 64), "sha512": strings.Repeat("b", 128)}
	ev := func(d map[string]string) verify.Evidence {
		return verify.Evidence{Statement: &ita.Statement{Subject: []*ita.ResourceDescriptor{{Name: "x", Digest: d}}}}
	}
	tests := []struct {
		name     string
		evidence []verify.Evidence
		want     string
	}{
		{"npm: sha512 only", []verify.Evidence{ev(map[string]string{"sha512": art["sha512"]})}, "sha512:" + art["sha512"]},
		{"both", []verify.Evidence{ev(map[string]string{"sha256": art["sha256"], "sha512": art["sha512"]})}, "sha256:" + art["sha256"]},
		{"message signature", []verify.Evidence{{}}, "sha256:" + art["sha256"]},
		{"another artifact's sha512", []verify.Evidence{ev(map[string]string{"sha512": strings.Repeat("c", 128)})}, "sha256:" + art["sha256"]},
	}
	for _, tt := range tests {
		if got := bundle.BoundDigest(tt.evidence, art); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	if got := bundle.BoundDigest(nil, map[string]string{"sha512": art["sha512"]}); got != "sha512:"+art["sha512"] {
		t.Errorf("a sha512-only artifact shows %s", got)
	}
}
