// Package keys generates, encodes and loads the signing keys vouch uses.
//
// Private keys are written in cosign's encrypted format, so a key made by
// `vouch keygen` works with `cosign sign-blob --key` and a key made by
// `cosign generate-key-pair` works with `vouch sign --key`:
//
//	-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----
//	base64 of {"kdf":{"name":"scrypt",...},"cipher":{"name":"nacl/secretbox",...},"ciphertext":...}
//	-----END ENCRYPTED SIGSTORE PRIVATE KEY-----
//
// The ciphertext is the PKCS#8 DER of the key, sealed with NaCl secretbox under
// a key derived from the password with scrypt, exactly as
// github.com/secure-systems-lab/go-securesystemslib/encrypted (which cosign
// uses) does it. Older cosign releases wrote the same content under the header
// "ENCRYPTED COSIGN PRIVATE KEY"; both are read. Unencrypted PKCS#8
// ("PRIVATE KEY") and SEC 1 ("EC PRIVATE KEY") PEM are read too.
//
// Public keys are PEM "PUBLIC KEY" blocks holding PKIX DER.
//
// # Algorithms
//
// [Generate] makes ECDSA P-256 (the default, what cosign makes) or Ed25519
// keys. [LoadPrivate] also accepts ECDSA P-384 and P-521 and RSA keys of at
// least 2048 bits, which other tools produce.
package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"

	"github.com/vouchdev/vouch/internal/strictjson"
)

// Algorithm names a key algorithm [Generate] can make.
type Algorithm string

// The algorithms [Generate] supports.
const (
	ECDSAP256 Algorithm = "ecdsa-p256"
	Ed25519   Algorithm = "ed25519"
)

// Algorithms lists what [Generate] accepts, the default first.
var Algorithms = []Algorithm{ECDSAP256, Ed25519}

// PEM block types.
const (
	// SigstorePrivateKeyType is the header cosign and vouch write for an
	// encrypted private key.
	SigstorePrivateKeyType = "ENCRYPTED SIGSTORE PRIVATE KEY"
	// CosignPrivateKeyType is the header older cosign releases wrote.
	CosignPrivateKeyType = "ENCRYPTED COSIGN PRIVATE KEY"
	pkcs8Type            = "PRIVATE KEY"
	sec1Type             = "EC PRIVATE KEY"
	publicKeyType        = "PUBLIC KEY"
)

// MaxKeyFileSize bounds what LoadPrivate and LoadPublic read: the largest
// legitimate key file (an encrypted RSA-4096 key) is under 4 KiB.
const MaxKeyFileSize = 64 << 10

// minRSABits is the smallest RSA modulus accepted for signing.
const minRSABits = 2048

// Errors callers branch on.
var (
	// ErrWrongPassword means an encrypted key did not decrypt: the password
	// is wrong or the ciphertext was altered (the two cannot be told apart).
	ErrWrongPassword = errors.New("wrong password or corrupted key")
	// ErrUnsupportedKey means the key is well-formed but of a type or size
	// vouch does not sign with.
	ErrUnsupportedKey = errors.New("unsupported key")
)

// Generate makes a new private key. The zero Algorithm means ECDSA P-256.
func Generate(alg Algorithm) (crypto.Signer, error) {
	switch alg {
	case "", ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case Ed25519:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		return priv, nil
	}
	return nil, fmt.Errorf("%w: algorithm %q (want %s or %s)", ErrUnsupportedKey, alg, ECDSAP256, Ed25519)
}

