// Package ecosystem turns the lockfiles and package databases of other
// ecosystems (npm, Python, Rust, PHP, Ruby, .NET, Debian, Alpine) into
// vouch's neutral model. Each ecosystem lives in its own sub-package with the
// same shape: one function per file kind that takes the file's path (as named
// in the scanned source, slash-separated) and its bytes, and returns an
// [sbom.Fragment] — components, the dependency edges the file records, and
// warnings for what could not be read.
//
// The package lists come from github.com/google/osv-scalibr's individual
// extractors (never its root package or plugin list, which would pull in
// every extractor it has). vouch owns everything around them: purls are built
// here per purl-spec, not taken from scalibr (whose purls carry a source=
// qualifier and differ per type); licences, development flags and the
// dependency graph are read by vouch where scalibr does not report them.
//
// This package holds what every ecosystem shares: running one scalibr
// extractor over in-memory bytes, building components and edges, and
// comparing scalibr's list with vouch's own reading of the same file.
package ecosystem

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/os/osrelease"
	scalibrfs "github.com/google/osv-scalibr/fs"
	scalibrlog "github.com/google/osv-scalibr/log"
	"github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/licexpr"
)

// MaxFileSize is the largest lockfile or package database vouch reads. Real
// lockfiles of large monorepos are a few tens of MB; anything bigger is more
// likely an attack on memory than a project.
const MaxFileSize = 256 << 20

// CrossCheckLimit is the largest file whose package list is also read by
// osv-scalibr to cross-check vouch's own reading, for the extractors whose
// time grows faster than the file (package-lock.json's is quadratic):
// beyond it, vouch's reading stands alone and time stays linear.
const CrossCheckLimit = 512 << 10

// MaxDepth caps JSON nesting in the lockfiles vouch decodes itself. npm v1
// lockfiles nest one level per node_modules level, rarely beyond 30.
const MaxDepth = 256

// Property names the ecosystem readers write on components.
const (
	// PropDevelopment is "true" on a component that only development or test
	// dependencies pull in (the lockfile says so); its scope is excluded.
	PropDevelopment = sbom.PropDevelopment
	// PropLockfile is the file (slash-separated, as given) a component was read from.
	PropLockfile = "vouch:source:lockfile"
	// PropLicenseText is a declared licence, as the package states it, that
	// is not an SPDX expression ("SEE LICENSE IN LICENSE.md", "MIT BSD").
	PropLicenseText = "vouch:license:declared-text"
	// PropResolved is where the package manager fetched the package from,
	// when it is not the ecosystem's public registry (git, a URL, a local path).
	PropResolved = "vouch:source:resolved"
)

// Extract runs one scalibr filesystem extractor over a file held in memory.
// name is the file's slash-separated path in the scanned source; only its
// base name and directory are shown to the extractor, inside a file system
// that holds this one file, so the extractor cannot read anything else.
func Extract(ctx context.Context, ext filesystem.Extractor, name string, data []byte) ([]*extractor.Package, error) {
	fsys, p, err := MemFile(name, data, "lockfile")
	if err != nil {
		return nil, err
	}
	return ExtractFS(ctx, ext, fsys, p)
}

// MemFile is a file system holding only data, at name made unrooted (or
// at fallback when name is the root): how a file read from a stream is
// shown to a reader that wants an fs.FS, so that it can read nothing else.
// More than MaxFileSize bytes is an error naming the file.
func MemFile(name string, data []byte, fallback string) (fstest.MapFS, string, error) {
	if len(data) > MaxFileSize {
		return nil, "", fmt.Errorf("%s: %d bytes, more than the %d vouch reads", name, len(data), MaxFileSize)
	}
	p := cleanPath(name, fallback)
	return fstest.MapFS{p: &fstest.MapFile{Data: data, Mode: 0o444}}, p, nil
}

