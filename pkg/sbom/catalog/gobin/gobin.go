// Package gobin catalogs Go executables (ELF, Mach-O, PE) from the build
// information the Go linker embeds in them, the same data `go version -m`
// prints.
//
// [IsExecutable] tells executables from other files by their first bytes;
// [Catalog] turns one executable into an [sbom.Fragment]: the binary itself
// (an application named after its main module), every module linked into it
// and the standard library of the toolchain that built it.
//
// # Main module version
//
// Build info often lacks the release version of the main module, so
// [Catalog] resolves it from these sources, first match wins, and records
// which one in the [sbom.PropVersionSource] property:
//
//  1. [Options.Version], the user's --version ([sbom.VersionFromFlag]);
//  2. a release tag on the built commit (vcs.revision) found by
//     [Options.TagForRevision] ([sbom.VersionFromGitTag]);
//  3. a release version stamped in build info ([sbom.VersionFromBuild]): Go
//     stamps it from the same tag when the binary was built from a tagged,
//     clean checkout or installed with `go install module@version`, so it
//     is as trustworthy as the tag itself;
//  4. a semantic version set with -ldflags "-X pkg.version=v1.2.3", the
//     variable's name ending in "version" or "Version" ([sbom.VersionFromLdflags]);
//  5. a pseudo-version in build info ([sbom.VersionFromPseudo], with a warning);
//  6. nothing: the version is left empty ([sbom.VersionUnknown], with a warning).
//
// vouch never guesses a version from file names or dates.
//
// # Modules
//
// Every module in build info becomes a library component shared with the
// go.mod cataloger (same ID and purl for the same path and version). A module
// replaced by another module is identified by the replacement (the bytes
// linked in) and keeps the imported path as its name, with
// [sbom.PropGoReplace] "path@version"; one replaced by a local directory
// keeps its own path, has no version, and gets a warning. The binary's
// dependency list is complete; the modules' own lists are unknown, since
// build info records no module graph.
//
// # Files without build info
//
// An executable without Go build info (a C program, a stripped Go binary) is
// first offered to the readers other ecosystems register with
// [RegisterOther] (a Rust binary's cargo-auditable section); one none of
// them knows is still listed, as a file component with its hashes, the
// property [sbom.PropBuildInfo] "absent" and a warning. A truncated or corrupt
// executable is an error.
package gobin

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
)

// Options configure [Catalog].
type Options struct {
	// RelPath is the binary's path relative to the scanned root, with
	// slashes; inside an archive "dist/x.tar.gz!bin/hello". The component's
	// ID is "file:"+RelPath and its [sbom.PropSourcePath] is RelPath.
	// "" means the file's base name.
	RelPath string
	// Version overrides the main module's version (--version); "" means
	// resolve it (see the package documentation).
	Version string
	// TagForRevision returns the release tag pointing at a git commit, if
	// the caller can look it up; nil means no lookup.
	TagForRevision func(rev string) (tag string, ok bool)
	// Digests are the file's digests if the caller already computed them
	// (cataloger.Local hashes an archive entry while copying it); nil means
	// Catalog hashes the file itself.
	Digests *digest.Digests
}

// machoFatMaxArches bounds the architecture count of a Mach-O universal
// header. Java class files share its magic (0xcafebabe) but carry their
// version there, which is at least 45; real fat binaries hold a handful of
// architectures. file(1) uses the same cut-off.
const machoFatMaxArches = 20

// IsExecutable reports whether head, the first bytes of a file, starts like
// an ELF, Mach-O (32/64-bit, either byte order, or universal) or PE ("MZ")
// executable. It looks only at magic numbers: a match is a candidate, not a
// guarantee that the file parses.
func IsExecutable(head []byte) bool {
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return true
	case bytes.HasPrefix(head, []byte("MZ")):
		return true
	case len(head) < 4:
		return false
	}
	switch binary.BigEndian.Uint32(head) {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe:
		return true
	case 0xcafebabe, 0xcafebabf:
		return len(head) >= 8 && binary.BigEndian.Uint32(head[4:]) > 0 &&
			binary.BigEndian.Uint32(head[4:]) < machoFatMaxArches
	}
	return false
}

