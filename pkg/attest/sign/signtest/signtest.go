// Package signtest runs a fake Sigstore on loopback for tests: a Fulcio
// (POST /api/v2/signingCert), a Rekor v1 (POST /api/v1/log/entries) and an
// RFC 3161 timestamp authority (POST /api/v1/timestamp), each an
// httptest.Server speaking the real wire protocol, so sigstore-go's own
// clients talk to them unchanged.
//
// The Rekor log key, its signed entry timestamps and inclusion proofs come
// from sigstore-go's pkg/testing/ca VirtualSigstore. Fulcio and the TSA need
// to sign for a key or digest they are sent, which VirtualSigstore cannot do
// (its CA keys are unexported), so this package builds their certificate
// chains with the same pkg/testing/ca generators and signs with its own keys.
// [Sigstore.TrustedMaterial] joins the two, for sigstore-go's verifier.
package signtest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/go-openapi/runtime"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/types"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	// Register the Rekor entry types the fake log accepts.
	_ "github.com/sigstore/rekor/pkg/types/dsse/v0.0.1"
	_ "github.com/sigstore/rekor/pkg/types/hashedrekord/v0.0.1"
)

// Identity and Issuer are what [Sigstore.Token] asserts and Fulcio certifies.
const (
	Identity = "signer@example.com"
	Issuer   = "https://issuer.example.com"
)

// maxRequest bounds request bodies the fake services read.
const maxRequest = 1 << 20

// Sigstore is a running fake Sigstore. Set the Fail* fields to an HTTP
// status to make a service answer every request with it.
type Sigstore struct {
	FulcioURL, RekorURL, TSAURL string

	FailFulcio, FailRekor, FailTSA atomic.Int32

	// Requests counts requests per service ("fulcio", "rekor", "tsa").
	mu       sync.Mutex
	requests map[string]int

	vs          *ca.VirtualSigstore
	root        *x509.Certificate
	fulcioInter *x509.Certificate
	fulcioKey   *ecdsa.PrivateKey
	tsaInter    *x509.Certificate
	tsaLeaf     *x509.Certificate
	tsaKey      *ecdsa.PrivateKey
	token       string
}

// New starts the three services; they stop when the test ends.
func New(t testing.TB) *Sigstore {
	t.Helper()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	rootCert, rootKey, err := ca.GenerateRootCa()
	if err != nil {
		t.Fatal(err)
	}
	fInter, fKey, err := ca.GenerateFulcioIntermediate(rootCert, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	tInter, tInterKey, err := ca.GenerateTSAIntermediate(rootCert, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	tKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tLeaf, err := ca.GenerateTSALeafCert(time.Now().Add(-5*time.Minute), tKey, tInter, tInterKey)
	if err != nil {
		t.Fatal(err)
	}
	s := &Sigstore{
		requests: map[string]int{},
		vs:       vs, root: rootCert, fulcioInter: fInter, fulcioKey: fKey,
		tsaInter: tInter, tsaLeaf: tLeaf, tsaKey: tKey,
	}
	s.token = Token(Issuer, Identity)
	serve := func(name, path string, h func(http.ResponseWriter, *http.Request) error, fail *atomic.Int32) string {
		mux := http.NewServeMux()
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			s.requests[name]++
			s.mu.Unlock()
			if r.Method != http.MethodPost {
				http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
				return
			}
			if code := fail.Load(); code != 0 {
				writeJSON(w, int(code), map[string]any{"code": code, "message": name + " is failing on purpose"})
				return
			}
			if err := h(w, r); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]any{"code": 400, "message": err.Error()})
			}
		})
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	s.FulcioURL = serve("fulcio", "/api/v2/signingCert", s.fulcio, &s.FailFulcio)
	s.RekorURL = serve("rekor", "/api/v1/log/entries", s.rekor, &s.FailRekor)
	s.TSAURL = serve("tsa", "/api/v1/timestamp", s.tsa, &s.FailTSA) + "/api/v1/timestamp"
	return s
}

// Requests returns how many requests service ("fulcio", "rekor", "tsa") got.
func (s *Sigstore) Requests(service string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[service]
}

// IDToken is a token this Fulcio accepts, for [Identity] at [Issuer].
func (s *Sigstore) IDToken() string { return s.token }

