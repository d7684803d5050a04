package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/vouchdev/vouch/pkg/attest/keys"
	"github.com/vouchdev/vouch/pkg/attest/sign/signtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseBundle(t *testing.T, data []byte) *bundle.Bundle {
	t.Helper()
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		t.Fatalf("bundle does not parse: %v\n%s", err, data)
	}
	if b.GetMediaType() != BundleMediaType {
		t.Errorf("mediaType = %q", b.GetMediaType())
	}
	return &b
}

// verifyKeyBundle verifies a key-signed bundle with sigstore-go's verifier,
// trusting only pub.
func verifyKeyBundle(t *testing.T, data []byte, pub crypto.PublicKey, artifact verify.ArtifactPolicyOption) error {
	t.Helper()
	b := parseBundle(t, data)
	tm, err := KeyTrustedMaterial(pub, b.GetMessageSignature() != nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.NewVerifier(tm, verify.WithNoObserverTimestamps())
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(b, verify.NewPolicy(artifact, verify.WithKey()))
	return err
}

func testKeys(t *testing.T) map[string]crypto.Signer {
	t.Helper()
	p256, _ := keys.Generate(keys.ECDSAP256)
	ed, _ := keys.Generate(keys.Ed25519)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsa2048, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]crypto.Signer{"ecdsa-p256": p256, "ed25519": ed, "ecdsa-p384": p384, "rsa-2048": rsa2048}
}

func TestKeySignBlob(t *testing.T) {
	artifact := readTestdata(t, "artifact.txt")
	for name, key := range testKeys(t) {
		t.Run(name, func(t *testing.T) {
			s, err := NewKeySigner(key, Options{})
			if err != nil {
				t.Fatal(err)
			}
			out, err := s.SignBlob(context.Background(), bytes.NewReader(artifact))
			if err != nil {
				t.Fatal(err)
			}
			b := parseBundle(t, out)
			ms := b.GetMessageSignature()
			if ms == nil {
				t.Fatal("no messageSignature")
			}
			h := s.Hash().New()
			h.Write(artifact)
			if !bytes.Equal(ms.GetMessageDigest().GetDigest(), h.Sum(nil)) {
				t.Error("messageDigest is not the artifact's digest")
			}
			vm := b.GetVerificationMaterial()
			if got, want := vm.GetPublicKey().GetHint(), KeyHint(key.Public()); got != want || want == "" {
				t.Errorf("hint = %q, want %q", got, want)
			}
			if len(vm.GetTlogEntries()) != 0 || vm.GetTimestampVerificationData() != nil {
				t.Error("key-based bundle without a signing config has a log entry or timestamp")
			}
			if err := verifyKeyBundle(t, out, key.Public(), verify.WithArtifact(bytes.NewReader(artifact))); err != nil {
				t.Fatalf("does not verify: %v", err)
			}
			tampered := append(bytes.Clone(artifact), '!')
			if err := verifyKeyBundle(t, out, key.Public(), verify.WithArtifact(bytes.NewReader(tampered))); err == nil {
				t.Error("verifies against a modified artifact")
			}
			other, _ := keys.Generate(keys.ECDSAP256)
			if err := verifyKeyBundle(t, out, other.Public(), verify.WithArtifact(bytes.NewReader(artifact))); err == nil {
				t.Error("verifies with another key")
			}
		})
	}
}

