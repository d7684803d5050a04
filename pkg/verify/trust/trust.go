// Package trust loads the trusted material that Sigstore bundles are
// verified against: a Sigstore TrustedRoot file (--trusted-root), a public
// key (--key, cosign.pub included) or the Sigstore public-good root.
//
// # Choosing the material
//
//   - [FromTrustedRootFile] reads a TrustedRoot JSON document (Fulcio CAs,
//     Rekor logs, CT logs, timestamp authorities).
//   - [FromPublicKey] turns a PEM public key into key-based trusted material.
//     It needs neither TUF nor the network: a key-signed bundle verifies
//     against the key alone.
//   - [PublicGood] returns the public-good root through sigstore-go's TUF
//     client, cached on disk, or with [Options.Offline] the cache or the
//     embedded snapshot, never touching the network.
//   - [Combine] joins them, e.g. a key plus the public-good root so that the
//     transparency-log entry of a cosign key-signed bundle is verified too.
package trust

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/attest/keys"
)

// Size limits on the trust inputs read from disk. A real trusted root is a
// few KiB, a PEM public key well under 4 KiB (RSA-4096).
const (
	MaxTrustedRootSize = 4 << 20
	MaxPublicKeySize   = 64 << 10
)

// FromTrustedRootFile loads a Sigstore TrustedRoot JSON document
// (media type application/vnd.dev.sigstore.trustedroot+json) from a
// regular file (see [ParseTrustedRoot]).
func FromTrustedRootFile(path string) (*root.TrustedRoot, error) {
	data, err := readLimited("load trusted root", path, MaxTrustedRootSize)
	if err != nil {
		return nil, err
	}
	tr, err := ParseTrustedRoot(data)
	if err != nil {
		return nil, fmt.Errorf("load trusted root %q: %w", path, err)
	}
	return tr, nil
}

// maxTrustedRootDepth bounds the JSON nesting of a trusted root (a real
// one nests five levels).
const maxTrustedRootDepth = 32

// ParseTrustedRoot parses a TrustedRoot document, refusing a repeated
// object key: with two "rekorLogs" (or two "publicKey"s in one log),
// sigstore-go would trust one and another verifier the other.
func ParseTrustedRoot(data []byte) (*root.TrustedRoot, error) {
	if err := strictjson.Check(data, maxTrustedRootDepth); err != nil {
		return nil, fmt.Errorf("not a valid Sigstore TrustedRoot document: %w", err)
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("not a Sigstore TrustedRoot document: %w", err)
	}
	return tr, nil
}

// Key is trusted material holding one public key. Bundles signed with the
// matching private key verify against it; it trusts no certificate
// authority, log or timestamp authority (combine it with a root for those).
type Key struct {
	*root.TrustedPublicKeyMaterial
	pub  crypto.PublicKey
	id   string
	hint string
	// ph verifies Ed25519ph message signatures; nil for other key types.
	ph *root.TrustedPublicKeyMaterial
}

// MessageSignatureMaterial returns the material that verifies message
// signatures (signed files) made with this key: for Ed25519 keys the
// Ed25519ph verifier, since files are signed pre-hashed; the key itself
// otherwise.
func (k *Key) MessageSignatureMaterial() root.TrustedMaterial {
	if k.ph != nil {
		return &Key{TrustedPublicKeyMaterial: k.ph, pub: k.pub, id: k.id, hint: k.hint}
	}
	return k
}

// FromPublicKey parses a PEM public key ("PUBLIC KEY", as in cosign.pub;
// ECDSA, Ed25519 or RSA) as trusted material valid at any time.
func FromPublicKey(pemBytes []byte) (*Key, error) {
	return FromPublicKeyWithValidity(pemBytes, time.Time{}, time.Time{})
}

// FromPublicKeyWithValidity is [FromPublicKey] for a key that is trusted
// only for signatures timestamped within [start, end]; a zero time leaves
// that side open. Signatures without a verified timestamp are not checked
// against the window (sigstore-go only has a time when one is verified).
func FromPublicKeyWithValidity(pemBytes []byte, start, end time.Time) (*Key, error) {
	if len(pemBytes) > MaxPublicKeySize {
		return nil, fmt.Errorf("parse public key: %d bytes exceeds the limit of %d bytes", len(pemBytes), MaxPublicKeySize)
	}
	// One public-key parser for vouch (package keys): the same PEM rules
	// and supported algorithms for signing, verifying, policies and layouts.
	pub, err := keys.LoadPublic(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	// Load the verifier once: sigstore-go asks for it on every bundle.
	verifier, err := signature.LoadDefaultVerifier(pub)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	expiring := root.NewExpiringKey(verifier, start, end)
	sum := sha256.Sum256(der)
	k := &Key{
		pub:  pub,
		id:   hex.EncodeToString(sum[:]),
		hint: base64.StdEncoding.EncodeToString(sum[:]),
	}
	// The key hint in a bundle is unauthenticated, so it never selects or
	// rejects the key: the signature check decides.
	k.TrustedPublicKeyMaterial = root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return expiring, nil
	})
	if _, ok := pub.(ed25519.PublicKey); ok {
		phv, err := signature.LoadVerifierWithOpts(pub, options.WithED25519ph())
		if err != nil {
			return nil, fmt.Errorf("parse public key: %w", err)
		}
		phExpiring := root.NewExpiringKey(phv, start, end)
		k.ph = root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
			return phExpiring, nil
		})
	}
	return k, nil
}

// FromPublicKeyFile reads a PEM public key file (see [FromPublicKey]).
func FromPublicKeyFile(path string) (*Key, error) {
	data, err := readLimited("load public key", path, MaxPublicKeySize)
	if err != nil {
		return nil, err
	}
	k, err := FromPublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("load public key %q: %w", path, err)
	}
	return k, nil
}

// ID is the hex SHA-256 of the key's DER (PKIX) form.
func (k *Key) ID() string { return k.id }

// PublicKey is the parsed key.
func (k *Key) PublicKey() crypto.PublicKey { return k.pub }

// MatchesHint reports whether a bundle's key hint names this key, in
// either of the encodings clients use (base64 as sigstore-go and cosign
// write it, or hex). Hints are unauthenticated: use this only to explain a
// failure, never to accept a bundle.
func (k *Key) MatchesHint(hint string) bool {
	return hint == k.hint || hint == k.id
}

// Combine joins trusted materials: a bundle verifies if its certificate
// chains to any CA, its entries to any log, its key to any key.
func Combine(materials ...root.TrustedMaterial) root.TrustedMaterial {
	return root.TrustedMaterialCollection(materials)
}

// Keys returns the [Key] values in tm, looking through [Combine]d
// collections and [Root] values.
func Keys(tm root.TrustedMaterial) []*Key {
	switch m := tm.(type) {
	case *Key:
		return []*Key{m}
	case root.TrustedMaterialCollection:
		var keys []*Key
		for _, sub := range m {
			keys = append(keys, Keys(sub)...)
		}
		return keys
	}
	return nil
}

// readLimited reads a regular file of at most limit bytes; what names it
// in errors. A FIFO or device is refused at once, never waited on.
func readLimited(what, path string, limit int64) ([]byte, error) {
	data, err := safefile.Read(what, path, limit)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%s %s: %w", what, path, errEmpty)
	}
	return data, nil
}

var errEmpty = errors.New("file is empty")
