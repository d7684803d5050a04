// Package atomicfile is vouch's one way of writing a user's files. A file is
// written to a temporary file beside its destination, synced to disk and
// renamed into place, so a reader or a crash sees the old content or the
// new, never a mix. Several files are written all or nothing: every new file
// is made before any old one is touched, and a rename that still fails puts
// the old files back. A failed run never deletes or overwrites what the user
// had.
//
// A destination that is a symbolic link is written through: the file it
// points to is replaced, and the link stays. A destination that is not a
// file at all — a character device such as /dev/null or a terminal, a named
// pipe — is a stream that cannot be replaced, only written to: it gets the
// content directly, after every regular file has been staged, so a failure
// to stage still leaves it untouched. Renaming over such a path would put a
// regular file in place of the device.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
)

// Public is the mode of outputs anyone may read (SBOMs, bundles, reports);
// Private the mode of secrets (a private key).
const (
	Public  os.FileMode = 0o644
	Private os.FileMode = 0o600
)

// rename puts new content into place and link keeps an old file; tests
// make them fail.
var (
	rename = os.Rename
	link   = os.Link
)

// File is one file to write: its content and its permission bits.
type File struct {
	Path string
	Data []byte
	Perm os.FileMode
	// NoReplace refuses to replace an existing file, also one that appears
	// while the write is under way (the new file is hard-linked into
	// place, which fails on an existing name).
	NoReplace bool
}

// Write writes one file atomically with mode perm (see [WriteAll]).
func Write(path string, data []byte, perm os.FileMode) error {
	return WriteAll([]File{{Path: path, Data: data, Perm: perm}})
}

// WriteAll writes files all or nothing. Each is first written in full to a
// hidden temporary file in its destination's directory (".NAME.tmp*"),
// created with no access for others and chmod-ed to Perm only then, and
// synced; a failure there removes the temporaries and changes nothing.
// Only when every file exists are they renamed into place, each old file
// kept under a hidden name until all renames succeed and their directories
// are synced; a failing rename restores the old files. A destination that is
// a directory is refused before anything is renamed.
func WriteAll(files []File) error {
	seen := map[string]bool{}
	var regular, streams []File
	for _, f := range files {
		if seen[filepath.Clean(f.Path)] {
			return fmt.Errorf("write %s: named twice in one write", f.Path)
		}
		seen[filepath.Clean(f.Path)] = true
		dest, stream, err := checkDest(f)
		if err != nil {
			return err
		}
		f.Path = dest
		if stream {
			streams = append(streams, f)
		} else {
			regular = append(regular, f)
		}
	}
	files = regular
	staged := make([]*entry, 0, len(files))
	defer func() {
		for _, e := range staged {
			e.discard()
		}
	}()
	for _, f := range files {
		e, err := stage(f)
		if err != nil {
			return err
		}
		staged = append(staged, e)
	}
	for _, f := range streams {
		if err := writeStream(f); err != nil {
			return err
		}
	}
	for i, e := range staged {
		if err := e.place(); err != nil {
			return rollback(staged[:i+1], err)
		}
	}
	return syncDirs(files)
}

// rollback puts the old files back after a failed rename. An old file that
// cannot be put back stays under its hidden name, which the error gives.
func rollback(placed []*entry, cause error) error {
	for _, e := range placed {
		if err := e.restore(); err != nil {
			cause = fmt.Errorf("%w; the previous %s could not be restored and is kept as %s: %v", cause, e.Path, e.old, err)
			e.old = "" // never discard the user's only copy
		}
	}
	return cause
}

// checkDest refuses a destination that a file cannot replace, before
// anything is written, so the failure cannot come halfway through. It
// returns the path to write (a symbolic link's target) and whether that
// is a stream (a device or a pipe) to be written in place.
func checkDest(f File) (dest string, stream bool, err error) {
	dest = f.Path
	fi, err := os.Lstat(dest)
	if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if f.NoReplace {
			return "", false, fmt.Errorf("write %s: %w", f.Path, fs.ErrExist)
		}
		if dest, err = filepath.EvalSymlinks(f.Path); err != nil {
			return "", false, fmt.Errorf("write %s: follow the symbolic link: %w", f.Path, err)
		}
		fi, err = os.Lstat(dest)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return dest, false, nil
	case err != nil:
		return "", false, fmt.Errorf("write %s: %w", f.Path, err)
	case fi.IsDir():
		return "", false, fmt.Errorf("write %s: is a directory, want a file", f.Path)
	case f.NoReplace:
		return "", false, fmt.Errorf("write %s: %w", f.Path, fs.ErrExist)
	case fi.Mode()&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe) != 0:
		return dest, true, nil
	case !fi.Mode().IsRegular():
		return "", false, fmt.Errorf("write %s: is a %s, want a file", f.Path, fi.Mode().Type())
	}
	return dest, false, nil
}

