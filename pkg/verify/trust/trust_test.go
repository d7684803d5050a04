package trust_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify/trust"
)

func pemOf(t *testing.T, pub crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func TestFromPublicKey(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	for name, pub := range map[string]crypto.PublicKey{
		"ecdsa-p256": &ec.PublicKey, "ecdsa-p384": &ec384.PublicKey, "ed25519": edPub, "rsa-2048": &rsaKey.PublicKey,
	} {
		t.Run(name, func(t *testing.T) {
			k, err := trust.FromPublicKey(pemOf(t, pub))
			if err != nil {
				t.Fatal(err)
			}
			if len(k.ID()) != 64 {
				t.Errorf("key id %q, want 64 hex digits", k.ID())
			}
			v, err := k.PublicKeyVerifier("any hint")
			if err != nil || v == nil {
				t.Fatalf("verifier: %v", err)
			}
			if len(k.FulcioCertificateAuthorities()) != 0 || len(k.RekorLogs()) != 0 {
				t.Error("a key must not trust any CA or log")
			}
			if got := trust.Keys(trust.Combine(k)); len(got) != 1 || got[0] != k {
				t.Errorf("Keys(Combine(k)) = %v", got)
			}
		})
	}
}

// TestFromPublicKeyCosign reads real PEM keys from the corpora: the
// sigstore-go npm publish key and the conformance managed key.
func TestFromPublicKeyFiles(t *testing.T) {
	for _, path := range []string{
		"../../../testdata/sigstore/cases/sigstore/sigstore-go/example-bundle-publish/key.pub",
		"../../../testdata/sigstore-conformance/managed-key-and-trusted-root/key.pub",
	} {
		if _, err := trust.FromPublicKeyFile(path); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

func TestFromPublicKeyInvalid(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pub")
	os.WriteFile(empty, nil, 0o600)
	huge := make([]byte, trust.MaxPublicKeySize+1)
	for name, in := range map[string][]byte{
		"not pem":      []byte("hello"),
		"private key":  []byte("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----\n"),
		"over limit":   huge,
		"garbage body": []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
	} {
		if _, err := trust.FromPublicKey(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := trust.FromPublicKeyFile(empty); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty file: %v", err)
	}
}

func TestFromTrustedRootFile(t *testing.T) {
	tr, err := trust.FromTrustedRootFile("../../../testdata/sigstore/cases/sigstore/trusted-roots/production.trusted_root.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.FulcioCertificateAuthorities()) == 0 || len(tr.RekorLogs()) == 0 || len(tr.TimestampingAuthorities()) == 0 {
		t.Error("production root lacks CAs, logs or TSAs")
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"mediaType": "nope"}`), 0o600)
	for _, p := range []string{bad, filepath.Join(t.TempDir(), "missing.json")} {
		if _, err := trust.FromTrustedRootFile(p); err == nil || !strings.Contains(err.Error(), filepath.Base(p)) {
			t.Errorf("%s: error %v does not name the file", p, err)
		}
	}
}

// noNetwork makes every HTTP request and every dial fail the test, through
// http.DefaultTransport, http.DefaultClient and the client handed to trust.
func noNetwork(t *testing.T) *http.Client {
	t.Helper()
	dial := func(_ context.Context, network, addr string) (net.Conn, error) {
		t.Errorf("network dial %s %s while offline", network, addr)
		return nil, errors.New("network disabled by test")
	}
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("HTTP request %s %s while offline", r.Method, r.URL)
		return nil, errors.New("network disabled by test")
	})
	oldTransport, oldClientTransport := http.DefaultTransport, http.DefaultClient.Transport
	http.DefaultTransport = rt
	http.DefaultClient.Transport = rt
	oldDial := net.DefaultResolver.Dial
	net.DefaultResolver.PreferGo = true
	net.DefaultResolver.Dial = dial
	t.Cleanup(func() {
		http.DefaultTransport, http.DefaultClient.Transport = oldTransport, oldClientTransport
		net.DefaultResolver.Dial = oldDial
	})
	return &http.Client{Transport: &http.Transport{DialContext: dial}}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestPublicGoodOffline: offline mode never touches the network and falls
// back to the embedded snapshot when the cache is empty.
func TestPublicGoodOffline(t *testing.T) {
	client := noNetwork(t)
	for _, staging := range []bool{false, true} {
		r, err := trust.PublicGood(context.Background(), trust.Options{Offline: true, CacheDir: t.TempDir(), Staging: staging, HTTPClient: client})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(r.Source, "embedded snapshot") {
			t.Errorf("source %q, want the embedded snapshot", r.Source)
		}
		if len(r.RekorLogs()) == 0 || len(r.FulcioCertificateAuthorities()) == 0 || len(r.CTLogs()) == 0 {
			t.Error("snapshot lacks logs or CAs")
		}
		if !staging && len(r.TimestampingAuthorities()) == 0 {
			t.Error("production snapshot lacks the timestamp authority")
		}
	}
}

// TestPublicGoodOnlineFailsClosed: online, a TUF update that cannot reach
// the mirror is an error naming it, never a silent fallback.
func TestPublicGoodOnlineFailsClosed(t *testing.T) {
	var requests int
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		requests++
		return nil, errors.New("unreachable")
	})}
	_, err := trust.PublicGood(context.Background(), trust.Options{CacheDir: t.TempDir(), HTTPClient: client})
	if err == nil {
		t.Fatal("online update without network succeeded")
	}
	if !strings.Contains(err.Error(), "tuf-repo-cdn.sigstore.dev") || !strings.Contains(err.Error(), "offline") {
		t.Errorf("error %q should name the mirror and the offline alternative", err)
	}
	if requests == 0 {
		t.Error("online mode made no request through the given client")
	}
}
