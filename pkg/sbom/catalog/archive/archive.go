// Package archive catalogs release archives (.tar.gz, .tgz, .zip) and the
// executables inside them.
//
// [IsArchive] recognises an archive by its name and its magic number;
// [Catalog] reads it once, as a stream: the archive's own SHA-256 and
// SHA-512 are computed while it is decompressed (tar.gz) or in one pass
// before its directory is read (zip), and every regular entry whose first
// bytes look like an executable is spooled to a temporary file, hashed on
// the way, handed to [gobin.Catalog], and removed. Other entries are read
// and discarded, never written anywhere.
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
	"github.com/vouchdev/vouch/pkg/sbom/catalog/gobin"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
)

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
	// TempDir is where executables are spooled; "" means [os.TempDir].
	TempDir string
	// Binary is passed to [gobin.Catalog] for every executable, with
	// RelPath and Digests set per entry.
	Binary gobin.Options
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

// Catalog catalogs the archive at path and every executable in it. It
// fails for an unreadable or corrupt archive, one that exceeds its limits
// ([*LimitError]), and a cancelled context; problems with single entries
// (unsafe names, unsupported compression, corrupt executables) are warnings,
// and the archive's dependency list is then marked incomplete.
func Catalog(ctx context.Context, path string, opts Options) (*sbom.Fragment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rel := opts.RelPath
	if rel == "" {
		rel = filepath.Base(path)
	}
	k := kindOf(path)
	if k == notArchive {
		k = kindOf(rel)
	}
	c := &cataloger{
		ctx:    ctx,
		rel:    rel,
		opts:   opts,
		b:      &budget{ctx: ctx, rel: rel, lim: opts.Limits.withDefaults()},
		byName: map[string]int{},
		seen:   map[string]bool{},
	}
	if c.opts.TempDir == "" {
		c.opts.TempDir = os.TempDir()
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
	var d digest.Digests
	switch k {
	case tarGz:
		d, err = c.tarGz(f)
	case zipFile:
		d, err = c.zip(f, fi.Size())
	default:
		return nil, fmt.Errorf("catalog archive %s: name does not end in .tar.gz, .tgz or .zip", rel)
	}
	if err != nil {
		var le *LimitError
		if errors.As(err, &le) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, fmt.Errorf("catalog archive %s: %w", rel, err)
	}
	return c.fragment(d), nil
}

// cataloger holds the state of one Catalog call.
type cataloger struct {
	ctx  context.Context
	rel  string
	opts Options
	b    *budget

	binaries []*sbom.Fragment // in archive order; nil for a copy a later entry replaced
	byName   map[string]int   // cleaned entry name → index in binaries
	seen     map[string]bool  // cleaned names of the regular entries read
	warnings []sbom.Warning
	// incomplete is set when an entry that might be an executable was
	// skipped, so the archive's list of binaries may miss one.
	incomplete bool
}

func (c *cataloger) warn(entry, msg string) {
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
func (c *cataloger) cleanName(name string) (string, bool) {
	n := strings.ReplaceAll(name, `\`, "/")
	escapes := strings.HasPrefix(n, "/") || (len(n) >= 2 && n[1] == ':') ||
		slices.Contains(strings.Split(n, "/"), "..")
	if escapes {
		c.warn("", fmt.Sprintf("entry %q escapes its root (absolute path or \"..\"): skipped", name))
		c.incomplete = true
		return "", false
	}
	n = path.Clean(n)
	if n == "." || n == "" {
		return "", false
	}
	return n, true
}

// headSize is how much of an entry is read to tell executables from other
// files: enough for every magic number gobin.IsExecutable knows.
const headSize = 8

// entry reads one regular entry through its counting reader r: an
// executable is spooled, hashed and catalogued; anything else is drained.
func (c *cataloger) entry(name string, r io.Reader) error {
	// Extracting an archive keeps the last copy of a name: describe that one.
	if c.seen[name] {
		c.warn(name, "entry appears more than once: only the last copy, which extraction keeps, is catalogued")
		if i, ok := c.byName[name]; ok {
			c.binaries[i] = nil
			delete(c.byName, name)
		}
	}
	c.seen[name] = true
	head := make([]byte, headSize)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return fmt.Errorf("entry %s: %w", name, err)
	}
	head = head[:n]
	if !gobin.IsExecutable(head) {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return fmt.Errorf("entry %s: %w", name, err)
		}
		return nil
	}
	frag, err := c.spool(name, io.MultiReader(bytes.NewReader(head), r))
	if err != nil || frag == nil {
		return err
	}
	c.byName[name] = len(c.binaries)
	c.binaries = append(c.binaries, frag)
	return nil
}

// spool copies an executable entry to a temporary file, hashing it on the
// way, catalogs it and removes the file. A binary gobin rejects (truncated,
// corrupt) is a warning, not the archive's failure: frag is then nil.
func (c *cataloger) spool(name string, r io.Reader) (frag *sbom.Fragment, err error) {
	tmp, err := os.CreateTemp(c.opts.TempDir, "vouch-entry-*")
	if err != nil {
		return nil, fmt.Errorf("spool entry %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	d, err := digest.Reader(io.TeeReader(r, tmp))
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		// Limit and context errors pass through unwrapped for errors.As.
		var le *LimitError
		if errors.As(err, &le) || c.ctx.Err() != nil {
			return nil, err
		}
		return nil, fmt.Errorf("entry %s: %w", name, err)
	}
	opts := c.opts.Binary
	opts.RelPath = c.rel + "!" + name
	opts.Digests = &d
	frag, err = gobin.Catalog(c.ctx, tmp.Name(), opts)
	if err != nil {
		if ctxErr := c.ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		c.warn(name, fmt.Sprintf("executable not catalogued: %v", err))
		c.incomplete = true
		return nil, nil
	}
	return frag, nil
}

// fragment assembles the archive's component, its binaries and their
// dependencies. Modules shared by several binaries appear once.
func (c *cataloger) fragment(d digest.Digests) *sbom.Fragment {
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
	for _, bf := range c.binaries {
		if bf == nil {
			continue
		}
		top.DependsOn = append(top.DependsOn, bf.Primary)
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
