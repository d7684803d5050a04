package archive

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/vouchdev/vouch/pkg/sbom/digest"
)

// tarGz reads a gzipped tar in a single pass over the file: the bytes read
// feed both the decompressor and, through a pipe, the archive's digests, so
// hashing runs alongside decompression instead of as a second read.
func (c *reader) tarGz(f io.Reader) (digest.Digests, error) {
	h := newTeeHash(compressedReader{c.b, f})
	defer h.abort(errAborted)
	gz, err := gzip.NewReader(h)
	if err != nil {
		return digest.Digests{}, fmt.Errorf("not a valid gzip stream: %w", err)
	}
	stream := streamReader{c.b, gz}
	tr := tar.NewReader(stream)
	for {
		if err := c.ctx.Err(); err != nil {
			return digest.Digests{}, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		// With GODEBUG=tarinsecurepath=0 the reader flags names it
		// considers unsafe but still returns the header; cleanName makes
		// the same judgement itself and warns.
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return digest.Digests{}, c.readErr("tar", err)
		}
		if err := c.b.entry(hdr.Name); err != nil {
			return digest.Digests{}, err
		}
		name, ok := c.cleanName(hdr.Name)
		if !ok {
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse:
		case tar.TypeDir:
			continue
		default:
			// Links, devices, FIFOs: nothing to catalog (tar.Reader skips
			// their data itself), but extraction puts them at their name.
			c.link(name, specialWhat(hdr))
			continue
		}
		if err := c.entry(name, hdr.Size, &entryReader{b: c.b, name: name, r: tr}); err != nil {
			return digest.Digests{}, c.readErr("tar", err)
		}
	}
	// Read the gzip stream to its end so that its checksum is verified and
	// anything hidden after the tar's end marker still counts against the
	// limits.
	if _, err := io.Copy(io.Discard, stream); err != nil {
		if !errors.Is(err, gzip.ErrHeader) {
			return digest.Digests{}, c.readErr("gzip", err)
		}
		c.warn("", "data after the end of the gzip stream is not gzip: ignored")
	}
	d, err := h.finish()
	if err != nil {
		return digest.Digests{}, fmt.Errorf("hash: %w", err)
	}
	return d, nil
}

// specialWhat describes a tar entry that is neither a file nor a directory.
func specialWhat(hdr *tar.Header) string {
	switch hdr.Typeflag {
	case tar.TypeSymlink:
		return linkWhat(hdr.Name, hdr.Linkname, false)
	case tar.TypeLink:
		return linkWhat(hdr.Name, hdr.Linkname, true)
	}
	return fmt.Sprintf("a special file (tar type %q)", hdr.Typeflag)
}

// readErr passes limit and context errors through for errors.As and
// errors.Is, and says "corrupt" for everything else.
func (c *reader) readErr(format string, err error) error {
	if err == nil {
		return nil
	}
	var le *LimitError
	if errors.As(err, &le) || c.ctx.Err() != nil {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated or corrupt %s data: %w", format, err)
	}
	return fmt.Errorf("corrupt %s data: %w", format, err)
}

// errAborted ends the hashing goroutine when the archive is abandoned.
var errAborted = errors.New("archive reading aborted")

// teeHash passes the bytes read from r on to a digest running in its own
// goroutine.
type teeHash struct {
	r    io.Reader
	pw   *io.PipeWriter
	done chan digestResult
	once sync.Once
	res  digestResult
}

type digestResult struct {
	d   digest.Digests
	err error
}

func newTeeHash(r io.Reader) *teeHash {
	pr, pw := io.Pipe()
	t := &teeHash{pw: pw, done: make(chan digestResult, 1)}
	t.r = io.TeeReader(r, pw)
	go func() {
		d, err := digest.Reader(pr)
		// Unblock a writer if the digest stopped early.
		pr.CloseWithError(errAborted)
		t.done <- digestResult{d, err}
	}()
	return t
}

func (t *teeHash) Read(p []byte) (int, error) { return t.r.Read(p) }

// finish reads the rest of the input (bytes after the compressed stream
// are still part of the file) and returns its digests.
func (t *teeHash) finish() (digest.Digests, error) {
	if _, err := io.Copy(io.Discard, t.r); err != nil {
		t.abort(err)
		return digest.Digests{}, err
	}
	t.once.Do(func() {
		t.pw.Close()
		t.res = <-t.done
	})
	return t.res.d, t.res.err
}

// abort stops the digest and waits for its goroutine; it is a no-op after
// finish.
func (t *teeHash) abort(err error) {
	t.once.Do(func() {
		t.pw.CloseWithError(err)
		t.res = <-t.done
		t.res.err = err
	})
}
