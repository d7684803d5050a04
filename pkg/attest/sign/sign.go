// Package sign makes Sigstore bundles (v0.3 JSON,
// application/vnd.dev.sigstore.bundle.v0.3+json) with a key or keylessly,
// on top of sigstore-go's sign package.
//
// # Which entry point
//
// Make a [Signer] once — [NewKeySigner] for a private key, [NewKeylessSigner]
// for an OIDC identity token — and use it for every artifact of a release;
// it is safe for concurrent use.
//
//   - [Signer.SignBlob] and [Signer.SignDigest]: a message-signature bundle over
//     an artifact, the equivalent of `cosign sign-blob --bundle`. SignBlob
//     streams the artifact; SignDigest takes a digest already computed (the
//     digest algorithm is [Signer.Hash]), so a release reads each file once.
//   - [Signer.Attest]: a DSSE envelope of an in-toto statement
//     (payloadType application/vnd.in-toto+json), the equivalent of
//     `cosign attest-blob --bundle`.
//
// # Services
//
// Sigstore services come from a signing config ([root.SigningConfig], read
// with [LoadSigningConfig]; [PublicGoodSigningConfig] by default for keyless).
// Keyless signing gets a short-lived certificate from the config's Fulcio for
// an ephemeral ECDSA P-256 key (one certificate per Signer), records each
// signature in its Rekor log(s) and asks its timestamp authorities for RFC 3161
// timestamps. Key-based signing contacts no service unless a signing config is
// given explicitly; then its Rekor and TSA are used (Fulcio never is) — without
// one, the bundle is cosign's `--tlog-upload=false` shape: signature and key
// hint only.
package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
	"google.golang.org/protobuf/encoding/protojson"
)

// Media types.
const (
	// BundleMediaType is the media type of every bundle this package makes.
	BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// InTotoPayloadType is the DSSE payload type of an in-toto statement.
	InTotoPayloadType = "application/vnd.in-toto+json"
)

// MaxStatementSize bounds a statement given to [Signer.Attest]. Sigstore
// verifiers refuse much larger DSSE payloads, and Rekor caps entries too.
const MaxStatementSize = 32 << 20

// Errors callers branch on. Service failures are [*ServiceError].
var (
	// ErrInvalidOptions means the Signer cannot be built as asked.
	ErrInvalidOptions = errors.New("invalid signing options")
)

// Options configure a [Signer]. The zero value is valid.
type Options struct {
	// SigningConfig lists the Sigstore services to use. Keyless: nil means
	// [PublicGoodSigningConfig]. With a key: nil means no service at all.
	SigningConfig *root.SigningConfig
	// TrustedMaterial, when set, is used to verify each keyless bundle right
	// after it is made (certificate chain, log entries, timestamps), so a
	// misbehaving service fails the signing and not a later verification.
	// Key-signed bundles are always checked against the key itself.
	TrustedMaterial root.TrustedMaterial
	// Transport carries Fulcio and TSA requests (nil: http.DefaultTransport).
	// Rekor v1 requests use sigstore's Rekor client and its own transport.
	Transport http.RoundTripper
	// Timeout bounds each service request; 0 means 30 seconds.
	Timeout time.Duration
	// Retries is how often a request failing with HTTP 5xx or 429 is retried.
	Retries uint
	// Now picks services valid at this time; nil means time.Now.
	Now func() time.Time
}

// ServiceError is a failure of a Sigstore service: which one, where, and why.
type ServiceError struct {
	Service string // "fulcio", "rekor" or "tsa"
	URL     string
	Err     error
}

func (e *ServiceError) Error() string {
	names := map[string]string{"fulcio": "certificate authority (Fulcio)", "rekor": "transparency log (Rekor)", "tsa": "timestamp authority"}
	return fmt.Sprintf("%s at %s: %v", names[e.Service], e.URL, e.Err)
}

func (e *ServiceError) Unwrap() error { return e.Err }

