package trust

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/vouchdev/vouch/internal/strictjson"
)

// MaxNPMKeysSize bounds an npm registry keys document: the registry serves
// a few keys in well under a kilobyte.
const MaxNPMKeysSize = 1 << 20

// npmKeyType is the only key type and scheme npm registries publish
// (ECDSA P-256 with SHA-256, named as in SSH).
const npmKeyType = "ecdsa-sha2-nistp256"

// ErrNPMKeys marks an npm registry keys document vouch cannot trust.
var ErrNPMKeys = errors.New("invalid npm registry keys document")

// NPMKey is one signing key of an npm registry, as its keys endpoint
// (/-/npm/v1/keys) lists it: {"keyid", "keytype", "scheme", "key",
// "expires"}. The registry signs publish attestations with it.
type NPMKey struct {
	*Key
	// KeyID is the registry's id, "SHA256:" and the unpadded base64
	// SHA-256 of the key in SSH wire form (an OpenSSH fingerprint); it is
	// checked against the key.
	KeyID string
	// Expires ends the key's validity; zero: it does not expire. A
	// signature whose verified time is later fails, and one with no
	// verified time cannot show it is earlier (see [HasValidityWindow]).
	Expires time.Time
}

// ParseNPMKeys reads an npm registry keys document
// ({"keys": [{"keyid": "SHA256:…", "keytype": "ecdsa-sha2-nistp256",
// "scheme": "ecdsa-sha2-nistp256", "key": "<base64 DER>", "expires": null
// or RFC 3339}]}). name says where it came from, for errors. Every key must
// be well-formed and its keyid must be its fingerprint: a document that
// does not mean what it says is refused whole.
func ParseNPMKeys(name string, data []byte) ([]NPMKey, error) {
	var doc struct {
		Keys []struct {
			KeyID   string  `json:"keyid"`
			KeyType string  `json:"keytype"`
			Scheme  string  `json:"scheme"`
			Key     string  `json:"key"`
			Expires *string `json:"expires"`
		} `json:"keys"`
	}
	if err := strictjson.Unmarshal(data, &doc, 8); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrNPMKeys, err)
	}
	if len(doc.Keys) == 0 {
		return nil, fmt.Errorf("%s: %w: \"keys\" is empty or missing", name, ErrNPMKeys)
	}
	out := make([]NPMKey, 0, len(doc.Keys))
	for i, k := range doc.Keys {
		field := func(f string) string { return fmt.Sprintf("%s: keys[%d].%s", name, i, f) }
		if k.KeyType != npmKeyType {
			return nil, fmt.Errorf("%s: %w: is %q, want %q", field("keytype"), ErrNPMKeys, k.KeyType, npmKeyType)
		}
		if k.Scheme != npmKeyType {
			return nil, fmt.Errorf("%s: %w: is %q, want %q", field("scheme"), ErrNPMKeys, k.Scheme, npmKeyType)
		}
		der, err := base64.StdEncoding.DecodeString(k.Key)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: not base64: %v", field("key"), ErrNPMKeys, err)
		}
		pub, err := x509.ParsePKIXPublicKey(der)
		ec, ok := pub.(*ecdsa.PublicKey)
		if err != nil || !ok || ec.Curve != elliptic.P256() {
			return nil, fmt.Errorf("%s: %w: expected a DER (PKIX) ECDSA P-256 public key", field("key"), ErrNPMKeys)
		}
		if want := npmKeyID(ec); k.KeyID != want {
			return nil, fmt.Errorf("%s: %w: is %q, but the key's SHA-256 fingerprint is %q", field("keyid"), ErrNPMKeys, k.KeyID, want)
		}
		var expires time.Time
		if k.Expires != nil {
			if expires, err = time.Parse(time.RFC3339, *k.Expires); err != nil {
				return nil, fmt.Errorf("%s: %w: expected null or an RFC 3339 time, found %q", field("expires"), ErrNPMKeys, *k.Expires)
			}
		}
		key, err := FromPublicKeyWithValidity(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), time.Time{}, expires)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field("key"), err)
		}
		out = append(out, NPMKey{Key: key, KeyID: k.KeyID, Expires: expires})
	}
	return out, nil
}

// npmKeyID is the OpenSSH SHA-256 fingerprint of an ECDSA P-256 key: the
// registry's keyid.
func npmKeyID(k *ecdsa.PublicKey) string {
	var wire bytes.Buffer
	field := func(b []byte) {
		_ = binary.Write(&wire, binary.BigEndian, uint32(len(b)))
		wire.Write(b)
	}
	point, _ := k.Bytes() // uncompressed, 65 bytes for P-256
	field([]byte(npmKeyType))
	field([]byte("nistp256"))
	field(point)
	sum := sha256.Sum256(wire.Bytes())
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// LoadKeys reads a --key file: a PEM public key (see [FromPublicKey]) or
// an npm registry keys document (see [ParseNPMKeys]), told apart by the
// first non-blank byte ('{' is JSON). Non-regular files are refused.
func LoadKeys(path string) ([]*Key, error) {
	data, err := readLimited("load public key", path, MaxNPMKeysSize)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		k, err := FromPublicKey(data)
		if err != nil {
			return nil, fmt.Errorf("load public key %q: %w", path, err)
		}
		return []*Key{k}, nil
	}
	npm, err := ParseNPMKeys(path, data)
	if err != nil {
		return nil, err
	}
	keys := make([]*Key, len(npm))
	for i := range npm {
		keys[i] = npm[i].Key
	}
	return keys, nil
}

// HasValidityWindow reports whether k is trusted only within a time window
// (an npm key with "expires", [FromPublicKeyWithValidity]). sigstore-go
// checks the window against the times it verified; a bundle signed with
// such a key and verified with no time at all must be refused, since
// nothing shows it was signed within the window.
func HasValidityWindow(k *Key) bool {
	v, err := k.PublicKeyVerifier("")
	if err != nil {
		return true
	}
	return !v.ValidAtTime(time.Unix(0, 0)) || !v.ValidAtTime(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
}