// EncodePrivate encrypts key with password and returns it in cosign's
// encrypted PEM format. An empty password is allowed, as in cosign: the key is
// still stored encrypted, under a key derived from the empty string.
func EncodePrivate(key crypto.Signer, password []byte) ([]byte, error) {
	der, err := marshalPKCS8(key)
	if err != nil {
		return nil, err
	}
	// encrypted.Encrypt uses the "standard" scrypt parameters (N=2^16, r=8,
	// p=1), the ones cosign writes today.
	box, err := encrypted.Encrypt(der, password)
	if err != nil {
		return nil, fmt.Errorf("encrypt private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: SigstorePrivateKeyType, Bytes: box}), nil
}

// EncodePrivateUnencrypted returns key as unencrypted PKCS#8 PEM
// ("PRIVATE KEY"). Use it only when the user asked for no password.
func EncodePrivateUnencrypted(key crypto.Signer) ([]byte, error) {
	der, err := marshalPKCS8(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: pkcs8Type, Bytes: der}), nil
}

func marshalPKCS8(key crypto.Signer) ([]byte, error) {
	if key == nil {
		return nil, errors.New("encode private key: no key")
	}
	if err := checkSupported(key.Public()); err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	return der, nil
}

// EncodePublic returns pub as a PEM "PUBLIC KEY" block (PKIX DER).
func EncodePublic(pub crypto.PublicKey) ([]byte, error) {
	if err := checkSupported(pub); err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: publicKeyType, Bytes: der}), nil
}

// IsEncrypted reports whether data is an encrypted private key, that is,
// whether [LoadPrivate] needs a password for it.
func IsEncrypted(data []byte) bool {
	b, _ := pem.Decode(data)
	return b != nil && (b.Type == SigstorePrivateKeyType || b.Type == CosignPrivateKeyType)
}

// LoadPrivate decodes a private key: cosign's encrypted format (either
// header), unencrypted PKCS#8 or SEC 1 PEM. password is used only for an
// encrypted key; a wrong one gives an error wrapping [ErrWrongPassword].
func LoadPrivate(data, password []byte) (crypto.Signer, error) {
	b, err := decodePEM(data)
	if err != nil {
		return nil, err
	}
	var key any
	switch b.Type {
	case SigstorePrivateKeyType, CosignPrivateKeyType:
		der, err := decrypt(b.Bytes, password)
		if err != nil {
			return nil, err
		}
		if key, err = x509.ParsePKCS8PrivateKey(der); err != nil {
			return nil, fmt.Errorf("decrypted key is not PKCS#8: %w", err)
		}
	case pkcs8Type:
		if key, err = x509.ParsePKCS8PrivateKey(b.Bytes); err != nil {
			return nil, fmt.Errorf("PEM %q: not a PKCS#8 private key: %w", b.Type, err)
		}
	case sec1Type:
		if key, err = x509.ParseECPrivateKey(b.Bytes); err != nil {
			return nil, fmt.Errorf("PEM %q: not a SEC 1 EC private key: %w", b.Type, err)
		}
	case publicKeyType:
		return nil, errors.New("this is a public key; signing needs the private key (the .key file)")
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key (want %q, %q or %q)",
			b.Type, SigstorePrivateKeyType, CosignPrivateKeyType, pkcs8Type)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: %T cannot sign", ErrUnsupportedKey, key)
	}
	if err := checkSupported(signer.Public()); err != nil {
		return nil, err
	}
	return signer, nil
}

// LoadPublic decodes a PEM "PUBLIC KEY" block, the only block in data:
// vouch's one public-key parser (signing, verification, policies,
// layouts).
func LoadPublic(data []byte) (crypto.PublicKey, error) {
	b, err := decodePEM(data)
	if err != nil {
		return nil, err
	}
	// Only the first PEM block would be read: a file holding a second key
	// would trust one key here and perhaps the other in another tool.
	if _, rest := pem.Decode(data); bytes.Contains(rest, []byte("-----BEGIN")) {
		return nil, errors.New("expected one PEM block, found more than one")
	}
	if b.Type != publicKeyType {
		return nil, fmt.Errorf("PEM block %q is not a public key (want %q)", b.Type, publicKeyType)
	}
	pub, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("PEM %q: not a PKIX public key: %w", b.Type, err)
	}
	if err := checkSupported(pub); err != nil {
		return nil, err
	}
	return pub, nil
}

