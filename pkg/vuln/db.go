package vuln

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/internal/safefile"
)

// Limits on what a database may make vouch read. The largest entry of the
// real Go database is 35 KB and the largest GitHub advisory a few hundred
// KB; an entry over MaxEntrySize is refused rather than read, since a
// zip's declared sizes are the attacker's to choose.
const (
	MaxEntrySize   = 4 << 20
	maxEntryDepth  = 32
	maxZipEntries  = 2_000_000
	allZip         = "all.zip"
	jsonExt        = ".json"
	goEcosystemDir = "Go"
)

// DBEnv is the environment variable that names the database directory
// when a command is given none.
const DBEnv = "VOUCH_VULN_DB"

// ErrLayout marks a --db directory that is not in a layout vouch reads.
var ErrLayout = errors.New("not an OSV database")

// DB is an offline OSV database directory. Open only finds its files;
// records are read, streaming, by each Match for the ecosystems and
// packages it needs, so a DB holds no advisories in memory.
type DB struct {
	dir string
	// ecosystems maps a folder name ("Go", "npm", "Debian:12") to its
	// files: one all.zip or OSV JSON files, sorted.
	ecosystems map[string][]string
	// flat holds the OSV JSON files of a flat folder (no ecosystem
	// folders): every file is read for every ecosystem.
	flat []string
	// progress, when set (SetProgress), hears of the bytes read.
	progress func(done, total int64)
}

// Open finds the OSV database in dir: the OSV export layout (one folder
// per ecosystem, each with its all.zip or its OSV JSON files) or a flat
// folder of OSV JSON files. Anything else is an error naming the path and
// what was expected.
func Open(dir string) (*DB, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("vulnerability database %s: %w", dir, err)
	}
	db := &DB{dir: dir, ecosystems: map[string][]string{}}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			// An ecosystem folder linked from elsewhere is one too.
			fi, err := os.Stat(p)
			isDir = err == nil && fi.IsDir()
		}
		switch {
		case isDir:
			files, err := ecosystemFiles(p)
			if err != nil {
				return nil, err
			}
			db.ecosystems[e.Name()] = files
		case strings.HasSuffix(e.Name(), jsonExt):
			db.flat = append(db.flat, p)
		}
	}
	if len(db.ecosystems) > 0 && len(db.flat) > 0 {
		return nil, fmt.Errorf("vulnerability database %s: %w: expected ecosystem folders or OSV JSON files, found both (%s)", dir, ErrLayout, db.flat[0])
	}
	if len(db.ecosystems) == 0 && len(db.flat) == 0 {
		return nil, fmt.Errorf("vulnerability database %s: %w: expected <Ecosystem>/all.zip, <Ecosystem>/*.json or OSV *.json files, found none", dir, ErrLayout)
	}
	return db, nil
}

// ecosystemFiles lists an ecosystem folder's all.zip, or else its JSON
// files; a folder with neither is refused (a mistyped --db fails, it does
// not silently match nothing).
func ecosystemFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("vulnerability database %s: %w", dir, err)
	}
	var files []string
	for _, e := range entries {
		if e.Name() == allZip && !e.IsDir() {
			return []string{filepath.Join(dir, allZip)}, nil
		}
		if strings.HasSuffix(e.Name(), jsonExt) && !e.IsDir() {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("vulnerability database %s: %w: expected %s or OSV *.json files in this ecosystem folder, found neither", dir, ErrLayout, allZip)
	}
	return files, nil
}

// Dir is the directory the database was opened from.
func (db *DB) Dir() string { return db.dir }

// Ecosystems lists the ecosystem folders of an export layout, sorted; nil
// for a flat folder.
func (db *DB) Ecosystems() []string {
	return slices.Sorted(maps.Keys(db.ecosystems))
}

// filesFor lists the files that may hold records of the base ecosystem
// eco ("Debian" reads "Debian" and every "Debian:<release>" folder; the
// export's own "Debian" folder already holds them all, so it alone is read
// when present).
func (db *DB) filesFor(eco string) []string {
	if db.flat != nil {
		return db.flat
	}
	if files, ok := db.ecosystems[eco]; ok {
		return files
	}
	var files []string
	for _, name := range db.Ecosystems() {
		if strings.HasPrefix(name, eco+":") {
			files = append(files, db.ecosystems[name]...)
		}
	}
	return files
}

