package gomod

import (
	"context"
	"crypto/sha256"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vouchdev/vouch/internal/diskcache"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

// countingCache records which keys a cache was asked for, by outcome. The
// catalog scans from several goroutines.
type countingCache struct {
	cataloger.Cache
	mu           sync.Mutex
	hits, misses map[string]bool
}

func (c *countingCache) Get(key string) (string, bool) {
	v, ok := c.Cache.Get(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if ok {
		c.hits[key] = true
	} else {
		c.misses[key] = true
	}
	return v, ok
}

// catalogBasic catalogs basic.txtar's app over the modcache fixture with
// cache, starting with an empty in-process memo (as a new process does).
func catalogBasic(t *testing.T, root, modCache string, cache cataloger.Cache) string {
	t.Helper()
	scanned.Clear()
	frag, err := Catalog(context.Background(), filepath.Join(root, "app", "go.mod"),
		Options{ModCache: modCache, RelPath: "app/go.mod", LicenseCache: cache})
	if err != nil {
		t.Fatal(err)
	}
	var lics []string
	for _, c := range frag.Components {
		lics = append(lics, c.Name+"="+c.Licenses.Declared)
	}
	return strings.Join(lics, "\n")
}

// TestLicenseCacheAcrossRuns: a second run over the same module cache
// answers every licence text from the on-disk cache, with exactly the
// licences the uncached run found.
func TestLicenseCacheAcrossRuns(t *testing.T) {
	root, modCache := extract(t, "basic.txtar"), extract(t, "modcache.txtar")
	want := catalogBasic(t, root, modCache, nil)
	dir := t.TempDir()
	open := func() *countingCache {
		d, err := diskcache.Open(dir, "licenses.json")
		if err != nil {
			t.Fatal(err)
		}
		return &countingCache{Cache: d, hits: map[string]bool{}, misses: map[string]bool{}}
	}
	first := open()
	if got := catalogBasic(t, root, modCache, first); got != want {
		t.Fatalf("first cached run:\n%s\nwant:\n%s", got, want)
	}
	if len(first.hits) != 0 || len(first.misses) == 0 {
		t.Fatalf("first run: %d keys hit, %d missed; want only misses", len(first.hits), len(first.misses))
	}
	if err := first.Cache.(*diskcache.Cache).Flush(); err != nil {
		t.Fatal(err)
	}
	second := open()
	if got := catalogBasic(t, root, modCache, second); got != want {
		t.Fatalf("second cached run:\n%s\nwant:\n%s", got, want)
	}
	if len(second.misses) != 0 || !maps.Equal(second.hits, first.misses) {
		t.Fatalf("second run: keys hit %v, missed %v; want hits on exactly %v", second.hits, second.misses, first.misses)
	}
}

// mapCache is an in-memory cataloger.Cache.
type mapCache map[string]string

func (m mapCache) Get(k string) (string, bool) { v, ok := m[k]; return v, ok }
func (m mapCache) Put(k, v string)             { m[k] = v }
func (m mapCache) Len() int                    { return len(m) }

// TestLicenseCacheEntries: what a cache says is used only for the bytes it
// was stored under, and only when it names licences the scanner knows;
// anything else is rescanned and the entry replaced. Control: a valid
// entry for the same bytes is used as it stands.
func TestLicenseCacheEntries(t *testing.T) {
	a := readArchive(t, "modcache.txtar")
	mit := a[slices.IndexFunc(a, func(f archiveFile) bool { return f.Name == "example.com/alpha@v1.0.0/LICENSE" })].Data
	key := cacheKey(sha256.Sum256(mit))
	for _, tc := range []struct {
		name, stored string
		want         []string
		rewritten    bool
	}{
		{"valid entry is used", "MIT", []string{"MIT"}, false},
		{"valid entry for no licence is used", "", nil, false},
		{"unknown ID", "Definitely-Not-A-Licence", []string{"MIT"}, true},
		{"expression syntax", "MIT OR (GPL-2.0", []string{"MIT"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scanned.Clear()
			cache := mapCache{key: tc.stored}
			if got := scanLicense(cache, mit); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("scanLicense = %q, want %q", got, tc.want)
			}
			if rewritten := cache[key] != tc.stored; rewritten != tc.rewritten {
				t.Errorf("entry %q after the scan (stored %q), want rewritten %v", cache[key], tc.stored, tc.rewritten)
			}
		})
	}
	// One byte more is another text: it misses instead of taking MIT's entry.
	other := append(slices.Clone(mit), '\n')
	if cacheKey(sha256.Sum256(other)) == key {
		t.Fatal("two texts share a cache key")
	}
	scanned.Clear()
}
