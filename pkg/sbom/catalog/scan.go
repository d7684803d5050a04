package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/mod/modfile"

	"github.com/vouchdev/vouch/internal/gitref"
	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/gomod"
)

// ErrNotASource is returned for a file named on the command line that no
// cataloger claims.
var ErrNotASource = errors.New("not a go.mod, executable, release archive (.tar.gz, .tgz, .zip) or lockfile vouch reads, nor another kind of file it knows ('vouch sbom --help' lists them all)")

// job is one file to look at.
type job struct {
	path     string // on disk
	rel      string // as reported: relative to the root argument, slash-separated
	explicit bool   // named on the command line: not being a source is an error
	// fixture is set for a file below a test or example folder of the
	// root it was found under (see fixtureDirs).
	fixture bool
	// buildTool is set for a build tool's wrapper checked into a source
	// tree (see buildToolGlobs).
	buildTool bool
	// reg is the cataloger that claims the file by its name alone; nil
	// means the worker sniffs its first bytes.
	reg *cataloger.Registration
}

// diskFile is a file found on disk, as a [cataloger.File].
type diskFile struct {
	job
	entry fs.DirEntry // from the walk; nil for a file named as a SOURCE
}

func (f diskFile) Path() string          { return f.rel }
func (f diskFile) Host() string          { return f.path }
func (f diskFile) Local() (string, bool) { return f.path, true }

// Size is 0 for a file that cannot be stat'ed: it is not sniffed, and
// whoever opens it gets the error.
func (f diskFile) Size() int64 {
	var fi fs.FileInfo
	var err error
	if f.entry != nil {
		fi, err = f.entry.Info()
	} else {
		fi, err = os.Stat(f.path)
	}
	if err != nil {
		return 0
	}
	return fi.Size()
}

// Open refuses FIFOs, sockets and devices without blocking.
func (f diskFile) Open() (io.ReadCloser, error) {
	r, _, err := safefile.Open("source", f.path)
	return r, err
}

// outcome is what one job produced.
type outcome struct {
	job
	kind Kind
	frag *sbom.Fragment
	err  error
}

// scan walks the roots once and catalogs every source with a worker pool.
// It also returns the module roots of the git repositories the sources sit
// in (module path -> directory), where a binary's own licence may be found.
func scan(ctx context.Context, roots []string, opts Options) ([]outcome, map[string]string, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan job, 4*workers)
	results := make(chan outcome, 4*workers)
	repos := &repoCache{m: map[string]*gitref.Repo{}}
	set := opts.catalogers(repos)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if ctx.Err() != nil {
					continue
				}
				if o, ok := process(ctx, j, set); ok {
					results <- o
				}
			}
		}()
	}
	var walkErrs []outcome
	go func() {
		walkErrs = walk(ctx, roots, opts, set, jobs)
		close(jobs)
		wg.Wait()
		close(results)
	}()
	var out []outcome
	for o := range results {
		out = append(out, o)
		if opts.Progress != nil {
			opts.Progress(len(out), len(out))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	out = append(out, walkErrs...)
	return out, repos.moduleRoots(), nil
}

// walk sends a job for every candidate file under each root: one a
// cataloger claims by name, or one large enough to be sniffed. Problems with
// a root or a directory are returned as failed outcomes.
func walk(ctx context.Context, roots []string, opts Options, set *cataloger.Set, jobs chan<- job) []outcome {
	var failed []outcome
	for _, root := range roots {
		if ref, ok := imageRef(root); ok {
			failed = append(failed, catalogImage(ctx, ref, opts, set))
			continue
		}
		fi, err := os.Stat(root)
		if err != nil {
			failed = append(failed, failedPath(root, pathError(err)))
			continue
		}
		if !fi.IsDir() {
			jobs <- job{path: root, rel: fileRel(root), explicit: true, reg: set.MatchName(fileRel(root))}
			continue
		}
		src := &dirSource{root: root, opts: opts, claim: set.MatchName}
		src.Walk(ctx, func(f cataloger.File) error {
			j := f.(diskFile).job
			if j.reg = set.MatchName(j.rel); j.reg != nil || f.Size() >= cataloger.MinSniffSize {
				jobs <- j
			}
			return nil
		})
		failed = append(failed, src.failed...)
	}
	return failed
}

func failedPath(p string, err error) outcome {
	return outcome{job: job{path: p, rel: filepath.ToSlash(p)}, err: err}
}

// dirSource is a directory on disk as a [cataloger.Source]: Walk visits
// every regular file below root in lexical order, leaving out .git,
// vendor/ and testdata/ (unless asked for), excluded paths and modules
// nested below a root module. Problems with a directory do not stop the
// walk: they are collected in failed, with the nested-module notes.
type dirSource struct {
	root   string
	opts   Options
	failed []outcome
	// claim, if set, names the cataloger that claims a file by its name:
	// a link or special file it claims is a failed outcome, not silence.
	claim func(name string) *cataloger.Registration
}

// special records a file that is not regular (a symlink, a FIFO, a
// socket, a device) when a cataloger claims its name: vouch does not
// follow links or read special files, so its part of the SBOM is missing.
func (s *dirSource) special(p, rel string, mode fs.FileMode) {
	if s.claim == nil {
		return
	}
	reg := s.claim(rel)
	if reg == nil {
		return
	}
	what := "a special file (" + mode.Type().String() + ")"
	if mode&fs.ModeSymlink != 0 {
		what = "a symbolic link"
		if t, err := os.Readlink(p); err == nil {
			what += " to " + strconv.Quote(t)
		}
	}
	err := fmt.Errorf("%s is %s, not a regular file: not read (vouch does not follow links)", reg.What, what)
	s.failed = append(s.failed, outcome{job: job{path: p, rel: rel}, kind: Kind(reg.Name), err: err})
}

// Walk calls fn with a diskFile for each file; an error from fn stops it.
func (s *dirSource) Walk(ctx context.Context, fn func(cataloger.File) error) error {
	root, opts := s.root, s.opts
	// A module at the root is what the user asked about; modules nested
	// below it are separate modules (Go leaves them out of the parent's
	// module zip), so they are skipped unless asked for.
	_, statErr := os.Stat(filepath.Join(root, "go.mod"))
	rootIsModule := statErr == nil && !opts.NestedModules
	var nested []sbom.Warning
	var fnErr error
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel := relTo(root, p)
		if err != nil {
			s.failed = append(s.failed, failedPath(rel, pathError(err)))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != root && skipDir(d.Name(), rel, opts) {
				return fs.SkipDir
			}
			if p != root && rootIsModule {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					nested = append(nested, sbom.Warning{Path: rel, Message: "a nested module, not part of the module at the root: skipped (name it as a SOURCE or pass --nested-modules)"})
					return fs.SkipDir
				}
			}
			return nil
		}
		if excluded(rel, opts.Exclude) {
			return nil
		}
		if !d.Type().IsRegular() {
			s.special(p, rel, d.Type())
			return nil
		}
		fnErr = fn(diskFile{job: job{path: p, rel: rel, fixture: inFixture(root, p), buildTool: isBuildTool(rel)}, entry: d})
		return fnErr
	})
	if err != nil && ctx.Err() == nil && fnErr == nil {
		s.failed = append(s.failed, failedPath(root, err))
	}
	if len(nested) > 0 {
		s.failed = append(s.failed, outcome{job: job{rel: relTo(root, root)}, frag: &sbom.Fragment{Warnings: nested}})
	}
	return err
}