func decodePEM(data []byte) (*pem.Block, error) {
	if len(data) > MaxKeyFileSize {
		return nil, fmt.Errorf("key is %d bytes, more than the %d a key file can be", len(data), MaxKeyFileSize)
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, errors.New("no PEM block found (want a -----BEGIN ...----- key file)")
	}
	if len(b.Headers) > 0 {
		// Proc-Type/DEK-Info: OpenSSL's legacy PEM encryption, insecure and
		// not something cosign or vouch writes.
		return nil, fmt.Errorf("PEM %q has headers (legacy OpenSSL encryption?); convert it to PKCS#8", b.Type)
	}
	return b, nil
}

// boxHeader is the part of go-securesystemslib's encrypted JSON checked
// before decrypting, so a malformed file is reported as such and not as a
// wrong password.
type boxHeader struct {
	KDF struct {
		Name   string `json:"name"`
		Params struct {
			N int `json:"N"`
			R int `json:"r"`
			P int `json:"p"`
		} `json:"params"`
		Salt []byte `json:"salt"`
	} `json:"kdf"`
	Cipher struct {
		Name  string `json:"name"`
		Nonce []byte `json:"nonce"`
	} `json:"cipher"`
	Ciphertext []byte `json:"ciphertext"`
}

// scryptParams are the parameter sets go-securesystemslib accepts: legacy
// (older cosign), standard (cosign today) and OWASP.
var scryptParams = [][3]int{{1 << 15, 8, 1}, {1 << 16, 8, 1}, {1 << 17, 8, 1}}

func decrypt(box, password []byte) ([]byte, error) {
	// The box is parsed twice, here and by go-securesystemslib: a repeated
	// key could make the two read different parameters.
	var h boxHeader
	if err := strictjson.Unmarshal(box, &h, 8); err != nil {
		return nil, fmt.Errorf("encrypted key: body is not the scrypt/secretbox JSON: %w", strictjson.Explain(box, err))
	}
	switch {
	case h.KDF.Name != "scrypt":
		return nil, fmt.Errorf("encrypted key: kdf.name is %q, want \"scrypt\"", h.KDF.Name)
	case h.Cipher.Name != "nacl/secretbox":
		return nil, fmt.Errorf("encrypted key: cipher.name is %q, want \"nacl/secretbox\"", h.Cipher.Name)
	case len(h.Cipher.Nonce) != 24:
		return nil, fmt.Errorf("encrypted key: cipher.nonce is %d bytes, want 24", len(h.Cipher.Nonce))
	case len(h.Ciphertext) == 0:
		return nil, errors.New("encrypted key: ciphertext is empty")
	}
	p := [3]int{h.KDF.Params.N, h.KDF.Params.R, h.KDF.Params.P}
	known := false
	for _, q := range scryptParams {
		known = known || p == q
	}
	if !known {
		return nil, fmt.Errorf("encrypted key: scrypt parameters N=%d r=%d p=%d are not one of the sets cosign uses", p[0], p[1], p[2])
	}
	der, err := encrypted.Decrypt(box, password)
	if err != nil {
		// Everything but the secretbox seal was checked above.
		return nil, fmt.Errorf("decrypt private key: %w", ErrWrongPassword)
	}
	return der, nil
}

// checkSupported accepts the key types Sigstore signs with.
func checkSupported(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
		return fmt.Errorf("%w: ECDSA curve %s (want P-256, P-384 or P-521)", ErrUnsupportedKey, k.Curve.Params().Name)
	case ed25519.PublicKey:
		return nil
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return fmt.Errorf("%w: RSA key of %d bits (want at least %d)", ErrUnsupportedKey, k.N.BitLen(), minRSABits)
		}
		return nil
	}
	return fmt.Errorf("%w: %T", ErrUnsupportedKey, pub)
}
