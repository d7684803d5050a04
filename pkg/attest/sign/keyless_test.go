package sign

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/vouchdev/vouch/pkg/attest/sign/signtest"
)

// verifyKeyless verifies a bundle against the fake Sigstore's trusted
// material with the identity policy a user would give.
func verifyKeyless(t *testing.T, ss *signtest.Sigstore, data []byte, artifact verify.ArtifactPolicyOption, identity string) error {
	t.Helper()
	b := parseBundle(t, data)
	v, err := verify.NewVerifier(ss.TrustedMaterial(), verify.WithTransparencyLog(1), verify.WithSignedTimestamps(1))
	if err != nil {
		t.Fatal(err)
	}
	id, err := verify.NewShortCertificateIdentity(signtest.Issuer, "", identity, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(b, verify.NewPolicy(artifact, verify.WithCertificateIdentity(id)))
	return err
}

func TestKeyless(t *testing.T) {
	ss := signtest.New(t)
	s, err := NewKeylessSigner(ss.IDToken(), Options{SigningConfig: ss.SigningConfig(), TrustedMaterial: ss.TrustedMaterial()})
	if err != nil {
		t.Fatal(err)
	}
	artifact := readTestdata(t, "artifact.txt")
	blob, err := s.SignBlob(context.Background(), bytes.NewReader(artifact))
	if err != nil {
		t.Fatal(err)
	}
	att, err := s.Attest(context.Background(), readTestdata(t, "statement.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		out []byte
		art verify.ArtifactPolicyOption
	}{
		"blob":   {blob, verify.WithArtifact(bytes.NewReader(artifact))},
		"attest": {att, verify.WithArtifactDigest("sha256", sha256Of(artifact))},
	} {
		t.Run(name, func(t *testing.T) {
			b := parseBundle(t, tc.out)
			vm := b.GetVerificationMaterial()
			if vm.GetCertificate() == nil {
				t.Error("no certificate in the bundle")
			}
			if len(vm.GetTlogEntries()) != 1 {
				t.Errorf("%d log entries, want 1", len(vm.GetTlogEntries()))
			}
			kind := vm.GetTlogEntries()[0].GetKindVersion().GetKind()
			if want := map[string]string{"blob": "hashedrekord", "attest": "dsse"}[name]; kind != want {
				t.Errorf("log entry kind %q, want %q", kind, want)
			}
			if n := len(vm.GetTimestampVerificationData().GetRfc3161Timestamps()); n != 1 {
				t.Errorf("%d timestamps, want 1", n)
			}
			if err := verifyKeyless(t, ss, tc.out, tc.art, signtest.Identity); err != nil {
				t.Fatalf("does not verify: %v", err)
			}
			if err := verifyKeyless(t, ss, tc.out, verify.WithArtifact(strings.NewReader("other")), signtest.Identity); err == nil {
				t.Error("verifies for another artifact")
			}
			if err := verifyKeyless(t, ss, tc.out, tc.art, "someone-else@example.com"); err == nil {
				t.Error("verifies for another identity")
			}
		})
	}
	if att != nil {
		checkStatement(t, parseBundle(t, att).GetDsseEnvelope().GetPayload())
	}
	// One certificate serves every artifact of a run.
	if n := ss.Requests("fulcio"); n != 1 {
		t.Errorf("%d Fulcio requests for two signatures, want 1", n)
	}
}

// TestKeylessFailures: each service failing gives an error naming it.
func TestKeylessFailures(t *testing.T) {
	artifact := readTestdata(t, "artifact.txt")
	for _, tc := range []struct {
		name    string
		token   func(*signtest.Sigstore) string
		setup   func(*signtest.Sigstore)
		service string
		want    string
	}{
		{"bad token", func(*signtest.Sigstore) string { return signtest.Token(signtest.Issuer, "mallory@example.com") }, nil,
			"fulcio", "Fulcio returned 401"},
		{"fulcio error", nil, func(ss *signtest.Sigstore) { ss.FailFulcio.Store(http.StatusInternalServerError) },
			"fulcio", "Fulcio returned 500"},
		{"rekor error", nil, func(ss *signtest.Sigstore) { ss.FailRekor.Store(http.StatusBadRequest) },
			"rekor", "createLogEntryBadRequest"},
		{"tsa error", nil, func(ss *signtest.Sigstore) { ss.FailTSA.Store(http.StatusServiceUnavailable) },
			"tsa", "timestamp authority returned 503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ss := signtest.New(t)
			tok := ss.IDToken()
			if tc.token != nil {
				tok = tc.token(ss)
			}
			if tc.setup != nil {
				tc.setup(ss)
			}
			s, err := NewKeylessSigner(tok, Options{SigningConfig: ss.SigningConfig(), TrustedMaterial: ss.TrustedMaterial()})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.SignBlob(context.Background(), bytes.NewReader(artifact))
			var se *ServiceError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *ServiceError", err)
			}
			if se.Service != tc.service {
				t.Errorf("service = %q, want %q (%v)", se.Service, tc.service, err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "127.0.0.1") {
				t.Errorf("err = %q, want it to contain %q and the service URL", err, tc.want)
			}
			if strings.Contains(err.Error(), tok) {
				t.Error("the error message contains the token")
			}
		})
	}
}

func TestNewKeylessSignerRejects(t *testing.T) {
	ss := signtest.New(t)
	for _, tc := range []struct {
		name, token string
		is          error
	}{
		{"not a JWT", "not-a-token", ErrInvalidToken},
		{"payload not base64", "a.!!!.c", ErrInvalidToken},
		{"no issuer", b64json(`{"sub":"x"}`), ErrInvalidToken},
		{"no subject", b64json(`{"iss":"x"}`), ErrInvalidToken},
	} {
		if _, err := NewKeylessSigner(tc.token, Options{SigningConfig: ss.SigningConfig()}); !errors.Is(err, tc.is) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.is)
		}
	}
	if ss.Requests("fulcio") != 0 {
		t.Error("a malformed token reached Fulcio")
	}
	// A config without Fulcio cannot sign keylessly.
	noCA, err := ParseSigningConfig([]byte(`{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json","rekorTlogConfig":{"selector":"ANY"},"tsaConfig":{"selector":"ANY"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewKeylessSigner(ss.IDToken(), Options{SigningConfig: noCA}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("no Fulcio: err = %v", err)
	}
}

// TestKeylessDefaultsToPublicGood checks the default services without
// contacting them: building a Signer makes no request.
func TestKeylessDefaultsToPublicGood(t *testing.T) {
	s, err := NewKeylessSigner(signtest.Token(signtest.Issuer, signtest.Identity), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.cert.url != "https://fulcio.sigstore.dev" || len(s.rekors) != 1 || s.rekors[0].URL != "https://rekor.sigstore.dev" ||
		len(s.tsaURLs) != 1 || s.tsaURLs[0] != "https://timestamp.sigstore.dev/api/v1/timestamp" {
		t.Errorf("services: fulcio %s, rekor %v, tsa %v", s.cert.url, s.rekors, s.tsaURLs)
	}
}
