package bundle_test

import (
	"context"
	"testing"

	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/vouchdev/vouch/pkg/verify/bundle"
)

// BenchmarkVerifyKeyBundle verifies a key-signed DSSE provenance bundle
// (parsed once, as in batch mode) against a digest artifact.
// bundles/s per core = 1e9 / ns/op with GOMAXPROCS=1.
func BenchmarkVerifyKeyBundle(b *testing.B) {
	ks := newKeySigner(b)
	artifact := []byte("release artifact v1\n")
	bun, err := bundle.Parse(marshal(b, ks.dsse(b, statementFor(b, artifact, bundle.StatementTypeV1), sgbundle.IntotoMediaType)))
	if err != nil {
		b.Fatal(err)
	}
	digest := digestOf(b, artifact)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := bundle.Verify(ctx, bun, digest, ks.key, bundle.Policy{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bundles/s")
}

// BenchmarkVerifyKeylessBundle verifies a VirtualSigstore DSSE bundle:
// certificate chain, Rekor entry with inclusion promise, RFC 3161
// timestamp and identity.
func BenchmarkVerifyKeylessBundle(b *testing.B) {
	vs := newVirtual(b)
	artifact := []byte("release artifact v1\n")
	e, err := vs.Attest(testIdentity, testIssuer, statementFor(b, artifact, bundle.StatementTypeV1))
	if err != nil {
		b.Fatal(err)
	}
	digest := digestOf(b, artifact)
	policy := bundle.Policy{Identity: testIdentity, Issuer: testIssuer}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := bundle.Verify(ctx, e, digest, vs, policy); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bundles/s")
}
