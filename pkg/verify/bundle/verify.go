package bundle

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sort"
	"strings"

	ita "github.com/in-toto/attestation/go/v1"
	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// In-toto statement types accepted in DSSE payloads.
const (
	StatementTypeV1  = "https://in-toto.io/Statement/v1"
	StatementTypeV01 = "https://in-toto.io/Statement/v0.1"
)

// Evidence kinds.
const (
	KindMessageSignature = "message-signature"
	KindDSSE             = "dsse"
)

// VerifyFile loads the bundle at path and verifies it (see [Verify]); the
// evidence names the bundle file.
func VerifyFile(ctx context.Context, path string, artifact Artifact, tm root.TrustedMaterial, policy Policy) (*verify.Evidence, error) {
	b, err := Load(path)
	if err != nil {
		return nil, err
	}
	ev, err := Verify(ctx, b, artifact, tm, policy)
	if err != nil {
		return nil, fmt.Errorf("verify bundle %q: %w", path, err)
	}
	ev.Bundle = path
	return ev, nil
}

// Verify checks a signed entity — a *bundle.Bundle from [Load], or any
// sigstore-go SignedEntity — against the trusted material, the artifact
// and, for keyless bundles, the identity policy. The statement of a DSSE
// bundle is read only after its signature verified. Evidence.Bundle is left
// empty for the caller to fill in.
// messageSignatureMaterial is implemented by trusted material whose key
// verifies message signatures differently from DSSE envelopes: an Ed25519
// key signs files as Ed25519ph (pre-hashed, as Rekor's hashedrekord and
// sigstore-go require) but DSSE envelopes as pure Ed25519.
type messageSignatureMaterial interface {
	MessageSignatureMaterial() root.TrustedMaterial
}