// TestKeyAttest signs an SLSA provenance statement and checks what a
// verifier sees: a DSSE envelope whose payload is a valid in-toto Statement
// v1 with an SLSA provenance v1 predicate, bound to the artifact's digest.
func TestKeyAttest(t *testing.T) {
	stmt := readTestdata(t, "statement.json")
	artifact := readTestdata(t, "artifact.txt")
	sum := sha256.Sum256(artifact)
	for name, key := range testKeys(t) {
		t.Run(name, func(t *testing.T) {
			s, err := NewKeySigner(key, Options{})
			if err != nil {
				t.Fatal(err)
			}
			out, err := s.Attest(context.Background(), stmt)
			if err != nil {
				t.Fatal(err)
			}
			b := parseBundle(t, out)
			env := b.GetDsseEnvelope()
			if env == nil {
				t.Fatal("no dsseEnvelope")
			}
			if env.GetPayloadType() != InTotoPayloadType || len(env.GetSignatures()) != 1 {
				t.Errorf("payloadType %q, %d signatures", env.GetPayloadType(), len(env.GetSignatures()))
			}
			checkStatement(t, env.GetPayload())
			if err := verifyKeyBundle(t, out, key.Public(), verify.WithArtifactDigest("sha256", sum[:])); err != nil {
				t.Fatalf("does not verify: %v", err)
			}
			wrong := sha256.Sum256([]byte("other"))
			if err := verifyKeyBundle(t, out, key.Public(), verify.WithArtifactDigest("sha256", wrong[:])); err == nil {
				t.Error("verifies for an artifact that is not a subject")
			}
		})
	}
}

func checkStatement(t *testing.T, payload []byte) {
	t.Helper()
	var st intoto.Statement
	if err := protojson.Unmarshal(payload, &st); err != nil {
		t.Fatalf("payload is not an in-toto statement: %v", err)
	}
	if err := st.Validate(); err != nil {
		t.Fatalf("invalid statement: %v", err)
	}
	if st.GetPredicateType() != "https://slsa.dev/provenance/v1" {
		t.Fatalf("predicateType = %q", st.GetPredicateType())
	}
	raw, _ := protojson.Marshal(st.GetPredicate())
	var prov slsa1.Provenance
	if err := protojson.Unmarshal(raw, &prov); err != nil {
		t.Fatalf("predicate is not SLSA provenance v1: %v", err)
	}
	if err := prov.Validate(); err != nil {
		t.Fatalf("invalid SLSA provenance: %v", err)
	}
}

