package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/archive"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

// Scope says which files of an image are catalogued.
type Scope string

// Scopes, as syft names them.
const (
	// Squashed is the file system a container of the image starts with:
	// later layers win, whiteouts delete.
	Squashed Scope = "squashed"
	// AllLayers is every file of every layer, those later layers delete
	// or replace included, each with its own layer.
	AllLayers Scope = "all-layers"
)

// Whiteouts, as the OCI image spec names them: ".wh.NAME" deletes NAME of
// the layers below, ".wh..wh..opq" in a directory hides everything the
// layers below put in it.
const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// systemFiles are the files of an image kept in memory for the
// [cataloger.Registration.System] catalogers, and how large each may be.
var systemFiles = []string{"etc/os-release", "usr/lib/os-release"}

const maxSystemFile = 64 << 10

// layerSource is one layer as the walker reads it.
type layerSource struct {
	// DiffID is the digest of the layer's uncompressed tar, as the
	// image's config lists it: what each component records.
	DiffID string
	// Size is its compressed size (the manifest's), the base of the
	// decompression ratio limit.
	Size int64
	// Open returns its uncompressed tar.
	Open func() (io.ReadCloser, error)
}

// found is what a cataloger made of one file of a layer.
type found struct {
	cataloger.Found
	name  string
	layer int
}

// deferred is a file a System cataloger reads once every layer is read:
// a copy on disk.
type deferred struct {
	reg    *cataloger.Registration
	name   string
	layer  int
	tmp    string
	remove func()
}

// sysFile is a kept system file and the layer it came from.
type sysFile struct {
	data  []byte
	layer int
}

// walker reads the layers of one image, bottom first, and catalogs each
// regular file as it streams by; what a later layer deletes or replaces is
// dropped again (in the squashed scope).
type walker struct {
	ctx      context.Context
	set      *cataloger.Set
	meter    *archive.Meter
	scope    Scope
	tempDir  string
	layers   []layerSource
	layer    int
	found    []found
	deferred []deferred
	system   map[string]sysFile
	// held is every name recorded in found, deferred, system or notRead,
	// and every directory above one: an entry or whiteout of any other
	// name has nothing to drop, and is not looked for.
	held     map[string]bool
	warnings []sbom.Warning
	notRead  []notRead
}

// notRead is a file of a layer a cataloger claims that is not in the SBOM.
type notRead struct {
	sbom.FileStatus
	name  string
	layer int
}

// filePath is how a file of the image is named in reports: its absolute
// path in the image, the same whatever the image was read from.
func filePath(name string) string { return "/" + name }

func (w *walker) warn(name, msg string) {
	w.warnings = append(w.warnings, sbom.Warning{Path: filePath(name), Message: msg})
}

// skip records that a file a cataloger would read is not in the SBOM.
func (w *walker) skip(name, kind, why string) {
	w.warn(name, why)
	w.notRead = append(w.notRead, notRead{sbom.FileStatus{Path: filePath(name), Kind: kind, NotRead: why}, name, w.layer})
	w.hold(name)
}

// claimedBy names the cataloger that claims name by its name alone, or "".
func (w *walker) claimedBy(name string) string {
	if r := w.set.MatchName(name); r != nil {
		return r.Name
	}
	return ""
}

// walk reads every layer, then runs the deferred System catalogers.
func (w *walker) walk() error {
	defer w.cleanup()
	for i, l := range w.layers {
		w.layer = i
		if err := w.readLayer(l); err != nil {
			return fmt.Errorf("layer %d (%s): %w", i+1, l.DiffID, err)
		}
	}
	return w.runDeferred()
}

// readLayer streams one layer's tar once, checking that its bytes are the
// ones the image's config names.
func (w *walker) readLayer(l layerSource) error {
	rc, err := l.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	w.meter.Compressed(l.Size)
	h := sha256.New()
	tr := tar.NewReader(w.meter.Stream(io.TeeReader(rc, h)))
	for {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return readErr(err)
		}
		if err := w.meter.Entry(hdr.Name); err != nil {
			return err
		}
		if err := w.entry(hdr, tr); err != nil {
			return err
		}
	}
	return w.checkDiffID(l, rc, h)
}

