package diskcache

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func open(t *testing.T, dir string) *Cache {
	t.Helper()
	c, err := Open(dir, "test.json")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vouch")
	c := open(t, dir)
	if _, ok := c.Get("k"); ok {
		t.Fatal("hit in a new cache")
	}
	c.Put("k", "MIT")
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "test.json"))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v, want 0600", fi.Mode().Perm())
	}
	if v, ok := open(t, dir).Get("k"); !ok || v != "MIT" {
		t.Fatalf("after reopening: %q, %v; want MIT", v, ok)
	}
}

// TestFlushOnlyWhenChanged: a warm run that only reads leaves the file
// alone; control: a Put rewrites it.
func TestFlushOnlyWhenChanged(t *testing.T) {
	dir := t.TempDir()
	c := open(t, dir)
	c.Put("k", "v")
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "test.json")
	old := time.Unix(1, 0)
	if err := os.Chtimes(name, old, old); err != nil {
		t.Fatal(err)
	}
	c = open(t, dir)
	c.Get("k")
	c.Put("k", "v")
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(name); !fi.ModTime().Equal(old) {
		t.Error("an unchanged cache was rewritten")
	}
	c.Put("k2", "v2")
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(name); fi.ModTime().Equal(old) {
		t.Error("a changed cache was not written")
	}
}

// TestMalformedIgnored: a file that is not a whole, well-formed cache of
// this version is not read in part; control: the well-formed one is read.
func TestMalformedIgnored(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		hit        bool
	}{
		{"well-formed", `{"version":1,"entries":{"k":{"v":"MIT","t":1}}}`, true},
		{"duplicate key", `{"version":1,"entries":{"k":{"v":"MIT","t":1},"k":{"v":"GPL-3.0","t":1}}}`, false},
		{"truncated", `{"version":1,"entries":{"k":{"v":"MIT","t":1}}`, false},
		{"other version", `{"version":2,"entries":{"k":{"v":"MIT","t":1}}}`, false},
		{"wrong type", `{"version":1,"entries":{"k":{"v":7,"t":1}}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "test.json"), []byte(tc.data), 0o600); err != nil {
				t.Fatal(err)
			}
			v, ok := open(t, dir).Get("k")
			if ok != tc.hit || ok && v != "MIT" {
				t.Errorf("Get = %q, %v; want hit %v", v, ok, tc.hit)
			}
		})
	}
}

// TestDir: $VOUCH_CACHE_DIR wins; the default is under the user's cache
// directory only when that exists, so a missing home leaves caching off.
func TestDir(t *testing.T) {
	base := t.TempDir()
	t.Setenv("HOME", base)
	t.Setenv("XDG_CACHE_HOME", base)
	t.Setenv("LocalAppData", base)
	t.Setenv(EnvDir, "")
	if dir, explicit := Dir(); dir != filepath.Join(base, "vouch") || explicit {
		t.Errorf("Dir() = %q, %v; want %q", dir, explicit, filepath.Join(base, "vouch"))
	}
	t.Setenv(EnvDir, "/elsewhere")
	if dir, explicit := Dir(); dir != "/elsewhere" || !explicit {
		t.Errorf("with $%s: Dir() = %q, %v", EnvDir, dir, explicit)
	}
	missing := filepath.Join(base, "no-home")
	t.Setenv(EnvDir, "")
	t.Setenv("HOME", missing)
	t.Setenv("XDG_CACHE_HOME", missing)
	t.Setenv("LocalAppData", missing)
	if dir, _ := Dir(); dir != "" {
		t.Errorf("with no home: Dir() = %q, want none", dir)
	}
}

func TestPruneKeepsRecent(t *testing.T) {
	m := map[string]entry{"old": {"a", 1}, "mid": {"b", 2}, "new": {"c", 3}, "new2": {"d", 3}}
	prune(m, 2)
	if _, ok := m["new"]; !ok || len(m) != 2 {
		t.Fatalf("kept %v", m)
	}
	if _, ok := m["new2"]; !ok {
		t.Fatalf("kept %v", m)
	}
}

func TestNilCache(t *testing.T) {
	var c *Cache
	c.Put("k", "v")
	if _, ok := c.Get("k"); ok || c.Len() != 0 || c.Flush() != nil {
		t.Fatal("a nil cache held something")
	}
}

// TestConcurrentRunsMerge: two runs that flush in turn keep both runs'
// entries.
func TestConcurrentRunsMerge(t *testing.T) {
	dir := t.TempDir()
	a, b := open(t, dir), open(t, dir)
	a.Put("a", "1")
	b.Put("b", "2")
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	c := open(t, dir)
	if _, ok := c.Get("a"); !ok {
		t.Error("the first run's entry was lost")
	}
	if _, ok := c.Get("b"); !ok {
		t.Error("the second run's entry was lost")
	}
}
