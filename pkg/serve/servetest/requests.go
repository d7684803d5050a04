package servetest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"testing"

	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// Signed is an artifact's SHA-256 (hex) and the key-signed Sigstore bundle
// of its signature.
type Signed struct {
	SHA256 string
	Bundle []byte
}

// Request is the verification request body for s: its digest and bundle,
// the bundle's bytes sent as they are (they name it in the record).
func (s Signed) Request() string {
	return `{"subject":{"digests":{"sha256":"` + s.SHA256 + `"}},"bundles":[` + string(s.Bundle) + `]}`
}

// KeySigner returns a signer with a fresh ECDSA P-256 key, as vouch sign
// --key signs, the key as a verifier trusts it, and its PEM (for vouch
// serve --key).
func KeySigner(t testing.TB) (*sign.Signer, *trust.Key, []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	key, err := trust.FromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sign.NewKeySigner(k, sign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s, key, pub
}

// SignArtifacts signs n distinct artifacts with a fresh key (KeySigner)
// and returns them, the key as the verifier trusts it, and its PEM.
func SignArtifacts(t testing.TB, n int) ([]Signed, *trust.Key, []byte) {
	t.Helper()
	s, key, pub := KeySigner(t)
	out := make([]Signed, n)
	for i := range n {
		data := []byte(fmt.Sprintf("artifact %d\n", i))
		b, err := s.SignBlob(context.Background(), bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		out[i] = Signed{SHA256: hex.EncodeToString(sum[:]), Bundle: b}
	}
	return out, key, pub
}