func Verify(ctx context.Context, entity sgverify.SignedEntity, artifact Artifact, tm root.TrustedMaterial, policy Policy) (*verify.Evidence, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if entity == nil {
		return nil, fmt.Errorf("%w: no bundle", ErrMalformed)
	}
	if b, ok := entity.(*sgbundle.Bundle); ok && b.Bundle != nil {
		// Bundles built in memory never went through Parse.
		if err := checkRequired(b.Bundle); err != nil {
			return nil, err
		}
	}
	if tm == nil {
		return nil, fmt.Errorf("%w: no trusted material", ErrPolicy)
	}
	if artifact.path == "" && artifact.digest == nil {
		return nil, fmt.Errorf("%w: no artifact to verify against", ErrPolicy)
	}
	vc, err := entity.VerificationContent()
	if err != nil {
		return nil, fmt.Errorf("%w: verification material: %s", ErrMalformed, errText(err))
	}
	sc, err := entity.SignatureContent()
	if err != nil {
		return nil, fmt.Errorf("%w: signature content: %s", ErrMalformed, errText(err))
	}
	tlogEntries, err := entity.TlogEntries()
	if err != nil {
		return nil, fmt.Errorf("%w: transparency log entries: %s", ErrMalformed, errText(err))
	}
	timestamps, err := entity.Timestamps()
	if err != nil {
		return nil, fmt.Errorf("%w: timestamps: %s", ErrMalformed, errText(err))
	}

	keyless := vc.Certificate() != nil
	if !keyless && vc.PublicKey() == nil {
		return nil, fmt.Errorf("%w: verification material has neither a certificate nor a public key", ErrMalformed)
	}
	if m, ok := tm.(messageSignatureMaterial); ok && !keyless && sc.MessageSignatureContent() != nil {
		tm = m.MessageSignatureMaterial()
	}
	var ident *matcher
	if keyless {
		if len(tm.FulcioCertificateAuthorities()) == 0 {
			return nil, fmt.Errorf("%w: the bundle is signed with a certificate (keyless) but the trusted material has no certificate authority; "+
				"verify it with a trusted root and an identity, not a key", ErrTrust)
		}
		if ident, err = policy.compile(); err != nil {
			return nil, err
		}
		// Spec, "Establishing a Time for the Signature": a short-lived
		// certificate proves nothing without a time it was valid at.
		if len(tlogEntries) == 0 && len(timestamps) == 0 {
			return nil, fmt.Errorf("%w: keyless bundle has no transparency-log entry and no RFC 3161 timestamp: "+
				"nothing shows its short-lived certificate was valid when it signed", ErrTimestamp)
		}
	}

	// Verifier options, as sigstore-conformance expects them: logs and
	// timestamp authorities are checked whenever the trusted material has
	// them and the bundle carries their evidence.
	var opts []sgverify.VerifierOption
	hasLogs := len(tm.RekorLogs()) > 0
	hasTSA := len(tm.TimestampingAuthorities()) > 0 && len(timestamps) > 0
	tlogChecked, tlogIgnored, err := tlogPolicy(keyless, len(tlogEntries), hasLogs, policy)
	if err != nil {
		return nil, err
	}
	if tlogChecked {
		opts = append(opts, sgverify.WithTransparencyLog(1))
	}
	observer := false
	if hasTSA {
		opts = append(opts, sgverify.WithSignedTimestamps(1))
		observer = true
	}
	if tlogChecked && entity.HasInclusionPromise() {
		opts = append(opts, sgverify.WithIntegratedTimestamps(1))
		observer = true
	}
	if keyless {
		// Fulcio certificates embed SCTs; a trusted root without CT logs
		// (a private deployment) has nothing to check them against.
		if len(tm.CTLogs()) > 0 {
			opts = append(opts, sgverify.WithSignedCertificateTimestamps(1))
		}
		if !observer {
			opts = append(opts, sgverify.WithObserverTimestamps(1))
		}
	} else if !observer {
		opts = append(opts, sgverify.WithNoObserverTimestamps())
	}
	verifier, err := sgverify.NewVerifier(tm, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrPolicy, errText(err))
	}

	// The artifact: a digest, or the file streamed through the verifier.
	var artifactOpt sgverify.ArtifactPolicyOption
	var fileHash hash.Hash
	var artifactReader io.Reader
	msg := sc.MessageSignatureContent()
	if artifact.IsDigest() {
		artifactOpt = sgverify.WithArtifactDigest(artifact.algorithm, artifact.digest)
	} else {
		f, err := os.Open(artifact.path)
		if err != nil {
			return nil, fmt.Errorf("open artifact: %w", err)
		}
		defer f.Close()
		var r io.Reader = f
		// For a message signature, hash alongside the signature check so a
		// changed artifact is reported as such, not as a bad signature.
		if msg != nil {
			if h := messageHash(msg.DigestAlgorithm()); h != 0 {
				fileHash = h.New()
				r = io.TeeReader(f, fileHash)
			}
		}
		artifactReader = r
		artifactOpt = sgverify.WithArtifact(r)
	}
	var policyOpts []sgverify.PolicyOption
	if keyless {
		// Identities are checked below, with messages that show what the
		// certificate holds.
		policyOpts = append(policyOpts, sgverify.WithoutIdentitiesUnsafe())
	} else {
		policyOpts = append(policyOpts, sgverify.WithKey())
	}

	result, err := verifier.Verify(entity, sgverify.NewPolicy(artifactOpt, policyOpts...))
	if err != nil {
		sentinel := classify(err)
		if env := sc.EnvelopeContent(); env != nil && strings.HasPrefix(err.Error(), "failed to fetch envelope statement") {
			// The envelope's signature verified before sigstore-go parsed
			// its payload: say precisely what is wrong with the payload.
			if _, serr := statement(env); serr != nil {
				return nil, serr
			}
		}
		if sentinel == ErrSignature && fileHash != nil && strings.HasPrefix(err.Error(), "failed to verify signature") {
			// The signature check read the artifact; finish the hash in
			// case it stopped early, then compare with the signed digest.
			if _, cerr := io.Copy(io.Discard, artifactReader); cerr == nil && !equalBytes(fileHash.Sum(nil), msg.Digest()) {
				return nil, fmt.Errorf("%w: %s digest of %q is not the digest signed in the bundle: %s",
					ErrArtifact, digestName(msg.DigestAlgorithm()), artifact.path, errText(err))
			}
		}
		if sentinel == ErrSignature && !keyless {
			if hint := vc.PublicKey().Hint(); hint != "" && !hintMatches(tm, hint) {
				return nil, fmt.Errorf("%w: the bundle names signing key %s, which is not a trusted key (trusted: %s): %s",
					ErrTrust, HintKeyID(hint), strings.Join(keyIDs(tm), ", "), errText(err))
			}
		}
		return nil, fmt.Errorf("%w: %s", sentinel, errText(err))
	}

	ev := &verify.Evidence{Kind: KindMessageSignature}
	if keyless {
		cert := result.Signature.Certificate
		if cert == nil {
			return nil, fmt.Errorf("%w: verified keyless bundle without certificate summary", ErrMalformed)
		}
		if err := ident.check(*cert); err != nil {
			return nil, err
		}
		ev.Signer = verify.Signer{
			Identity:   cert.SubjectAlternativeName,
			Issuer:     cert.Issuer,
			Extensions: extensions(cert.Extensions),
		}
	} else {
		ev.Signer.KeyID = keyID(tm, vc.PublicKey().Hint())
	}
	for _, ts := range result.VerifiedTimestamps {
		if !ts.Timestamp.IsZero() {
			ev.Timestamps = append(ev.Timestamps, ts.Timestamp.UTC())
		}
	}
	sort.Slice(ev.Timestamps, func(i, j int) bool { return ev.Timestamps[i].Before(ev.Timestamps[j]) })
	if tlogChecked {
		ev.TlogEntries = len(tlogEntries)
	}
	ev.TlogIgnored = tlogIgnored
	if env := sc.EnvelopeContent(); env != nil {
		ev.Kind = KindDSSE
		// Read only now that the envelope's signature verified.
		st, err := statement(env)
		if err != nil {
			return nil, err
		}
		ev.Statement = st
		ev.PredicateType = st.GetPredicateType()
	}
	return ev, nil
}

