package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"
)

// Keypair adapts a crypto.Signer (a key loaded with package keys, or any
// other signer such as a KMS or hardware key) to sigstore-go's sign.Keypair.
//
// The algorithm follows the key: ECDSA P-256/SHA-256, P-384/SHA-384,
// P-521/SHA-512, RSA PKCS#1 v1.5/SHA-256, and Ed25519 — pure Ed25519 or, when
// asked for, Ed25519ph (SHA-512 pre-hash), the only Ed25519 form a message
// signature or a hashedrekord log entry can carry.
type Keypair struct {
	signer crypto.Signer
	alg    signature.AlgorithmDetails
	der    []byte // PKIX DER of the public key
	hint   []byte
}

var _ sgsign.Keypair = (*Keypair)(nil)

// NewKeypair wraps s. ed25519ph selects Ed25519ph for Ed25519 keys and is
// ignored for other keys: message signatures (vouch sign) use it, DSSE
// envelopes (vouch attest) use pure Ed25519, as sigstore-go's verifier expects.
func NewKeypair(s crypto.Signer, ed25519ph bool) (*Keypair, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: no signing key", ErrInvalidOptions)
	}
	pub := s.Public()
	var lo []signature.LoadOption
	if ed25519ph {
		lo = append(lo, options.WithED25519ph())
	}
	alg, err := signature.GetDefaultAlgorithmDetails(pub, lo...)
	if err != nil {
		return nil, fmt.Errorf("%w: key of type %T: %w", ErrInvalidOptions, pub, err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %w", ErrInvalidOptions, err)
	}
	return &Keypair{signer: s, alg: alg, der: der, hint: []byte(KeyHint(pub))}, nil
}

// KeyHint is the public-key hint written into key-signed bundles: the
// standard base64 of the SHA-256 of the PKIX DER public key, as cosign and
// sigstore-go write it. It returns "" for a key that cannot be marshalled.
func KeyHint(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// GetHashAlgorithm is the digest algorithm of message signatures.
func (k *Keypair) GetHashAlgorithm() protocommon.HashAlgorithm { return k.alg.GetProtoHashType() }

// GetSigningAlgorithm is the key's Sigstore algorithm identifier.
func (k *Keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return k.alg.GetSignatureAlgorithm()
}

// GetHint is [KeyHint] of the public key.
func (k *Keypair) GetHint() []byte { return k.hint }

// GetKeyAlgorithm names the key family, as Fulcio's certificate request wants it.
func (k *Keypair) GetKeyAlgorithm() string {
	switch k.alg.GetKeyType() {
	case signature.ECDSA:
		return "ECDSA"
	case signature.RSA:
		return "RSA"
	case signature.ED25519:
		return "ED25519"
	}
	return ""
}

// GetPublicKey returns the public key.
func (k *Keypair) GetPublicKey() crypto.PublicKey { return k.signer.Public() }

// GetPublicKeyPem returns the public key as PEM "PUBLIC KEY".
func (k *Keypair) GetPublicKeyPem() (string, error) {
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: k.der})), nil
}

// SignData hashes data with the algorithm's hash (pure Ed25519: none) and
// signs it. It returns the signature and what was signed, as sign.Keypair
// requires.
func (k *Keypair) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	hf := k.alg.GetHashType()
	toSign := data
	if hf != crypto.Hash(0) {
		h := hf.New()
		h.Write(data)
		toSign = h.Sum(nil)
	}
	sig, err := k.signDigest(toSign)
	return sig, toSign, err
}

// signDigest signs an already computed digest (for pure Ed25519: the message).
func (k *Keypair) signDigest(digest []byte) ([]byte, error) {
	// For Ed25519 keys crypto.SHA512 selects Ed25519ph and crypto.Hash(0)
	// pure Ed25519 (see ed25519.PrivateKey.Sign).
	sig, err := k.signer.Sign(rand.Reader, digest, k.alg.GetHashType())
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return sig, nil
}

// verifier returns a signature verifier for the same algorithm.
func (k *Keypair) verifier() (signature.Verifier, error) {
	var lo []signature.LoadOption
	if k.alg.GetSignatureAlgorithm() == protocommon.PublicKeyDetails_PKIX_ED25519_PH {
		lo = append(lo, options.WithED25519ph())
	}
	return signature.LoadVerifierFromAlgorithmDetails(k.signer.Public(), k.alg, lo...)
}

// digestKeypair signs one precomputed artifact digest: sign.Bundle hands
// SignData the content's PreAuthEncoding, which for digestContent is that
// very digest slice, so the artifact is never held in memory. Any other data
// (Fulcio's proof of possession over the token subject) is signed normally.
type digestKeypair struct {
	*Keypair
	digest []byte
}

func (k digestKeypair) SignData(ctx context.Context, data []byte) ([]byte, []byte, error) {
	if len(data) == len(k.digest) && len(data) > 0 && &data[0] == &k.digest[0] && bytes.Equal(data, k.digest) {
		sig, err := k.signDigest(k.digest)
		return sig, k.digest, err
	}
	return k.Keypair.SignData(ctx, data)
}

// digestContent is a message signature over an artifact known by its digest.
type digestContent struct {
	digest []byte
}

func (c *digestContent) PreAuthEncoding() []byte { return c.digest }

func (c *digestContent) Bundle(b *protobundle.Bundle, sig, digest []byte, alg protocommon.HashAlgorithm) {
	(&sgsign.PlainData{}).Bundle(b, sig, digest, alg)
}