// Token builds an unsigned JWT-shaped token for subject at issuer, with the
// audience "sigstore". Only this fake Fulcio accepts it, and only when it is
// exactly its [Sigstore.IDToken].
func Token(issuer, subject string) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "none", "typ": "JWT"}) + "." +
		enc(map[string]any{"iss": issuer, "sub": subject, "email": subject, "email_verified": true, "aud": "sigstore", "exp": 4102444800}) +
		"." + base64.RawURLEncoding.EncodeToString([]byte("not-a-signature"))
}

// SigningConfigJSON is a signing_config.json pointing at the fake services.
func (s *Sigstore) SigningConfigJSON() []byte {
	svc := func(url string) []map[string]any {
		return []map[string]any{{"url": url, "majorApiVersion": 1, "validFor": map[string]string{"start": "2020-01-01T00:00:00Z"}, "operator": "loopback"}}
	}
	b, _ := json.MarshalIndent(map[string]any{
		"mediaType":       root.SigningConfigMediaType02,
		"caUrls":          svc(s.FulcioURL),
		"oidcUrls":        svc("https://issuer.example.com/auth"),
		"rekorTlogUrls":   svc(s.RekorURL),
		"tsaUrls":         svc(s.TSAURL),
		"rekorTlogConfig": map[string]string{"selector": "ANY"},
		"tsaConfig":       map[string]string{"selector": "ANY"},
	}, "", "  ")
	return b
}

// SigningConfig is [Sigstore.SigningConfigJSON] parsed.
func (s *Sigstore) SigningConfig() *root.SigningConfig {
	sc, err := root.NewSigningConfigFromJSON(s.SigningConfigJSON())
	if err != nil {
		panic(err) // built above; cannot fail
	}
	return sc
}

// TrustedMaterial trusts this fake Sigstore's Fulcio, Rekor and TSA.
func (s *Sigstore) TrustedMaterial() root.TrustedMaterial {
	return &trusted{VirtualSigstore: s.vs, s: s}
}

// TrustedRootJSON renders [Sigstore.TrustedMaterial] as a trusted_root.json,
// for verifiers that read files.
func (s *Sigstore) TrustedRootJSON() ([]byte, error) {
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01,
		s.TrustedMaterial().FulcioCertificateAuthorities(), s.vs.CTLogs(),
		s.TrustedMaterial().TimestampingAuthorities(), s.vs.RekorLogs())
	if err != nil {
		return nil, err
	}
	return tr.MarshalJSON()
}

type trusted struct {
	*ca.VirtualSigstore
	s *Sigstore
}

func (t *trusted) FulcioCertificateAuthorities() []root.CertificateAuthority {
	return []root.CertificateAuthority{&root.FulcioCertificateAuthority{
		Root: t.s.root, Intermediates: []*x509.Certificate{t.s.fulcioInter},
		ValidityPeriodStart: time.Now().Add(-time.Hour), ValidityPeriodEnd: time.Now().Add(time.Hour),
		URI: t.s.FulcioURL,
	}}
}

func (t *trusted) TimestampingAuthorities() []root.TimestampingAuthority {
	return []root.TimestampingAuthority{&root.SigstoreTimestampingAuthority{
		Root: t.s.root, Intermediates: []*x509.Certificate{t.s.tsaInter}, Leaf: t.s.tsaLeaf,
		ValidityPeriodStart: time.Now().Add(-time.Hour), ValidityPeriodEnd: time.Now().Add(time.Hour),
		URI: t.s.TSAURL,
	}}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRequest {
		return nil, errors.New("request too large")
	}
	return b, nil
}

