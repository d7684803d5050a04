// Package digest computes the SHA-256 and SHA-512 digests of a stream in one
// pass. Release artifacts can be gigabytes: each is read exactly once, and the
// two hashes run concurrently over the same buffers, so the cost is that of
// the slower hash (SHA-512), not the sum of both.
package digest

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"sync"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/sbom"
)

// chunkSize is the read size. 1 MiB keeps the per-chunk hand-off between
// goroutines negligible against the hashing work while memory stays bounded
// at buffers×chunkSize.
const (
	chunkSize = 1 << 20
	buffers   = 4
)

// Digests are the hex digests and size of one stream.
type Digests struct {
	SHA256 string
	SHA512 string
	Size   int64
}

// Hashes returns d as model hashes, SHA-256 first.
func (d Digests) Hashes() []sbom.Hash {
	return []sbom.Hash{{Algorithm: sbom.SHA256, Value: d.SHA256}, {Algorithm: sbom.SHA512, Value: d.SHA512}}
}

// File digests the named file.
func File(path string) (Digests, error) {
	f, _, err := safefile.Open("file", path)
	if err != nil {
		return Digests{}, err
	}
	defer f.Close()
	d, err := Reader(f)
	if err != nil {
		return Digests{}, fmt.Errorf("read %s: %w", path, err)
	}
	return d, nil
}

// Reader digests everything r yields until EOF.
func Reader(r io.Reader) (Digests, error) {
	h256, h512 := sha256.New(), sha512.New()
	first := make([]byte, chunkSize)
	n, err := io.ReadFull(r, first)
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		// Small input: one goroutine is cheaper than a pipeline.
		h256.Write(first[:n])
		h512.Write(first[:n])
		return result(h256, h512, int64(n)), nil
	case nil:
	default:
		return Digests{}, err
	}
	size, err := pipeline(r, first, h256, h512)
	if err != nil {
		return Digests{}, err
	}
	return result(h256, h512, size), nil
}

func result(h256, h512 hash.Hash, size int64) Digests {
	return Digests{SHA256: hex.EncodeToString(h256.Sum(nil)), SHA512: hex.EncodeToString(h512.Sum(nil)), Size: size}
}

// slot is one reusable buffer; wg counts the hashes still reading it.
type slot struct {
	buf []byte
	n   int
	wg  sync.WaitGroup
}

// pipeline feeds buffers round-robin to one goroutine per hash. A slot is
// refilled only after every hash has consumed it, so memory stays at
// buffers×chunkSize however large the input.
func pipeline(r io.Reader, first []byte, hs ...hash.Hash) (int64, error) {
	var slots [buffers]slot
	slots[0].buf = first
	for i := 1; i < buffers; i++ {
		slots[i].buf = make([]byte, chunkSize)
	}
	workers := make([]chan *slot, len(hs))
	for i, h := range hs {
		workers[i] = make(chan *slot, buffers)
		go func(h hash.Hash, in <-chan *slot) {
			for s := range in {
				h.Write(s.buf[:s.n])
				s.wg.Done()
			}
		}(h, workers[i])
	}
	send := func(s *slot, n int) {
		s.n = n
		s.wg.Add(len(hs))
		for _, w := range workers {
			w <- s
		}
	}
	size := int64(len(first))
	send(&slots[0], len(first))
	var readErr error
	for i := 1; ; i++ {
		s := &slots[i%buffers]
		s.wg.Wait()
		n, err := io.ReadFull(r, s.buf)
		if n > 0 {
			size += int64(n)
			send(s, n)
		}
		if err != nil {
			if err != io.EOF && err != io.ErrUnexpectedEOF {
				readErr = err
			}
			break
		}
	}
	for _, w := range workers {
		close(w)
	}
	for i := range slots {
		slots[i].wg.Wait()
	}
	return size, readErr
}
