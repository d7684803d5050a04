package pep740_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

const (
	productionRoot = "../../../testdata/sigstore/cases/sigstore/trusted-roots/production.trusted_root.json"
	pypiPolicy     = "../../../examples/policy/pypi.yaml"
	// distSHA256 is pypi_attestations-0.0.19.tar.gz's SHA-256, as PyPI lists it.
	distSHA256 = "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3"
	distPURL   = "pkg:pypi/pypi-attestations@0.0.19"
	releaseWF  = "https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19"
	ghIssuer   = "https://token.actions.githubusercontent.com"
)

// tamper returns the attestation object (or provenance object) with its
// statement's digest changed, signature and certificate kept.
func tamper(t *testing.T, data []byte) []byte {
	t.Helper()
	s := string(data)
	i := strings.Index(s, `"statement":"`) + len(`"statement":"`)
	j := i + strings.Index(s[i:], `"`)
	stmt, err := base64.StdEncoding.DecodeString(s[i:j])
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(stmt), distSHA256, strings.Repeat("0", 64), 1)
	if changed == string(stmt) {
		t.Fatal("the statement does not name the distribution's digest")
	}
	return []byte(s[:i] + base64.StdEncoding.EncodeToString([]byte(changed)) + s[j:])
}

func compile(t *testing.T, p *policy.Policy) *policy.Policy {
	t.Helper()
	p.APIVersion, p.Kind = policy.APIVersion, policy.Kind
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestVerifyReal verifies PyPI's real attestations for
// pypi_attestations-0.0.19.tar.gz against the public-good trusted root at
// their signing time, with their real signer; every refused case has its
// accepted control beside it (a verifier that refuses all cannot pass).
func TestVerifyReal(t *testing.T) {
	prov, slsaAtt, stamped := read(t, provenanceFile), read(t, slsaFile), read(t, timestampedFile)
	// Its RFC 3161 timestamp with one base64 character changed.
	badStamp := append([]byte(nil), stamped...)
	i := bytes.Index(badStamp, []byte(`"timestamps":["`)) + len(`"timestamps":["`) + 400
	if badStamp[i] == 'A' {
		badStamp[i] = 'B'
	} else {
		badStamp[i] = 'A'
	}
	jku := compile(t, &policy.Policy{Trust: policy.Trust{Identities: []policy.Identity{{Identity: "jku@goto.fi", Issuer: "https://github.com/login/oauth"}}}})
	exact := compile(t, &policy.Policy{Trust: policy.Trust{Identities: []policy.Identity{{Identity: releaseWF, Issuer: ghIssuer}}}})
	other := compile(t, &policy.Policy{Trust: policy.Trust{Identities: []policy.Identity{{
		Identity: strings.Replace(releaseWF, "release.yml", "other.yml", 1), Issuer: ghIssuer}}}})
	registry, err := policy.Load(pypiPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if err := registry.Compile(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		bundles [][]byte
		digest  string
		purl    string
		pol     *policy.Policy
		want    bool
	}{
		{"provenance object", [][]byte{prov}, distSHA256, distPURL, exact, true},
		{"attestation object", [][]byte{slsaAtt}, distSHA256, distPURL, exact, true},
		{"tampered statement in a provenance object", [][]byte{tamper(t, prov)}, distSHA256, distPURL, exact, false},
		{"tampered statement in an attestation object", [][]byte{tamper(t, slsaAtt)}, distSHA256, distPURL, exact, false},
		{"another distribution's digest", [][]byte{prov}, strings.Repeat("ab", 32), distPURL, exact, false},
		{"another workflow required", [][]byte{prov}, distSHA256, distPURL, other, false},
		{"package URL, PyPI's spelling", [][]byte{prov}, distSHA256, "pkg:pypi/PyPI_Attestations@0.0.19", exact, true},
		{"another project", [][]byte{prov}, distSHA256, "pkg:pypi/sampleproject@0.0.19", exact, false},
		{"another version", [][]byte{prov}, distSHA256, "pkg:pypi/pypi-attestations@0.0.18", exact, false},
		{"examples/policy/pypi.yaml: publish and provenance", [][]byte{prov, slsaAtt}, distSHA256, distPURL, registry, true},
		{"examples/policy/pypi.yaml: no publish attestation", [][]byte{slsaAtt}, distSHA256, distPURL, registry, false},
		{"examples/policy/pypi.yaml: no provenance", [][]byte{prov}, distSHA256, distPURL, registry, false},
		{"examples/policy/pypi.yaml: publish attestation by someone else", [][]byte{stamped, slsaAtt}, distSHA256, distPURL, registry, false},
		{"attestation with an RFC 3161 timestamp, its signer", [][]byte{stamped}, distSHA256, distPURL, jku, true},
		{"attestation with a changed timestamp", [][]byte{badStamp}, distSHA256, distPURL, jku, false},
		{"attestation with a timestamp, another signer required", [][]byte{stamped}, distSHA256, distPURL, exact, false},
	}
	v := newVerifier(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := make([]engine.Bundle, len(tt.bundles))
			for i, b := range tt.bundles {
				in[i] = engine.Bundle{Name: "b" + string(rune('0'+i)), Data: b}
			}
			subj := engine.Subject{Name: "pypi_attestations-0.0.19.tar.gz", Digests: map[string]string{"sha256": tt.digest}, PURL: tt.purl}
			res, err := v.Verify(context.Background(), subj, in, tt.pol)
			if err != nil {
				t.Fatal(err)
			}
			if res.Verified != tt.want {
				t.Fatalf("verified = %v, want %v\n%s", res.Verified, tt.want, findings(res.Findings))
			}
		})
	}
}

// TestVerifyRealOtherRepository: examples/policy/pypi.yaml written for
// another project refuses these attestations (its repository and workflow
// differ); control: the policy as shipped accepts them (TestVerifyReal).
func TestVerifyRealOtherRepository(t *testing.T) {
	data, err := os.ReadFile(pypiPolicy)
	if err != nil {
		t.Fatal(err)
	}
	for _, repl := range []struct{ old, new string }{
		{"trailofbits/pypi-attestations", "pypa/sampleproject"},
		{"workflows/release.yml@", "workflows/publish.yml@"},
	} {
		p, err := policy.Parse("pypi.yaml", []byte(strings.ReplaceAll(string(data), repl.old, repl.new)), "")
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Compile(); err != nil {
			t.Fatal(err)
		}
		v := newVerifier(t)
		in := []engine.Bundle{{Name: "prov", Data: read(t, provenanceFile)}, {Name: "slsa", Data: read(t, slsaFile)}}
		subj := engine.Subject{Name: "dist", Digests: map[string]string{"sha256": distSHA256}, PURL: distPURL}
		res, err := v.Verify(context.Background(), subj, in, p)
		if err != nil {
			t.Fatal(err)
		}
		if res.Verified {
			t.Errorf("%s → %s: verified, want refused", repl.old, repl.new)
		}
	}
}

// newVerifier verifies with the public-good trusted root snapshot (the
// attestations' log entries and certificates are checked at their signing
// time, offline).
func newVerifier(t *testing.T) *engine.Verifier {
	t.Helper()
	tr, err := trust.FromTrustedRootFile(productionRoot)
	if err != nil {
		t.Fatal(err)
	}
	v, err := engine.New(engine.Options{Roots: engine.StaticRoot{Material: tr}, ExplicitRoot: true})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func findings(fs []verify.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + string(f.Status) + " " + f.ID + ": " + f.Message + " (found " + f.Found + ")\n")
	}
	return b.String()
}
