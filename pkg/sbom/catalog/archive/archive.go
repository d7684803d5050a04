// Package archive catalogs release archives (.tar.gz, .tgz, .zip) and the
// executables inside them.
//
// [IsArchive] recognises an archive by its name and its magic number;
// [Catalog] reads it once, as a stream: the archive's own SHA-256 and
// SHA-512 are computed while it is decompressed (tar.gz) or in one pass
// before its directory is read (zip). The archive is a [cataloger.Source]:
// every regular entry is matched against the registry of the run (by name
// and first bytes, as a file in a directory is) and handed, as a stream, to
// the cataloger that claims it — an executable to the Go binary cataloger,
// which copies it to a temporary file with [cataloger.Local] and removes
// it. Catalogers registered DiskOnly (go.mod, archives themselves) are not
// run inside an archive: a release archive inside one is reported as not
// read, and the archive's contents are then incomplete. Entries nobody claims are read and discarded,
// never written anywhere.
//
// # Safety
//
// Archives are untrusted. Nothing is extracted by its name: an entry whose
// name is absolute or climbs out of the archive ("../evil") is skipped with
// a warning, links and devices are skipped, and every byte decompressed
// counts against [Limits]: too many entries, an entry or a whole archive too
// large, or a compression ratio too high stop cataloguing with a
// [*LimitError]. Temporary files are removed on every path out.
//
// # Version
//
// An archive has no build info. When every Go binary inside it has the same
// resolved main-module version, that is the archive's version, with
// [sbom.PropVersionSource] [VersionFromContents]; otherwise its version is
// empty ([sbom.VersionUnknown]). vouch does not read versions out of file
// names.
package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/gobin"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
)

// Kind is the name archives are registered under.
const Kind = "archive"

func init() {
	cataloger.Register(cataloger.Registration{
		Name: Kind, What: "release archive", Globs: []string{"*.tar.gz", "*.tgz", "*.zip"}, FoldCase: true,
		Sniff: IsArchive, Artifact: true, DiskOnly: true,
		New: func(cfg cataloger.Config) cataloger.Cataloger {
			return cataloger.PerFile(Kind, archiveCataloger{cfg}.catalog)
		},
	})
}

// archiveCataloger is the registered cataloger: it reads an archive on
// disk with the configuration of the run.
type archiveCataloger struct{ cfg cataloger.Config }

func (a archiveCataloger) catalog(ctx context.Context, f cataloger.File) (*sbom.Fragment, error) {
	p, ok := f.Local()
	if !ok {
		return nil, fmt.Errorf("catalog archive %s: not a file on disk", f.Path())
	}
	return catalog(ctx, p, f.Path(), a.cfg)
}

// VersionFromContents is the [sbom.PropVersionSource] of an archive whose
// version is the one main-module version all its Go binaries agree on.
const VersionFromContents = "contents"

// Options configure [Catalog].
type Options struct {
	// RelPath is the archive's path relative to the scanned root, with
	// slashes. Its component's ID is "file:"+RelPath; an entry's RelPath is
	// RelPath+"!"+the entry's cleaned name. "" means the base name.
	RelPath string
	// Limits bound decompression; unset fields take [DefaultLimits].
	Limits Limits
	// TempDir is where executables are copied to be read; "" means
	// [os.TempDir].
	TempDir string
	// Binary configures the Go binary cataloger for every executable: its
	// Version and TagForRevision (RelPath and Digests are set per entry).
	Binary gobin.Options
}

// config is what a run would tell the catalogers of an archive read on
// its own.
func (o Options) config() cataloger.Config {
	cfg := cataloger.Config{Version: o.Binary.Version, TempDir: o.TempDir, Limits: o.Limits}
	if o.Binary.TagForRevision != nil {
		cfg.Repos = fixedTagger(o.Binary.TagForRevision)
	}
	return cfg
}

// fixedTagger is a [cataloger.Repos] that knows the revision tags of one
// repository.
type fixedTagger func(string) (string, bool)

func (fixedTagger) CheckoutTag(string) (string, bool) { return "", false }

// PseudoVersion: an archive's entries have no checkout.
func (fixedTagger) PseudoVersion(string, string) (string, bool) { return "", false }
func (t fixedTagger) RevisionTagger(string) func(string) (string, bool) {
	return t
}

// Magic numbers.
var (
	gzipMagic = []byte{0x1f, 0x8b}
	zipMagic  = []byte("PK\x03\x04")
)

type kind int

