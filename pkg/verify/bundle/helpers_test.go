package bundle_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

const (
	testIdentity = "https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main"
	testIssuer   = "https://token.actions.githubusercontent.com"
	slsaV1       = "https://slsa.dev/provenance/v1"
)

// statementFor is an in-toto v1 statement with one subject: the artifact.
func statementFor(t testing.TB, artifact []byte, stType string) []byte {
	t.Helper()
	sum := sha256.Sum256(artifact)
	st := map[string]any{
		"_type":         stType,
		"subject":       []any{map[string]any{"name": "artifact", "digest": map[string]string{"sha256": hex.EncodeToString(sum[:])}}},
		"predicateType": slsaV1,
		"predicate":     map[string]any{"buildDefinition": map[string]any{"buildType": "https://example.com/build"}},
	}
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func digestOf(t testing.TB, data []byte) bundle.Artifact {
	t.Helper()
	sum := sha256.Sum256(data)
	a, err := bundle.ArtifactDigest("sha256:" + hex.EncodeToString(sum[:]))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// keySigner makes key-signed bundles with an in-memory ECDSA P-256 key,
// through sigstore-go's sign package (no log, no TSA: cosign
// --tlog-upload=false shape).
type keySigner struct {
	kp  *sign.EphemeralKeypair
	key *trust.Key
}

func newKeySigner(t testing.TB) *keySigner {
	t.Helper()
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	pemStr, err := kp.GetPublicKeyPem()
	if err != nil {
		t.Fatal(err)
	}
	key, err := trust.FromPublicKey([]byte(pemStr))
	if err != nil {
		t.Fatal(err)
	}
	return &keySigner{kp: kp, key: key}
}

func (s *keySigner) sign(t testing.TB, content sign.Content) *sgbundle.Bundle {
	t.Helper()
	pb, err := sign.Bundle(content, s.kp, sign.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := sgbundle.NewBundle(pb)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (s *keySigner) dsse(t testing.TB, payload []byte, payloadType string) *sgbundle.Bundle {
	return s.sign(t, &sign.DSSEData{Data: payload, PayloadType: payloadType})
}

func (s *keySigner) blob(t testing.TB, artifact []byte) *sgbundle.Bundle {
	return s.sign(t, &sign.PlainData{Data: artifact})
}

// marshal round-trips a bundle through JSON, as a file on disk would be.
func marshal(t testing.TB, b *sgbundle.Bundle) []byte {
	t.Helper()
	data, err := b.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// virtual is sigstore-go's offline fake Sigstore, without CT logs: its
// certificates carry no SCTs.
type virtual struct{ *ca.VirtualSigstore }

func (virtual) CTLogs() map[string]*root.TransparencyLog { return nil }

func newVirtual(t testing.TB) virtual {
	t.Helper()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	return virtual{vs}
}

// stripped is a signed entity without its log entries and timestamps.
type stripped struct{ sgverify.SignedEntity }

func (stripped) TlogEntries() ([]*tlog.Entry, error) { return nil, nil }
func (stripped) Timestamps() ([][]byte, error)       { return nil, nil }
func (stripped) HasInclusionPromise() bool           { return false }
func (stripped) HasInclusionProof() bool             { return false }

// expiredCert signs artifact with a Fulcio-style certificate that expired
// two hours ago, with no log entry and no timestamp; tm trusts its CA.
func expiredCert(t testing.TB, artifact []byte) (sgverify.SignedEntity, root.TrustedMaterial) {
	t.Helper()
	rootCert, rootKey, err := ca.GenerateRootCa()
	if err != nil {
		t.Fatal(err)
	}
	interCert, interKey, err := ca.GenerateFulcioIntermediate(rootCert, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.GenerateLeafCert(testIdentity, testIssuer, time.Now().Add(-2*time.Hour), leafKey, interCert, interKey)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signature.LoadECDSASignerVerifier(leafKey, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signer.SignMessage(bytes.NewReader(artifact))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(artifact)
	pb := &protobundle.Bundle{
		MediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: leaf.Raw}},
		},
		Content: &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
			MessageDigest: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: sum[:]},
			Signature:     sig,
		}},
	}
	entity := &sgbundle.Bundle{Bundle: pb}
	tm := &caMaterial{ca: &root.FulcioCertificateAuthority{
		Root:          rootCert,
		Intermediates: []*x509.Certificate{interCert},
	}}
	return entity, tm
}

type caMaterial struct {
	root.BaseTrustedMaterial
	ca root.CertificateAuthority
}

func (m *caMaterial) FulcioCertificateAuthorities() []root.CertificateAuthority {
	return []root.CertificateAuthority{m.ca}
}
