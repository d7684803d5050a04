package digest

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"
)

func TestReaderMatchesStdlib(t *testing.T) {
	for _, size := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 5*chunkSize + 17, 9 * chunkSize} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i*7 + i>>11)
		}
		// OneByteReader and HalfReader exercise short reads inside ReadFull.
		for name, r := range map[string]io.Reader{
			"plain": bytes.NewReader(data),
			"half":  iotest.HalfReader(bytes.NewReader(data)),
		} {
			got, err := Reader(r)
			if err != nil {
				t.Fatalf("size %d %s: %v", size, name, err)
			}
			s256, s512 := sha256.Sum256(data), sha512.Sum512(data)
			want := Digests{hex.EncodeToString(s256[:]), hex.EncodeToString(s512[:]), int64(size)}
			if got != want {
				t.Errorf("size %d %s: got %+v, want %+v", size, name, got, want)
			}
		}
	}
}

func TestReaderError(t *testing.T) {
	boom := errors.New("boom")
	data := bytes.Repeat([]byte{1}, 3*chunkSize)
	r := io.MultiReader(bytes.NewReader(data), iotest.ErrReader(boom))
	if _, err := Reader(r); !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
	if _, err := Reader(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Fatalf("small: got %v, want %v", err, boom)
	}
}

func TestFileMissing(t *testing.T) {
	if _, err := File("/nonexistent/vouch"); err == nil {
		t.Fatal("no error for a missing file")
	}
}

// zeros is an endless reader that costs nothing, so the benchmark measures hashing.
type zeros struct{ left int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.left <= 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > z.left {
		n = z.left
	}
	clear(p[:n])
	z.left -= n
	return int(n), nil
}

// BenchmarkDigest1GiB hashes 1 GiB with both algorithms. Compare with
// BenchmarkSHA512Only: the ratio is the cost of the second digest, about
// 1.03 with two idle cores. On a busy machine, where the second core is
// not free, it tends to the sum of both hashes (about 1.4): measure with
// the machine quiet, or under chrt -f, before reading a regression here.
func BenchmarkDigest1GiB(b *testing.B) {
	b.SetBytes(1 << 30)
	for b.Loop() {
		if _, err := Reader(&zeros{1 << 30}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSHA512Only1GiB(b *testing.B) {
	b.SetBytes(1 << 30)
	buf := make([]byte, chunkSize)
	for b.Loop() {
		h := sha512.New()
		if _, err := io.CopyBuffer(h, &zeros{1 << 30}, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// rendezvous is a hash whose every Write waits until the other hash has
// started its Write of the same chunk: it only completes if the pipeline
// runs the two hashes at the same time.
type rendezvous struct {
	hash.Hash
	mine, other chan struct{}
	serial      *atomic.Bool
}

func (r *rendezvous) Write(p []byte) (int, error) {
	r.mine <- struct{}{}
	if !r.serial.Load() {
		select {
		case <-r.other:
		case <-time.After(10 * time.Second):
			r.serial.Store(true)
		}
	}
	return r.Hash.Write(p)
}

// TestHashesRunConcurrently guards the point of the package: SHA-256 and
// SHA-512 hash the same chunk at the same time, so digesting costs one
// SHA-512 pass on two cores, not the sum of both hashes. Had the two
// serialised (one goroutine, a lock, a hand-off that waits), every Write
// would wait for the other hash in vain. It does not depend on timing:
// the wait is for an event, and the deadline only turns a hang into a
// failure.
func TestHashesRunConcurrently(t *testing.T) {
	const chunks = 8
	var serial atomic.Bool
	a2b, b2a := make(chan struct{}, chunks+1), make(chan struct{}, chunks+1)
	a := &rendezvous{sha256.New(), a2b, b2a, &serial}
	b := &rendezvous{sha512.New(), b2a, a2b, &serial}
	data := bytes.Repeat([]byte{7}, chunks*chunkSize)
	first := make([]byte, chunkSize)
	copy(first, data)
	size, err := pipeline(bytes.NewReader(data[chunkSize:]), first, a, b)
	if err != nil || size != int64(len(data)) {
		t.Fatalf("pipeline: %d bytes, %v", size, err)
	}
	if serial.Load() {
		t.Fatal("the two hashes never ran at the same time")
	}
	s256, s512 := sha256.Sum256(data), sha512.Sum512(data)
	if !bytes.Equal(a.Sum(nil), s256[:]) || !bytes.Equal(b.Sum(nil), s512[:]) {
		t.Error("digests differ from the standard library's")
	}
}
