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
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
)

type equaler interface{ Equal(crypto.PrivateKey) bool }

func TestRoundTrip(t *testing.T) {
	for _, alg := range Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			key, err := Generate(alg)
			if err != nil {
				t.Fatal(err)
			}
			for _, pw := range []string{"correct horse", ""} {
				enc, err := EncodePrivate(key, []byte(pw))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(enc, []byte("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n")) {
					t.Fatalf("header: %q", enc[:50])
				}
				if !IsEncrypted(enc) {
					t.Error("IsEncrypted = false")
				}
				got, err := LoadPrivate(enc, []byte(pw))
				if err != nil {
					t.Fatalf("password %q: %v", pw, err)
				}
				if !got.(equaler).Equal(key) {
					t.Error("loaded key differs")
				}
				if _, err := LoadPrivate(enc, []byte(pw+"x")); !errors.Is(err, ErrWrongPassword) {
					t.Errorf("wrong password: err = %v, want ErrWrongPassword", err)
				}
			}
			plain, err := EncodePrivateUnencrypted(key)
			if err != nil {
				t.Fatal(err)
			}
			if IsEncrypted(plain) {
				t.Error("unencrypted key reported encrypted")
			}
			got, err := LoadPrivate(plain, nil)
			if err != nil || !got.(equaler).Equal(key) {
				t.Fatalf("PKCS#8: %v", err)
			}
			pub, err := EncodePublic(key.Public())
			if err != nil {
				t.Fatal(err)
			}
			gotPub, err := LoadPublic(pub)
			if err != nil {
				t.Fatal(err)
			}
			if !gotPub.(interface{ Equal(crypto.PublicKey) bool }).Equal(key.Public()) {
				t.Error("public key differs")
			}
		})
	}
}