// tlogPolicy decides whether the bundle's transparency-log entries are
// checked. Keyless bundles: whenever the trusted material has logs (the
// spec). Key-signed bundles: whenever they carry entries, as cosign does;
// an entry that the trusted material cannot check is an error unless the
// user opted out with InsecureIgnoreTlog — an unchecked entry, a forged
// signedEntryTimestamp included, would otherwise pass for a logged one.
func tlogPolicy(keyless bool, entries int, hasLogs bool, p Policy) (checked, ignored bool, err error) {
	switch {
	case keyless:
		return hasLogs, false, nil
	case entries == 0:
		return false, false, nil
	case p.InsecureIgnoreTlog:
		return false, true, nil
	case !hasLogs:
		return false, false, fmt.Errorf("%w: the key-signed bundle has transparency-log entries (%d), but the trusted material "+
			"has no transparency log to check them against: give the log's trusted root (--trusted-root), "+
			"or leave them unchecked explicitly with --insecure-ignore-tlog", ErrTrust, entries)
	}
	return true, false, nil
}

// statement parses a verified DSSE payload as an in-toto statement.
func statement(env sgverify.EnvelopeContent) (*ita.Statement, error) {
	raw := env.RawEnvelope()
	if raw.PayloadType != sgbundle.IntotoMediaType {
		return nil, fmt.Errorf("%w: DSSE payload type %q, expected %q", ErrStatement, raw.PayloadType, sgbundle.IntotoMediaType)
	}
	payload, err := raw.DecodeB64Payload()
	if err != nil {
		return nil, fmt.Errorf("%w: DSSE payload is not base64: %s", ErrStatement, errText(err))
	}
	// A signed statement with a repeated key means one thing to vouch and
	// another to the next verifier: refuse it rather than pick a side.
	if err := strictjson.Check(payload, strictjson.DefaultMaxDepth); err != nil {
		return nil, fmt.Errorf("%w: DSSE payload: %s", ErrStatement, errText(err))
	}
	st, err := env.Statement()
	if err != nil {
		return nil, fmt.Errorf("%w: DSSE payload is not an in-toto statement: %s", ErrStatement, errText(err))
	}
	switch st.GetType() {
	case StatementTypeV1, StatementTypeV01:
	default:
		return nil, fmt.Errorf("%w: in-toto statement _type %q, expected %q or %q", ErrStatement, st.GetType(), StatementTypeV1, StatementTypeV01)
	}
	// An empty predicateType is left to the policy layer, which checks
	// predicate types: real signed provenance has one (slsa-verifier's
	// container-based builder test data).
	return st, nil
}

