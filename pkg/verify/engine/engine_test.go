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
		if err := os.WriteFile(p+".sigstore.json", b, 0o644); err != nil {
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

func newVerifier(t testing.TB, keys ...*trust.Key) *engine.Verifier {
	t.Helper()
	v, err := engine.New(engine.Options{Keys: keys, Roots: trust.NewPublicGoodProvider(trust.Options{Offline: true, CacheDir: t.TempDir()}, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// subjectOf reads a file once into a Subject, as vouch verify does.
func subjectOf(t testing.TB, path string) engine.Subject {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := engine.Digest(f)
	if err != nil {
		t.Fatal(err)
	}
	return engine.Subject{Name: filepath.Base(path), Digests: d}
}

// bundlesOf reads bundle files; one that cannot be read is passed on with
// its error, as vouch verify does.
func bundlesOf(paths ...string) []engine.Bundle {
	var out []engine.Bundle
	for _, p := range paths {
		data, err := os.ReadFile(p)
		out = append(out, engine.Bundle{Name: p, Data: data, Err: err})
	}
	return out
}

func TestVerifyKeyBundles(t *testing.T) {
	dir := t.TempDir()
	arts, key := fixture(t, dir, 2)
	_, other := fixture(t, t.TempDir(), 0)
	ctx := context.Background()
	pol := emptyPolicy(t)
	sig := func(i int) string { return arts[i] + ".sigstore.json" }

	// Either order of keys: the right one verifies, its id is the evidence.
	for _, keys := range [][]*trust.Key{{key}, {other, key}, {key, other}} {
		res, err := newVerifier(t, keys...).Verify(ctx, subjectOf(t, arts[0]), bundlesOf(sig(0)), pol)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Verified || res.Findings[0].ID != engine.FindingBundle || !strings.Contains(res.Findings[0].Message, key.ID()) {
			t.Errorf("keys %d: %+v", len(keys), res.ArtifactReport)
		}
		if len(res.Inputs) != 1 || res.Inputs[0].Name != sig(0) || len(res.Inputs[0].SHA256) != 64 {
			t.Errorf("inputs %+v", res.Inputs)
		}
	}

	for _, tc := range []struct {
		name    string
		keys    []*trust.Key
		bundles []engine.Bundle
		want    string // in the bundle finding's message
	}{
		{"wrong key", []*trust.Key{other}, bundlesOf(sig(0)), "not trusted: the bundle names signing key " + key.ID()},
		{"two wrong keys", []*trust.Key{other, other}, bundlesOf(sig(0)), "verified by none of 2 keys"},
		{"no key", nil, bundlesOf(sig(0)), "no key is trusted: pass --key"},
		{"other artifact's bundle", []*trust.Key{key}, bundlesOf(sig(1)), "artifact does not match bundle"},
		{"missing bundle", []*trust.Key{key}, bundlesOf(filepath.Join(dir, "nope.json")), "no such file"},
		{"not a bundle", []*trust.Key{key}, bundlesOf(arts[1]), "malformed bundle"},
		{"no bundle at all", []*trust.Key{key}, []engine.Bundle{{Err: engine.ErrNoBundle}}, "no bundle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := newVerifier(t, tc.keys...).Verify(ctx, subjectOf(t, arts[0]), tc.bundles, pol)
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

// TestVerifyReadsTheArtifactOnce: the engine verifies bundles against the
// digests it is given, never by reading the artifact again, so a file
// swapped after its one read cannot be what the report vouches for.
// Attack: digests of a file that was then replaced by the signed one.
// Control: the signed file's own digests.
func TestVerifyReadsTheArtifactOnce(t *testing.T) {
	dir := t.TempDir()
	arts, key := fixture(t, dir, 2)
	v := newVerifier(t, key)
	pol := emptyPolicy(t)
	ctx := context.Background()

	signed := subjectOf(t, arts[0])
	read := subjectOf(t, arts[1]) // what was read: another file's content
	// The signed content is now at the path; the engine must not look.
	res, err := v.Verify(ctx, engine.Subject{Name: filepath.Base(arts[0]), Digests: read.Digests}, bundlesOf(arts[0]+".sigstore.json"), pol)
	if err != nil {
		t.Fatal(err)
	}
	if res.Verified || res.Digest != "sha256:"+read.Digests["sha256"] {
		t.Errorf("swapped content: verified %v, digest %s; want refused and the digest that was read", res.Verified, res.Digest)
	}
	res, err = v.Verify(ctx, signed, bundlesOf(arts[0]+".sigstore.json"), pol)
	if err != nil || !res.Verified || res.Digest != "sha256:"+signed.Digests["sha256"] {
		t.Fatalf("control: %v %+v", err, res)
	}
	// A digest alone, sha512 only (npm's integrity): still verified
	// against the signature, which binds SHA-256, so refused as unknown.
	only512 := engine.Subject{Name: "a", Digests: map[string]string{"sha512": signed.Digests["sha512"]}}
	res, err = v.Verify(ctx, only512, bundlesOf(arts[0]+".sigstore.json"), pol)
	if err != nil || res.Verified || !strings.Contains(res.Findings[0].Message, "binds a sha256 digest") || res.Digest != "sha512:"+signed.Digests["sha512"] {
		t.Errorf("sha512 only: %v %+v", err, res)
	}
}

func TestVerifyErrors(t *testing.T) {
	dir := t.TempDir()
	arts, key := fixture(t, dir, 1)
	v := newVerifier(t, key)
	pol := emptyPolicy(t)
	ctx := context.Background()
	good := subjectOf(t, arts[0])
	b := bundlesOf(arts[0] + ".sigstore.json")
	for _, tc := range []struct {
		name    string
		subj    engine.Subject
		bundles []engine.Bundle
		pol     *policy.Policy
	}{
		{"no digest", engine.Subject{Name: "x"}, b, pol},
		{"short digest", engine.Subject{Digests: map[string]string{"sha256": "00"}}, b, pol},
		{"md5 digest", engine.Subject{Digests: map[string]string{"md5": strings.Repeat("0", 32)}}, b, pol},
		{"no bundles", good, nil, pol},
		{"no policy", good, b, nil},
		{"policy not compiled", good, b, &policy.Policy{APIVersion: policy.APIVersion, Kind: policy.Kind}},
	} {
		if _, err := v.Verify(ctx, tc.subj, tc.bundles, tc.pol); !errors.Is(err, bundle.ErrPolicy) {
			t.Errorf("%s: %v, want ErrPolicy", tc.name, err)
		}
	}
	if _, err := engine.ParseDigest("sha256:00"); !errors.Is(err, bundle.ErrPolicy) {
		t.Errorf("malformed digest: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := v.Verify(cctx, good, b, pol); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// BenchmarkEngineKeyBundles is batch throughput: key-signed message
// signature bundles verified in parallel, as --batch does (reported as
// bundles/s; divide by GOMAXPROCS for per core).
func BenchmarkEngineKeyBundles(b *testing.B) {
	arts, key := fixture(b, b.TempDir(), 64)
	v := newVerifier(b, key)
	pol := emptyPolicy(b)
	ctx := context.Background()
	var i atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a := arts[i.Add(1)%int64(len(arts))]
			res, err := v.Verify(ctx, subjectOf(b, a), bundlesOf(a+".sigstore.json"), pol)
			if err != nil || !res.Verified {
				b.Fatalf("%v %+v", err, res)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bundles/s")
}

// target is what vouch verify takes on its command line: an artifact (a
// file, a digest sha256:/sha512:, an npm integrity sha512-<base64>), bundle
// files and an optional package URL.
type target struct {
	Artifact string
	Bundles  []string
	Subject  string
}

// cliEngine pairs a Verifier with its policy, as vouch verify runs it.
type cliEngine struct {
	v *engine.Verifier
	p *policy.Policy
}

func newCLIEngine(opts engine.Options, p *policy.Policy) (*cliEngine, error) {
	v, err := engine.New(opts)
	if err != nil {
		return nil, err
	}
	return &cliEngine{v: v, p: p}, nil
}

// offlineRoots is the public-good root, offline (the embedded snapshot).
func offlineRoots(t testing.TB) engine.RootProvider {
	return trust.NewPublicGoodProvider(trust.Options{Offline: true, CacheDir: t.TempDir()}, 0)
}

// Verify reads the target as vouch verify does and verifies it.
func (e *cliEngine) Verify(ctx context.Context, tg target) (*engine.Result, error) {
	a := tg.Artifact
	if d, ok, err := bundle.ParseIntegrity(a); ok {
		if err != nil {
			return nil, err
		}
		a = d
	}
	var subj engine.Subject
	if d, err := engine.ParseDigest(a); err == nil {
		subj = engine.Subject{Name: a, Digests: d}
	} else {
		f, err := os.Open(a)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		d, err := engine.Digest(f)
		if err != nil {
			return nil, err
		}
		subj = engine.Subject{Name: filepath.Base(a), Digests: d}
	}
	subj.PURL = tg.Subject
	return e.v.Verify(ctx, subj, bundlesOf(tg.Bundles...), e.p)
}