// fixtureDirs are the names of folders that hold tests' and examples'
// inputs, not what a source tree ships. A release artifact (archive or
// executable) found below one, in a tree that also holds source, is left
// out of the SBOM with a warning: a test's fixture archive is not a
// release of the project. testdata/ is also skipped by the walk unless
// asked for.
var fixtureDirs = []string{"testdata", "fixtures", "fixture", "__fixtures__", "test", "tests", "__tests__", "examples", "example"}

// inFixture reports whether p, a file below root, is inside a folder
// named in fixtureDirs (the root itself does not count: a user who scans
// examples/app asks about that app).
func inFixture(root, p string) bool {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return false
	}
	dirs := strings.Split(filepath.ToSlash(filepath.Dir(r)), "/")
	return slices.ContainsFunc(dirs, func(d string) bool { return slices.Contains(fixtureDirs, d) })
}

// buildToolGlobs match the last three elements of the path of a build
// tool's wrapper that projects check into their source tree (Gradle's
// gradle/wrapper/gradle-wrapper.jar, Maven's .mvn/wrapper/maven-wrapper.jar):
// it runs the build and downloads the build tool, and is not shipped.
var buildToolGlobs = []string{"gradle/wrapper/*.jar", ".mvn/wrapper/*.jar"}

// isBuildTool reports whether rel, a slash-separated path below the root,
// is a build tool's wrapper (buildToolGlobs).
func isBuildTool(rel string) bool {
	parts := strings.Split(rel, "/")
	if len(parts) < 3 {
		return false
	}
	tail := strings.Join(parts[len(parts)-3:], "/")
	return slices.ContainsFunc(buildToolGlobs, func(g string) bool {
		ok, _ := path.Match(g, tail)
		return ok
	})
}

// pathError drops the "op path:" prefix of an *fs.PathError, since every
// report already names the path.
func pathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(err, fs.ErrNotExist) {
			return errors.New("no such file or directory")
		}
		return pe.Err
	}
	return err
}

// relTo is p relative to root, prefixed with root as the user typed it
// unless that was "." or an absolute path, so reports read like the user's
// own paths and stay the same on every machine.
func relTo(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		r = p
	}
	clean := filepath.Clean(root)
	if clean != "." && !filepath.IsAbs(clean) {
		r = filepath.Join(clean, r)
	}
	return filepath.ToSlash(r)
}