// ExtractFS runs one scalibr filesystem extractor over the file at name in
// fsys: the form installed-package layouts need (a dpkg status.d directory,
// an apk database beside its rootfs). fsys must also implement
// fs.ReadDirFS and fs.StatFS (os.DirFS and fstest.MapFS do).
func ExtractFS(ctx context.Context, ext filesystem.Extractor, fsys fs.FS, name string) ([]*extractor.Package, error) {
	sfs, ok := fsys.(interface {
		fs.ReadDirFS
		fs.StatFS
	})
	if !ok {
		return nil, fmt.Errorf("%s: the file system cannot list directories or stat files", name)
	}
	info, err := sfs.Stat(name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", name, info.Mode().Type())
	}
	if info.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d vouch reads", name, info.Size(), MaxFileSize)
	}
	f, err := sfs.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// No Root: the file system is virtual to scalibr, so an extractor that
	// needs a real file (rpm's SQLite) copies it to a private temporary
	// directory rather than opening, and maybe writing beside, the
	// scanned one.
	inv, err := ext.Extract(ctx, &filesystem.ScanInput{FS: sfs, Path: name, Info: info, Reader: f})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return inv.Packages, nil
}

// ReadFS reads the file name in fsys (an installed tree, opened through
// os.Root) whole, if it is a regular file of at most limit bytes. It is
// stat'ed before it is opened: opening a FIFO planted in a scanned tree
// for reading blocks until a writer comes, and a device never ends.
func ReadFS(fsys fs.FS, name string, limit int64) ([]byte, error) {
	fi, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", name, fi.Mode().Type())
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d vouch reads", name, fi.Size(), limit)
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: more than the %d bytes vouch reads", name, limit)
	}
	return data, nil
}

// cleanPath turns a source path into the unrooted form fs.FS needs.
func cleanPath(name, fallback string) string {
	p := path.Clean("/" + strings.ReplaceAll(name, "\\", "/"))
	if p == "/" {
		return fallback
	}
	return p[1:]
}

// PURL builds a package URL per purl-spec; packageurl-go percent-encodes the
// parts (an npm scope's "@" becomes "%40"). Qualifiers are given as
// key/value pairs and sorted by key, as the spec's canonical form asks.
func PURL(typ, namespace, name, version string, qualifiers ...string) string {
	var q packageurl.Qualifiers
	for i := 0; i+1 < len(qualifiers); i += 2 {
		if qualifiers[i+1] != "" {
			q = append(q, packageurl.Qualifier{Key: qualifiers[i], Value: qualifiers[i+1]})
		}
	}
	slices.SortFunc(q, func(a, b packageurl.Qualifier) int { return strings.Compare(a.Key, b.Key) })
	return packageurl.NewPackageURL(typ, namespace, name, version, q, "").ToString()
}

// Library returns a library component whose ID is its purl, found in lockfile.
func Library(purl, name, version, lockfile string) sbom.Component {
	return sbom.Component{
		ID: purl, PURL: purl, Type: sbom.TypeLibrary, Name: name, Version: version,
		Scope:      sbom.ScopeRequired,
		Properties: []sbom.Property{{Name: PropLockfile, Value: lockfile}},
	}
}

// SetDeclared sets c's declared licence to text if it is an SPDX
// expression of listed ids (or LicenseRef-s). Otherwise the text is kept in PropLicenseText and the
// licence stays unknown, with a warning: vouch does not guess what a
// free-form licence means.
func (b *Builder) SetDeclared(c *sbom.Component, text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	e, err := licexpr.Parse(text)
	why := ""
	switch {
	case err != nil:
		why = fmt.Sprintf("is not an SPDX expression (%v)", err)
	case len(e.Unlisted()) > 0:
		why = "names " + strings.Join(e.Unlisted(), ", ") + ", not on the SPDX licence list"
	default:
		c.Licenses.Declared = text
		return
	}
	c.SetProperty(PropLicenseText, text)
	// One warning per distinct text, not per package: an rpm database
	// declares "GPL" for dozens of packages.
	if b.licenceText == nil {
		b.licenceText = map[string]*freeText{}
	}
	ft := b.licenceText[text]
	if ft == nil {
		ft = &freeText{why: why}
		b.licenceText[text] = ft
	}
	ft.ids = append(ft.ids, c.ID)
}

