package bundle_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// TestValidBundles is the control group of the adversarial table: the
// same fixtures, untampered, verify and yield complete evidence.
func TestValidBundles(t *testing.T) {
	ctx := context.Background()
	artifact := []byte("release artifact v1\n")
	ks := newKeySigner(t)
	vs := newVirtual(t)

	t.Run("key dsse digest", func(t *testing.T) {
		b := ks.dsse(t, statementFor(t, artifact, bundle.StatementTypeV1), sgbundle.IntotoMediaType)
		ev, err := bundle.Verify(ctx, b, digestOf(t, artifact), ks.key, bundle.Policy{})
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind != bundle.KindDSSE || ev.PredicateType != slsaV1 || ev.Statement == nil || ev.Signer.KeyID != ks.key.ID() {
			t.Errorf("evidence %+v", ev)
		}
		if ev.TlogEntries != 0 || len(ev.Timestamps) != 0 {
			t.Errorf("key-signed bundle without log: evidence claims %d entries, %d timestamps", ev.TlogEntries, len(ev.Timestamps))
		}
	})
	t.Run("key dsse statement v0.1", func(t *testing.T) {
		b := ks.dsse(t, statementFor(t, artifact, bundle.StatementTypeV01), sgbundle.IntotoMediaType)
		if _, err := bundle.Verify(ctx, b, digestOf(t, artifact), ks.key, bundle.Policy{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("key blob file", func(t *testing.T) {
		b := ks.blob(t, artifact)
		ev, err := bundle.Verify(ctx, b, bundle.ArtifactFile(writeFile(t, artifact)), ks.key, bundle.Policy{})
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind != bundle.KindMessageSignature || ev.Statement != nil {
			t.Errorf("evidence %+v", ev)
		}
	})
	t.Run("key blob through JSON file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "a.sigstore.json")
		if err := os.WriteFile(path, marshal(t, ks.blob(t, artifact)), 0o600); err != nil {
			t.Fatal(err)
		}
		ev, err := bundle.VerifyFile(ctx, path, digestOf(t, artifact), ks.key, bundle.Policy{})
		if err != nil {
			t.Fatal(err)
		}
		if ev.Bundle != path {
			t.Errorf("evidence bundle %q, want %q", ev.Bundle, path)
		}
	})
	t.Run("keyless dsse", func(t *testing.T) {
		e, err := vs.Attest(testIdentity, testIssuer, statementFor(t, artifact, bundle.StatementTypeV1))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := bundle.Verify(ctx, e, digestOf(t, artifact), vs, bundle.Policy{Identity: testIdentity, Issuer: testIssuer})
		if err != nil {
			t.Fatal(err)
		}
		if ev.Signer.Identity != testIdentity || ev.Signer.Issuer != testIssuer || ev.Signer.Extensions["issuer"] != testIssuer {
			t.Errorf("signer %+v", ev.Signer)
		}
		if ev.TlogEntries != 1 || len(ev.Timestamps) == 0 {
			t.Errorf("tlog %d, timestamps %v", ev.TlogEntries, ev.Timestamps)
		}
	})
	t.Run("keyless blob with anchored regexp", func(t *testing.T) {
		e, err := vs.Sign(testIdentity, testIssuer, artifact)
		if err != nil {
			t.Fatal(err)
		}
		p := bundle.Policy{IdentityRegexp: `https://github\.com/org/repo/.*`, IssuerRegexp: `https://token\.actions\.githubusercontent\.com`}
		if _, err := bundle.Verify(ctx, e, bundle.ArtifactFile(writeFile(t, artifact)), vs, p); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("keyless insecure any identity", func(t *testing.T) {
		e, err := vs.Sign("someone@example.com", "https://accounts.example.com", artifact)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bundle.Verify(ctx, e, digestOf(t, artifact), vs, bundle.Policy{InsecureAnyIdentity: true}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestAdversarial: each attack fails, with its own sentinel.
func TestAdversarial(t *testing.T) {
	ctx := context.Background()
	artifact := []byte("release artifact v1\n")
	other := []byte("another artifact\n")
	ks := newKeySigner(t)
	stranger := newKeySigner(t)
	vs := newVirtual(t)
	otherVS := newVirtual(t)
	keyless := bundle.Policy{Identity: testIdentity, Issuer: testIssuer}
	stmt := statementFor(t, artifact, bundle.StatementTypeV1)

	type attack struct {
		name   string
		run    func(t *testing.T) error
		want   error
		reason string // a fragment of the message that explains it
	}
	attacks := []attack{
		{"tampered artifact file", func(t *testing.T) error {
			b := ks.blob(t, artifact)
			_, err := bundle.Verify(ctx, b, bundle.ArtifactFile(writeFile(t, append([]byte("x"), artifact...))), ks.key, bundle.Policy{})
			return err
		}, bundle.ErrArtifact, "not the digest signed"},
		{"tampered artifact digest", func(t *testing.T) error {
			_, err := bundle.Verify(ctx, ks.blob(t, artifact), digestOf(t, other), ks.key, bundle.Policy{})
			return err
		}, bundle.ErrArtifact, "artifact does not match digest"},
		{"valid dsse bundle for a different artifact", func(t *testing.T) error {
			_, err := bundle.Verify(ctx, ks.dsse(t, stmt, sgbundle.IntotoMediaType), digestOf(t, other), ks.key, bundle.Policy{})
			return err
		}, bundle.ErrArtifact, "does not match any digest in statement"},
		{"valid keyless bundle for a different artifact", func(t *testing.T) error {
			e, err := vs.Attest(testIdentity, testIssuer, stmt)
			if err != nil {
				t.Fatal(err)
			}
			_, err = bundle.Verify(ctx, e, bundle.ArtifactFile(writeFile(t, other)), vs, keyless)
			return err
		}, bundle.ErrArtifact, "statement"},
		{"dsse payload tampered", func(t *testing.T) error {
			b := ks.dsse(t, stmt, sgbundle.IntotoMediaType)
			env := b.GetDsseEnvelope()
			env.Payload = statementFor(t, other, bundle.StatementTypeV1)
			_, err := bundle.Verify(ctx, b, digestOf(t, other), ks.key, bundle.Policy{})
			return err
		}, bundle.ErrSignature, "could not verify envelope"},
		{"dsse payload type not in-toto", func(t *testing.T) error {
			b := ks.dsse(t, stmt, "application/json")
			_, err := bundle.Verify(ctx, b, digestOf(t, artifact), ks.key, bundle.Policy{})
			return err
		}, bundle.ErrStatement, ""},
		{"in-toto statement of unknown _type", func(t *testing.T) error {
			b := ks.dsse(t, statementFor(t, artifact, "https://in-toto.io/Statement/v9"), sgbundle.IntotoMediaType)
			_, err := bundle.Verify(ctx, b, digestOf(t, artifact), ks.key, bundle.Policy{})
			return err
		}, bundle.ErrStatement, `_type "https://in-toto.io/Statement/v9"`},
		{"untrusted key", func(t *testing.T) error {
			_, err := bundle.Verify(ctx, stranger.dsse(t, stmt, sgbundle.IntotoMediaType), digestOf(t, artifact), ks.key, bundle.Policy{})
			return err
		}, bundle.ErrTrust, "not a trusted key"},
		{"keyless bundle offered to a key", func(t *testing.T) error {
			e, err := vs.Attest(testIdentity, testIssuer, stmt)
			if err != nil {
				t.Fatal(err)
			}
			_, err = bundle.Verify(ctx, e, digestOf(t, artifact), trust.Combine(ks.key), keyless)
			return err
		}, bundle.ErrTrust, ""},
		{"untrusted root", func(t *testing.T) error {
			e, err := vs.Attest(testIdentity, testIssuer, stmt)
			if err != nil {
				t.Fatal(err)
			}
			_, err = bundle.Verify(ctx, e, digestOf(t, artifact), otherVS, keyless)
			return err
		}, bundle.ErrTrust, "log"},
		{"untrusted root without log (chain check)", func(t *testing.T) error {
			e, err := vs.Attest(testIdentity, testIssuer, stmt)
			if err != nil {
				t.Fatal(err)
			}
			_, err = bundle.Verify(ctx, tsaOnly{e}, digestOf(t, artifact), tsaMaterial{otherVS.VirtualSigstore, vs.VirtualSigstore}, keyless)
			return err
		}, bundle.ErrTrust, "leaf certificate"},
		{"SAN mismatch", func(t *testing.T) error {
			e, err := vs.Attest("mallory@example.com", testIssuer, stmt)
			if err != nil {
				t.Fatal(err)
			}
			_, err = bundle.Verify(ctx, e, digestOf(t, artifact), vs, keyless)
			return err
		}, bundle.ErrIdentity, `certificate has identity "mallory@example.com"`},
		{"issuer mismatch", func(t *testing.T) error {
			e, err := vs.Attest(testIdentity, "https://evil.example.com", stmt)
			if err != nil {
				t.Fatal(err)
			}
			_, err = bundle.Verify(ctx, e, digestOf(t, artifact), vs, keyless)
			return err
		}, bundle.ErrIdentity, `issuer "https://evil.example.com"`},
		{"suffix attack on identity regexp", func(t *testing.T) error {
			e, err := vs.Attest("https://github.com/org/repo-evil/.github/workflows/release.yml@refs/heads/main", testIssuer, stmt)
			if err != nil {
				t.Fatal(err)
			}
			_, err = bundle.Verify(ctx, e, digestOf(t, artifact), vs, bundle.Policy{IdentityRegexp: "https://github.com/org/repo/.*", Issuer: testIssuer})
			return err
		}, bundle.ErrIdentity, `matching "^(?:https://github.com/org/repo/.*)$"`},
		{"prefix attack on identity regexp", func(t *testing.T) error {
			san := "https://evil.example/https://github.com/org/repo/x.yml@refs/heads/main"
			e, err := vs.Attest(san, testIssuer, stmt)
			if err != nil {
				t.Fatal(err)
			}
			// What an unanchored match would have accepted:
			if !regexp.MustCompile("https://github.com/org/repo/.*").MatchString(san) {
				t.Fatal("fixture does not exercise the prefix attack")
			}
			_, err = bundle.Verify(ctx, e, digestOf(t, artifact), vs, bundle.Policy{IdentityRegexp: "https://github.com/org/repo/.*", Issuer: testIssuer})
			return err
		}, bundle.ErrIdentity, "identity mismatch"},
		{"keyless without identity", func(t *testing.T) error {
			e, err := vs.Attest(testIdentity, testIssuer, stmt)
			if err != nil {
				t.Fatal(err)
			}
			_, err = bundle.Verify(ctx, e, digestOf(t, artifact), vs, bundle.Policy{})
			return err
		}, bundle.ErrPolicy, "--insecure-any-identity"},
		{"certificate expired and no timestamp", func(t *testing.T) error {
			e, tm := expiredCert(t, artifact)
			_, err := bundle.Verify(ctx, e, digestOf(t, artifact), tm, keyless)
			return err
		}, bundle.ErrTimestamp, "no transparency-log entry and no RFC 3161 timestamp"},
		{"log and timestamps stripped from keyless bundle", func(t *testing.T) error {
			e, err := vs.Attest(testIdentity, testIssuer, stmt)
			if err != nil {
				t.Fatal(err)
			}
			_, err = bundle.Verify(ctx, stripped{e}, digestOf(t, artifact), vs, keyless)
			return err
		}, bundle.ErrTimestamp, ""},
		{"signed after certificate expiry", func(t *testing.T) error {
			e, err := vs.SignAtTime(testIdentity, testIssuer, artifact, time.Now().Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			_, err = bundle.Verify(ctx, tlogOnly{e}, digestOf(t, artifact), vs, keyless)
			return err
		}, bundle.ErrTimestamp, "integrated time outside certificate validity"},
		{"bundle over size limit", func(t *testing.T) error {
			path := filepath.Join(t.TempDir(), "huge.sigstore.json")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			// Sparse: no disk or memory is spent on the test itself.
			if err := f.Truncate(bundle.MaxBundleSize + 1); err != nil {
				t.Fatal(err)
			}
			f.Close()
			_, err = bundle.Load(path)
			return err
		}, bundle.ErrTooLarge, "huge.sigstore.json"},
		{"malformed JSON", func(t *testing.T) error {
			_, err := bundle.Parse([]byte("{\n  \"mediaType\": \"application/vnd.dev.sigstore.bundle.v0.3+json\",\n  \"content\" oops\n}"))
			return err
		}, bundle.ErrMalformed, "line 3"},
		{"not a bundle", func(t *testing.T) error {
			_, err := bundle.Parse([]byte(`{"_type": "https://in-toto.io/Statement/v1"}`))
			return err
		}, bundle.ErrMalformed, "mediaType"},
		{"unknown bundle version", func(t *testing.T) error {
			data := marshal(t, ks.blob(t, artifact))
			data = []byte(strings.Replace(string(data), "bundle.v0.3+json", "bundle.v9.9+json", 1))
			_, err := bundle.Parse(data)
			return err
		}, bundle.ErrMalformed, "v9.9"},
		{"signature bytes flipped", func(t *testing.T) error {
			b := ks.blob(t, artifact)
			sig := b.GetMessageSignature().Signature
			sig[len(sig)-1] ^= 1
			_, err := bundle.Verify(ctx, b, digestOf(t, artifact), ks.key, bundle.Policy{})
			return err
		}, bundle.ErrSignature, ""},
		{"malformed artifact digest", func(t *testing.T) error {
			_, err := bundle.ArtifactDigest("sha256:abc")
			return err
		}, bundle.ErrPolicy, "64 hex digits"},
	}
	sentinels := []error{bundle.ErrMalformed, bundle.ErrTooLarge, bundle.ErrPolicy, bundle.ErrSignature,
		bundle.ErrIdentity, bundle.ErrArtifact, bundle.ErrTrust, bundle.ErrTimestamp, bundle.ErrStatement}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			err := a.run(t)
			if err == nil {
				t.Fatal("attack was accepted")
			}
			if !errors.Is(err, a.want) {
				t.Fatalf("error %q does not wrap %q", err, a.want)
			}
			for _, s := range sentinels {
				if s != a.want && errors.Is(err, s) {
					t.Errorf("error %q also wraps %q: one failure, one class", err, s)
				}
			}
			if a.reason != "" && !strings.Contains(err.Error(), a.reason) {
				t.Errorf("error %q does not explain itself with %q", err, a.reason)
			}
		})
	}
}

// TestIdentityMessageShowsCertificate: a mismatch names what was expected
// and what the certificate holds.
func TestIdentityMessageShowsCertificate(t *testing.T) {
	vs := newVirtual(t)
	artifact := []byte("x")
	e, err := vs.Sign("ci@example.com", "https://accounts.example.com", artifact)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bundle.Verify(context.Background(), e, digestOf(t, artifact), vs, bundle.Policy{Identity: "release@example.com", Issuer: "https://accounts.example.com"})
	want := `signer identity not accepted: identity mismatch: expected identity "release@example.com", issuer "https://accounts.example.com"; certificate has identity "ci@example.com", issuer "https://accounts.example.com"`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

func writeFile(t testing.TB, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "artifact")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// tlogOnly drops a virtual entity's RFC 3161 timestamps so that the log's
// integrated time is the only time.
type tlogOnly struct{ sgverify.SignedEntity }

func (tlogOnly) Timestamps() ([][]byte, error) { return nil, nil }

// tsaOnly drops the log entries so that verification reaches the
// certificate chain.
type tsaOnly struct{ sgverify.SignedEntity }

func (tsaOnly) TlogEntries() ([]*tlog.Entry, error) { return nil, nil }
func (tsaOnly) HasInclusionPromise() bool           { return false }
func (tsaOnly) HasInclusionProof() bool             { return false }

// tsaMaterial trusts one virtual Sigstore's CA and another's TSA: a
// certificate from an untrusted Fulcio with a trusted timestamp.
type tsaMaterial struct {
	ca  root.TrustedMaterial
	tsa root.TrustedMaterial
}

func (m tsaMaterial) FulcioCertificateAuthorities() []root.CertificateAuthority {
	return m.ca.FulcioCertificateAuthorities()
}
func (m tsaMaterial) TimestampingAuthorities() []root.TimestampingAuthority {
	return m.tsa.TimestampingAuthorities()
}
func (tsaMaterial) RekorLogs() map[string]*root.TransparencyLog { return nil }
func (tsaMaterial) CTLogs() map[string]*root.TransparencyLog    { return nil }
func (tsaMaterial) PublicKeyVerifier(string) (root.TimeConstrainedVerifier, error) {
	return nil, errors.New("no keys")
}