// TestGolden pins the exact bytes of Ed25519 bundles: Ed25519 (and
// Ed25519ph) signatures are deterministic, so the same key, artifact and
// statement always give the same bundle.
func TestGolden(t *testing.T) {
	keyFile := filepath.Join("testdata", "ed25519.key")
	if *update {
		if _, err := os.Stat(keyFile); errors.Is(err, os.ErrNotExist) {
			k, _ := keys.Generate(keys.Ed25519)
			priv, _ := keys.EncodePrivateUnencrypted(k)
			pub, _ := keys.EncodePublic(k.Public())
			must(t, os.WriteFile(keyFile, priv, 0o600))
			must(t, os.WriteFile(filepath.Join("testdata", "ed25519.pub"), pub, 0o644))
		}
	}
	key, err := keys.LoadPrivate(readTestdata(t, "ed25519.key"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewKeySigner(key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	artifact := readTestdata(t, "artifact.txt")
	blob, err := s.SignBlob(context.Background(), bytes.NewReader(artifact))
	if err != nil {
		t.Fatal(err)
	}
	att, err := s.Attest(context.Background(), readTestdata(t, "statement.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{"artifact.txt.sigstore.golden.json": blob, "statement.golden.json": att} {
		path := filepath.Join("testdata", name)
		if *update {
			must(t, os.WriteFile(path, got, 0o644))
			continue
		}
		if want := readTestdata(t, name); !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file (go test -run TestGolden -update):\n%s", name, got)
		}
	}
	// The golden bundles verify with the public key alone.
	pub, err := keys.LoadPublic(readTestdata(t, "ed25519.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyKeyBundle(t, readTestdata(t, "artifact.txt.sigstore.golden.json"), pub, verify.WithArtifact(bytes.NewReader(artifact))); err != nil {
		t.Errorf("golden blob bundle: %v", err)
	}
	if err := verifyKeyBundle(t, readTestdata(t, "statement.golden.json"), pub, verify.WithoutArtifactUnsafe()); err != nil {
		t.Errorf("golden attestation bundle: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSignDigest(t *testing.T) {
	artifact := readTestdata(t, "artifact.txt")
	for name, key := range testKeys(t) {
		t.Run(name, func(t *testing.T) {
			s, err := NewKeySigner(key, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var digest []byte
			switch s.Hash() {
			case crypto.SHA256:
				d := sha256.Sum256(artifact)
				digest = d[:]
			case crypto.SHA384:
				d := sha512.Sum384(artifact)
				digest = d[:]
			case crypto.SHA512:
				d := sha512.Sum512(artifact)
				digest = d[:]
			}
			out, err := s.SignDigest(context.Background(), s.Hash(), digest)
			if err != nil {
				t.Fatal(err)
			}
			if err := verifyKeyBundle(t, out, key.Public(), verify.WithArtifact(bytes.NewReader(artifact))); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SignDigest(context.Background(), crypto.SHA1, digest); !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("wrong algorithm: err = %v", err)
			}
			if _, err := s.SignDigest(context.Background(), s.Hash(), digest[1:]); !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("short digest: err = %v", err)
			}
		})
	}
}

func TestAttestRejects(t *testing.T) {
	key, _ := keys.Generate(keys.ECDSAP256)
	s, err := NewKeySigner(key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want string }{
		{"not json", "not a JSON object"},
		{"[1]", "not a JSON object"},
		{`{"subject":[]}`, `no "_type"`},
	} {
		if _, err := s.Attest(context.Background(), []byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.in, err, tc.want)
		}
	}
	if _, err := s.Attest(context.Background(), make([]byte, MaxStatementSize+1)); err == nil {
		t.Error("oversized statement accepted")
	}
}

func TestNewKeySignerRejects(t *testing.T) {
	if _, err := NewKeySigner(nil, Options{}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("nil key: err = %v", err)
	}
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if _, err := NewKeySigner(p224, Options{}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("P-224: err = %v", err)
	}
}

// keyAndSigstore trusts a signing key for the signature and a fake Sigstore
// for log entries and timestamps.
type keyAndSigstore struct {
	root.TrustedMaterial
	key root.TrustedMaterial
}

func (k keyAndSigstore) PublicKeyVerifier(hint string) (root.TimeConstrainedVerifier, error) {
	return k.key.PublicKeyVerifier(hint)
}

// TestKeyWithServices: with an explicit signing config a key-signed bundle
// gets a Rekor entry and a timestamp, like cosign with --tlog-upload.
func TestKeyWithServices(t *testing.T) {
	ss := signtest.New(t)
	artifact := readTestdata(t, "artifact.txt")
	for _, name := range []string{"ecdsa-p256", "ed25519"} {
		t.Run(name, func(t *testing.T) {
			key := testKeys(t)[name]
			s, err := NewKeySigner(key, Options{SigningConfig: ss.SigningConfig()})
			if err != nil {
				t.Fatal(err)
			}
			blob, err := s.SignBlob(context.Background(), bytes.NewReader(artifact))
			if err != nil {
				t.Fatal(err)
			}
			att, err := s.Attest(context.Background(), readTestdata(t, "statement.json"))
			if err != nil {
				t.Fatal(err)
			}
			for _, out := range [][]byte{blob, att} {
				b := parseBundle(t, out)
				vm := b.GetVerificationMaterial()
				if len(vm.GetTlogEntries()) != 1 || len(vm.GetTimestampVerificationData().GetRfc3161Timestamps()) != 1 {
					t.Fatalf("want one log entry and one timestamp:\n%s", out)
				}
				km, err := KeyTrustedMaterial(key.Public(), b.GetMessageSignature() != nil)
				if err != nil {
					t.Fatal(err)
				}
				v, err := verify.NewVerifier(keyAndSigstore{ss.TrustedMaterial(), km},
					verify.WithTransparencyLog(1), verify.WithSignedTimestamps(1))
				if err != nil {
					t.Fatal(err)
				}
				art := verify.WithArtifact(bytes.NewReader(artifact))
				if b.GetDsseEnvelope() != nil {
					art = verify.WithoutArtifactUnsafe()
				}
				if _, err := v.Verify(b, verify.NewPolicy(art, verify.WithKey())); err != nil {
					t.Fatalf("does not verify: %v", err)
				}
			}
		})
	}
}
