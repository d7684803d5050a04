package release_test

import (
	"context"
	"crypto/sha512"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vouchdev/vouch/pkg/attest/keys"
	"github.com/vouchdev/vouch/pkg/attest/release"
)

// bigSize is the artifact of the speed target: `vouch release` of 1 GiB
// should cost at most 1.1× one SHA-512 pass over it (the slower of the two
// digests is the floor).
const bigSize = 1 << 30

var (
	bigOnce sync.Once
	bigDir  string
	bigErr  error
)

// bigArtifact writes a 1 GiB pseudo-random file once per test binary,
// streamed in 1 MiB chunks; TestMain removes it.
func bigArtifact(b *testing.B) string {
	b.Helper()
	bigOnce.Do(func() {
		if bigDir, bigErr = os.MkdirTemp("", "vouch-release-bench"); bigErr != nil {
			return
		}
		var f *os.File
		if f, bigErr = os.Create(filepath.Join(bigDir, "app_1GiB.bin")); bigErr != nil {
			return
		}
		rng := rand.NewChaCha8([32]byte{'v', 'o', 'u', 'c', 'h'})
		buf := make([]byte, 1<<20)
		for written := 0; written < bigSize; written += len(buf) {
			rng.Read(buf)
			if _, bigErr = f.Write(buf); bigErr != nil {
				f.Close()
				return
			}
		}
		bigErr = f.Close()
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return filepath.Join(bigDir, "app_1GiB.bin")
}

// BenchmarkRelease1GiB is the whole release of one 1 GiB artifact: digests,
// SBOMs, signature, SBOM attestation, provenance, checksums, written.
func BenchmarkRelease1GiB(b *testing.B) {
	art := bigArtifact(b)
	for _, alg := range []keys.Algorithm{keys.ECDSAP256, keys.Ed25519} {
		b.Run(string(alg), func(b *testing.B) {
			s, _, _ := newKey(b, alg, b.TempDir())
			out := b.TempDir()
			b.SetBytes(bigSize)
			b.ResetTimer()
			for b.Loop() {
				if _, err := release.Run(context.Background(), []string{art}, options(s, out)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSHA512Pass1GiB is the floor: one SHA-512 pass over the same file.
func BenchmarkSHA512Pass1GiB(b *testing.B) {
	art := bigArtifact(b)
	b.SetBytes(bigSize)
	buf := make([]byte, 1<<20)
	for b.Loop() {
		f, err := os.Open(art)
		if err != nil {
			b.Fatal(err)
		}
		h := sha512.New()
		if _, err := io.CopyBuffer(h, f, buf); err != nil {
			b.Fatal(err)
		}
		f.Close()
		h.Sum(nil)
	}
}