// Catalog catalogs the executable at path. It fails for a file it cannot
// read, an executable whose headers are truncated or corrupt, and a
// cancelled context; a readable file without Go build info gives a file
// component and a warning.
func Catalog(ctx context.Context, path string, opts Options) (*sbom.Fragment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rel := opts.RelPath
	if rel == "" {
		rel = filepath.Base(path)
	}
	f, _, err := safefile.Open("binary", path)
	if err != nil {
		return nil, fmt.Errorf("catalog binary %s: %w", rel, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("catalog binary %s: %w", rel, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("catalog binary %s: not a regular file (%s)", rel, fi.Mode().Type())
	}

	var d digest.Digests
	if opts.Digests != nil {
		d = *opts.Digests
	} else {
		// digest.File has no context; a context-aware reader over the same
		// single pass lets a cancelled run stop hashing a large binary.
		d, err = digest.Reader(ctxReader{ctx, f})
		if err != nil {
			return nil, fmt.Errorf("catalog binary %s: hash: %w", rel, err)
		}
	}

	bi, err := readBuildInfo(f)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	base := filepath.Base(filepath.FromSlash(rel))
	if err != nil {
		if !notGo(err, f) {
			return nil, fmt.Errorf("catalog binary %s: %w", rel, err)
		}
		if frag, ok, err := readOther(ctx, f, rel, d); ok || err != nil {
			return frag, err
		}
		return noBuildInfo(rel, base, d), nil
	}
	return fromBuildInfo(bi, rel, base, d, opts), nil
}

// readBuildInfo reads the build info of f. The debug/* parsers are not ours
// and read untrusted bytes; a panic in them becomes an error, so that one
// malformed file cannot take down a whole scan.
func readBuildInfo(f io.ReaderAt) (bi *debug.BuildInfo, err error) {
	defer func() {
		if r := recover(); r != nil {
			bi, err = nil, fmt.Errorf("malformed executable: %v", r)
		}
	}()
	bi, err = buildinfo.Read(f)
	if err != nil {
		return nil, classify(err)
	}
	return bi, nil
}

// errCorrupt marks an executable whose headers debug/buildinfo could not
// parse: truncated or damaged.
var errCorrupt = errors.New("truncated or corrupt executable: its headers do not parse")

// debug/buildinfo reports only two unexported errors, one for a file whose
// object format it cannot parse and one for a well-formed executable without
// build info. Their texts are all that tells them apart; they have been
// stable since Go 1.18 and the tests pin them.
const (
	msgUnrecognized = "unrecognized file format"
	msgNotGo        = "not a Go executable"
)

// errNotGo marks a well-formed executable without Go build info.
var errNotGo = errors.New(msgNotGo)

func classify(err error) error {
	switch err.Error() {
	case msgUnrecognized:
		return errCorrupt
	case msgNotGo:
		return errNotGo
	}
	return fmt.Errorf("read build info: %w", err)
}

// notGo reports whether err means "no Go build info" rather than "broken":
// an executable that parsed but has none, or a file that is no executable
// at all (a script handed to Catalog directly).
func notGo(err error, f io.ReaderAt) bool {
	if errors.Is(err, errNotGo) {
		return true
	}
	if errors.Is(err, errCorrupt) {
		head := make([]byte, 8)
		n, _ := f.ReadAt(head, 0)
		return !IsExecutable(head[:n])
	}
	return false
}

// OtherReader reads an executable without Go build info that another
// ecosystem recognises (a Rust binary's cargo-auditable section). ok is
// false for an executable it does not know; an error means it knew the
// file but could not read it.
type OtherReader func(ctx context.Context, r io.ReaderAt, rel string, d digest.Digests) (frag *sbom.Fragment, ok bool, err error)

var (
	otherMu      sync.RWMutex
	otherReaders []OtherReader
)

// RegisterOther adds a reader for executables without Go build info:
// there is one executable cataloger, so that a file is read once, and it
// asks these before listing such a file without contents.
func RegisterOther(fn OtherReader) {
	otherMu.Lock()
	defer otherMu.Unlock()
	otherReaders = append(otherReaders, fn)
}

// readOther asks the registered readers, in order, for the first that
// knows the executable.
func readOther(ctx context.Context, r io.ReaderAt, rel string, d digest.Digests) (*sbom.Fragment, bool, error) {
	otherMu.RLock()
	defer otherMu.RUnlock()
	for _, fn := range otherReaders {
		if frag, ok, err := fn(ctx, r, rel, d); ok || err != nil {
			return frag, true, err
		}
	}
	return nil, false, nil
}

// noBuildInfo is the component of a file without Go build info.
func noBuildInfo(rel, base string, d digest.Digests) *sbom.Fragment {
	c := sbom.Component{
		ID:       "file:" + rel,
		Type:     sbom.TypeFile,
		Name:     base,
		FileName: base,
		Size:     d.Size,
		Hashes:   d.Hashes(),
	}
	c.SetProperty(sbom.PropSourcePath, rel)
	c.SetProperty(sbom.PropBuildInfo, "absent")
	c.SetProperty(sbom.PropVersionSource, sbom.VersionUnknown)
	return &sbom.Fragment{
		Primary:    c.ID,
		Components: []sbom.Component{c},
		Warnings: []sbom.Warning{{Path: rel,
			Message: "no Go build info (not a Go binary, or built without it): listed as a file, without version or dependencies"}},
	}
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// trimGoVersion drops the GOEXPERIMENT suffix (" X:...") of a toolchain
// version, which is not part of the standard library's version.
func trimGoVersion(v string) string {
	v, _, _ = strings.Cut(v, " X:")
	return strings.TrimSpace(v)
}