// freeText is a declared licence that is kept as text: why, and the
// components declaring it.
type freeText struct {
	why string
	ids []string
}

// licenceWarnings returns one warning per licence text kept as text.
func (b *Builder) licenceWarnings() []sbom.Warning {
	var out []sbom.Warning
	for _, text := range slices.Sorted(maps.Keys(b.licenceText)) {
		ft := b.licenceText[text]
		who := ft.ids[0]
		if n := len(ft.ids); n > 1 {
			who = fmt.Sprintf("%d packages (%s and %d more)", n, ft.ids[0], n-1)
		}
		out = append(out, sbom.Warning{Path: b.Path, Message: fmt.Sprintf("%s: licence %q %s: kept as %s", who, text, ft.why, PropLicenseText)})
	}
	return out
}

// MarkDevelopment marks c as needed only for development or tests.
func MarkDevelopment(c *sbom.Component) {
	c.Scope = sbom.ScopeExcluded
	c.SetProperty(PropDevelopment, "true")
}

// Builder collects the components and edges of one file, keeping the first
// component of each ID and every distinct edge.
type Builder struct {
	Path  string // the file, as given by the caller
	frag  sbom.Fragment
	index map[string]int
	edges map[string][]string
	// edgeSet holds every edge of edges, for Edge's duplicate check.
	edgeSet map[[2]string]bool
	// complete holds the IDs whose dependency list is known to be whole.
	complete map[string]bool
	// licenceText holds the declared licences kept as text, by text.
	licenceText map[string]*freeText
	// skipped counts the entries left out as unreadable (Skip); unmatched
	// the packages osv-scalibr lists that vouch's reading does not find.
	skipped, unmatched int
	firstSkip          string // the first Skip's message
}

// NewBuilder starts the fragment of the file at path.
func NewBuilder(path string) *Builder {
	return &Builder{Path: path, index: map[string]int{}, edges: map[string][]string{}, edgeSet: map[[2]string]bool{}, complete: map[string]bool{}}
}

// Add adds c unless a component with its ID is already there, and returns
// the stored one, so that callers can merge flags into it.
func (b *Builder) Add(c sbom.Component) *sbom.Component {
	if i, ok := b.index[c.ID]; ok {
		return &b.frag.Components[i]
	}
	b.index[c.ID] = len(b.frag.Components)
	b.frag.Components = append(b.frag.Components, c)
	return &b.frag.Components[len(b.frag.Components)-1]
}

// Get returns the component with the given ID, or nil.
func (b *Builder) Get(id string) *sbom.Component {
	if i, ok := b.index[id]; ok {
		return &b.frag.Components[i]
	}
	return nil
}

// RootPrefix starts the ID of a lockfile's anonymous project (see
// [Builder.Root]); the lockfile's path follows.
const RootPrefix = "lockfile:"

// Root adds the anonymous root of a lockfile that records which packages
// its project depends on directly but does not name the project (pnpm's
// importers, an application's Gemfile.lock DEPENDENCIES, NuGet's "Direct"
// entries), and makes it the fragment's primary component.
func (b *Builder) Root() string {
	id := b.Project(".")
	b.SetPrimary(id)
	return id
}

// Project adds the anonymous component of the lockfile's project in
// directory dir, relative to the lockfile ("." for the lockfile's own
// project, another for a workspace member). It is an application named
// after the directory (the lockfile's, or the lockfile itself at the top
// of the scan), with no purl and no version: vouch does not invent a
// package identity. Its ID is RootPrefix, the lockfile's path and, for a
// member, "#dir", so two lockfiles never share a project.
func (b *Builder) Project(dir string) string {
	name := dir
	if dir == "." {
		name = projectName(b.Path)
	}
	c := sbom.Component{ID: b.ProjectID(dir), Type: sbom.TypeApplication, Name: name, Scope: sbom.ScopeRequired,
		Properties: []sbom.Property{{Name: PropLockfile, Value: b.Path}, {Name: sbom.PropVersionSource, Value: sbom.VersionUnknown}}}
	return b.Add(c).ID
}