func fileRel(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Base(p)
	}
	return filepath.ToSlash(filepath.Clean(p))
}

func skipDir(name, rel string, opts Options) bool {
	switch {
	case name == ".git" || name == ".hg" || name == ".svn":
		return true
	case name == "vendor" && !opts.Vendor:
		return true
	case name == "testdata" && !opts.Testdata:
		return true
	}
	return excluded(rel, opts.Exclude)
}

// excluded matches rel and its base name against the globs.
func excluded(rel string, globs []string) bool {
	base := path.Base(rel)
	for _, g := range globs {
		g = strings.TrimSuffix(filepath.ToSlash(g), "/")
		if ok, _ := path.Match(g, rel); ok {
			return true
		}
		if ok, _ := path.Match(g, base); ok {
			return true
		}
		if strings.HasPrefix(rel, g+"/") {
			return true
		}
	}
	return false
}

// process catalogs one file with the cataloger that claims it. ok is false
// for a file no cataloger claims.
func process(ctx context.Context, j job, set *cataloger.Set) (outcome, bool) {
	o := outcome{job: j}
	reg, err := match(set, j)
	switch {
	case err != nil:
		o.err = pathError(err)
		return o, true
	case reg == nil && j.explicit:
		o.err = ErrNotASource
		return o, true
	case reg == nil:
		return o, false
	}
	o.kind = Kind(reg.Name)
	o.frag, o.err = set.Catalog(ctx, reg, diskFile{job: j})
	return o, true
}

// match returns the cataloger that claims the file of j: by name, decided
// in the walk, or else by its first bytes.
func match(set *cataloger.Set, j job) (*cataloger.Registration, error) {
	if j.reg != nil {
		return j.reg, nil
	}
	head, err := readHead(j.path)
	if err != nil {
		return nil, err
	}
	return set.Match(j.rel, head, false), nil
}

// Identify returns the cataloger a run with opts would read the file at
// path with, were it named as a SOURCE, or nil when none claims it.
func Identify(path string, opts Options) (*cataloger.Registration, error) {
	set := opts.catalogers(nil)
	return match(set, job{path: path, rel: fileRel(path), reg: set.MatchName(fileRel(path))})
}

func readHead(p string) ([]byte, error) {
	// A FIFO or device named as a source would block or never end.
	f, _, err := safefile.Open("source", p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, cataloger.HeadSize)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	return head[:n], nil
}

// repoPrefix is dir relative to the repository root, slash-separated: the
// tag prefix of a module in a subdirectory.
func repoPrefix(root, dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	r, err := filepath.Rel(root, abs)
	if err != nil || r == "." {
		return ""
	}
	return filepath.ToSlash(r)
}

// repoCache finds each directory's git repository once.
type repoCache struct {
	mu sync.Mutex
	m  map[string]*gitref.Repo
}

func (c *repoCache) find(dir string) *gitref.Repo {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.m[dir]; ok {
		return r
	}
	r, err := gitref.Find(dir)
	if err != nil {
		r = nil
	}
	c.m[dir] = r
	return r
}

// moduleRoots maps the module path of each found repository's root go.mod
// to the repository root.
func (c *repoCache) moduleRoots() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]string{}
	for _, r := range c.m {
		if r == nil {
			continue
		}
		f, err := os.Open(filepath.Join(r.Root, "go.mod"))
		if err != nil {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(f, gomod.MaxGoModSize))
		f.Close()
		if err != nil {
			continue
		}
		if p := modfile.ModulePath(data); p != "" {
			out[p] = r.Root
		}
	}
	return out
}

// CheckoutTag is the release tag on the checked-out commit of the
// repository holding dir, with the tag prefix of a module rooted at dir.
func (c *repoCache) CheckoutTag(dir string) (string, bool) {
	repo := c.find(dir)
	if repo == nil {
		return "", false
	}
	head, err := repo.Head()
	if err != nil {
		return "", false
	}
	return repo.ReleaseTag(head, repoPrefix(repo.Root, dir))
}

// PseudoVersion is the pseudo-version of the checked-out commit of the
// repository holding dir, for the module modPath rooted at dir.
func (c *repoCache) PseudoVersion(dir, modPath string) (string, bool) {
	repo := c.find(dir)
	if repo == nil {
		return "", false
	}
	prefix := repoPrefix(repo.Root, dir)
	if prefix != "" {
		prefix += "/"
	}
	return repo.PseudoVersion(modPath, prefix)
}

// RevisionTagger returns the lookup a binary under dir uses to turn its
// vcs.revision into a release tag, or nil outside a repository.
func (c *repoCache) RevisionTagger(dir string) func(string) (string, bool) {
	repo := c.find(dir)
	if repo == nil {
		return nil
	}
	return func(rev string) (string, bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		// A binary does not say which module directory it came from; a tag
		// at the repository root is the one that names its version.
		return repo.ReleaseTag(rev, "")
	}
}
