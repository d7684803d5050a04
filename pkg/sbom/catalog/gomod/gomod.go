// Package gomod catalogs a Go module from its source: go.mod, go.sum, the
// local module cache and vendor/.
//
// [Catalog] never touches the network and never runs the go command. It
// reads what is on disk and says where its knowledge stops:
//
//   - The components are exactly the main module and the modules its go.mod
//     requires (Go 1.17 and later list every module in the build there).
//     Modules seen only in dependencies' go.mod files are not added.
//   - The dependency graph comes from each required module's own go.mod,
//     found in the module cache ($GOMODCACHE/cache/download/…/@v/VERSION.mod,
//     present even when the zip was never extracted, or the extracted
//     module's go.mod). A module whose go.mod is not on disk gets a
//     dependency entry of unknown completeness and no edges.
//   - Every required module that cannot be reached from the main module
//     through known edges gets an edge from the main module, so that no
//     component floats unattached. Such an edge means "part of the main
//     module's build", which go.mod states; it does not claim a direct import.
//   - Licences are detected with github.com/google/licensecheck in the
//     module's licence files (see [Catalog] for the rules).
//
// Errors in the main go.mod stop cataloguing; problems with everything else
// (go.sum, dependencies' go.mod files, vendor/modules.txt) become warnings.
package gomod

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/internal/golang"
)

// Options configure [Catalog].
type Options struct {
	// ModCache is the module cache directory. "" means $GOMODCACHE, else
	// $GOPATH/pkg/mod (first GOPATH entry), else $HOME/go/pkg/mod. It is
	// computed from the environment only, never by running `go env`, so a
	// GOMODCACHE set only in the go env file is not seen.
	ModCache string
	// Vendor makes Catalog also read vendor/modules.txt and vendored licence
	// files when they exist.
	Vendor bool
	// MainVersion is the main module's version if the caller resolved one
	// (a flag, a git tag); "" means unknown.
	MainVersion string
	// MainVersionSource is the sbom.VersionFrom* value saying where
	// MainVersion came from.
	MainVersionSource string
	// VCSVersion, when MainVersion is "", gives the pseudo-version of the
	// checked-out commit for the main module's path (sbom.VersionFromVCS).
	VCSVersion func(modPath string) (string, bool)
	// RelPath is the go.mod's path relative to the scanned root, recorded as
	// sbom.PropSourcePath and used in warnings and errors.
	RelPath string
	// LicenseCache keeps licence scan results between runs; nil means
	// every licence text is scanned.
	LicenseCache cataloger.Cache
}

// Size limits on the files Catalog reads. They are far above anything real
// (Kubernetes' go.sum is under 100 KiB) and keep a hostile tree from making
// vouch read unbounded data.
const (
	MaxGoModSize      = 16 << 20 // a go.mod, the main one or a dependency's
	MaxGoSumSize      = 16 << 20 // go.sum
	MaxModulesTxtSize = 16 << 20 // vendor/modules.txt
	MaxLicenseSize    = 1 << 20  // one licence file
)

// Catalog reads the module whose go.mod is at gomodPath and returns its
// components, dependency graph and warnings.
//
// The main module is an application component with version opts.MainVersion;
// every require becomes a library component with its go.mod version, its h1:
// checksum from go.sum and "true" in sbom.PropGoIndirect when it is marked
// // indirect. A `replace A => B vX` gives a component named A whose
// version, ID and purl are B's at vX (the code that is built), with
// sbom.PropGoReplace "B@vX"; a replacement by a local directory gives an
// empty version, sbom.PropGoReplace set to the directory, and a warning.
//
// Licences come from files named LICENSE*, LICENCE* or COPYING* (any case;
// NOTICE files are not licences) in the module's root directory: vendored
// (vendor/PATH/, when opts.Vendor), else extracted in the module cache, else
// the local replacement directory. A file counts only when licensecheck's
// matches cover at least 75% of its words, so a README-like file that merely
// mentions a licence is not taken for one; the IDs of all counted files are
// joined with " AND ". The result is both the declared and the concluded
// licence.
//
// A malformed main go.mod is returned as an error naming the file and line.
func Catalog(ctx context.Context, gomodPath string, opts Options) (*sbom.Fragment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := &reader{
		opts:     opts,
		dir:      filepath.Dir(gomodPath),
		display:  opts.RelPath,
		modCache: opts.ModCache,
		frag:     &sbom.Fragment{},
	}
	if c.display == "" {
		c.display = filepath.ToSlash(gomodPath)
	}
	if c.modCache == "" {
		c.modCache = defaultModCache()
	}
	data, err := readLimited(gomodPath, MaxGoModSize)
	if err != nil {
		return nil, fmt.Errorf("read go.mod: %w", err)
	}
	f, err := Parse(c.display, data)
	if err != nil {
		return nil, err
	}
	if f.Module == nil || f.Module.Mod.Path == "" {
		return nil, fmt.Errorf("%s: no module directive: expected `module PATH`", c.display)
	}
	c.file = f
	c.readGoSum()
	c.selectModules()
	if opts.Vendor {
		c.readVendor()
	}
	if err := c.resolve(ctx); err != nil {
		return nil, err
	}
	c.build()
	return c.frag, nil
}