// projectName names the project of the lockfile at p after its directory:
// inside an archive ("dist/src.tar.gz!web/Gemfile.lock"), the directory in
// the archive, or the archive itself for a lockfile at its top; the
// lockfile itself at the top of the scan.
func projectName(p string) string {
	outer, inner := "", p
	if i := strings.LastIndex(p, "!"); i >= 0 {
		outer, inner = p[:i], p[i+1:]
	}
	if d := path.Base(path.Dir(inner)); d != "." && d != "/" {
		return d
	}
	if outer != "" {
		return path.Base(outer)
	}
	return path.Base(p)
}

// ProjectID is the ID [Builder.Project] gives the project in dir.
func (b *Builder) ProjectID(dir string) string {
	if dir == "." {
		return RootPrefix + b.Path
	}
	return RootPrefix + b.Path + "#" + dir
}

// SetPrimary makes id the fragment's main component.
func (b *Builder) SetPrimary(id string) { b.frag.Primary = id }

// Edge records that from depends directly on to. A self-edge is dropped.
func (b *Builder) Edge(from, to string) {
	// A set, not a scan of from's edges so far: a file may give one
	// package a hundred thousand dependencies (quadratic).
	if from == to || b.edgeSet[[2]string{from, to}] {
		return
	}
	b.edgeSet[[2]string{from, to}] = true
	b.edges[from] = append(b.edges[from], to)
}

// Complete says that every dependency of id has been recorded with Edge.
func (b *Builder) Complete(id string) { b.complete[id] = true }

// Warn records a problem with the file that did not stop reading it.
func (b *Builder) Warn(format string, args ...any) {
	b.frag.Warnings = append(b.frag.Warnings, sbom.Warning{Path: b.Path, Message: fmt.Sprintf(format, args...)})
}

// Skip warns about an entry of the file that cannot be read (a package
// without a name or version) and is left out: the file is then read only
// in part.
func (b *Builder) Skip(format string, args ...any) {
	b.Warn(format, args...)
	if b.skipped == 0 {
		b.firstSkip = fmt.Sprintf(format, args...)
	}
	b.skipped++
}

// Partial records that the file is read only in part, and why: the run's
// summary then lists it as not fully read and the document is incomplete.
func (b *Builder) Partial(format string, args ...any) {
	b.frag.Partial = fmt.Sprintf(format, args...)
}

// partial is why the fragment is not the whole of its file: what Partial
// recorded, entries skipped and, when none was, packages only osv-scalibr
// found (a skipped entry is often the same package, which scalibr lists
// without a version).
func (b *Builder) partial() string {
	var why []string
	if b.frag.Partial != "" {
		why = append(why, b.frag.Partial)
	}
	switch {
	case b.skipped > 0:
		more := ""
		if b.skipped > 1 {
			more = fmt.Sprintf(", and %d more in the warnings", b.skipped-1)
		}
		why = append(why, fmt.Sprintf("%d unreadable entr%s left out (%s%s)", b.skipped, plural(b.skipped, "y", "ies"), b.firstSkip, more))
	case b.unmatched > 0:
		why = append(why, fmt.Sprintf("%d package%s osv-scalibr lists not found by vouch's reading (see the warnings)", b.unmatched, plural(b.unmatched, "", "s")))
	}
	return strings.Join(why, "; ")
}

