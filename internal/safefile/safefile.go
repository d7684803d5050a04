// Package safefile opens and reads the files a user names on the command
// line or in a policy — bundles, keys, trusted roots, policies, SBOMs,
// statements, artifacts — refusing anything that is not a regular file.
//
// A FIFO, socket or character device given as an input would otherwise
// block forever (opening a FIFO waits for a writer) or stream without end
// (/dev/zero). The file is opened without blocking and checked with fstat
// on the open descriptor, so there is no window between the check and the
// read in which the path can be swapped for something else.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrNotRegular marks an input that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge marks an input over the caller's size limit.
var ErrTooLarge = errors.New("file too large")

// Open opens path for reading if it is a regular file (following
// symlinks) and returns the file and its info. what names the input in
// errors ("bundle", "--key", "policy"); the error names the path too.
func Open(what, path string) (*os.File, os.FileInfo, error) {
	f, err := openNoBlock(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s %s: %w (it is %s)", what, path, ErrNotRegular, kind(fi.Mode()))
	}
	if err := clearNoBlock(f); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	return f, fi, nil
}

// Read reads the whole regular file at path, refusing one of more than
// limit bytes (checked by size first, then while reading, so a file that
// grows after the check is refused as well).
func Read(what, path string, limit int64) ([]byte, error) {
	f, fi, err := Open(what, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s %s: %w: %d bytes, the limit is %d", what, path, ErrTooLarge, fi.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s %s: %w: more than the limit of %d bytes", what, path, ErrTooLarge, limit)
	}
	return data, nil
}

// kind names a non-regular file mode for messages.
func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file (mode " + m.String() + ")"
}