// classify maps a sigstore-go verification error onto a sentinel. It keys
// on the stage prefixes sigstore-go's Verifier wraps its errors in (pinned
// at v1.3.0; the adversarial tests catch a drift) and on its sentinels.
func classify(err error) error {
	if errors.Is(err, sgbundle.ErrUnsupportedMediaType) || errors.Is(err, sgbundle.ErrDecodingJSON) {
		return ErrStatement
	}
	msg := err.Error()
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(msg, s) {
				return true
			}
		}
		return false
	}
	switch {
	case strings.HasPrefix(msg, "failed to verify log inclusion"):
		switch {
		case has("integrated time outside certificate validity", "future"):
			return ErrTimestamp
		case has("does not match", "mismatch", "not a hashedrekord", "not a dsse_v001"):
			// The log entry is not about this bundle's signature.
			return ErrSignature
		case has("unable to extract statement"):
			return ErrStatement
		}
		return ErrTrust
	case strings.HasPrefix(msg, "failed to verify timestamps"):
		return ErrTimestamp
	case strings.HasPrefix(msg, "failed to verify leaf certificate"),
		strings.HasPrefix(msg, "failed to verify signed certificate timestamp"),
		strings.HasPrefix(msg, "expected key signature"),
		strings.HasPrefix(msg, "failed to get signature verifier"),
		strings.HasPrefix(msg, "SCTs required"):
		return ErrTrust
	case has("outside of public key validity window"):
		return ErrTrust
	case strings.HasPrefix(msg, "failed to verify signature"):
		switch {
		case has("unable to extract statement", "no subjects found"):
			return ErrStatement
		case has("artifact does not match digest", "does not match any digest in statement",
			"do not match digests in statement", "does not match digests in statement",
			"no matching artifact hash algorithm", "artifact digest does not match message digest"):
			return ErrArtifact
		}
		return ErrSignature
	case strings.HasPrefix(msg, "failed to summarize certificate"),
		strings.HasPrefix(msg, "failed to fetch"):
		return ErrMalformed
	}
	return ErrSignature
}

// messageHash maps a bundle message digest algorithm onto its hash.
func messageHash(alg string) crypto.Hash {
	switch alg {
	case "SHA2_256":
		return crypto.SHA256
	case "SHA2_384":
		return crypto.SHA384
	case "SHA2_512":
		return crypto.SHA512
	}
	return 0
}

// digestName is the artifact-digest spelling of a bundle digest algorithm.
func digestName(alg string) string {
	return "sha" + strings.TrimPrefix(alg, "SHA2_")
}

func equalBytes(a, b []byte) bool { return string(a) == string(b) }

func hintMatches(tm root.TrustedMaterial, hint string) bool {
	keys := trust.Keys(tm)
	if len(keys) == 0 {
		// Not vouch's key material: no way to tell, do not claim so.
		return true
	}
	for _, k := range keys {
		if k.MatchesHint(hint) {
			return true
		}
	}
	// Only a fingerprint-shaped hint (32 bytes, base64 or hex) can name a
	// different key; other clients put arbitrary text there.
	return !(len(hint) == 44 || len(hint) == 64)
}

func keyIDs(tm root.TrustedMaterial) []string {
	var ids []string
	for _, k := range trust.Keys(tm) {
		ids = append(ids, k.ID())
	}
	if len(ids) == 0 {
		return []string{"none"}
	}
	return ids
}

// keyID names the key that verified a key-based bundle: the trusted key
// the hint names, the only trusted key, or else the hint itself.
func keyID(tm root.TrustedMaterial, hint string) string {
	keys := trust.Keys(tm)
	for _, k := range keys {
		if k.MatchesHint(hint) {
			return k.ID()
		}
	}
	if len(keys) == 1 {
		return keys[0].ID()
	}
	return HintKeyID(hint)
}

// HintKeyID turns a bundle's public-key hint into vouch's key id, the hex
// SHA-256 of the DER public key ([trust.Key.ID], verify.Signer.KeyID):
// cosign and sigstore-go write the same hash in standard base64. A hint
// that is not a 32-byte hash (other clients put free text there) is
// returned as it is, with control characters escaped: it comes from an
// unverified bundle and ends up in reports.
func HintKeyID(hint string) string {
	if len(hint) == 2*sha256.Size {
		if _, err := hex.DecodeString(hint); err == nil {
			return strings.ToLower(hint)
		}
	}
	if b, err := base64.StdEncoding.DecodeString(hint); err == nil && len(b) == sha256.Size {
		return hex.EncodeToString(b)
	}
	return Escape(hint)
}

// extensions turns Fulcio extensions into a map keyed by sigstore-go's JSON
// names, dropping empty values.
func extensions(e interface{}) map[string]string {
	data, err := json.Marshal(e)
	if err != nil {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok && s != "" {
			out[k] = s
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