// reader holds the state of one Catalog call.
type reader struct {
	opts     Options
	dir      string // directory of the go.mod
	display  string // the go.mod's name in warnings and errors
	modCache string // "" when no cache location is known
	file     *modfile.File
	frag     *sbom.Fragment

	sums     map[module.Version]string // go.sum h1: lines
	haveSums bool                      // go.sum was read
	mods     []*selected               // required modules, sorted by path
	byPath   map[string]int            // module path → index in mods
	vendor   map[string]vendorModule   // vendor/modules.txt, nil when not used
	mainLic  string
}

// selected is one required module as the build selects it.
type selected struct {
	path     string // module path as required
	version  string // version as required
	indirect bool
	repl     *module.Version // the replacement; Version "" for a local directory
	comp     sbom.Component

	// Filled in by resolve.
	goModFound bool
	requires   []string // module paths its go.mod requires
	unknownLic bool     // licence files exist but none was identified
	vendored   bool     // listed in vendor/modules.txt
	warnings   []sbom.Warning
}

// sibling is the display path of a file next to the go.mod.
func (c *reader) sibling(name string) string {
	return path.Join(path.Dir(filepath.ToSlash(c.display)), name)
}

func (c *reader) warn(where, format string, args ...any) {
	c.frag.Warnings = append(c.frag.Warnings, sbom.Warning{Path: where, Message: fmt.Sprintf(format, args...)})
}

// readGoSum loads the h1: checksums of module contents (not the /go.mod lines).
func (c *reader) readGoSum() {
	name := filepath.Join(c.dir, "go.sum")
	data, err := readLimited(name, MaxGoSumSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if len(c.file.Require) > 0 {
			c.warn(c.sibling("go.sum"), "no go.sum: module checksums are unknown")
		}
		return
	case err != nil:
		c.warn(c.sibling("go.sum"), "cannot read go.sum, module checksums are unknown: %v", err)
		return
	}
	sums, bad := parseGoSum(data)
	if bad > 0 {
		c.warn(c.sibling("go.sum"), "line %d: malformed, expected `PATH VERSION h1:HASH` (further lines were read)", bad)
	}
	c.sums, c.haveSums = sums, true
}

// selectModules turns the require directives into selected modules, applying
// replace and checking exclude.
func (c *reader) selectModules() {
	exact := map[module.Version]module.Version{}
	wildcard := map[string]module.Version{}
	for _, r := range c.file.Replace {
		if r.Old.Version == "" {
			wildcard[r.Old.Path] = r.New
		} else {
			exact[r.Old] = r.New
		}
	}
	excluded := map[module.Version]bool{}
	for _, e := range c.file.Exclude {
		excluded[e.Mod] = true
	}

	// A path required twice is legal in go.mod; Go selects the higher version.
	byPath := map[string]*selected{}
	for _, r := range c.file.Require {
		if r.Mod.Path == c.file.Module.Mod.Path {
			// The go command rejects this; listing it would give two
			// components for one module.
			c.warn(c.display, "go.mod requires its own module path %s: ignored", r.Mod.Path)
			continue
		}
		s := &selected{path: r.Mod.Path, version: r.Mod.Version, indirect: r.Indirect}
		if prev, ok := byPath[s.path]; ok {
			c.warn(c.display, "%s is required twice (%s and %s): using the higher version", s.path, prev.version, s.version)
			if semver.Compare(s.version, prev.version) <= 0 {
				prev.indirect = prev.indirect && s.indirect
				continue
			}
			s.indirect = s.indirect && prev.indirect
		}
		byPath[s.path] = s
	}
	for _, s := range byPath {
		c.mods = append(c.mods, s)
	}
	slices.SortFunc(c.mods, func(a, b *selected) int { return cmp.Compare(a.path, b.path) })

	seenID := map[string]string{}
	c.byPath = make(map[string]int, len(c.mods))
	kept := c.mods[:0]
	for _, s := range c.mods {
		mv := module.Version{Path: s.path, Version: s.version}
		if excluded[mv] {
			c.warn(c.display, "%s@%s is required but excluded: Go would select a higher version, which cannot be known offline", s.path, s.version)
		}
		// A replacement of one version takes precedence over one of all versions.
		if n, ok := exact[mv]; ok {
			s.repl = &n
		} else if n, ok := wildcard[s.path]; ok {
			s.repl = &n
		}
		s.comp = c.component(s)
		if other, dup := seenID[s.comp.ID]; dup {
			// Two paths replaced by the same module would give two
			// components with one ID; the document cannot hold that.
			c.warn(c.display, "%s and %s are both replaced by %s: listed once", other, s.path, s.comp.ID)
			continue
		}
		seenID[s.comp.ID] = s.path
		c.byPath[s.path] = len(kept)
		kept = append(kept, s)
	}
	c.mods = kept
}

