package archive

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"

	"github.com/vouchdev/vouch/pkg/sbom/digest"
)

// zip reads a zip archive. Its directory sits at the end and entries are
// found by offset, so it cannot be streamed: the file is hashed in one pass
// first, then read through io.ReaderAt. The ratio limit compares what the
// entries decompress to with the size of the whole file, which, unlike the
// compressed sizes in the directory, cannot lie: overlapping entries (the
// "better zip bomb") share their compressed bytes but not their output.
func (c *reader) zip(f *os.File, size int64) (digest.Digests, error) {
	d, err := digest.Reader(ctxReader{c.ctx, f})
	if err != nil {
		if c.ctx.Err() != nil {
			return digest.Digests{}, c.ctx.Err()
		}
		return digest.Digests{}, fmt.Errorf("hash: %w", err)
	}
	c.b.compressed = size
	zr, err := zip.NewReader(f, size)
	// As with tar, GODEBUG=zipinsecurepath=0 flags unsafe names but still
	// returns a usable reader; cleanName warns about them itself.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return digest.Digests{}, fmt.Errorf("not a valid zip archive: %w", err)
	}
	if len(zr.File) > c.b.lim.MaxEntries {
		return digest.Digests{}, c.b.fail("MaxEntries", int64(c.b.lim.MaxEntries), "")
	}
	for _, zf := range zr.File {
		if err := c.ctx.Err(); err != nil {
			return digest.Digests{}, err
		}
		if err := c.b.entry(zf.Name); err != nil {
			return digest.Digests{}, err
		}
		name, ok := c.cleanName(zf.Name)
		switch {
		case !ok || zf.Mode().IsDir():
			continue
		case !zf.Mode().IsRegular():
			if err := c.zipLink(zf, name); err != nil {
				return digest.Digests{}, err
			}
			continue
		}
		if err := c.zipEntry(zf, name); err != nil {
			return digest.Digests{}, err
		}
	}
	return d, nil
}

func (c *reader) zipEntry(zf *zip.File, name string) error {
	rc, err := zf.Open()
	if errors.Is(err, zip.ErrAlgorithm) {
		// Unread, it might be anything, an executable known by its content
		// too: a status the run's completeness counts, not only a warning.
		c.skip(name, c.claimedBy(path.Base(name)), fmt.Sprintf("compression method %d is not supported: entry skipped", zf.Method))
		return nil
	}
	if err != nil {
		return c.readErr("zip", fmt.Errorf("entry %s: %w", name, err))
	}
	defer rc.Close()
	return c.readErr("zip", c.entry(name, int64(zf.UncompressedSize64), &entryReader{b: c.b, name: name, r: rc}))
}

// maxLinkTarget is the most bytes of a zip symlink's target that are read:
// a path, never large.
const maxLinkTarget = 4096

// zipLink notes a zip entry that extraction makes a symlink (its content
// is the target) or another special file.
func (c *reader) zipLink(zf *zip.File, name string) error {
	if zf.Mode()&fs.ModeSymlink == 0 {
		c.link(name, fmt.Sprintf("a special file (mode %v)", zf.Mode().Type()))
		return nil
	}
	rc, err := zf.Open()
	if err != nil {
		// The target cannot be read: what extraction leaves is unknown,
		// which shadows a catalogued file all the same.
		c.link(name, "a symlink to an unreadable target")
		return nil
	}
	defer rc.Close()
	target, err := io.ReadAll(io.LimitReader(&entryReader{b: c.b, name: name, r: rc}, maxLinkTarget))
	if err != nil {
		return c.readErr("zip", fmt.Errorf("entry %s: %w", name, err))
	}
	c.link(name, linkWhat(name, string(target), false))
	return nil
}
