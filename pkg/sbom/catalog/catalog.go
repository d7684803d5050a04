// Package catalog finds what a release consists of and builds its SBOM.
//
// [Run] takes SOURCE paths — directories, go.mod files, Go binaries, release
// archives — walks each directory once, sends every candidate file to a pool
// of workers (one per core) that sniff, hash and catalog it, and merges the
// per-source fragments into one deterministic [sbom.Document].
//
// Which file is read by which cataloger is decided by one registry
// ([cataloger.Registry]): every kind of source has its own cataloger
// package, registered by name glob or by its first bytes — [gomod] for Go
// module source, [gobin] for Go binaries, [archive] for .tar.gz and .zip
// releases, whose entries are matched against the same registry. An
// ecosystem is added by a package that registers its [cataloger.Cataloger]
// and a blank import in catalogers.go.
//
// A source that fails does not stop the others: its error is recorded, and
// the document says it is incomplete, unless the caller asks to fail.
package catalog

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/archive"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/gobin"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/gomod"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image"
)

// Options configure a run. The zero value is usable.
type Options struct {
	// Exclude holds glob patterns (path.Match syntax) matched against each
	// path relative to the root it was found under, with slashes, and
	// against its base name. "**/" is not special: "*.txt" matches any
	// base name, "dist/*" only directly under dist.
	Exclude []string
	// Vendor walks into vendor/ directories (Go module dependencies are
	// read from vendor/modules.txt either way).
	Vendor bool
	// Testdata walks into testdata/ directories.
	Testdata bool
	// NestedModules walks into directories holding their own go.mod below
	// a root that is itself a module. By default such nested modules are
	// skipped, with a warning: they are separate modules, not part of the
	// one at the root.
	NestedModules bool
	// ExcludeDev leaves out the components a lockfile marks as needed only
	// for development or tests (ecosystem.PropDevelopment), with their
	// edges. By default they are kept, with the excluded scope.
	ExcludeDev bool
	// Version is the release version of the main modules, overriding what
	// vouch would resolve (git tag, ldflags, build info).
	Version string
	// ModCache is the Go module cache to read; "" means the usual place.
	ModCache string
	// Limits bound what is read from archives.
	Limits archive.Limits
	// TempDir is where archive entries that need random access (executables)
	// are copied to while they are read.
	TempDir string
	// Workers is how many files are catalogued at once; 0 means GOMAXPROCS.
	Workers int
	// Created is the document's timestamp; the zero time means now.
	Created time.Time
	// Authors are the SBOM's creators; empty means the primary component's supplier.
	Authors []sbom.Contact
	// Tool is the program writing the SBOM (vouch and its version).
	Tool sbom.Tool
	// Progress, if set, is called from one goroutine after each source is
	// catalogued, with the number done and the number found so far.
	Progress func(done, found int)
	// LicenseCache keeps licence scan results between runs (see
	// internal/diskcache); nil means every licence text is scanned. The
	// caller opens and flushes it.
	LicenseCache cataloger.Cache
	// ImageScope is what an image SOURCE is catalogued as: its squashed
	// file system ("" too) or all its layers.
	ImageScope image.Scope
	// Registry decides which cataloger reads which file; nil means
	// [cataloger.Default], where every ecosystem compiled in registers.
	Registry *cataloger.Registry

	// sourceName is the name of the one directory scanned, set by Run:
	// what a source tree's synthetic root is called.
	sourceName string
}

// registry is the run's registry.
func (o Options) registry() *cataloger.Registry {
	if o.Registry != nil {
		return o.Registry
	}
	return cataloger.Default()
}

// catalogers makes the run's catalogers; repos may be nil.
func (o Options) catalogers(repos cataloger.Repos) *cataloger.Set {
	return o.registry().With(cataloger.Config{
		Version: o.Version, ModCache: o.ModCache, TempDir: o.TempDir, Limits: o.Limits, Repos: repos,
		LicenseCache: o.LicenseCache,
	})
}

// SourceError is a source that could not be catalogued.
type SourceError struct {
	Path string
	Err  error
}

func (e *SourceError) Error() string {
	msg := e.Err.Error()
	if strings.Contains(msg, e.Path) {
		// The cataloger already named the file (often with a line number).
		return msg
	}
	return e.Path + ": " + msg
}
func (e *SourceError) Unwrap() error { return e.Err }

// Result is the outcome of a run.
type Result struct {
	Document *sbom.Document
	// Warnings are problems that did not stop any source, sorted.
	Warnings []sbom.Warning
	// Errors are sources that failed; the document is then marked incomplete.
	Errors []*SourceError
	// Sources counts the catalogued sources per kind.
	Sources map[Kind]int
	// Files says what became of every file a cataloger claimed (archive
	// entries included), sorted by path: the per-kind summary of the run.
	// A failure outside any cataloger (a directory that cannot be read)
	// has Kind "".
	Files []sbom.FileStatus
	// DevExcluded is how many development-only components --exclude-dev
	// left out of the document (Files still counts them as read).
	DevExcluded int
}

// Kind is a kind of source: the name of the cataloger that read it.
type Kind string

// Source kinds of the catalogers vouch has always had.
const (
	KindGoMod   Kind = gomod.Kind
	KindBinary  Kind = gobin.Kind
	KindArchive Kind = archive.Kind
	KindImage   Kind = image.Kind
)

// Run catalogs every source under roots and returns the merged document.
// It fails only for a cancelled context or when no root exists at all;
// per-source failures are in Result.Errors.
func Run(ctx context.Context, roots []string, opts Options) (*Result, error) {
	if opts.Created.IsZero() {
		opts.Created = time.Now()
	}
	opts.catalogers(nil).Prepare()
	found, sources, err := scan(ctx, roots, opts)
	if err != nil {
		return nil, err
	}
	if len(roots) == 1 {
		opts.sourceName = dirName(roots[0])
	}
	res := assemble(ctx, found, opts)
	licenseFromSource(opts.LicenseCache, res.Document, sources)
	return res, nil
}

// dirName is the base name of dir, made absolute ("." is the working
// directory's name), or "" when dir is not a directory.
func dirName(dir string) string {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return ""
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	if b := filepath.Base(abs); b != string(filepath.Separator) && b != "." {
		return b
	}
	return ""
}