const (
	notArchive kind = iota
	tarGz
	zipFile
)

func kindOf(name string) kind {
	n := strings.ToLower(name)
	switch {
	case strings.HasSuffix(n, ".tar.gz") || strings.HasSuffix(n, ".tgz"):
		return tarGz
	case strings.HasSuffix(n, ".zip"):
		return zipFile
	}
	return notArchive
}

// IsArchive reports whether a file named name whose first bytes are head is
// an archive Catalog reads: a .tar.gz or .tgz starting with the gzip magic,
// or a .zip starting with a local file header. Both must agree, so that a
// renamed file is not misread.
func IsArchive(name string, head []byte) bool {
	switch kindOf(name) {
	case tarGz:
		return bytes.HasPrefix(head, gzipMagic)
	case zipFile:
		return bytes.HasPrefix(head, zipMagic)
	}
	return false
}

// Catalog catalogs the archive at path and every executable in it (every
// entry a cataloger of [cataloger.Default] claims). It fails for an
// unreadable or corrupt archive, one that exceeds its limits
// ([*LimitError]), and a cancelled context; problems with single entries
// (unsafe names, unsupported compression, corrupt executables) are warnings,
// and the archive's dependency list is then marked incomplete.
func Catalog(ctx context.Context, path string, opts Options) (*sbom.Fragment, error) {
	rel := opts.RelPath
	if rel == "" {
		rel = filepath.Base(path)
	}
	return catalog(ctx, path, rel, opts.config())
}