// Signer makes bundles. See the package documentation.
type Signer struct {
	keyBased bool
	key      *Keypair // the user's key or the ephemeral keyless key
	pure     *Keypair // key for DSSE: pure Ed25519 where key is Ed25519ph
	verifyPH root.TrustedMaterial
	// checkDS checks the DSSE signatures of a key-based Signer (Attest).
	checkDS signature.Verifier

	cert    *cachedCert // keyless only
	token   string
	tsas    []*sgsign.TimestampAuthority
	tsaURLs []string
	rekors  []root.Service
	opts    Options
}

// NewKeySigner returns a Signer that signs with key. See [Options] for
// which services it uses.
func NewKeySigner(key crypto.Signer, opts Options) (*Signer, error) {
	ph, err := NewKeypair(key, true)
	if err != nil {
		return nil, err
	}
	pure, err := NewKeypair(key, false)
	if err != nil {
		return nil, err
	}
	s := &Signer{keyBased: true, key: ph, pure: pure, opts: opts}
	if s.verifyPH, err = keyMaterial(ph); err != nil {
		return nil, err
	}
	if s.checkDS, err = pure.verifier(); err != nil {
		return nil, err
	}
	if opts.SigningConfig != nil {
		if err := s.selectServices(opts.SigningConfig, false); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// NewKeylessSigner returns a Signer that gets a certificate for idToken
// (an OIDC JWT, see [TokenFromEnv]) from Fulcio. No request is made until
// the first signature.
func NewKeylessSigner(idToken string, opts Options) (*Signer, error) {
	if _, err := tokenSubject(idToken); err != nil {
		return nil, err
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	kp, err := NewKeypair(priv, false)
	if err != nil {
		return nil, err
	}
	s := &Signer{key: kp, pure: kp, token: idToken, opts: opts}
	sc := opts.SigningConfig
	if sc == nil {
		sc = PublicGoodSigningConfig()
	}
	if err := s.selectServices(sc, true); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Signer) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

func (s *Signer) timeout() time.Duration {
	if s.opts.Timeout > 0 {
		return s.opts.Timeout
	}
	return 30 * time.Second
}

func (s *Signer) selectServices(sc *root.SigningConfig, keyless bool) error {
	now := s.now()
	if keyless {
		svc, err := root.SelectService(sc.FulcioCertificateAuthorityURLs(), sgsign.FulcioAPIVersions, now)
		if err != nil {
			return fmt.Errorf("%w: signing config has no usable Fulcio certificate authority: %w", ErrInvalidOptions, err)
		}
		f := sgsign.NewFulcio(&sgsign.FulcioOptions{BaseURL: svc.URL, Timeout: s.timeout(), Retries: s.opts.Retries, Transport: bufferedTransport{s.opts.Transport}})
		s.cert = &cachedCert{fulcio: f, url: svc.URL}
	}
	if len(sc.TimestampAuthorityURLs()) > 0 {
		svcs, err := root.SelectServices(sc.TimestampAuthorityURLs(), sc.TimestampAuthorityURLsConfig(), sgsign.TimestampAuthorityAPIVersions, now)
		if err != nil {
			return fmt.Errorf("%w: signing config timestamp authorities: %w", ErrInvalidOptions, err)
		}
		for _, svc := range svcs {
			s.tsas = append(s.tsas, sgsign.NewTimestampAuthority(&sgsign.TimestampAuthorityOptions{
				URL: svc.URL, Timeout: s.timeout(), Retries: s.opts.Retries, Transport: bufferedTransport{s.opts.Transport}}))
			s.tsaURLs = append(s.tsaURLs, svc.URL)
		}
	}
	if len(sc.RekorLogURLs()) > 0 {
		svcs, err := root.SelectServices(sc.RekorLogURLs(), sc.RekorLogURLsConfig(), sgsign.RekorAPIVersions, now)
		if err != nil {
			return fmt.Errorf("%w: signing config transparency logs: %w", ErrInvalidOptions, err)
		}
		for _, svc := range svcs {
			if svc.MajorAPIVersion == 2 && len(s.tsas) == 0 {
				return fmt.Errorf("%w: Rekor v2 log %s needs a timestamp authority, and the signing config has none", ErrInvalidOptions, svc.URL)
			}
		}
		s.rekors = svcs
	}
	if keyless && len(s.rekors) == 0 && len(s.tsas) == 0 {
		// A certificate lives ten minutes: without a log entry or a signed
		// timestamp nobody could later tell the signature was made in time.
		return fmt.Errorf("%w: keyless signing needs a transparency log or a timestamp authority in the signing config", ErrInvalidOptions)
	}
	return nil
}

// Hash is the digest algorithm [Signer.SignDigest] expects: SHA-256 for
// ECDSA P-256, RSA and keyless; SHA-384 for P-384; SHA-512 for P-521 and
// Ed25519 (Ed25519ph).
func (s *Signer) Hash() crypto.Hash { return s.key.alg.GetHashType() }

// SignBlob reads artifact to its end and returns a message-signature
// bundle over it, as JSON.
func (s *Signer) SignBlob(ctx context.Context, artifact io.Reader) ([]byte, error) {
	h := s.Hash().New()
	if _, err := io.Copy(h, artifact); err != nil {
		return nil, fmt.Errorf("read artifact: %w", err)
	}
	return s.SignDigest(ctx, s.Hash(), h.Sum(nil))
}

// SignDigest returns a message-signature bundle over the artifact whose
// digest (computed with alg, which must be [Signer.Hash]) is given.
func (s *Signer) SignDigest(ctx context.Context, alg crypto.Hash, digest []byte) ([]byte, error) {
	if alg != s.Hash() {
		return nil, fmt.Errorf("%w: digest is %v, this key signs %v digests", ErrInvalidOptions, alg, s.Hash())
	}
	if len(digest) != alg.Size() {
		return nil, fmt.Errorf("%w: %v digest is %d bytes, want %d", ErrInvalidOptions, alg, len(digest), alg.Size())
	}
	d := bytes.Clone(digest)
	kp := digestKeypair{Keypair: s.key, digest: d}
	pb, err := s.bundle(ctx, &digestContent{digest: d}, kp)
	if err != nil {
		return nil, err
	}
	protoAlg := s.key.GetHashAlgorithm()
	if err := s.check(pb, s.verifyPH, verify.WithArtifactDigest(hashName(protoAlg), d)); err != nil {
		return nil, err
	}
	return marshal(pb)
}

// Attest returns a bundle holding a DSSE envelope of statement (an in-toto
// Statement JSON, payload type application/vnd.in-toto+json), as JSON. The
// statement is signed as given; it must be a JSON object with a "_type".
func (s *Signer) Attest(ctx context.Context, statement []byte) ([]byte, error) {
	if len(statement) > MaxStatementSize {
		return nil, fmt.Errorf("statement is %d bytes, more than %d", len(statement), MaxStatementSize)
	}
	var probe struct {
		Type string `json:"_type"`
	}
	if err := json.Unmarshal(statement, &probe); err != nil {
		return nil, fmt.Errorf("statement is not a JSON object: %w", err)
	}
	if probe.Type == "" {
		return nil, errors.New("statement has no \"_type\" (want an in-toto Statement)")
	}
	pb, err := s.bundle(ctx, &sgsign.DSSEData{Data: statement, PayloadType: InTotoPayloadType}, s.pure)
	if err != nil {
		return nil, err
	}
	if s.keyBased {
		err = s.checkEnvelope(pb)
	} else {
		// Keyless: check verifies against Options.TrustedMaterial; a key
		// is no part of it.
		err = s.check(pb, nil, verify.WithoutArtifactUnsafe())
	}
	if err != nil {
		return nil, err
	}
	return marshal(pb)
}

// checkEnvelope checks a fresh key-signed DSSE bundle as check does for a
// key-based Signer — its structure, and its one signature over the
// envelope's PAE with the Signer's own key; no log or timestamp keys are
// known here — without building a sigstore-go verifier per bundle, which
// cost several times the signature itself (vouch serve signs a VSA with
// every decision).
func (s *Signer) checkEnvelope(pb *protobundle.Bundle) error {
	if _, err := bundle.NewBundle(pb); err != nil {
		return fmt.Errorf("made an invalid bundle: %w", err)
	}
	env := pb.GetDsseEnvelope()
	if env == nil || len(env.GetSignatures()) != 1 {
		return errors.New("made an invalid bundle: expected a DSSE envelope with one signature")
	}
	if inProcessKey(s.pure.signer) {
		// Go's own signing with a key held in this process cannot disagree
		// with the public key it derives: the check guards signers outside
		// it (a KMS, a hardware key, a wrapper), and costs more than the
		// signature (vouch serve signs a VSA with every decision).
		return nil
	}
	pae := dsse.PAE(env.GetPayloadType(), env.GetPayload())
	if err := s.checkDS.VerifySignature(bytes.NewReader(env.GetSignatures()[0].GetSig()), bytes.NewReader(pae)); err != nil {
		return fmt.Errorf("the new bundle does not verify: %w", err)
	}
	return nil
}

// bundle runs sigstore-go's sign.Bundle with this Signer's services.
func (s *Signer) bundle(ctx context.Context, content sgsign.Content, kp sgsign.Keypair) (*protobundle.Bundle, error) {
	opts := sgsign.BundleOptions{Context: ctx}
	if s.cert != nil {
		opts.CertificateProvider = s.cert
		opts.CertificateProviderOptions = &sgsign.CertificateProviderOptions{IDToken: s.token}
	}
	for _, svc := range s.rekors {
		// A fresh client per bundle: sign.Rekor fills in its client lazily
		// and is not safe to share between goroutines.
		r := sgsign.NewRekor(&sgsign.RekorOptions{BaseURL: svc.URL, Timeout: s.timeout(), Retries: s.opts.Retries, Version: svc.MajorAPIVersion})
		opts.TransparencyLogs = append(opts.TransparencyLogs, &rekorLog{r, svc.URL})
	}
	pb, err := sgsign.Bundle(content, kp, opts)
	if err != nil {
		return nil, err
	}
	// Timestamps are fetched here rather than by sign.Bundle so a failure
	// names the timestamp authority; the request is the same (the SHA-256 of
	// the signature) and RFC 3161 timestamps do not depend on log entries.
	if len(s.tsas) > 0 {
		sig := signatureOf(pb)
		vm := pb.GetVerificationMaterial()
		if vm.TimestampVerificationData == nil {
			vm.TimestampVerificationData = &protobundle.TimestampVerificationData{}
		}
		for i, tsa := range s.tsas {
			ts, err := tsa.GetTimestamp(ctx, sig)
			if err != nil {
				return nil, &ServiceError{Service: "tsa", URL: s.tsaURLs[i], Err: err}
			}
			vm.TimestampVerificationData.Rfc3161Timestamps = append(vm.TimestampVerificationData.Rfc3161Timestamps,
				&protocommon.RFC3161SignedTimestamp{SignedTimestamp: ts})
		}
	}
	return pb, nil
}

func signatureOf(pb *protobundle.Bundle) []byte {
	if ms := pb.GetMessageSignature(); ms != nil {
		return ms.GetSignature()
	}
	if env := pb.GetDsseEnvelope(); env != nil && len(env.GetSignatures()) > 0 {
		return env.GetSignatures()[0].GetSig()
	}
	return nil
}

// check verifies a fresh bundle: always its structure; a key-signed bundle
// against the key; a keyless one against Options.TrustedMaterial when set.
func (s *Signer) check(pb *protobundle.Bundle, keyTM root.TrustedMaterial, artifact verify.ArtifactPolicyOption) error {
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return fmt.Errorf("made an invalid bundle: %w", err)
	}
	var tm root.TrustedMaterial
	var vopts []verify.VerifierOption
	policy := []verify.PolicyOption{verify.WithoutIdentitiesUnsafe()}
	switch {
	case s.keyBased:
		// Only the signature is checked: the log and TSA keys are not known
		// here, and a key-signed bundle's time is not what makes it valid.
		tm = keyTM
		vopts = append(vopts, verify.WithNoObserverTimestamps())
		policy = []verify.PolicyOption{verify.WithKey()}
	case s.opts.TrustedMaterial != nil:
		tm = s.opts.TrustedMaterial
		if len(s.rekors) > 0 {
			vopts = append(vopts, verify.WithTransparencyLog(len(s.rekors)))
		}
		if len(s.tsas) > 0 {
			vopts = append(vopts, verify.WithSignedTimestamps(len(s.tsas)))
		} else {
			vopts = append(vopts, verify.WithIntegratedTimestamps(len(s.rekors)))
		}
	default:
		return nil
	}
	v, err := verify.NewVerifier(tm, vopts...)
	if err != nil {
		return fmt.Errorf("check new bundle: %w", err)
	}
	if _, err := v.Verify(b, verify.NewPolicy(artifact, policy...)); err != nil {
		return fmt.Errorf("the new bundle does not verify: %w", err)
	}
	return nil
}

// keyMaterial trusts exactly kp's public key, under its hint.
func keyMaterial(kp *Keypair) (root.TrustedMaterial, error) {
	v, err := kp.verifier()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
	}
	key := root.NewExpiringKey(v, time.Time{}, time.Time{})
	hint := string(kp.hint)
	return root.NewTrustedPublicKeyMaterial(func(h string) (root.TimeConstrainedVerifier, error) {
		if h != hint {
			return nil, fmt.Errorf("bundle names key %q, not %q", h, hint)
		}
		return key, nil
	}), nil
}

// KeyTrustedMaterial returns trusted material holding just pub, for
// verifying key-signed bundles with sigstore-go's verify package. Ed25519
// message signatures are Ed25519ph and DSSE envelopes pure Ed25519, so say
// which the bundle holds; other keys ignore messageSignature.
func KeyTrustedMaterial(pub crypto.PublicKey, messageSignature bool) (root.TrustedMaterial, error) {
	kp, err := NewKeypair(publicOnly{pub}, messageSignature)
	if err != nil {
		return nil, err
	}
	return keyMaterial(kp)
}

// publicOnly is a crypto.Signer that only knows its public key.
type publicOnly struct{ pub crypto.PublicKey }

func (p publicOnly) Public() crypto.PublicKey { return p.pub }
func (p publicOnly) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("public key only")
}