// fulcio implements Fulcio's v2 signingCert for a public key with a proof of
// possession: the token must be IDToken, the proof a signature over the
// token's subject by the key being certified.
func (s *Sigstore) fulcio(w http.ResponseWriter, r *http.Request) error {
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"code": 16, "message": "There was an error processing the identity token"})
		return nil
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var req struct {
		PublicKeyRequest struct {
			PublicKey struct {
				Algorithm string `json:"algorithm"`
				Content   string `json:"content"`
			} `json:"publicKey"`
			ProofOfPossession string `json:"proofOfPossession"`
		} `json:"publicKeyRequest"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return fmt.Errorf("request: %w", err)
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey([]byte(req.PublicKeyRequest.PublicKey.Content))
	if err != nil {
		return fmt.Errorf("public key: %w", err)
	}
	pop, err := base64.StdEncoding.DecodeString(req.PublicKeyRequest.ProofOfPossession)
	if err != nil {
		return fmt.Errorf("proof of possession: %w", err)
	}
	v, err := signature.LoadDefaultVerifier(pub)
	if err != nil {
		return err
	}
	if err := v.VerifySignature(bytes.NewReader(pop), strings.NewReader(Identity)); err != nil {
		return fmt.Errorf("proof of possession does not verify: %w", err)
	}
	leaf, err := ca.GenerateLeafCert(Identity, Issuer, time.Now().Add(-time.Minute), publicOnly{pub}, s.fulcioInter, s.fulcioKey)
	if err != nil {
		return err
	}
	var chain []string
	for _, c := range []*x509.Certificate{leaf, s.fulcioInter, s.root} {
		chain = append(chain, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})))
	}
	writeJSON(w, http.StatusOK, map[string]any{"signedCertificateEmbeddedSct": map[string]any{"chain": map[string]any{"certificates": chain}}})
	return nil
}

// publicOnly lets ca.GenerateLeafCert certify a key it only has the public half of.
type publicOnly struct{ pub crypto.PublicKey }

func (p publicOnly) Public() crypto.PublicKey { return p.pub }
func (p publicOnly) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("public key only")
}

// rekor implements Rekor v1's createLogEntry for hashedrekord and dsse
// entries: the entry is validated and canonicalised by Rekor's own type
// code, then returned with a signed entry timestamp and an inclusion proof
// from the VirtualSigstore's log key.
func (s *Sigstore) rekor(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pe, err := models.UnmarshalProposedEntry(r.Body, runtime.JSONConsumer())
	if err != nil {
		return fmt.Errorf("proposed entry: %w", err)
	}
	impl, err := types.CreateVersionedEntry(pe)
	if err != nil {
		return fmt.Errorf("entry: %w", err)
	}
	body, err := types.CanonicalizeEntry(ctx, impl)
	if err != nil {
		return fmt.Errorf("canonicalize: %w", err)
	}
	logID, err := s.vs.RekorLogID()
	if err != nil {
		return err
	}
	// Every entry is the only leaf of its own one-entry tree: index 0, which
	// is what the VirtualSigstore's inclusion proofs describe.
	var index int64
	now := time.Now().Unix()
	b64 := base64.StdEncoding.EncodeToString(body)
	set, err := s.vs.RekorSignPayload(tlog.RekorPayload{Body: b64, IntegratedTime: now, LogIndex: index, LogID: logID})
	if err != nil {
		return err
	}
	proof, err := s.vs.GetInclusionProof(body)
	if err != nil {
		return err
	}
	leaf := sha256.Sum256(append([]byte{0}, body...))
	uuid := hex.EncodeToString(leaf[:])
	entry := models.LogEntry{uuid: models.LogEntryAnon{
		Body: b64, IntegratedTime: &now, LogID: &logID, LogIndex: &index,
		Verification: &models.LogEntryAnonVerification{SignedEntryTimestamp: set, InclusionProof: proof},
	}}
	w.Header().Set("ETag", uuid)
	w.Header().Set("Location", "/api/v1/log/entries/"+uuid)
	writeJSON(w, http.StatusCreated, entry)
	return nil
}

// tsa implements an RFC 3161 timestamp authority over HTTP.
func (s *Sigstore) tsa(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	req, err := timestamp.ParseRequest(body)
	if err != nil {
		return fmt.Errorf("timestamp request: %w", err)
	}
	ts := timestamp.Timestamp{
		HashAlgorithm:   req.HashAlgorithm,
		HashedMessage:   req.HashedMessage,
		Time:            time.Now(),
		Nonce:           req.Nonce,
		Policy:          asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 2},
		ExtraExtensions: req.Extensions,
	}
	resp, err := ts.CreateResponseWithOpts(s.tsaLeaf, s.tsaKey, crypto.SHA256)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(resp)
	return nil
}
