package cataloger

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/vouchdev/vouch/pkg/sbom/digest"
)

// SpoolError is a file that could not be copied out of its archive because
// of the local disk (the temporary directory), not of the file's bytes.
type SpoolError struct {
	Path string
	Err  error
}

func (e *SpoolError) Error() string { return fmt.Sprintf("spool entry %s: %v", e.Path, e.Err) }
func (e *SpoolError) Unwrap() error { return e.Err }

// Local returns a path on disk holding f's bytes, for catalogers that need
// random access (debug/buildinfo): f's own path when it is on disk, else a
// temporary copy in tempDir ("" is os.TempDir), hashed on the way, so that
// d holds its digests and the content is read once. remove deletes the copy
// and is never nil; d is nil when nothing was copied. A failure to create or
// write the copy is a [*SpoolError]; a failure to read f is returned as its
// source reported it (a limit, a corrupt stream, the context).
func Local(ctx context.Context, f File, tempDir string) (p string, d *digest.Digests, remove func(), err error) {
	remove = func() {}
	if p, ok := f.Local(); ok {
		return p, nil, remove, nil
	}
	if err := ctx.Err(); err != nil {
		return "", nil, remove, err
	}
	if tempDir == "" {
		tempDir = os.TempDir()
	}
	r, err := f.Open()
	if err != nil {
		return "", nil, remove, err
	}
	defer r.Close()
	tmp, err := os.CreateTemp(tempDir, "vouch-entry-*")
	if err != nil {
		return "", nil, remove, &SpoolError{Path: f.Path(), Err: err}
	}
	remove = func() { os.Remove(tmp.Name()) }
	w := &spoolWriter{f: tmp}
	sums, err := digest.Reader(io.TeeReader(r, w))
	if cerr := tmp.Close(); w.err == nil && cerr != nil {
		w.err = cerr
	}
	if w.err != nil {
		remove()
		return "", nil, func() {}, &SpoolError{Path: f.Path(), Err: w.err}
	}
	if err != nil {
		remove()
		return "", nil, func() {}, err
	}
	return tmp.Name(), &sums, remove, nil
}

// spoolWriter remembers a write failure, so that it is told apart from a
// read failure of the source.
type spoolWriter struct {
	f   *os.File
	err error
}

func (w *spoolWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}