func hashName(a protocommon.HashAlgorithm) string {
	switch a {
	case protocommon.HashAlgorithm_SHA2_384:
		return "sha384"
	case protocommon.HashAlgorithm_SHA2_512:
		return "sha512"
	}
	return "sha256"
}

// marshal renders a bundle as indented JSON. protojson deliberately varies
// its whitespace between runs; re-indenting makes the bytes depend only on
// the content, so Ed25519 bundles (deterministic signatures) are reproducible.
func marshal(pb *protobundle.Bundle) ([]byte, error) {
	raw, err := protojson.Marshal(pb)
	if err != nil {
		return nil, fmt.Errorf("encode bundle: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, fmt.Errorf("encode bundle: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// cachedCert fetches one Fulcio certificate for the Signer's ephemeral key
// and reuses it for every artifact, as one `cosign sign-blob` run would.
type cachedCert struct {
	fulcio *sgsign.Fulcio
	url    string
	mu     sync.Mutex
	der    []byte
}

func (c *cachedCert) GetCertificate(ctx context.Context, kp sgsign.Keypair, o *sgsign.CertificateProviderOptions) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.der != nil {
		return c.der, nil
	}
	if dk, ok := kp.(digestKeypair); ok {
		kp = dk.Keypair // proof of possession is signed normally
	}
	der, err := c.fulcio.GetCertificate(ctx, kp, o)
	if err != nil {
		return nil, &ServiceError{Service: "fulcio", URL: c.url, Err: err}
	}
	c.der = der
	return der, nil
}

// rekorLog names the log in errors.
type rekorLog struct {
	r   *sgsign.Rekor
	url string
}

func (l *rekorLog) GetTransparencyLogEntry(ctx context.Context, keyOrCert []byte, b *protobundle.Bundle) error {
	if err := l.r.GetTransparencyLogEntry(ctx, keyOrCert, b); err != nil {
		return &ServiceError{Service: "rekor", URL: l.url, Err: err}
	}
	return nil
}

// inProcessKey reports a private key of Go's standard library, whose
// signatures are made in this process by Go's own implementation.
func inProcessKey(k crypto.Signer) bool {
	switch k.(type) {
	case *ecdsa.PrivateKey, ed25519.PrivateKey, *rsa.PrivateKey:
		return true
	}
	return false
}
