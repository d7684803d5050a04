package govuln

import (
	"context"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vouchdev/vouch/internal/diskcache"
)

// sliceRecords is a database of the given records.
func sliceRecords(recs ...string) recordSource {
	return func(context.Context) iter.Seq2[[]byte, error] {
		return func(yield func([]byte, error) bool) {
			for _, r := range recs {
				if !yield([]byte(r), nil) {
					return
				}
			}
		}
	}
}

const goodRecord = `{"id":"GO-2021-0113","modified":"2024-01-02T00:00:00Z","affected":[{"package":{"name":"golang.org/x/text","ecosystem":"Go"}}]}`

// TestDatabaseCache: a second run with the same records reuses the tree
// the first built; other records get another tree; concurrent runs all
// get a whole database and leave no build directory behind.
func TestDatabaseCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(diskcache.EnvDir, cache)
	ctx := context.Background()
	first, err := openDatabase(ctx, openDB(t).GoRecords)
	if err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(first.dir, "ID", "GO-2021-0113.json")
	fi, err := os.Stat(marker)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	dirs := make([]string, 4)
	errs := make([]error, 4)
	for i := range dirs {
		wg.Go(func() {
			d, err := openDatabase(ctx, openDB(t).GoRecords)
			if err == nil {
				dirs[i] = d.dir
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i := range dirs {
		if errs[i] != nil || dirs[i] != first.dir {
			t.Errorf("run %d: %s, %v; want %s", i, dirs[i], errs[i], first.dir)
		}
	}
	if fi2, err := os.Stat(marker); err != nil || !os.SameFile(fi, fi2) {
		t.Errorf("the cached database was rebuilt")
	}
	other, err := openDatabase(ctx, sliceRecords(goodRecord))
	if err != nil || other.dir == first.dir {
		t.Fatalf("other records: %v, %v", other, err)
	}
	// Concurrent builds of new records: each sees a whole database.
	recs := sliceRecords(goodRecord, strings.Replace(goodRecord, "0113", "0114", 1))
	for i := range dirs {
		wg.Go(func() {
			d, err := openDatabase(ctx, recs)
			if err == nil {
				_, err = os.Stat(filepath.Join(d.dir, "index", "db.json"))
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent build %d: %v", i, err)
		}
	}
	// A crashed run's build directory is removed by the next build once
	// stale; a recent one (a run under way) is kept.
	stale := filepath.Join(cache, "govulndb", buildPrefix+"crashed")
	recent := filepath.Join(cache, "govulndb", buildPrefix+"running")
	for _, d := range []string{stale, recent} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleBuild)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := openDatabase(ctx, sliceRecords(strings.Replace(goodRecord, "0113", "0115", 1))); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale build directory kept: %v", err)
	}
	if err := os.Remove(recent); err != nil {
		t.Errorf("recent build directory: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(cache, "govulndb"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), buildPrefix) {
			t.Errorf("build directory %s left behind", e.Name())
		}
	}
}

// TestDatabaseUncached: without a cache directory the database is built in
// a temporary directory that cleanup removes.
func TestDatabaseUncached(t *testing.T) {
	t.Setenv(diskcache.EnvDir, "")
	t.Setenv("HOME", filepath.Join(t.TempDir(), "missing"))
	t.Setenv("XDG_CACHE_HOME", "")
	d, err := openDatabase(context.Background(), sliceRecords(goodRecord))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d.dir, "index", "modules.json")); err != nil {
		t.Fatal(err)
	}
	d.cleanup()
	if _, err := os.Stat(d.dir); !os.IsNotExist(err) {
		t.Errorf("%s not removed: %v", d.dir, err)
	}
}

// TestDatabaseRefuses: records that would write outside the database,
// repeat an id, break strict JSON or name no module are errors, as is a
// database without Go records; a good record passes (control).
func TestDatabaseRefuses(t *testing.T) {
	t.Setenv(diskcache.EnvDir, t.TempDir())
	cases := []struct {
		name string
		recs []string
		want string // "" for success
	}{
		{"control", []string{goodRecord}, ""},
		{"no records", nil, "no Go advisories"},
		{"path in id", []string{strings.Replace(goodRecord, "GO-2021-0113", "../../escape", 1)}, "field id"},
		{"slash in id", []string{strings.Replace(goodRecord, "GO-2021-0113", "GO/0113", 1)}, "field id"},
		{"empty id", []string{strings.Replace(goodRecord, "GO-2021-0113", "", 1)}, "field id"},
		{"duplicate id", []string{goodRecord, goodRecord}, "appears twice"},
		{"duplicate key", []string{`{"id":"GO-1","id":"GO-2"}`}, "duplicate"},
		{"no module", []string{`{"id":"GO-1","affected":[{"package":{"name":""}}]}`}, "affected[0].package.name"},
		{"not JSON", []string{`{"id":`}, "Go record"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := openDatabase(context.Background(), sliceRecords(c.recs...))
			switch {
			case c.want == "" && err != nil:
				t.Fatal(err)
			case c.want == "":
				if _, err := os.Stat(filepath.Join(d.dir, "ID", "GO-2021-0113.json")); err != nil {
					t.Error(err)
				}
			case err == nil || !strings.Contains(err.Error(), c.want):
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}
