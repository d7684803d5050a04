package engine_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// newSigner returns a signer with a fresh ECDSA key and that key as
// trusted material.
func newSigner(t testing.TB) (*sign.Signer, *trust.Key) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err := trust.FromPublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	s, err := sign.NewKeySigner(k, sign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s, key
}

// fixture signs n artifacts in dir with a fresh ECDSA key and returns
// their paths and the trusted key.
func fixture(t testing.TB, dir string, n int) ([]string, *trust.Key) {
	t.Helper()
	s, key := newSigner(t)
	var paths []string
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("a%03d.bin", i))
		data := []byte(fmt.Sprintf("artifact %d\n", i))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := s.SignBlob(context.Background(), bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p+engine.SignatureSuffix, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths, key
}

func emptyPolicy(t testing.TB) *policy.Policy {
	t.Helper()
	p := &policy.Policy{APIVersion: policy.APIVersion, Kind: policy.Kind}
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	return p
}

func newEngine(t testing.TB, keys ...*trust.Key) *engine.Engine {
	t.Helper()
	e, err := engine.New(engine.Options{Keys: keys, Policy: emptyPolicy(t), PublicGood: trust.Options{Offline: true, CacheDir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestVerifyKeyBundles(t *testing.T) {
	dir := t.TempDir()
	arts, key := fixture(t, dir, 2)
	_, other := fixture(t, t.TempDir(), 0)
	ctx := context.Background()

	// Either order of keys: the right one verifies, its id is the evidence.
	for _, keys := range [][]*trust.Key{{key}, {other, key}, {key, other}} {
		res, err := newEngine(t, keys...).Verify(ctx, engine.Target{Artifact: arts[0]})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Verified || res.Findings[0].ID != engine.FindingBundle || !strings.Contains(res.Findings[0].Message, key.ID()) {
			t.Errorf("keys %d: %+v", len(keys), res.ArtifactReport)
		}
		if len(res.Inputs) != 1 || res.Inputs[0].Path != arts[0]+engine.SignatureSuffix || len(res.Inputs[0].SHA256) != 64 {
			t.Errorf("inputs %+v", res.Inputs)
		}
	}

	for _, tc := range []struct {
		name   string
		keys   []*trust.Key
		target engine.Target
		want   string // in the bundle finding's message
	}{
		{"wrong key", []*trust.Key{other}, engine.Target{Artifact: arts[0]}, "not trusted: the bundle names signing key " + key.ID()},
		{"two wrong keys", []*trust.Key{other, other}, engine.Target{Artifact: arts[0]}, "verified by none of 2 keys"},
		{"no key", nil, engine.Target{Artifact: arts[0]}, "no key is trusted: pass --key"},
		{"other artifact's bundle", []*trust.Key{key}, engine.Target{Artifact: arts[0], Bundles: []string{arts[1] + engine.SignatureSuffix}}, "artifact does not match bundle"},
		{"missing bundle", []*trust.Key{key}, engine.Target{Artifact: arts[0], Bundles: []string{filepath.Join(dir, "nope.json")}}, "no such file"},
		{"not a bundle", []*trust.Key{key}, engine.Target{Artifact: arts[0], Bundles: []string{arts[1]}}, "malformed bundle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := newEngine(t, tc.keys...).Verify(ctx, tc.target)
			if err != nil {
				t.Fatal(err)
			}
			f := res.Findings[0]
			if res.Verified || f.ID != engine.FindingBundle || f.Status != verify.StatusFail || !strings.Contains(f.Message, tc.want) || f.Expected == "" {
				t.Errorf("finding %+v, want a failing bundle finding with %q", f, tc.want)
			}
		})
	}
}

func TestVerifyErrors(t *testing.T) {
	dir := t.TempDir()
	arts, key := fixture(t, dir, 1)
	e := newEngine(t, key)
	ctx := context.Background()
	if _, err := e.Verify(ctx, engine.Target{Artifact: filepath.Join(dir, "missing")}); !errors.Is(err, engine.ErrNoArtifact) {
		t.Errorf("missing artifact: %v", err)
	}
	if _, err := e.Verify(ctx, engine.Target{Artifact: "sha256:" + strings.Repeat("0", 64)}); !errors.Is(err, bundle.ErrPolicy) {
		t.Errorf("digest without bundles: %v", err)
	}
	if _, err := e.Verify(ctx, engine.Target{Artifact: "sha256:00", Bundles: []string{arts[0] + engine.SignatureSuffix}}); !errors.Is(err, bundle.ErrPolicy) {
		t.Errorf("malformed digest: %v", err)
	}
	if _, err := engine.New(engine.Options{}); !errors.Is(err, bundle.ErrPolicy) {
		t.Errorf("no policy: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.Verify(cctx, engine.Target{Artifact: arts[0]}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestDiscover(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "app")
	for _, f := range []string{a + engine.SBOMSuffix, filepath.Join(dir, engine.ProvenanceBundle)} {
		if err := os.WriteFile(f, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found, looked := engine.Discover(a)
	if len(looked) != 3 || len(found) != 2 || found[0] != a+engine.SBOMSuffix {
		t.Errorf("found %v, looked %v", found, looked)
	}
}

// BenchmarkEngineKeyBundles is batch throughput: key-signed message
// signature bundles verified in parallel, as --batch does (reported as
// bundles/s; divide by GOMAXPROCS for per core).
func BenchmarkEngineKeyBundles(b *testing.B) {
	arts, key := fixture(b, b.TempDir(), 64)
	e := newEngine(b, key)
	ctx := context.Background()
	var i atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := e.Verify(ctx, engine.Target{Artifact: arts[i.Add(1)%int64(len(arts))]})
			if err != nil || !res.Verified {
				b.Fatalf("%v %+v", err, res)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bundles/s")
}
