// Package bundle loads Sigstore bundles and verifies them against trusted
// material (package trust), an artifact and an identity [Policy], yielding
// [verify.Evidence]. All cryptography is sigstore-go's (pkg/verify): this
// package chooses its options, checks identities with precise messages,
// parses the in-toto statement only after the envelope verified, and sorts
// every failure under a sentinel error.
//
// # Supported bundles
//
// Bundle media types v0.1, v0.2 and v0.3 (both
// application/vnd.dev.sigstore.bundle+json;version=0.3 and
// application/vnd.dev.sigstore.bundle.v0.3+json), message signatures and
// DSSE envelopes, Rekor v1 (inclusion promise and/or proof) and Rekor v2
// (checkpoint + inclusion proof) entries, RFC 3161 signed timestamps.
//
// # Verification rules
//
// Keyless bundles (a Fulcio certificate) need, per the Sigstore client
// specification:
//   - at least one verified observer timestamp, from a transparency-log
//     integrated time or an RFC 3161 timestamp authority, to show the
//     short-lived certificate was valid when it signed;
//   - a verified transparency-log entry when the trusted material has logs;
//   - a signed certificate timestamp (SCT) from a trusted CT log, when the
//     trusted material has CT logs (public good and staging do);
//   - an identity: [Policy] must name the expected signer unless
//     [Policy.InsecureAnyIdentity] opts out explicitly.
//
// Key-based bundles (a public-key hint) verify against a trust.Key. Their
// transparency-log entries and timestamps are verified when the trusted
// material holds the matching logs or timestamp authorities (combine the
// key with a trusted root); a key-signed bundle with neither — the shape
// of `cosign sign-blob --tlog-upload=false` — is accepted on the signature
// alone, and its evidence shows no timestamp and no log entry. Identity
// fields of the policy do not apply to key-based bundles.
//
// # Errors
//
// Every failure wraps exactly one of [ErrMalformed], [ErrTooLarge],
// [ErrPolicy], [ErrSignature], [ErrIdentity], [ErrArtifact], [ErrTrust],
// [ErrTimestamp] or [ErrStatement], so callers branch with errors.Is.
package bundle

import (
	"encoding/json"
	"errors"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/internal/strictjson"
)

// MaxBundleSize is the largest bundle file Load reads. Bundles carrying an
// SBOM attestation can reach megabytes; 64 MiB leaves room without letting
// a hostile file exhaust memory.
const MaxBundleSize = 64 << 20

// Sentinel errors. Each failure wraps exactly one.
var (
	// ErrMalformed: the bundle is not valid JSON or not a valid Sigstore
	// bundle (missing fields, unknown version, bad encodings).
	ErrMalformed = errors.New("malformed bundle")
	// ErrTooLarge: the bundle exceeds MaxBundleSize.
	ErrTooLarge = errors.New("bundle too large")
	// ErrPolicy: the verification request itself is invalid (no identity
	// for a keyless bundle, a bad regexp, a malformed digest).
	ErrPolicy = errors.New("invalid verification policy")
	// ErrSignature: the signature, envelope or log entry does not verify
	// against the bundle's content.
	ErrSignature = errors.New("signature verification failed")
	// ErrIdentity: the certificate's signer is not the expected one.
	ErrIdentity = errors.New("signer identity not accepted")
	// ErrArtifact: the artifact does not match what was signed.
	ErrArtifact = errors.New("artifact does not match bundle")
	// ErrTrust: the key, certificate chain, log or timestamp authority is
	// not in the trusted material.
	ErrTrust = errors.New("not trusted")
	// ErrTimestamp: no verified timestamp, or the signing time lies outside
	// the certificate's or authority's validity.
	ErrTimestamp = errors.New("timestamp verification failed")
	// ErrStatement: a DSSE payload is not an in-toto statement vouch
	// accepts (payload type, _type, JSON).
	ErrStatement = errors.New("unsupported statement")
)

// maxBundleDepth bounds the JSON nesting of a bundle. A real bundle nests
// six levels; the DSSE payload inside is base64, not nested JSON.
const maxBundleDepth = 32

// Load reads and parses a Sigstore bundle file (see [Read] and [Parse]).
func Load(path string) (*sgbundle.Bundle, error) {
	data, err := Read(path)
	if err != nil {
		return nil, err
	}
	b, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("load bundle %q: %w", path, err)
	}
	return b, nil
}

// Read reads a bundle file: a regular file (a FIFO or a device given as a
// bundle is refused, never waited on) of at most MaxBundleSize bytes.
func Read(path string) ([]byte, error) {
	data, err := safefile.Read("load bundle", path, MaxBundleSize)
	if errors.Is(err, safefile.ErrTooLarge) {
		return nil, fmt.Errorf("load bundle %q: %w: more than the limit of %d bytes", path, ErrTooLarge, MaxBundleSize)
	}
	return data, err
}

// Parse parses a Sigstore bundle from JSON. It refuses input over
// MaxBundleSize, a repeated object key (parsers disagree on which value
// wins), and REQUIRED fields that are present but empty; it reports JSON
// syntax errors with their position.
func Parse(data []byte) (*sgbundle.Bundle, error) {
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("%w: %d bytes exceeds the limit of %d bytes", ErrTooLarge, len(data), MaxBundleSize)
	}
	// A first, cheap pass with encoding/json gives syntax errors a
	// position and names a missing media type, which protojson does not.
	var head struct {
		MediaType *string `json:"mediaType"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			line, col := position(data, syn.Offset)
			return nil, fmt.Errorf("%w: invalid JSON at line %d, column %d: %s", ErrMalformed, line, col, errText(err))
		}
		return nil, fmt.Errorf("%w: expected a JSON object: %s", ErrMalformed, errText(err))
	}
	if err := strictjson.Check(data, maxBundleDepth); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrMalformed, errText(err))
	}
	if head.MediaType == nil || *head.MediaType == "" {
		return nil, fmt.Errorf("%w: missing field \"mediaType\" (expected application/vnd.dev.sigstore.bundle.v0.3+json or ...+json;version=0.1..0.3)", ErrMalformed)
	}
	// sgbundle.Bundle.UnmarshalJSON, in two steps: empty REQUIRED fields
	// are named before sigstore-go's validation reports them as "nil value".
	var pb protobundle.Bundle
	if err := protojson.Unmarshal(data, &pb); err != nil {
		return nil, fmt.Errorf("%w: mediaType %q: %s", ErrMalformed, *head.MediaType, errText(err))
	}
	if err := checkRequired(&pb); err != nil {
		return nil, err
	}
	b, err := sgbundle.NewBundle(&pb)
	if err != nil {
		return nil, fmt.Errorf("%w: mediaType %q: %s", ErrMalformed, *head.MediaType, errText(err))
	}
	return b, nil
}

// position turns the offset of a json.SyntaxError (bytes read, so the bad
// byte is the last one) into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset-1 && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