// plural is one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Fragment returns what was collected, components and edges sorted by ID.
func (b *Builder) Fragment() *sbom.Fragment {
	f := b.frag
	f.Partial = b.partial()
	f.Warnings = append(slices.Clone(f.Warnings), b.licenceWarnings()...)
	f.Components = slices.Clone(f.Components)
	slices.SortFunc(f.Components, func(x, y sbom.Component) int { return strings.Compare(x.ID, y.ID) })
	f.Dependencies = nil
	for _, c := range f.Components {
		deps := slices.Sorted(slices.Values(b.edges[c.ID]))
		if len(deps) == 0 && !b.complete[c.ID] {
			continue
		}
		d := sbom.Dependency{Ref: c.ID, DependsOn: deps}
		if b.complete[c.ID] {
			d.Completeness = sbom.CompletenessComplete
		}
		f.Dependencies = append(f.Dependencies, d)
	}
	return &f
}

// CrossCheck compares the name@version keys scalibr listed with those
// vouch's own reading found and warns about each difference: two readers of
// one file that disagree mean one of them misread it. A package only
// scalibr found may be missing from the SBOM: the file is then read only
// in part. A nil scalibr means scalibr did not read the file (see
// [CrossCheckLimit]): there is nothing to compare.
func (b *Builder) CrossCheck(scalibr, vouch map[string]bool) {
	if scalibr == nil {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(scalibr)) {
		if !vouch[k] {
			b.Warn("osv-scalibr lists %s, which vouch's reading of the file does not find", k)
			b.unmatched++
		}
	}
	for _, k := range slices.Sorted(maps.Keys(vouch)) {
		if !scalibr[k] {
			b.Warn("vouch lists %s, which osv-scalibr's reading of the file does not find", k)
		}
	}
}

// LockPackage is one package of a lockfile that records dependencies by
// name (and, where several versions are locked, version), as poetry.lock,
// uv.lock and Cargo.lock do.
type LockPackage struct {
	Name, Version string
	ID            string // its component's ID
	Deps          []Dep
}

// Dep is one dependency of a LockPackage.
type Dep struct {
	Name    string
	Version string // "" when the lockfile holds one version of Name
	// Optional is set for dependencies only an extra or feature installs:
	// one the lockfile does not hold is no warning.
	Optional bool
	Dev      bool // a development group's dependency
}

// Graph resolves each package's dependencies through norm (the
// ecosystem's name normalisation) and records the edges. A dependency the
// lockfile does not hold is a warning unless it is optional, and leaves
// the package's edge list incomplete.
func Graph(b *Builder, pkgs []LockPackage, norm func(string) string) {
	GraphWith(b, pkgs, index(pkgs, norm))
}

// GraphWith is [Graph] with the ecosystem's own resolution: lookup returns
// the IDs of the packages that satisfy a dependency.
func GraphWith(b *Builder, pkgs []LockPackage, lookup func(Dep) []string) {
	entries := len(pkgs)
	for _, p := range pkgs {
		entries += len(p.Deps)
	}
	budget := newEdgeBudget(entries)
	for i, p := range pkgs {
		complete := true
		for _, d := range p.Deps {
			targets := lookup(d)
			if !budget.take(b, len(targets), len(pkgs)-i, p.Name, p.Version) {
				return
			}
			if len(targets) == 0 && !d.Optional {
				what := d.Name
				if d.Version != "" {
					what += " " + d.Version
				}
				b.Warn("%s %s depends on %s, which the lockfile does not hold", p.Name, p.Version, what)
				complete = false
			}
			for _, t := range targets {
				b.Edge(p.ID, t)
			}
		}
		if complete {
			b.Complete(p.ID)
		}
	}
}

// index returns a function that finds the IDs of the packages a
// dependency names: by normalised name, and version where one is given.
func index(pkgs []LockPackage, norm func(string) string) func(Dep) []string {
	byName := byNormName(pkgs, norm)
	return func(d Dep) []string {
		var ids []string
		for _, t := range byName[norm(d.Name)] {
			if d.Version == "" || t.Version == d.Version {
				ids = append(ids, t.ID)
			}
		}
		return ids
	}
}

// byNormName groups pkgs by normalised name.
func byNormName(pkgs []LockPackage, norm func(string) string) map[string][]*LockPackage {
	byName := map[string][]*LockPackage{}
	for i := range pkgs {
		n := norm(pkgs[i].Name)
		byName[n] = append(byName[n], &pkgs[i])
	}
	return byName
}

