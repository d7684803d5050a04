package govuln

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vouchdev/vouch/internal/diskcache"
	"github.com/vouchdev/vouch/internal/strictjson"
)

// recordSource streams the raw OSV JSON of every Go-ecosystem entry of a
// vulnerability database, one record per iteration (vuln.DB.GoRecords).
type recordSource func(ctx context.Context) iter.Seq2[[]byte, error]

// layoutVersion names the layout written by buildDB; it is part of the
// cache key, so a change of layout never reuses an old tree.
const layoutVersion = "govulndb-v1\n"

// maxRecordDepth bounds the nesting of an OSV record; real ones nest six
// levels (affected → ecosystem_specific → imports → symbols).
const maxRecordDepth = 32

// idPattern is what an advisory id must look like to become a file name
// (ID/<id>.json): OSV ids are ASCII letters, digits, "-", "_", "." and
// ":"; a path separator or "..” in an id from the database must never
// reach the file system.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$`)

// record is what the index needs of an OSV entry.
type record struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
	} `json:"affected"`
}

// moduleVuln and moduleMeta are the entries of index/modules.json
// (https://go.dev/security/vuln/database#api). The optional "fixed" field
// is left out: golang.org/x/vuln reads it only to skip entries fixed
// before a version it asks about, and a missing one skips nothing, so the
// index can never hide an advisory.
type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
}

type moduleMeta struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

// database is a Go vulnerability database in golang.org/x/vuln's v1
// layout on disk, and how to dispose of it.
type database struct {
	dir     string
	cleanup func()
}

// URL is the -db argument naming the database: its absolute path (a
// relative one would read as a host), escaped so that a directory name
// with a space, "#" or "?" stays one path.
func (d *database) URL() (string, error) {
	abs, err := filepath.Abs(d.dir)
	if err != nil {
		return "", err
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive: file:///C:/...
	}
	return (&url.URL{Scheme: "file", Path: p}).String(), nil
}

// openDatabase returns the v1-layout database of recs: the one in the
// cache directory for recs' digest when a previous run built it, else a
// new one built there (or, with no usable cache directory, in a
// temporary directory removed by cleanup). The records are read twice
// when the database is built: once for the digest, once to write it; a
// database whose records change in between is an error.
func openDatabase(ctx context.Context, recs recordSource) (*database, error) {
	digest, n, err := digestRecords(ctx, recs)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errors.New("vulnerability database: no Go advisories (expected the Go ecosystem's records, as in Go/all.zip)")
	}
	root, cached := cacheRoot()
	if !cached {
		tmp, err := os.MkdirTemp("", "vouch-govulndb-")
		if err != nil {
			return nil, err
		}
		root = tmp
		d, err := buildInto(ctx, recs, root, digest)
		if err != nil {
			os.RemoveAll(tmp)
			return nil, err
		}
		d.cleanup = func() { os.RemoveAll(tmp) }
		return d, nil
	}
	final := filepath.Join(root, digest)
	if fi, err := os.Lstat(final); err == nil && fi.IsDir() {
		return &database{dir: final, cleanup: func() {}}, nil
	}
	return buildInto(ctx, recs, root, digest)
}

// cacheRoot is <vouch cache dir>/govulndb when that directory is private
// to the user (see internal/diskcache); cached is false otherwise.
func cacheRoot() (root string, cached bool) {
	dir, _ := diskcache.Dir()
	if dir == "" {
		return "", false
	}
	root = filepath.Join(dir, "govulndb")
	if err := diskcache.PrivateDir(root); err != nil {
		return "", false
	}
	return root, true
}

// buildInto writes the database of recs into root/<digest>: first into a
// hidden directory beside it, renamed into place once complete, so that a
// concurrent run sees either no database or a whole one. When another run
// renamed its copy first, that copy is used and this one removed.
func buildInto(ctx context.Context, recs recordSource, root, digest string) (*database, error) {
	removeStaleBuilds(root)
	tmp, err := os.MkdirTemp(root, buildPrefix)
	if err != nil {
		return nil, fmt.Errorf("vulnerability database cache: %w", err)
	}
	if err := writeDB(ctx, recs, tmp, digest); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	final := filepath.Join(root, digest)
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		if fi, serr := os.Lstat(final); serr == nil && fi.IsDir() {
			return &database{dir: final, cleanup: func() {}}, nil
		}
		return nil, fmt.Errorf("vulnerability database cache: %w", err)
	}
	return &database{dir: final, cleanup: func() {}}, nil
}