// component builds the library component of a selected module.
func (c *reader) component(s *selected) sbom.Component {
	var comp sbom.Component
	switch {
	case s.repl == nil:
		comp = golang.Module(s.path, s.version, c.sums[module.Version{Path: s.path, Version: s.version}])
	case s.repl.Version == "":
		comp = golang.Module(s.path, "", "")
		comp.SetProperty(sbom.PropGoReplace, s.repl.Path)
		c.warn(c.display, "%s is replaced by the local directory %s: its version is unknown", s.path, s.repl.Path)
	default:
		// The replacement is what gets built: its purl and checksum identify
		// the code. The name stays the required path, which is what import
		// paths and build info's Path use.
		comp = golang.Module(s.repl.Path, s.repl.Version, c.sums[*s.repl])
		comp.Name = s.path
		comp.SetProperty(sbom.PropGoReplace, s.repl.Path+"@"+s.repl.Version)
	}
	if s.indirect {
		comp.SetProperty(sbom.PropGoIndirect, "true")
	}
	comp.SetProperty(sbom.PropVersionSource, sbom.VersionFromGoMod)
	return comp
}

// readVendor reads vendor/modules.txt, when present, and cross-checks it
// against the selected modules.
func (c *reader) readVendor() {
	where := c.sibling("vendor/modules.txt")
	data, err := readLimited(filepath.Join(c.dir, "vendor", "modules.txt"), MaxModulesTxtSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return
	case err != nil:
		c.warn(where, "cannot read vendor/modules.txt, vendored files are ignored: %v", err)
		return
	}
	c.vendor = parseModulesTxt(data)
	for _, s := range c.mods {
		v, ok := c.vendor[s.path]
		if !ok {
			c.warn(where, "go.mod requires %s %s but vendor/modules.txt does not list it", s.path, s.version)
			continue
		}
		s.vendored = true
		if v.version != "" && v.version != s.version {
			c.warn(where, "%s: vendor/modules.txt has %s, go.mod requires %s", s.path, v.version, s.version)
		}
		if want := replaceString(s.repl); v.replace != want {
			c.warn(where, "%s: vendor/modules.txt has replacement %q, go.mod has %q", s.path, v.replace, want)
		}
	}
	var extra []string
	for p, v := range c.vendor {
		if _, ok := c.byPath[p]; !ok && v.explicit && v.version != "" {
			extra = append(extra, p)
		}
	}
	slices.Sort(extra)
	for _, p := range extra {
		c.warn(where, "vendor/modules.txt lists %s as required but go.mod does not require it", p)
	}
}

func replaceString(r *module.Version) string {
	switch {
	case r == nil:
		return ""
	case r.Version == "":
		return r.Path
	}
	return r.Path + " " + r.Version
}