// Production returns the IDs reachable from roots along dependencies that
// are not development ones: what a production install keeps.
func Production(pkgs []LockPackage, roots []string, norm func(string) string) map[string]bool {
	// The walk looks dependencies up as it reaches packages instead of
	// building every edge first, and expands a name required without a
	// version once: n versions of a name that n packages require are n²
	// edges.
	byName := byNormName(pkgs, norm)
	byID := map[string][]*LockPackage{}
	for i := range pkgs {
		byID[pkgs[i].ID] = append(byID[pkgs[i].ID], &pkgs[i])
	}
	queued, expanded := map[string]bool{}, map[string]bool{}
	var queue []string
	push := func(id string) {
		if !queued[id] {
			queued[id] = true
			queue = append(queue, id)
		}
	}
	for _, r := range roots {
		push(r)
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, p := range byID[id] {
			for _, d := range p.Deps {
				name := norm(d.Name)
				if d.Dev || (d.Version == "" && expanded[name]) {
					continue
				}
				expanded[name] = expanded[name] || d.Version == ""
				for _, t := range byName[name] {
					if d.Version == "" || t.Version == d.Version {
						push(t.ID)
					}
				}
			}
		}
	}
	return queued
}

// Reachable returns the IDs reachable from start along edges, start
// included.
func Reachable(edges map[string][]string, start []string) map[string]bool {
	seen := map[string]bool{}
	queue := slices.Clone(start)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if !seen[id] {
			seen[id] = true
			queue = append(queue, edges[id]...)
		}
	}
	return seen
}

// OSRelease returns the ID and VERSION_ID of the system whose root is
// fsys, from etc/os-release or usr/lib/os-release ("" if neither says).
func OSRelease(fsys fs.FS) (id, versionID string) {
	sfs, ok := fsys.(scalibrfs.FS)
	if !ok {
		return "", ""
	}
	m, err := osrelease.GetOSRelease(sfs)
	if err != nil {
		return "", ""
	}
	return m["ID"], m["VERSION_ID"]
}

// Database is an OS package database read by a scalibr extractor, ready
// for vouch's own reading of the same bytes.
type Database struct {
	Data    []byte          // the file's bytes
	ID      string          // os-release ID ("debian", "alpine"), "" if unknown
	Distro  string          // the purl distro qualifier ("debian-12"), "" if unknown
	Scalibr map[string]bool // name@version of each package scalibr listed
	B       *Builder
}

// ReadDatabase runs ext over the database at path in the system whose root
// is fsys and reads the distribution from its os-release. Without one,
// purls fall back to family as namespace, with a warning.
func ReadDatabase(ctx context.Context, ext filesystem.Extractor, fsys fs.FS, path, family string) (*Database, error) {
	pkgs, err := ExtractFS(ctx, ext, fsys, path)
	if err != nil {
		return nil, err
	}
	data, err := ReadFS(fsys, path, MaxFileSize)
	if err != nil {
		return nil, err
	}
	db := &Database{Data: data, Scalibr: map[string]bool{}, B: NewBuilder(path)}
	var version string
	db.ID, version = OSRelease(fsys)
	if db.ID != "" && version != "" {
		db.Distro = db.ID + "-" + version
	}
	if db.ID == "" {
		db.B.Warn("no etc/os-release: the distribution is unknown and purls say %s", family)
	}
	for _, p := range pkgs {
		db.Scalibr[p.Name+"@"+p.Version] = true
	}
	return db, nil
}

// Supplier turns a maintainer field, "Name <email>", into a contact.
func Supplier(m string) sbom.Contact {
	name, email, ok := strings.Cut(m, "<")
	if !ok {
		return sbom.Contact{Name: strings.TrimSpace(m)}
	}
	return sbom.Contact{Name: strings.TrimSpace(name), Email: strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(email), ">"))}
}