// checkDiffID reads what follows the tar's end marker (it is part of the
// layer's digest) and compares the digest with the config's.
func (w *walker) checkDiffID(l layerSource, rc io.Reader, h hash.Hash) error {
	if _, err := io.Copy(io.Discard, w.meter.Stream(io.TeeReader(rc, h))); err != nil {
		return readErr(err)
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != l.DiffID {
		return fmt.Errorf("content digest is %s, the image config's rootfs.diff_ids says %s: the layer is not the image's", got, l.DiffID)
	}
	return nil
}

// readErr passes limit and context errors through and calls the rest
// corrupt.
func readErr(err error) error {
	var le *archive.LimitError
	if errors.As(err, &le) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("corrupt layer tar: %w", err)
}

// entry applies one tar entry to the image's file system.
func (w *walker) entry(hdr *tar.Header, tr *tar.Reader) error {
	name, escapes := archive.CleanName(hdr.Name)
	if escapes {
		w.skipName(hdr.Name, name, fmt.Sprintf("entry %q escapes the image's root (absolute path or \"..\"): skipped", hdr.Name))
		return nil
	}
	if name == "" {
		return nil
	}
	dir, base := path.Split(name)
	dir = strings.TrimSuffix(dir, "/")
	switch {
	case base == opaqueMarker:
		w.drop(dir, true, true)
		return nil
	case strings.HasPrefix(base, whiteoutPrefix):
		w.drop(path.Join(dir, strings.TrimPrefix(base, whiteoutPrefix)), true, true)
		return nil
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		w.replace(name, false) // a directory keeps what is below it
		return nil
	case tar.TypeReg, tar.TypeGNUSparse:
		w.replace(name, true)
		r := w.meter.File(name, tr)
		if err := w.file(name, hdr.Size, r); err != nil {
			return err
		}
		// Every byte of the entry counts against MaxEntrySize, read or
		// not (the tar reader would skip what is left unmetered).
		if _, err := io.Copy(io.Discard, struct{ io.Reader }{r}); err != nil {
			return readErr(err)
		}
		return nil
	case tar.TypeLink:
		w.replace(name, true)
		if _, out := archive.CleanName(hdr.Linkname); out {
			w.skipName(filePath(name), name, fmt.Sprintf("a hard link to %q, outside the image: refused", hdr.Linkname))
			return nil
		}
		w.special(name, fmt.Sprintf("a hard link to %q", hdr.Linkname))
	case tar.TypeSymlink:
		w.replace(name, true)
		w.special(name, fmt.Sprintf("a symlink to %q", hdr.Linkname))
	default:
		// Devices, FIFOs: never opened.
		w.replace(name, true)
		w.special(name, fmt.Sprintf("a special file (tar type %q)", hdr.Typeflag))
	}
	return nil
}

// skipName warns about an entry not applied; it is not read when a
// cataloger claims its name.
func (w *walker) skipName(raw, name, why string) {
	if kind := w.claimedBy(path.Base(name)); kind != "" {
		w.skip(strings.TrimPrefix(name, "/"), kind, why)
		return
	}
	w.warnings = append(w.warnings, sbom.Warning{Path: raw, Message: why})
}

// special notes a link or special file of a name a cataloger claims: vouch
// reads regular files only.
func (w *walker) special(name, what string) {
	if kind := w.claimedBy(name); kind != "" {
		w.skip(name, kind, what+", not a regular file: not catalogued")
	}
}

// replace drops what lower entries put at name (and, when below is set,
// under it): a new entry takes its place. All layers keep everything.
func (w *walker) replace(name string, below bool) { w.drop(name, below, false) }

// drop removes from the squashed view what is at name and, when below is
// set, under it; lowerOnly limits that to the layers below the current one
// (whiteouts and opaque directories hide lower layers only).
func (w *walker) drop(name string, below, lowerOnly bool) {
	if w.scope == AllLayers || (name != "" && !w.held[name]) {
		return
	}
	hit := func(n string, layer int) bool {
		if lowerOnly && layer >= w.layer {
			return false
		}
		return n == name || (below && (name == "" || strings.HasPrefix(n, name+"/")))
	}
	w.found = slices.DeleteFunc(w.found, func(f found) bool { return hit(f.name, f.layer) })
	w.deferred = slices.DeleteFunc(w.deferred, func(d deferred) bool {
		if hit(d.name, d.layer) {
			d.remove()
			return true
		}
		return false
	})
	for n, s := range w.system {
		if hit(n, s.layer) {
			delete(w.system, n)
		}
	}
	w.notRead = slices.DeleteFunc(w.notRead, func(n notRead) bool { return hit(n.name, n.layer) })
}

// hold records that name (and so every directory above it) has
// something a later entry may drop.
func (w *walker) hold(name string) {
	for n := name; n != "." && n != "/" && n != "" && !w.held[n]; n = path.Dir(n) {
		w.held[n] = true
	}
}

// file catalogs one regular file of the current layer, read through r.
func (w *walker) file(name string, size int64, r io.Reader) error {
	if slices.Contains(systemFiles, name) {
		data, err := io.ReadAll(io.LimitReader(r, maxSystemFile))
		if err != nil {
			return readErr(err)
		}
		w.system[name] = sysFile{data: data, layer: w.layer}
		w.hold(name)
		return nil
	}
	head := make([]byte, cataloger.HeadSize)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return readErr(err)
	}
	head = head[:n]
	f := &layerFile{name: name, size: size, r: io.MultiReader(bytes.NewReader(head), r)}
	reg := w.set.Match(name, head, true)
	if reg == nil {
		if disk := w.set.Match(name, head, false); disk != nil {
			w.skip(name, disk.Name, disk.What+" inside an image is not read (it is read from a directory on disk): extract the image to catalogue it")
		}
		return nil
	}
	if reg.System {
		return w.defer_(reg, f)
	}
	frag, err := w.set.Catalog(w.ctx, reg, f)
	if err != nil {
		return w.failed(f, reg, err)
	}
	w.add(reg, name, w.layer, frag)
	return nil
}