// writeStream writes f's content to the device or pipe at its path, which
// is opened for writing only: nothing is created, truncated or renamed.
func writeStream(f File) error {
	w, err := os.OpenFile(f.Path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	_, err = w.Write(f.Data)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	return nil
}

// entry is one staged file: its temporary, and once placed, the old file's
// hidden copy.
type entry struct {
	File
	tmp    string // the new content, until renamed into place
	old    string // the previous file at Path, kept until the write succeeds
	linked bool   // old is a hard link: the previous file is also still at Path until placed
	placed bool   // the new content is at Path
}

// stage writes f to a synced temporary file beside f.Path.
func stage(f File) (*entry, error) {
	// CreateTemp makes the file 0600: a private key is never readable by
	// others, not even for a moment; public files are widened afterwards.
	tmp, err := os.CreateTemp(filepath.Dir(f.Path), "."+filepath.Base(f.Path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", f.Path, err)
	}
	_, err = tmp.Write(f.Data)
	if err == nil {
		err = tmp.Chmod(f.Perm)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("write %s: %w", f.Path, err)
	}
	return &entry{File: f, tmp: tmp.Name()}, nil
}

// place keeps the current file at Path under a hidden name and renames the
// new content over it.
func (e *entry) place() error {
	if e.NoReplace {
		return e.create()
	}
	if _, err := os.Lstat(e.Path); err == nil {
		old := e.tmp + ".old"
		// A hard link keeps the old file without a moment where Path is
		// missing; where links are not supported, it is moved aside.
		err := link(e.Path, old)
		e.linked = err == nil
		if err != nil {
			if _, lerr := os.Lstat(old); lerr == nil {
				return fmt.Errorf("write %s: keep the previous file: %w", e.Path, err)
			}
			if err := os.Rename(e.Path, old); err != nil {
				return fmt.Errorf("write %s: keep the previous file: %w", e.Path, err)
			}
		}
		e.old = old
	}
	if err := rename(e.tmp, e.Path); err != nil {
		return fmt.Errorf("write %s: %w", e.Path, err)
	}
	e.tmp, e.placed = "", true
	return nil
}

// create puts the new content at Path only if nothing is there: a hard
// link fails on an existing name. Where links are not supported, the
// check and the rename are two steps.
func (e *entry) create() error {
	err := link(e.tmp, e.Path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		if _, lerr := os.Lstat(e.Path); lerr == nil {
			err = fs.ErrExist
		} else {
			err = rename(e.tmp, e.Path)
		}
	}
	if errors.Is(err, fs.ErrExist) {
		err = fs.ErrExist // "file already exists", not the link's two paths
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", e.Path, err)
	}
	os.Remove(e.tmp) // after a link; a no-op after the rename
	e.tmp, e.placed = "", true
	return nil
}

// restore undoes place: the old file goes back, or a new file that had no
// predecessor is removed.
func (e *entry) restore() error {
	placed := e.placed
	e.placed = false
	if e.old != "" && e.linked && !placed {
		// The previous file never left Path; renaming a link over its
		// twin would do nothing, so the spare link goes.
		os.Remove(e.old)
		e.old = ""
		return nil
	}
	if e.old != "" {
		if err := os.Rename(e.old, e.Path); err != nil {
			return err
		}
		e.old = ""
	} else if placed {
		os.Remove(e.Path) // failing, it leaves a new file, never loses an old one
	}
	return nil
}

// discard removes what is left once the write is over: an unplaced
// temporary, and the old file's copy after a success.
func (e *entry) discard() {
	if e.tmp != "" {
		os.Remove(e.tmp)
	}
	if e.old != "" {
		os.Remove(e.old)
	}
}

// syncDirs makes the renames durable: on Unix a rename is only on disk once
// its directory is synced. Windows cannot open a directory for syncing, and
// some file systems refuse to sync one (EINVAL), which is no failure.
func syncDirs(files []File) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	done := map[string]bool{}
	for _, f := range files {
		dir := filepath.Dir(f.Path)
		if done[dir] {
			continue
		}
		done[dir] = true
		d, err := os.Open(dir)
		if err != nil {
			return fmt.Errorf("sync directory %s: %w", dir, err)
		}
		err = d.Sync()
		d.Close()
		if err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
			return fmt.Errorf("sync directory %s: %w", dir, err)
		}
	}
	return nil
}