// TestEncryptedFormat pins the body to go-securesystemslib's JSON with the
// parameters cosign writes, so cosign can read vouch's keys.
func TestEncryptedFormat(t *testing.T) {
	key, _ := Generate(ECDSAP256)
	enc, err := EncodePrivate(key, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(enc)
	var h boxHeader
	if err := json.Unmarshal(b.Bytes, &h); err != nil {
		t.Fatal(err)
	}
	if h.KDF.Name != "scrypt" || h.KDF.Params.N != 1<<16 || h.KDF.Params.R != 8 || h.KDF.Params.P != 1 || len(h.KDF.Salt) != 32 {
		t.Errorf("kdf = %+v", h.KDF)
	}
	if h.Cipher.Name != "nacl/secretbox" || len(h.Cipher.Nonce) != 24 {
		t.Errorf("cipher = %+v", h.Cipher)
	}
	// The plaintext is PKCS#8 DER, decrypted by the library cosign uses.
	der, err := encrypted.Decrypt(b.Bytes, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParsePKCS8PrivateKey(der); err != nil {
		t.Fatal(err)
	}
}

// TestFixtures loads keys made by other tools; see testdata/ORIGIN.
func TestFixtures(t *testing.T) {
	for _, tc := range []struct {
		file, password, pub string
	}{
		{"cosign-v2.6.5.key", "vouch-test", "cosign-v2.6.5.pub"},
		{"cosign-legacy-header.key", "vouch-test", "cosign-v2.6.5.pub"},
		{"legacy-scrypt.key", "vouch-test", "legacy-scrypt.pub"},
		{"openssl-pkcs8.key", "", "openssl-pkcs8.pub"},
		{"openssl-sec1.key", "", "openssl-pkcs8.pub"},
		{"ed25519-pkcs8.key", "", "ed25519-pkcs8.pub"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			key, err := LoadPrivate(read(t, tc.file), []byte(tc.password))
			if err != nil {
				t.Fatal(err)
			}
			pub, err := LoadPublic(read(t, tc.pub))
			if err != nil {
				t.Fatal(err)
			}
			if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(key.Public()) {
				t.Error("private key does not match its public key")
			}
		})
	}
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadPrivateErrors(t *testing.T) {
	key, _ := Generate(ECDSAP256)
	enc, _ := EncodePrivate(key, []byte("pw"))
	body, _ := pem.Decode(enc)
	rewrite := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(body.Bytes, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		j, _ := json.Marshal(m)
		return pem.EncodeToMemory(&pem.Block{Type: SigstorePrivateKeyType, Bytes: j})
	}
	pubPEM, _ := EncodePublic(key.Public())
	rsaSmall, _ := rsa.GenerateKey(rand.Reader, 1024)
	rsaDER, _ := x509.MarshalPKCS8PrivateKey(rsaSmall)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	p224DER, _ := x509.MarshalECPrivateKey(p224)
	for _, tc := range []struct {
		name, want string
		data       []byte
		is         error
	}{
		{"empty", "no PEM block", nil, nil},
		{"not PEM", "no PEM block", []byte("hello"), nil},
		{"public key", "this is a public key", pubPEM, nil},
		{"certificate", `PEM block "CERTIFICATE" is not a private key`, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), nil},
		{"legacy openssl", "has headers", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{1}}), nil},
		{"too large", "more than the", bytes.Repeat([]byte("A"), MaxKeyFileSize+1), nil},
		{"body not JSON", "not the scrypt/secretbox JSON", pem.EncodeToMemory(&pem.Block{Type: SigstorePrivateKeyType, Bytes: []byte("xx")}), nil},
		{"kdf name", `kdf.name is "argon2"`, rewrite(func(m map[string]any) { m["kdf"].(map[string]any)["name"] = "argon2" }), nil},
		{"cipher name", `cipher.name is "aes"`, rewrite(func(m map[string]any) { m["cipher"].(map[string]any)["name"] = "aes" }), nil},
		{"nonce size", "cipher.nonce is 3 bytes", rewrite(func(m map[string]any) { m["cipher"].(map[string]any)["nonce"] = "AAAA" }), nil},
		{"scrypt params", "scrypt parameters N=1024", rewrite(func(m map[string]any) {
			m["kdf"].(map[string]any)["params"].(map[string]any)["N"] = 1024
		}), nil},
		{"tampered ciphertext", "wrong password", rewrite(func(m map[string]any) {
			c, err := base64.StdEncoding.DecodeString(m["ciphertext"].(string))
			if err != nil {
				t.Fatal(err)
			}
			c[5] ^= 1
			m["ciphertext"] = base64.StdEncoding.EncodeToString(c)
		}), ErrWrongPassword},
		{"duplicate kdf", `duplicate JSON object key: "kdf"`, pem.EncodeToMemory(&pem.Block{Type: SigstorePrivateKeyType,
			Bytes: append([]byte(`{"kdf":{"name":"scrypt"},`), body.Bytes[1:]...)}), nil},
		{"kdf of the wrong type", `at $.kdf.params.N: want a number, found a JSON string`, rewrite(func(m map[string]any) {
			m["kdf"].(map[string]any)["params"].(map[string]any)["N"] = "many"
		}), nil},
		{"pkcs8 garbage", "not a PKCS#8", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2}}), nil},
		{"small rsa", "RSA key of 1024 bits", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: rsaDER}), ErrUnsupportedKey},
		{"p224", "ECDSA curve P-224", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: p224DER}), ErrUnsupportedKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadPrivate(tc.data, []byte("pw"))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %q, want it to contain %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tc.is)
			}
		})
	}
}

func TestLoadPublicErrors(t *testing.T) {
	key, _ := Generate(Ed25519)
	priv, _ := EncodePrivateUnencrypted(key)
	for _, tc := range []struct {
		name, want string
		data       []byte
	}{
		{"garbage", "no PEM block", []byte("nope")},
		{"private key", `PEM block "PRIVATE KEY" is not a public key`, priv},
		{"bad DER", "not a PKIX public key", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{0x30, 0}})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadPublic(tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestGenerateUnknown(t *testing.T) {
	if _, err := Generate("rsa-1024"); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("err = %v", err)
	}
	k, err := Generate("")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := k.Public().(*ecdsa.PublicKey); !ok {
		t.Errorf("default algorithm gave %T, want ECDSA", k.Public())
	}
	if _, ok := mustGen(t, Ed25519).Public().(ed25519.PublicKey); !ok {
		t.Error("ed25519 gave another type")
	}
}

func mustGen(t *testing.T, a Algorithm) crypto.Signer {
	k, err := Generate(a)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