// add records a fragment, each component marked with its layer.
func (w *walker) add(reg *cataloger.Registration, name string, layer int, frag *sbom.Fragment) {
	for i := range frag.Components {
		frag.Components[i].SetProperty(PropLayer, w.layers[layer].DiffID)
	}
	w.found = append(w.found, found{Found: cataloger.Found{Kind: reg.Name, Path: filePath(name), Fragment: frag}, name: name, layer: layer})
	w.hold(name)
}

// failed sorts a cataloger's failure as the archive reader does: the
// layer's own read errors, limits, the context and the temporary
// directory stop the image; content a cataloger rejects is not read.
func (w *walker) failed(f *layerFile, reg *cataloger.Registration, err error) error {
	if ctxErr := w.ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	var le *archive.LimitError
	var se *cataloger.SpoolError
	if errors.As(err, &le) || errors.As(err, &se) {
		return err
	}
	if f.readErr != nil {
		return readErr(f.readErr)
	}
	w.skip(f.name, reg.Name, fmt.Sprintf("%s not catalogued: %v", reg.What, err))
	return nil
}

// defer_ copies a System cataloger's file to disk, to be read once the
// image's final os-release is known.
func (w *walker) defer_(reg *cataloger.Registration, f *layerFile) error {
	tmp, _, remove, err := cataloger.Local(w.ctx, f, w.tempDir)
	if err != nil {
		remove()
		return w.failed(f, reg, err)
	}
	w.deferred = append(w.deferred, deferred{reg: reg, name: f.name, layer: w.layer, tmp: tmp, remove: remove})
	w.hold(f.name)
	return nil
}

func (w *walker) runDeferred() error {
	sys := map[string][]byte{}
	for n, s := range w.system {
		sys[n] = s.data
	}
	for _, d := range w.deferred {
		f := &layerFile{name: d.name, tmp: d.tmp, system: sys}
		frag, err := w.set.Catalog(w.ctx, d.reg, f)
		if err != nil {
			if err := w.failed(f, d.reg, err); err != nil {
				return err
			}
			continue
		}
		w.add(d.reg, d.name, d.layer, frag)
	}
	return nil
}

func (w *walker) cleanup() {
	for _, d := range w.deferred {
		d.remove()
	}
}

// layerFile is one regular file of a layer as a [cataloger.File]: a
// stream read once, or a deferred file's copy on disk.
type layerFile struct {
	name    string
	size    int64
	r       io.Reader
	tmp     string
	system  map[string][]byte
	opened  bool
	readErr error
}

func (f *layerFile) Path() string          { return filePath(f.name) }
func (f *layerFile) Size() int64           { return f.size }
func (f *layerFile) Host() string          { return "" }
func (f *layerFile) Local() (string, bool) { return "", false }

// SystemFiles are the image's os-release files, for System catalogers.
func (f *layerFile) SystemFiles() map[string][]byte { return f.system }

// Open returns the file's content; a second call fails.
func (f *layerFile) Open() (io.ReadCloser, error) {
	if f.opened {
		return nil, fmt.Errorf("%s: opened twice (a layer's file is a stream)", f.Path())
	}
	f.opened = true
	if f.tmp != "" {
		file, _, err := safefile.Open("image file "+f.Path(), f.tmp)
		return file, err
	}
	return io.NopCloser(readFunc(f.read)), nil
}

func (f *layerFile) read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && err != io.EOF && f.readErr == nil {
		f.readErr = err
	}
	return n, err
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }
