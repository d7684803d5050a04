package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"strings"
	"testing"
)

// lyingSigner presents one key and signs with another, as a broken HSM or
// a swapped key file would: what it signs cannot verify under its key.
type lyingSigner struct {
	public, signing *ecdsa.PrivateKey
}

func (l lyingSigner) Public() crypto.PublicKey { return l.public.Public() }

func (l lyingSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return l.signing.Sign(r, digest, opts)
}

// TestSelfCheckCatchesBadSignatures: Attest and SignBlob refuse to return
// a bundle whose signature does not verify under the signer's public key;
// the control, an honest signer, signs both.
func TestSelfCheckCatchesBadSignatures(t *testing.T) {
	a, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	stmt := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x","digest":{"sha256":"` +
		strings.Repeat("ab", 32) + `"}}],"predicateType":"https://example.com/p","predicate":{}}`)
	for _, tc := range []struct {
		name   string
		signer crypto.Signer
		ok     bool
	}{
		{"honest", a, true},
		{"lying", lyingSigner{public: a, signing: b}, false},
	} {
		s, err := NewKeySigner(tc.signer, Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Attest(context.Background(), stmt)
		if (err == nil) != tc.ok {
			t.Errorf("%s: Attest: %v, want ok %v", tc.name, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "does not verify") {
			t.Errorf("%s: Attest error %q does not say the bundle does not verify", tc.name, err)
		}
		_, err = s.SignBlob(context.Background(), bytes.NewReader([]byte("artifact")))
		if (err == nil) != tc.ok {
			t.Errorf("%s: SignBlob: %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}
