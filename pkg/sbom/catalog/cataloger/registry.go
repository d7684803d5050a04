package cataloger

import (
	"cmp"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// Registration tells the registry which files a cataloger reads and how to
// make it for a run.
type Registration struct {
	// Name identifies the cataloger (and is what its Name returns): the
	// kind of source results count, and what [Found.Kind] holds.
	Name string
	// What names one of its files in messages: "executable", "go.mod".
	What string
	// Globs match a file's base name (path.Match syntax); empty means any
	// name, and then Sniff is required.
	Globs []string
	// FoldCase matches Globs without regard to case (APP.ZIP is a zip).
	FoldCase bool
	// Sniff, if set, must accept the file's base name and its first bytes
	// (at most [HeadSize]; fewer for a smaller file) too. Files found in a
	// directory walk smaller than [MinSniffSize] are never sniffed.
	Sniff func(name string, head []byte) bool
	// Artifact marks files that are built artifacts (executables,
	// archives): finding one makes an SBOM post-build, and `vouch release`
	// catalogues such an artifact instead of listing the file alone.
	Artifact bool
	// DiskOnly marks a cataloger that reads sibling files on disk
	// (go.mod's go.sum and vendor/) or cannot read a file of a stream:
	// it is not run inside archives or layers.
	DiskOnly bool
	// System marks the package database of an installed system (dpkg,
	// apk, rpm), which reads files of the root file system around it
	// (etc/os-release names the distribution). Inside an image it is run
	// once every layer is read, on the copy of the file the image ends
	// with, and its [File] is a [SystemFile].
	System bool
	// New makes the cataloger for one run.
	New func(Config) Cataloger
	// Post, if set, runs once per run over every fragment found, in the
	// order they are merged, before the merge; it returns the fragments
	// to merge. Steps run in the order of the registrations.
	Post func([]Found) []Found
	// Enrich, if set, runs once per run on the merged document, before
	// archives inherit their contents' licences: it fills in what no one
	// file said (Go: module licences from the module cache).
	Enrich func(ctx context.Context, cfg Config, doc *sbom.Document)
	// Prepare, if set, is called when a run starts, to warm up what the
	// cataloger will need while files are read. (Go builds its licence
	// scanners when it meets the first go.mod instead: most trees without
	// one would never use them.)
	Prepare func()
}

// Found is one fragment of a run and the cataloger that made it ("" for
// notes from the walk itself).
type Found struct {
	Kind     string
	Fragment *sbom.Fragment
	// Path is the file the cataloger read, as reported ("" for notes).
	Path string
	// Err is why the cataloger could not read the file; Fragment is then
	// empty. Failed files are part of what a post step sees, so that it
	// can tell a file that is absent from one vouch could not read.
	Err error
}

// MinSniffSize is the size below which a file found by walking a directory
// is not opened to be sniffed: no executable or archive is that small.
// Files matched by name alone are read whatever their size.
const MinSniffSize = 64

// Registry holds registrations in matching order: those with Globs first
// (a name is more specific than a magic number), then by Name. The first
// match reads the file.
type Registry struct {
	mu   sync.RWMutex
	regs []*Registration
}

var defaultRegistry = &Registry{}

// Default is the registry ecosystems register with from their init.
func Default() *Registry { return defaultRegistry }

// Register adds r to the default registry; see [Registry.Register].
func Register(r Registration) { defaultRegistry.Register(r) }

// Register adds r. It panics on a registration that could never work (no
// name, no constructor, neither Globs nor Sniff, a malformed glob) or a
// name already taken: these are programming errors found at start-up.
func (g *Registry) Register(r Registration) {
	if r.Name == "" || r.New == nil || (len(r.Globs) == 0 && r.Sniff == nil) {
		panic(fmt.Sprintf("cataloger: registration %q needs a Name, New and Globs or Sniff", r.Name))
	}
	for _, glob := range r.Globs {
		if _, err := path.Match(glob, ""); err != nil {
			panic(fmt.Sprintf("cataloger: registration %q: glob %q: %v", r.Name, glob, err))
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if slices.ContainsFunc(g.regs, func(o *Registration) bool { return o.Name == r.Name }) {
		panic(fmt.Sprintf("cataloger: %q registered twice", r.Name))
	}
	g.regs = append(g.regs, &r)
	slices.SortFunc(g.regs, func(a, b *Registration) int {
		return cmp.Or(cmp.Compare(a.rank(), b.rank()), cmp.Compare(a.Name, b.Name))
	})
}

// rank orders registrations with Globs before those without.
func (r *Registration) rank() int {
	if len(r.Globs) > 0 {
		return 0
	}
	return 1
}

// Clone returns a registry with the same registrations, to which a caller
// (a test) can add without touching this one.
func (g *Registry) Clone() *Registry {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return &Registry{regs: slices.Clone(g.regs)}
}

// Registrations returns the registrations in matching order.
func (g *Registry) Registrations() []Registration {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]Registration, len(g.regs))
	for i, r := range g.regs {
		out[i] = *r
	}
	return out
}

// With makes every registered cataloger for one run with cfg. cfg.Registry
// is set to g when empty, so that catalogers that look inside files
// (archives) use the same registry.
func (g *Registry) With(cfg Config) *Set {
	if cfg.Registry == nil {
		cfg.Registry = g
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	s := &Set{regs: slices.Clone(g.regs), cats: make(map[string]Cataloger, len(g.regs)), cfg: cfg}
	for _, r := range s.regs {
		s.cats[r.Name] = r.New(cfg)
	}
	return s
}

// Set is the catalogers of one run. It is safe for concurrent use.
type Set struct {
	regs []*Registration
	cats map[string]Cataloger
	cfg  Config
}

// MatchName returns the first registration that claims a file by its base
// name alone (Globs, no Sniff), or nil.
func (s *Set) MatchName(name string) *Registration {
	base := path.Base(name)
	for _, r := range s.regs {
		if r.Sniff == nil && r.globMatch(base) {
			return r
		}
	}
	return nil
}

// Match returns the first registration that claims a file by its name and
// its first bytes, or nil. inStream leaves out DiskOnly catalogers, for
// files inside an archive or a layer.
func (s *Set) Match(name string, head []byte, inStream bool) *Registration {
	base := path.Base(name)
	for _, r := range s.regs {
		if (inStream && r.DiskOnly) || !r.globMatch(base) {
			continue
		}
		if r.Sniff == nil || r.Sniff(base, head) {
			return r
		}
	}
	return nil
}

func (r *Registration) globMatch(base string) bool {
	if len(r.Globs) == 0 {
		return true
	}
	if r.FoldCase {
		base = strings.ToLower(base)
	}
	for _, g := range r.Globs {
		if r.FoldCase {
			g = strings.ToLower(g)
		}
		if ok, _ := path.Match(g, base); ok {
			return true
		}
	}
	return false
}

// Catalog runs r's cataloger on the one file f.
func (s *Set) Catalog(ctx context.Context, r *Registration, f File) (*sbom.Fragment, error) {
	return s.cats[r.Name].Catalog(ctx, One(f))
}

// Config is the configuration the set's catalogers were made with, for a
// source that runs them inside itself (an image).
func (s *Set) Config() Config { return s.cfg }

// Lookup returns the registration named kind, or nil.
func (s *Set) Lookup(kind string) *Registration {
	for _, r := range s.regs {
		if r.Name == kind {
			return r
		}
	}
	return nil
}

// Post runs every registered post-processing step over found.
func (s *Set) Post(found []Found) []Found {
	for _, r := range s.regs {
		if r.Post != nil {
			found = r.Post(found)
		}
	}
	return found
}

// Enrich runs every registered enrichment step on doc.
func (s *Set) Enrich(ctx context.Context, doc *sbom.Document) {
	for _, r := range s.regs {
		if r.Enrich != nil && ctx.Err() == nil {
			r.Enrich(ctx, s.cfg, doc)
		}
	}
}

// Prepare calls every registered Prepare.
func (s *Set) Prepare() {
	for _, r := range s.regs {
		if r.Prepare != nil {
			r.Prepare()
		}
	}
}
