package diskcache

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen: whatever bytes the cache file holds, Open does not fail or
// panic, and a cache it accepted survives a write and a reread unchanged.
func FuzzOpen(f *testing.F) {
	f.Add([]byte(`{"version":1,"entries":{"k":{"v":"MIT","t":1}}}`))
	f.Add([]byte(`{"version":1,"entries":{"k":{"v":"MIT","t":1},"k":{"v":"GPL-3.0","t":1}}}`))
	f.Add([]byte(`{"version":1,"entries":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "c.json"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Open(dir, "c.json")
		if err != nil {
			t.Fatal(err)
		}
		before := c.entries
		c.Put("fuzz", "x")
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		again, err := Open(dir, "c.json")
		if err != nil {
			t.Fatal(err)
		}
		for k, e := range before {
			if got, ok := again.entries[k]; !ok || got.Value != e.Value {
				t.Fatalf("entry %q: %+v after a rewrite, want %+v", k, got, e)
			}
		}
		if v, ok := again.Get("fuzz"); !ok || v != "x" {
			t.Fatalf("the new entry was lost: %q, %v", v, ok)
		}
	})
}