// build assembles the fragment: main component, components, graph, summary warnings.
func (c *reader) build() {
	mainPath := c.file.Module.Mod.Path
	if c.opts.MainVersion == "" && c.opts.VCSVersion != nil {
		if v, ok := c.opts.VCSVersion(mainPath); ok {
			c.opts.MainVersion, c.opts.MainVersionSource = v, sbom.VersionFromVCS
		}
	}
	main := golang.Module(mainPath, c.opts.MainVersion, "")
	main.Type = sbom.TypeApplication
	main.Licenses = sbom.Licenses{Declared: c.mainLic, Concluded: c.mainLic}
	if c.opts.MainVersion == "" {
		main.SetProperty(sbom.PropVersionSource, sbom.VersionUnknown)
		c.warn(c.display, "main module version unknown: pass --version or tag the commit")
	} else if c.opts.MainVersionSource != "" {
		main.SetProperty(sbom.PropVersionSource, c.opts.MainVersionSource)
	}
	if c.opts.RelPath != "" {
		main.SetProperty(sbom.PropSourcePath, c.opts.RelPath)
	}
	c.frag.Primary = main.ID
	c.frag.Components = make([]sbom.Component, 0, len(c.mods)+1)
	c.frag.Components = append(c.frag.Components, main)

	// Edges between required modules, from their own go.mod files, mapped to
	// the versions this build selects.
	edges := make([][]int, len(c.mods))
	var missing, noSum int
	var unknownLic []string
	for i, s := range c.mods {
		c.frag.Components = append(c.frag.Components, s.comp)
		if s.goModFound {
			for _, p := range s.requires {
				if j, ok := c.byPath[p]; ok && j != i {
					edges[i] = append(edges[i], j)
				}
			}
			slices.Sort(edges[i])
			edges[i] = slices.Compact(edges[i])
		} else {
			missing++
		}
		if c.haveSums && s.comp.Version != "" {
			if _, ok := s.comp.Property(sbom.PropGoH1); !ok {
				noSum++
			}
		}
		if s.unknownLic {
			unknownLic = append(unknownLic, s.path)
		}
	}

	// The main module depends on its direct requirements, and on every module
	// the known edges do not reach from there, so nothing floats.
	reached := make([]bool, len(c.mods))
	var queue, direct []int
	for i, s := range c.mods {
		if !s.indirect {
			direct = append(direct, i)
			reached[i] = true
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, j := range edges[i] {
			if !reached[j] {
				reached[j] = true
				queue = append(queue, j)
			}
		}
	}
	for i := range c.mods {
		if !reached[i] {
			direct = append(direct, i)
		}
	}
	slices.Sort(direct)
	c.frag.Dependencies = make([]sbom.Dependency, 0, len(c.mods)+1)
	c.frag.Dependencies = append(c.frag.Dependencies, sbom.Dependency{
		Ref: main.ID, DependsOn: c.ids(direct), Completeness: sbom.CompletenessComplete,
	})
	for i, s := range c.mods {
		d := sbom.Dependency{Ref: s.comp.ID}
		if s.goModFound {
			d.DependsOn, d.Completeness = c.ids(edges[i]), sbom.CompletenessComplete
		}
		c.frag.Dependencies = append(c.frag.Dependencies, d)
	}

	if missing > 0 {
		c.warn(c.display, "%d of %d modules not in the module cache: their dependencies are unknown", missing, len(c.mods))
	}
	if noSum > 0 {
		c.warn(c.sibling("go.sum"), "%d of %d modules have no h1: checksum in go.sum", noSum, len(c.mods))
	}
	if len(unknownLic) > 0 {
		const shown = 5
		list := strings.Join(unknownLic[:min(shown, len(unknownLic))], ", ")
		if len(unknownLic) > shown {
			list += ", …"
		}
		c.warn(c.display, "licence files not identified for %d module(s): %s", len(unknownLic), list)
	}
}

func (c *reader) ids(idx []int) []string {
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = c.mods[i].comp.ID
	}
	slices.Sort(out)
	return out
}

// localDir is the directory of a local-path replacement, relative to the go.mod.
func (c *reader) localDir(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.dir, filepath.FromSlash(p))
}

// readLimited reads a whole file, failing when it exceeds limit bytes.
// Catalog reads thousands of small files, so it sizes the buffer from the
// file's size instead of letting io.ReadAll grow it read by read: each read
// is a system call, and system calls dominate a large catalog's run time.
//
// Only regular files are read: a FIFO (a go.mod or go.sum that is one would
// block the catalog for ever) or a device is refused.
func readLimited(name string, limit int64) ([]byte, error) {
	f, fi, err := safefile.Open("file", name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := fi.Size()
	if size <= 0 || size > limit {
		// Empty (or a file that does not know its size) or over the limit:
		// the limited reader enforces the limit and says so.
		return readAllLimited(f, name, limit)
	}
	// One byte more than the size, so that the second read meets EOF and a
	// file that grew since Stat is still caught by the limit below.
	buf := make([]byte, size+1)
	n, err := io.ReadFull(f, buf)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return buf[:n], nil
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	// The file grew since Stat: read the rest under the limit.
	if int64(n) > limit {
		return nil, fmt.Errorf("%s: larger than the %d-byte limit", name, limit)
	}
	rest, err := readAllLimited(f, name, limit-int64(n))
	if err != nil {
		return nil, err
	}
	return append(buf, rest...), nil
}