// buildPrefix names the directories databases are built in; staleBuild
// is the age past which one is a run's that crashed, not a run's under
// way (a build takes seconds).
const (
	buildPrefix = ".build-"
	staleBuild  = time.Hour
)

// removeStaleBuilds removes what crashed runs left in root; failing to is
// no error, only wasted space.
func removeStaleBuilds(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), buildPrefix) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleBuild {
			os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}

// digestRecords hashes the layout version and every record (each
// length-prefixed, so that records cannot be re-split into the same
// bytes) and counts them.
func digestRecords(ctx context.Context, recs recordSource) (string, int, error) {
	h := newDigest()
	n := 0
	for rec, err := range recs(ctx) {
		if err != nil {
			return "", 0, fmt.Errorf("vulnerability database: %w", err)
		}
		addRecord(h, rec)
		n++
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func newDigest() hash.Hash {
	h := sha256.New()
	h.Write([]byte(layoutVersion))
	return h
}

func addRecord(h hash.Hash, rec []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(rec)))
	h.Write(n[:])
	h.Write(rec)
}

// writeDB writes ID/<id>.json for every record, then index/modules.json
// and index/db.json, into dir, and checks that the records hash to digest.
func writeDB(ctx context.Context, recs recordSource, dir, digest string) error {
	if err := os.MkdirAll(filepath.Join(dir, "ID"), 0o700); err != nil {
		return err
	}
	idx := newIndex()
	h := newDigest()
	for rec, err := range recs(ctx) {
		if err != nil {
			return fmt.Errorf("vulnerability database: %w", err)
		}
		addRecord(h, rec)
		r, err := parseRecord(rec)
		if err != nil {
			return err
		}
		if err := idx.add(r); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, "ID", r.ID+".json"), rec); err != nil {
			return err
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != digest {
		return errors.New("vulnerability database: its Go records changed while it was read; run again")
	}
	return idx.write(dir)
}

// parseRecord decodes what the index needs of rec, strictly, and checks
// that its id can name a file.
func parseRecord(rec []byte) (*record, error) {
	var r record
	if err := strictjson.Unmarshal(rec, &r, maxRecordDepth); err != nil {
		return nil, fmt.Errorf("vulnerability database: Go record: %w", err)
	}
	if !idPattern.MatchString(r.ID) {
		return nil, fmt.Errorf("vulnerability database: Go record: field id: expected an OSV id (letters, digits, -_.:), found %q", r.ID)
	}
	return &r, nil
}

// writeFile writes a file of the database being built; the directory is
// new and private to this run, so no atomic replace is needed here.
func writeFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("vulnerability database: Go record %s appears twice", filepath.Base(path))
		}
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// index accumulates index/modules.json and index/db.json.
type index struct {
	modified time.Time
	modules  map[string]*moduleMeta
}

func newIndex() *index { return &index{modules: map[string]*moduleMeta{}} }

// add lists r under every module it affects, as golang.org/x/vuln's own
// index of a folder of OSV files does.
func (x *index) add(r *record) error {
	if r.Modified.After(x.modified) {
		x.modified = r.Modified
	}
	for i, a := range r.Affected {
		path := a.Package.Name
		if path == "" {
			return fmt.Errorf("vulnerability database: Go record %s: field affected[%d].package.name: expected a module path, found none", r.ID, i)
		}
		m := x.modules[path]
		if m == nil {
			m = &moduleMeta{Path: path}
			x.modules[path] = m
		}
		m.Vulns = append(m.Vulns, moduleVuln{ID: r.ID, Modified: r.Modified})
	}
	return nil
}

// write writes the index files. Modules are sorted by path and their
// advisories by id, as in the database golang.org/x/vuln serves.
func (x *index) write(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "index"), 0o700); err != nil {
		return err
	}
	mods := make([]*moduleMeta, 0, len(x.modules))
	for _, m := range x.modules {
		slices.SortFunc(m.Vulns, func(a, b moduleVuln) int { return cmp.Compare(a.ID, b.ID) })
		mods = append(mods, m)
	}
	slices.SortFunc(mods, func(a, b *moduleMeta) int { return cmp.Compare(a.Path, b.Path) })
	b, err := json.Marshal(mods)
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "index", "modules.json"), b); err != nil {
		return err
	}
	b, err = json.Marshal(struct {
		Modified time.Time `json:"modified"`
	}{x.modified})
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "index", "db.json"), b)
}