// catalog reads the archive at path, reported as rel, and runs the
// catalogers of cfg.Registry (the default one if nil) on its entries.
func catalog(ctx context.Context, path, rel string, cfg cataloger.Config) (*sbom.Fragment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cfg.Registry == nil {
		cfg.Registry = cataloger.Default()
	}
	k := kindOf(path)
	if k == notArchive {
		k = kindOf(rel)
	}
	c := &reader{
		ctx:    ctx,
		rel:    rel,
		host:   path,
		set:    cfg.Registry.With(cfg),
		b:      &budget{ctx: ctx, rel: rel, lim: cfg.Limits.WithDefaults()},
		byName: map[string]int{},
		seen:   map[string]bool{},
		links:  map[string]string{},
		dirs:   map[string]bool{},
	}
	f, _, err := safefile.Open("archive", path)
	if err != nil {
		return nil, fmt.Errorf("catalog archive %s: %w", rel, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("catalog archive %s: %w", rel, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("catalog archive %s: not a regular file (%s)", rel, fi.Mode().Type())
	}
	if k == notArchive {
		return nil, fmt.Errorf("catalog archive %s: name does not end in .tar.gz, .tgz or .zip", rel)
	}
	src := &source{c: c, f: f, size: fi.Size(), kind: k}
	if err := src.Walk(ctx, c.catalogEntry); err != nil {
		var le *LimitError
		if errors.As(err, &le) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, fmt.Errorf("catalog archive %s: %w", rel, err)
	}
	return c.fragment(src.digests), nil
}

// source is an archive as a [cataloger.Source]: Walk reads it once and
// hands out every regular entry with a safe name, as a stream; the
// archive's own digests are in digests once Walk returns.
type source struct {
	c       *reader
	f       *os.File
	size    int64
	kind    kind
	digests digest.Digests
}

// Walk reads the archive, calling fn for each regular entry.
func (s *source) Walk(ctx context.Context, fn func(cataloger.File) error) error {
	s.c.visit = fn
	var err error
	switch s.kind {
	case tarGz:
		s.digests, err = s.c.tarGz(s.f)
	default:
		s.digests, err = s.c.zip(s.f, s.size)
	}
	return err
}

// reader holds the state of one Catalog call.
type reader struct {
	ctx   context.Context
	rel   string
	host  string // the archive on disk
	set   *cataloger.Set
	b     *budget
	visit func(cataloger.File) error

	// found is what the catalogers made of the entries, in archive order;
	// a copy a later entry replaced has a nil Fragment.
	found  []cataloger.Found
	byName map[string]int  // cleaned entry name → index in found
	seen   map[string]bool // cleaned names of the regular entries read
	// dirs holds every directory above a catalogued entry, so that only
	// an entry replacing one of them looks for what it shadows below it.
	dirs map[string]bool
	// links maps the cleaned name of every link or special entry to what
	// it is ("a symlink to ../x"): what extraction puts at that name.
	links    map[string]string
	notRead  []sbom.FileStatus
	warnings []sbom.Warning
	// incomplete is set when an entry that might be catalogued was
	// skipped, so the archive's list of contents may miss one.
	incomplete bool
}

// skip records that the entry name is not faithfully in the fragment: a
// warning saying why, a status the run's completeness and summary count,
// and an incomplete list of contents. kind is the cataloger that would
// have read it, if known.
func (c *reader) skip(name, kind, why string) {
	c.warn(name, why)
	c.notRead = append(c.notRead, sbom.FileStatus{Path: c.rel + "!" + name, Kind: kind, NotRead: why})
	c.incomplete = true
}

// claimedBy names the cataloger that claims an entry by its name alone,
// or "".
func (c *reader) claimedBy(name string) string {
	if r := c.set.MatchName(name); r != nil {
		return r.Name
	}
	return ""
}

func (c *reader) warn(entry, msg string) {
	p := c.rel
	if entry != "" {
		p += "!" + entry
	}
	c.warnings = append(c.warnings, sbom.Warning{Path: p, Message: msg})
}

// cleanName returns an entry's name as used in its RelPath, or ok=false
// with a warning for a name that is empty, absolute or climbs out of the
// archive. Backslashes count as separators: zip files made on Windows use
// them, and extracting tools there honour them.
func (c *reader) cleanName(name string) (string, bool) {
	n, escapes := CleanName(name)
	if escapes {
		c.skip(name, c.claimedBy(path.Base(n)), fmt.Sprintf("entry %q escapes its root (absolute path or \"..\"): skipped", name))
		return "", false
	}
	return n, n != ""
}

// CleanName returns an archive entry's name cleaned, with slashes ("" for
// the root itself), or escapes true for a name that is absolute or climbs
// out of the archive ("../evil", "C:x"), which nothing may extract.
func CleanName(name string) (clean string, escapes bool) {
	n := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(n, "/") || (len(n) >= 2 && n[1] == ':') || slices.Contains(strings.Split(n, "/"), "..") {
		return n, true
	}
	if n = path.Clean(n); n == "." {
		n = ""
	}
	return n, false
}

// entry hands one regular entry, read through its counting reader r, to
// the walk's callback as a [cataloger.File], then drains what the callback
// left unread so that every byte counts against the limits.
func (c *reader) entry(name string, size int64, r io.Reader) error {
	e := &entryFile{path: c.rel + "!" + name, name: name, size: size, host: c.host, r: r}
	if err := c.visit(e); err != nil {
		return err
	}
	// Hide the MultiReader's WriteTo, which would allocate a buffer per
	// entry: io.Discard reads through a pooled one.
	if _, err := io.Copy(io.Discard, struct{ io.Reader }{e.r}); err != nil {
		return fmt.Errorf("entry %s: %w", name, err)
	}
	return nil
}

// catalogEntry is the walk's callback: the entry goes to the cataloger the
// registry matches with its name and first bytes, if any.
func (c *reader) catalogEntry(f cataloger.File) error {
	e := f.(*entryFile)
	name := e.name
	_, replaces := c.byName[name]
	dup := c.seen[name]
	// Extracting an archive keeps the last copy of a name: describe that
	// one, but extractors differ, so a catalogued copy never silently wins.
	c.replace(name, "a regular file")
	c.seen[name] = true
	head := make([]byte, cataloger.HeadSize)
	n, err := io.ReadFull(e.r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return fmt.Errorf("entry %s: %w", name, err)
	}
	head = head[:n]
	e.r = io.MultiReader(bytes.NewReader(head), e.r)
	reg := c.set.Match(name, head, true)
	if dup && !replaces {
		const why = "entry appears more than once: only the last copy, which extraction keeps, is catalogued"
		if reg == nil {
			c.warn(name, why)
		} else {
			c.skip(name, reg.Name, why)
		}
	}
	if reg == nil {
		// A kind read only from a directory on disk (a release archive, a
		// go.mod with its go.sum and vendor/, an installed node_modules)
		// is not read here, and what it describes would be missing from a
		// list marked complete: it is named as not read.
		switch disk := c.set.Match(name, head, false); {
		case IsArchive(name, head):
			c.skip(name, Kind, "a release archive inside an archive is not read: its contents are not catalogued")
		case disk != nil:
			c.skip(name, disk.Name, disk.What+" inside an archive is not read (it is read from a directory on disk): extract the archive to catalogue it")
		}
		return nil
	}
	if why := c.throughLink(name); why != "" {
		c.skip(name, reg.Name, fmt.Sprintf("%s not catalogued: %s", reg.What, why))
		return nil
	}
	frag, err := c.set.Catalog(c.ctx, reg, e)
	if err != nil {
		return c.entryFailed(e, reg, err)
	}
	c.byName[name] = len(c.found)
	c.found = append(c.found, cataloger.Found{Kind: reg.Name, Path: e.path, Fragment: frag})
	for dir := path.Dir(name); dir != "." && !c.dirs[dir]; dir = path.Dir(dir) {
		c.dirs[dir] = true
	}
	return nil
}

// replace drops what was catalogued at name, or below it, when a later
// entry (by) takes its place: extraction leaves something else there.
func (c *reader) replace(name, by string) {
	if i, ok := c.byName[name]; ok {
		c.skip(name, c.found[i].Kind, fmt.Sprintf("shadowed by a later entry of the same name (%s), which extraction leaves instead: the catalogued copy is left out", by))
		c.found[i].Fragment = nil
		delete(c.byName, name)
	}
	if !c.dirs[name] {
		return
	}
	var below []string
	for n := range c.byName {
		if strings.HasPrefix(n, name+"/") {
			below = append(below, n)
		}
	}
	slices.Sort(below)
	for _, n := range below {
		i := c.byName[n]
		c.skip(n, c.found[i].Kind, fmt.Sprintf("shadowed: a later entry puts %s where its directory %s was: the catalogued copy is left out", by, name))
		c.found[i].Fragment = nil
		delete(c.byName, n)
	}
}

// link notes a link or special entry (what says which): it shadows a
// catalogued file of the same name or below it, and a file of a kind vouch
// reads that is a link is not catalogued.
func (c *reader) link(name, what string) {
	_, replaces := c.byName[name]
	c.replace(name, what)
	c.links[name] = what
	if kind := c.claimedBy(name); kind != "" && !replaces {
		c.skip(name, kind, fmt.Sprintf("%s, not a regular file: not catalogued", what))
	}
}

// throughLink says why a regular entry named name does not end up where
// its name says: an earlier entry of that name, or of a directory above
// it, is a link that extraction may write through. "" means it does.
func (c *reader) throughLink(name string) string {
	if what, ok := c.links[name]; ok {
		return fmt.Sprintf("an earlier entry of the same name is %s, which extraction may write through", what)
	}
	for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
		if what, ok := c.links[dir]; ok {
			return fmt.Sprintf("its directory %s is %s, which extraction may write through", dir, what)
		}
	}
	return ""
}

// linkWhat describes a link entry named name to target for messages,
// saying when it points outside the archive. A symbolic link's target is
// relative to its directory; a hard link's to the archive's root.
func linkWhat(name, target string, hard bool) string {
	t := strings.ReplaceAll(target, `\`, "/")
	kind, resolved := "a symlink", path.Join(path.Dir(name), t)
	if hard {
		kind, resolved = "a hard link", path.Clean(t)
	}
	abs := strings.HasPrefix(t, "/") || (len(t) >= 2 && t[1] == ':')
	if abs || resolved == ".." || strings.HasPrefix(resolved, "../") {
		return fmt.Sprintf("%s to %q, outside the archive", kind, target)
	}
	return fmt.Sprintf("%s to %q", kind, target)
}

// entryFailed sorts a cataloger's failure: a read of the archive that
// failed, a limit, the context or the temporary directory stop the archive;
// content the cataloger rejects (a truncated executable) is a warning, and
// the archive's contents are then incomplete.
func (c *reader) entryFailed(e *entryFile, reg *cataloger.Registration, err error) error {
	if ctxErr := c.ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	var le *LimitError
	var se *cataloger.SpoolError
	if errors.As(err, &le) || errors.As(err, &se) {
		return err
	}
	if e.readErr != nil {
		return fmt.Errorf("entry %s: %w", e.name, e.readErr)
	}
	c.skip(e.name, reg.Name, fmt.Sprintf("%s not catalogued: %v", reg.What, err))
	return nil
}

// entryFile is one archive entry as a [cataloger.File]: a stream, read
// once.
type entryFile struct {
	path, name, host string
	size             int64
	r                io.Reader
	opened           bool
	readErr          error // the first failure reading the archive itself
}

func (e *entryFile) Path() string          { return e.path }
func (e *entryFile) Size() int64           { return e.size }
func (e *entryFile) Host() string          { return e.host }
func (e *entryFile) Local() (string, bool) { return "", false }

// Open returns the entry's content; a second call fails.
func (e *entryFile) Open() (io.ReadCloser, error) {
	if e.opened {
		return nil, fmt.Errorf("entry %s: opened twice (an archive entry is a stream)", e.name)
	}
	e.opened = true
	return io.NopCloser(readFunc(e.read)), nil
}

func (e *entryFile) read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.readErr == nil {
		e.readErr = err
	}
	return n, err
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }

// fragment assembles the archive's component, its binaries and their
// dependencies. Modules shared by several binaries appear once.
func (c *reader) fragment(d digest.Digests) *sbom.Fragment {
	base := path.Base(c.rel)
	arch := sbom.Component{
		ID:       "file:" + c.rel,
		Type:     sbom.TypeArchive,
		Name:     base,
		FileName: base,
		Size:     d.Size,
		Hashes:   d.Hashes(),
	}
	arch.SetProperty(sbom.PropSourcePath, c.rel)
	top := sbom.Dependency{Ref: arch.ID, Completeness: sbom.CompletenessComplete}
	if c.incomplete {
		top.Completeness = sbom.CompletenessIncomplete
	}
	var versions []string
	goBinaries := 0
	frag := &sbom.Fragment{Primary: arch.ID}
	seenComp, seenDep := map[string]bool{}, map[string]bool{}
	var comps []sbom.Component
	var deps []sbom.Dependency
	found := c.post()
	for _, f := range found {
		bf := f.Fragment
		top.DependsOn = append(top.DependsOn, Tops(bf)...)
		for _, comp := range bf.Components {
			if comp.ID == bf.Primary && comp.Type == sbom.TypeApplication {
				goBinaries++
				versions = append(versions, comp.Version)
			}
			if !seenComp[comp.ID] {
				seenComp[comp.ID] = true
				comps = append(comps, comp)
			}
		}
		for _, dep := range bf.Dependencies {
			if !seenDep[dep.Ref] {
				seenDep[dep.Ref] = true
				deps = append(deps, dep)
			}
		}
		frag.Warnings = append(frag.Warnings, bf.Warnings...)
	}
	frag.Files = append(cataloger.Statuses(found), c.notRead...)
	if slices.ContainsFunc(frag.Files, func(st sbom.FileStatus) bool { return st.NotRead != "" }) {
		top.Completeness = sbom.CompletenessIncomplete
	}
	slices.Sort(versions)
	versions = slices.Compact(versions)
	switch {
	case goBinaries > 0 && len(versions) == 1 && versions[0] != "":
		arch.Version = versions[0]
		arch.SetProperty(sbom.PropVersionSource, VersionFromContents)
	case len(versions) > 1:
		arch.SetProperty(sbom.PropVersionSource, sbom.VersionUnknown)
		if versions[0] == "" {
			versions[0] = "unknown"
		}
		c.warn("", fmt.Sprintf("archive version unknown: its Go binaries disagree (%s)", strings.Join(versions, ", ")))
	default:
		arch.SetProperty(sbom.PropVersionSource, sbom.VersionUnknown)
	}
	frag.Components = append([]sbom.Component{arch}, comps...)
	frag.Dependencies = append([]sbom.Dependency{top}, deps...)
	frag.Warnings = append(c.warnings, frag.Warnings...)
	return frag
}

// post returns what the entries gave, without the copies later entries
// replaced, after the run's post-processing steps: an archive is judged as
// a directory is (a manifest in it needs its lockfile in it).
func (c *reader) post() []cataloger.Found {
	var found []cataloger.Found
	for _, f := range c.found {
		if f.Fragment != nil {
			found = append(found, f)
		}
	}
	return c.set.Post(found)
}

// Tops are what a container (an archive, an image) holding f depends on:
// f's primary component or, for a lockfile, which names no project, its
// roots (the packages nothing in it depends on).
func Tops(f *sbom.Fragment) []string {
	if f.Primary != "" {
		return []string{f.Primary}
	}
	return roots(f)
}

// roots are the components of a fragment that none of its dependencies
// point at, in the fragment's order.
func roots(f *sbom.Fragment) []string {
	pointed := map[string]bool{}
	for _, d := range f.Dependencies {
		for _, on := range d.DependsOn {
			pointed[on] = true
		}
	}
	var out []string
	for _, c := range f.Components {
		if !pointed[c.ID] {
			out = append(out, c.ID)
		}
	}
	return out
}
