package engine_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// TestEd25519FileSignatureWithTrustedRoot: vouch signs files with an
// Ed25519 key as Ed25519ph. Combined with a --trusted-root (to check log
// entries), the key must keep verifying them that way. Control: without
// the root; attack: another artifact.
func TestEd25519FileSignatureWithTrustedRoot(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	key, err := trust.FromPublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	s, err := sign.NewKeySigner(priv, sign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("an ed25519-signed file\n")
	b, err := s.SignBlob(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	pg, err := trust.PublicGood(context.Background(), trust.Options{Offline: true, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	digests := func(d []byte) map[string]string {
		s256, s512 := sha256.Sum256(d), sha512.Sum512(d)
		return map[string]string{"sha256": hex.EncodeToString(s256[:]), "sha512": hex.EncodeToString(s512[:])}
	}
	for _, tc := range []struct {
		name     string
		opts     engine.Options
		data     []byte
		verified bool
	}{
		{"key alone", engine.Options{Keys: []*trust.Key{key}}, data, true},
		{"key and trusted root", engine.Options{Keys: []*trust.Key{key}, Roots: engine.StaticRoot{Material: pg}, ExplicitRoot: true}, data, true},
		{"key and trusted root, another file", engine.Options{Keys: []*trust.Key{key}, Roots: engine.StaticRoot{Material: pg}, ExplicitRoot: true}, []byte("other\n"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := engine.New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(context.Background(), engine.Subject{Name: "f", Digests: digests(tc.data)}, []engine.Bundle{{Name: "f.sigstore.json", Data: b}}, emptyPolicy(t))
			if err != nil {
				t.Fatal(err)
			}
			if res.Verified != tc.verified {
				t.Fatalf("verified %v, want %v:\n%s", res.Verified, tc.verified, findingsText(res.Findings))
			}
		})
	}
}

// TestSubjectAlgorithmFollowsTheMatch: a statement that names the artifact
// by SHA-512 and another file by SHA-256 is about the artifact; vouch
// compares the digest under which the artifact is named. Control: a
// statement naming only other files is refused.
func TestSubjectAlgorithmFollowsTheMatch(t *testing.T) {
	s, key := newSigner(t)
	data := []byte("the artifact\n")
	s256, s512 := sha256.Sum256(data), sha512.Sum512(data)
	d := map[string]string{"sha256": hex.EncodeToString(s256[:]), "sha512": hex.EncodeToString(s512[:])}
	other := sha256.Sum256([]byte("other"))
	for _, tc := range []struct {
		name     string
		subjects string
		verified bool
	}{
		{"named by sha512 beside another file's sha256", `[{"name":"other","digest":{"sha256":"` + hex.EncodeToString(other[:]) + `"}},{"name":"a","digest":{"sha512":"` + d["sha512"] + `"}}]`, true},
		{"only other files", `[{"name":"other","digest":{"sha256":"` + hex.EncodeToString(other[:]) + `"}}]`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := `{"_type":"https://in-toto.io/Statement/v1","subject":` + tc.subjects + `,"predicateType":"https://example.com/p/v1","predicate":{}}`
			b, err := s.Attest(context.Background(), []byte(st))
			if err != nil {
				t.Fatal(err)
			}
			res, err := newVerifier(t, key).Verify(context.Background(), engine.Subject{Name: "a", Digests: d}, []engine.Bundle{{Name: "b.json", Data: b}}, emptyPolicy(t))
			if err != nil {
				t.Fatal(err)
			}
			if res.Verified != tc.verified {
				t.Fatalf("verified %v, want %v:\n%s", res.Verified, tc.verified, findingsText(res.Findings))
			}
			if tc.verified && res.Digest != "sha512:"+d["sha512"] {
				t.Errorf("reported %s, want the sha512 that was verified", res.Digest)
			}
		})
	}
}

// TestPublicGoodProviderShortRefresh: a refresh interval shorter than a
// load still gives every caller the root just loaded, never (nil, nil).
func TestPublicGoodProviderShortRefresh(t *testing.T) {
	p := trust.NewPublicGoodProvider(trust.Options{Offline: true, CacheDir: t.TempDir()}, time.Nanosecond)
	for range 3 {
		tm, err := p.TrustedMaterial(context.Background())
		if err != nil || tm == nil {
			t.Fatalf("TrustedMaterial = %v, %v", tm, err)
		}
	}
}
