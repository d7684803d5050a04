// Package cataloger is the one interface every ecosystem vouch reads
// implements, and the registry that decides which cataloger reads which
// file.
//
// A [Source] is a read-only tree of files: a directory on disk, a release
// archive, (next) an image layer. It is walked once; each [File] has a path,
// a size and content that can be opened once, because inside an archive or
// a layer it is a stream. A [Cataloger] turns files into an [sbom.Fragment];
// it is told which files are its own by its [Registration] (base-name
// globs, a look at the first [HeadSize] bytes, or both), so a tree is
// walked once whatever the number of ecosystems, and a cataloger never walks
// anything itself.
//
// # Adding an ecosystem
//
// One folder per ecosystem (as syft's pkg/cataloger), holding a
// [Cataloger] — for one file at a time, a [FileFunc] made one by
// [PerFile] — and one registration line:
//
//	func init() {
//		cataloger.Register(cataloger.Registration{
//			Name:  "npm-lock",
//			What:  "npm lockfile",
//			Globs: []string{"package-lock.json"},
//			New:   func(cataloger.Config) cataloger.Cataloger { return cataloger.PerFile("npm-lock", readLock) },
//		})
//	}
//
// and its package is linked in by a blank import in package catalog's
// catalogers.go. The registered cataloger is then run on every matching
// file found in a directory and, unless [Registration.DiskOnly], on every
// matching entry of an archive: a FileFunc that reads [File.Open] works in
// both; one that needs random access calls [Local].
//
// # Post-processing
//
// What an ecosystem knows about its own sources beyond one file (Go: the
// build info of a binary, not go.mod, says what ships) is a
// [Registration.Post] step: it sees every fragment of a run, with the name
// of the cataloger that made it, before they are merged. What needs the
// merged document (Go: module licences from the module cache) is a
// [Registration.Enrich] step, and what is worth starting before the walk
// a [Registration.Prepare].
package cataloger

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// HeadSize is how many of a file's first bytes [Registration.Sniff] sees:
// every magic number vouch knows fits.
const HeadSize = 512

// Cataloger finds the components of the files it is registered for.
type Cataloger interface {
	// Name is the registration's name: the kind of source results count.
	Name() string
	// Catalog reads the files of src (for every cataloger vouch has, the
	// one file the registry matched) and returns what they consist of. An
	// error means the file could not be catalogued at all; problems that
	// leave part of it readable are the fragment's warnings.
	Catalog(ctx context.Context, src Source) (*sbom.Fragment, error)
}

// Source is a read-only tree of files: a directory on disk, an archive, an
// image layer.
type Source interface {
	// Walk calls fn once for each regular file, in an order fixed by the
	// source (a directory's lexical order, an archive's entry order). In
	// a streamed source (an archive) a file can be read only until fn
	// returns. An error from fn stops the walk and is returned.
	Walk(ctx context.Context, fn func(File) error) error
}

// File is one regular file of a [Source].
type File interface {
	// Path names the file in reports: relative to the root the user named,
	// with slashes; inside an archive, the archive's Path, "!" and the
	// entry's name ("dist/app.tar.gz!bin/app").
	Path() string
	// Size is the file's size in bytes as its source records it (inside
	// an archive, what the header claims: read limits are enforced on the
	// bytes, not on this).
	Size() int64
	// Open returns the file's content. It can be called once: inside an
	// archive the content is a stream that is gone once read.
	Open() (io.ReadCloser, error)
	// Host is the file's own path on disk, or that of the archive (or
	// layer) on disk holding it: where its git repository is looked up.
	Host() string
	// Local is the file's own path on disk, with ok false for a file
	// inside an archive or a layer. Catalogers that need random access
	// use [Local], which copies such a file to a temporary one.
	Local() (path string, ok bool)
}

// SystemFile is a [File] of a root file system read as a stream (an
// image): it also holds the few files of that system a [Registration.System]
// cataloger needs beside its own.
type SystemFile interface {
	File
	// SystemFiles returns those files by their path below the root
	// ("etc/os-release"), as the system ends up with them.
	SystemFiles() map[string][]byte
}

// One is a [Source] holding only f: what the registry hands a per-file
// cataloger.
func One(f File) Source { return one{f} }

type one struct{ f File }

func (o one) Walk(ctx context.Context, fn func(File) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(o.f)
}

// errNotOne is returned by [Only] for a source holding no file or several.
var errNotOne = errors.New("cataloger: want a source holding exactly one file")

// Only returns the one file of src, for catalogers that read a file at a
// time. It is an error if src holds none or several.
func Only(ctx context.Context, src Source) (File, error) {
	var got File
	n := 0
	err := src.Walk(ctx, func(f File) error {
		got, n = f, n+1
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, fmt.Errorf("%w: it holds %d", errNotOne, n)
	}
	return got, nil
}

// FileFunc catalogs one file.
type FileFunc func(ctx context.Context, f File) (*sbom.Fragment, error)

// PerFile is a [Cataloger] named name that reads the one file of each
// [Source] it is given with fn: the shape of every cataloger that reads a
// file at a time.
func PerFile(name string, fn FileFunc) Cataloger { return perFile{name, fn} }

type perFile struct {
	name string
	fn   FileFunc
}

func (p perFile) Name() string { return p.name }

func (p perFile) Catalog(ctx context.Context, src Source) (*sbom.Fragment, error) {
	f, err := Only(ctx, src)
	if err != nil {
		return nil, err
	}
	return p.fn(ctx, f)
}