// entry is one raw OSV record and where it came from ("all.zip:GO-….json"
// or a file path), for errors.
type entry struct {
	where string
	data  []byte
}

// records streams the raw records of the given files: zip entries one at
// a time through archive/zip on the open file, JSON files one at a time.
// m (nil for none) counts the bytes read.
func records(ctx context.Context, files []string, m *meter) iter.Seq2[entry, error] {
	return func(yield func(entry, error) bool) {
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				yield(entry{}, err)
				return
			}
			var ok bool
			var size int64
			if strings.HasSuffix(f, ".zip") {
				ok, size = zipRecords(ctx, f, m, yield)
			} else {
				data, err := safefile.Read("OSV record", f, MaxEntrySize)
				ok, size = yield(entry{where: f, data: data}, err), int64(len(data))
			}
			if !ok {
				return
			}
			m.fileDone(size)
		}
	}
}

// zipRecords yields the .json entries of one zip, counting each entry's
// compressed bytes on m; it returns false when the consumer stopped or an
// error was yielded, and the zip's size.
func zipRecords(ctx context.Context, path string, m *meter, yield func(entry, error) bool) (bool, int64) {
	f, fi, err := safefile.Open("OSV database", path)
	if err != nil {
		return yield(entry{}, err), 0
	}
	defer f.Close()
	return zipEntries(ctx, path, f, fi.Size(), m, yield), fi.Size()
}

// zipEntries is zipRecords on the open zip f of size bytes.
func zipEntries(ctx context.Context, path string, f io.ReaderAt, size int64, m *meter, yield func(entry, error) bool) bool {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return yield(entry{}, fmt.Errorf("OSV database %s: %w", path, err))
	}
	if len(zr.File) > maxZipEntries {
		return yield(entry{}, fmt.Errorf("OSV database %s: %d entries, the limit is %d", path, len(zr.File), maxZipEntries))
	}
	var buf bytes.Buffer
	for _, zf := range zr.File {
		if !strings.HasSuffix(zf.Name, jsonExt) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return yield(entry{}, err)
		}
		where := path + ":" + zf.Name
		if err := readZipEntry(zf, &buf); err != nil {
			return yield(entry{}, fmt.Errorf("OSV database %s: %w", where, err))
		}
		if !yield(entry{where: where, data: buf.Bytes()}, nil) {
			return false
		}
		m.read(int64(zf.CompressedSize64))
		afterEntry()
	}
	return true
}

// afterEntry is called after each zip entry is handled: tests sample the
// heap there, at every step of a load.
var afterEntry = func() {}

// readZipEntry reads one entry into buf (reset, its capacity reused),
// refusing one larger than MaxEntrySize by its declared size or, if that
// lies, while reading.
func readZipEntry(zf *zip.File, buf *bytes.Buffer) error {
	if zf.UncompressedSize64 > MaxEntrySize {
		return fmt.Errorf("entry is %d bytes, the limit is %d", zf.UncompressedSize64, MaxEntrySize)
	}
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(io.LimitReader(rc, MaxEntrySize+1)); err != nil {
		return err
	}
	if buf.Len() > MaxEntrySize {
		return fmt.Errorf("entry is more than the limit of %d bytes", MaxEntrySize)
	}
	return nil
}

// GoRecords streams the raw OSV JSON of every Go-ecosystem entry, in the
// order of the database's files (for golang.org/x/vuln, which decodes them
// itself). The slice yielded is only valid until the next iteration.
func (db *DB) GoRecords(ctx context.Context) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		files := db.filesFor(goEcosystemDir)
		if len(files) == 0 {
			yield(nil, fmt.Errorf("vulnerability database %s: %w: expected %s", db.dir, ErrNoEcosystem, filepath.Join(db.dir, goEcosystemDir, allZip)))
			return
		}
		for e, err := range records(ctx, files, db.newMeter(files)) {
			if err != nil {
				yield(nil, err)
				return
			}
			if db.flat != nil && !mentionsEcosystem(e.data, goEcosystemDir) {
				continue
			}
			if !yield(e.data, nil) {
				return
			}
		}
	}
}