// Installed is the shared shape of an OS package database entry, as the
// debian and alpine readers build them before the graph is resolved.
type Installed struct {
	Name, Version, Arch string
	ID                  string
	// Depends are groups of alternatives: one of each group must be there.
	Depends [][]string
	// Provides are the virtual names the package satisfies.
	Provides []string
}

// InstalledGraph records the edges between installed packages: each
// dependency group resolves to every installed package that is, or
// provides, one of its alternatives. A group nothing installed satisfies
// is a warning and leaves the package's edge list incomplete; ignore says
// which names are not packages (apk's "/bin/sh" and "so:" names are
// satisfied by files, not always declared).
//
// The edges are bounded by a multiple of what the database states
// (edgesPerEntry per name, provided name and alternative, at least
// minEdgeBudget): n packages providing one name that n others require
// would give n² edges, and a database of 256 MB holds a million such
// packages. Past the bound the remaining packages' edges are left out,
// incomplete, with a warning; every package is still listed.
func InstalledGraph(b *Builder, pkgs []Installed, ignore func(string) bool) {
	providers := map[string][]string{}
	entries := 0
	for _, p := range pkgs {
		for _, n := range append([]string{p.Name}, p.Provides...) {
			providers[n] = append(providers[n], p.ID)
		}
		entries += 1 + len(p.Provides)
		for _, group := range p.Depends {
			entries += len(group)
		}
	}
	budget := newEdgeBudget(entries)
	for i, p := range pkgs {
		complete := true
		for _, group := range p.Depends {
			n := 0
			for _, alt := range group {
				n += len(providers[alt])
			}
			if !budget.take(b, n, len(pkgs)-i, p.Name, p.Version) {
				return
			}
			var targets []string
			for _, alt := range group {
				targets = append(targets, providers[alt]...)
			}
			if len(targets) == 0 && !slices.ContainsFunc(group, ignore) {
				b.Warn("%s %s depends on %s, which is not installed", p.Name, p.Version, strings.Join(group, " | "))
				complete = false
			}
			for _, t := range targets {
				b.Edge(p.ID, t)
			}
		}
		if complete {
			b.Complete(p.ID)
		}
	}
}

// The edge bound of InstalledGraph and GraphWith: real files resolve a
// requirement to one or two packages.
const (
	edgesPerEntry = 16
	minEdgeBudget = 1 << 16
)

// edgeBudget is how many more edges a graph may derive: a multiple of the
// entries (names, provided names, requirements) its file states, so that
// n packages of one name and n others requiring that name (n² edges) are
// not a memory bomb.
type edgeBudget struct{ left int }

func newEdgeBudget(entries int) *edgeBudget {
	return &edgeBudget{left: minEdgeBudget + edgesPerEntry*entries}
}

// take spends n edges for the requirement of name version; when they do
// not fit it warns that the edges of the remaining packages (from this
// one on) are left out, and returns false: the caller stops, leaving them
// incomplete.
func (e *edgeBudget) take(b *Builder, n, remaining int, name, version string) bool {
	if n > e.left {
		b.Warn("the dependencies of %d packages (from %s %s on) resolve to more edges than the %d left of a bound proportional to the file: their edges are left out, incomplete", remaining, name, version, e.left)
		return false
	}
	e.left -= n
	return true
}

// quiet discards osv-scalibr's log lines. scalibr logs what it skips to
// stderr, which would mix into vouch's output; vouch reports what it could
// not read as warnings of its own instead (the cross-check and the
// readers' warnings).
type quiet struct{}

func (quiet) Errorf(string, ...any) {}
func (quiet) Error(...any)          {}
func (quiet) Warnf(string, ...any)  {}
func (quiet) Warn(...any)           {}
func (quiet) Infof(string, ...any)  {}
func (quiet) Info(...any)           {}
func (quiet) Debugf(string, ...any) {}
func (quiet) Debug(...any)          {}

func init() { scalibrlog.SetLogger(quiet{}) }
