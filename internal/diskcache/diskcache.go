// Package diskcache keeps the results of slow, deterministic computations
// between runs: a bounded map from string keys to short string values, held
// in one JSON file that is read once when a run starts and rewritten
// atomically (internal/atomicfile) when it ends, only if it changed.
//
// A cache is a speed-up, never a source of truth, and it sits in a security
// tool, so:
//
//   - A caller's key must name everything the value is computed from (the
//     digest of the input bytes and the version of the computation): an
//     entry can then only ever be reused for the very bytes it describes,
//     and a changed input or program simply misses.
//   - The cache is used only where no other account can write it: the
//     directory and the file must belong to the user running vouch and be
//     writable by nobody else. Anyone able to change it can already change
//     the inputs it describes (the user's own module cache) and vouch
//     itself, so it adds no one to trust; a cache that fails the check is
//     not read.
//   - A file that cannot be read or parsed whole (truncated, duplicate keys,
//     too large) is ignored and replaced, never read in part.
//   - Callers validate values they get back as they would their own output.
//
// A nil *Cache is a valid cache that holds nothing, so callers need not
// care whether caching is on.
package diskcache

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vouchdev/vouch/internal/atomicfile"
	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/internal/strictjson"
)

// EnvDir is the environment variable naming the cache directory, which
// overrides os.UserCacheDir()/vouch.
const EnvDir = "VOUCH_CACHE_DIR"

// MaxEntries bounds a cache file: past it, the entries least recently used
// are dropped when the file is written. Licence results are under 100
// bytes each, so a full cache is a few MiB.
const MaxEntries = 50_000

// maxFileSize is the largest cache file read; a bigger one is not vouch's.
const maxFileSize = 32 << 20

// touchAfter is how old an entry's last-use time may get before a hit
// refreshes it: refreshing only stale times keeps a warm run from
// rewriting the file.
const touchAfter = 24 * time.Hour

// formatVersion is the version of the file layout.
const formatVersion = 1

// Dir returns vouch's cache directory: $VOUCH_CACHE_DIR when set (explicit
// is true), else os.UserCacheDir()/vouch when the user's cache directory
// exists. It returns "" otherwise, so that a missing home (as in tests)
// leaves caching off instead of creating one.
func Dir() (dir string, explicit bool) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, true
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", false
	}
	if fi, err := os.Stat(base); err != nil || !fi.IsDir() {
		return "", false
	}
	return filepath.Join(base, "vouch"), false
}

// entry is one cached value and when it was last used (Unix seconds).
type entry struct {
	Value string `json:"v"`
	Used  int64  `json:"t"`
}

// file is the layout of a cache file.
type file struct {
	Version int              `json:"version"`
	Entries map[string]entry `json:"entries"`
}

// Cache is one cache file's entries, safe for concurrent use.
type Cache struct {
	path string
	now  func() time.Time

	mu      sync.Mutex
	entries map[string]entry
	dirty   bool
}

// Open opens the cache named name (a file name) in dir, creating dir with
// mode 0700 when it does not exist. A cache file that is missing,
// unreadable or malformed starts empty. Open fails when dir cannot be made
// or it or the file is not private to the user (see the package doc).
func Open(dir, name string) (*Cache, error) {
	if err := PrivateDir(dir); err != nil {
		return nil, err
	}
	c := &Cache{path: filepath.Join(dir, name), now: time.Now, entries: map[string]entry{}}
	if err := checkPrivate(c.path, false); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return c, nil
	}
	c.entries = load(c.path)
	return c, nil
}

// PrivateDir makes dir with mode 0700 when it does not exist and fails
// unless it is a directory private to the user, the check [Open] makes:
// for callers that keep files of their own under the cache directory.
func PrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cache directory %s: %w", dir, err)
	}
	return checkPrivate(dir, true)
}

// load reads a cache file whole, or returns no entries when it is not a
// well-formed cache file of this version.
func load(path string) map[string]entry {
	data, err := safefile.Read("cache", path, maxFileSize)
	if err != nil {
		return map[string]entry{}
	}
	var f file
	if err := strictjson.Unmarshal(data, &f, 8); err != nil || f.Version != formatVersion || f.Entries == nil {
		return map[string]entry{}
	}
	return f.Entries
}

// Len is the number of entries.
func (c *Cache) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Get returns the value stored under key.
func (c *Cache) Get(key string) (string, bool) {
	if c == nil {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return "", false
	}
	if now := c.now(); now.Sub(time.Unix(e.Used, 0)) > touchAfter {
		e.Used = now.Unix()
		c.entries[key] = e
		c.dirty = true
	}
	return e.Value, true
}

// Put stores value under key.
func (c *Cache) Put(key, value string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok && e.Value == value {
		return
	}
	c.entries[key] = entry{Value: value, Used: c.now().Unix()}
	c.dirty = true
}

// Flush writes the entries to disk, atomically, when they changed since
// Open, keeping the MaxEntries most recently used. Entries another run
// wrote meanwhile are merged in first, so concurrent runs lose nothing
// but a race between their renames.
func (c *Cache) Flush() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty {
		return nil
	}
	merged := map[string]entry{}
	if checkPrivate(c.path, false) == nil {
		merged = load(c.path)
	}
	for k, e := range c.entries {
		if old, ok := merged[k]; !ok || old.Used <= e.Used {
			merged[k] = e
		}
	}
	prune(merged, MaxEntries)
	data, err := json.Marshal(file{Version: formatVersion, Entries: merged})
	if err != nil {
		return err
	}
	if err := atomicfile.Write(c.path, data, atomicfile.Private); err != nil {
		return fmt.Errorf("cache %s: %w", c.path, err)
	}
	c.entries, c.dirty = merged, false
	return nil
}

// prune drops the least recently used entries beyond max (ties by key, so
// the result does not depend on map order).
func prune(m map[string]entry, max int) {
	if len(m) <= max {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(m[b].Used, m[a].Used); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys[max:] {
		delete(m, k)
	}
}
