package engine_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ita "github.com/in-toto/attestation/go/v1"

	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/trust"
	"github.com/vouchdev/vouch/pkg/vex"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// gateFixtures are the vulnerability gate's real fixtures (see their
// ORIGIN): an SBOM naming npm lodash 4.17.11, the GHSA records of two of
// its advisories, an OpenVEX not_affected for the critical one.
const gateFixtures = "../policy/testdata/vuln"

// attestFile signs a statement of predicate type pt about the artifact
// bytes, with the predicate read from a fixture.
func attestFile(t *testing.T, s *sign.Signer, name string, artifact []byte, pt, fixture string) []byte {
	t.Helper()
	pred, err := os.ReadFile(filepath.Join(gateFixtures, fixture))
	if err != nil {
		t.Fatal(err)
	}
	s256, s512 := sha256.Sum256(artifact), sha512.Sum512(artifact)
	d := digest.Digests{SHA256: hex.EncodeToString(s256[:]), SHA512: hex.EncodeToString(s512[:])}
	st, err := attest.NewStatement([]*ita.ResourceDescriptor{attest.NewSubject(name, d)}, pt, pred)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := attest.MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Attest(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVulnerabilityGateEngine: the gate through the engine, on signed
// bundles. The deployment trusts two keys and the policy only the release
// key: a VEX attestation signed by the other key verifies as a bundle but
// does not clear the critical advisory; signed by the release key, or
// passed by the verifying user, it does.
func TestVulnerabilityGateEngine(t *testing.T) {
	release, releaseKey := newSigner(t)
	other, otherKey := newSigner(t)
	dir := t.TempDir()
	der, err := x509.MarshalPKIXPublicKey(releaseKey.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "release.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Parse("p.yaml", []byte("apiVersion: vouch.dev/v1\nkind: Policy\ntrust:\n  keys: [release.pub]\nvulnerabilities:\n  failOn: critical\n"), dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := vuln.Open(filepath.Join(gateFixtures, "osv"))
	if err != nil {
		t.Fatal(err)
	}
	userVEXDoc, err := os.ReadFile(filepath.Join(gateFixtures, "web.openvex.json"))
	if err != nil {
		t.Fatal(err)
	}
	userVEX, err := vex.Parse("web.openvex.json", userVEXDoc)
	if err != nil {
		t.Fatal(err)
	}
	art := []byte("web 1.0.0 release archive\n")
	sbomB := engine.Bundle{Name: "web.tar.gz.sbom.sigstore.json", Data: attestFile(t, release, "web.tar.gz", art, attest.PredicateCycloneDX, "web.cdx.json")}
	vexBy := func(s *sign.Signer) engine.Bundle {
		return engine.Bundle{Name: "web.tar.gz.vex.sigstore.json", Data: attestFile(t, s, "web.tar.gz", art, vex.PredicateType, "web.openvex.json")}
	}
	now := func() time.Time { return time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name    string
		opts    engine.Options
		bundles []engine.Bundle
		pass    bool
		want    string
	}{
		{"no VEX", engine.Options{Vulns: db}, []engine.Bundle{sbomB}, false, "GHSA-jf85-cpcp-j695 (CVE-2019-10744), critical 9.1, fixed in 4.17.12"},
		{"VEX by the release key", engine.Options{Vulns: db}, []engine.Bundle{sbomB, vexBy(release)}, true, "1 resolved by VEX"},
		{"attack: VEX by a key the deployment trusts and the policy does not", engine.Options{Vulns: db}, []engine.Bundle{sbomB, vexBy(other)}, false,
			"web.tar.gz.vex.sigstore.json (signed by key " + otherKey.ID() + ", not trusted)"},
		{"the user's --vex", engine.Options{Vulns: db, VEX: userVEX}, []engine.Bundle{sbomB}, true, "1 resolved by VEX"},
		{"no database", engine.Options{}, []engine.Bundle{sbomB, vexBy(release)}, false, "--vuln-db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Keys, opts.Now = []*trust.Key{releaseKey, otherKey}, now
			v, err := engine.New(opts)
			if err != nil {
				t.Fatal(err)
			}
			s256, s512 := sha256.Sum256(art), sha512.Sum512(art)
			subj := engine.Subject{Name: "web.tar.gz", Digests: map[string]string{"sha256": hex.EncodeToString(s256[:]), "sha512": hex.EncodeToString(s512[:])}}
			res, err := v.Verify(context.Background(), subj, tt.bundles, pol)
			if err != nil {
				t.Fatal(err)
			}
			var text bytes.Buffer
			for _, f := range res.Findings {
				if f.ID == engine.FindingBundle && f.Status != verify.StatusPass {
					t.Errorf("bundle did not verify: %s", f.Message)
				}
				if strings.HasPrefix(f.ID, "vulnerabilit") {
					if v := f.Vulnerability; v != nil {
						fmt.Fprintf(&text, "%s (%s), %s %.1f, fixed in %s | ", v.ID, strings.Join(v.Aliases, ", "), v.Severity, v.Score, v.FixedVersion)
					}
					text.WriteString(f.ID + " " + string(f.Status) + ": " + f.Message + " | " + f.Expected + " | " + f.Found + "\n")
				}
			}
			if res.Verified != tt.pass {
				t.Errorf("verified = %v, want %v\n%s", res.Verified, tt.pass, text.String())
			}
			if !strings.Contains(text.String(), tt.want) {
				t.Errorf("findings do not say %q:\n%s", tt.want, text.String())
			}
		})
	}
}
