package vuln

import (
	"archive/zip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lodashRecord is the real npm advisory of testdata/osv/npm.
func lodashRecord(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(goDB, "npm", "GHSA-35jh-r3h4-6jhm.json"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// writeTree writes files (path → content) under a new directory.
func writeTree(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// zipOf is a zip archive of entries (name → content).
func zipOf(t *testing.T, entries map[string][]byte) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "all.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, data := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestOpenLayouts: every layout vouch reads finds the real lodash
// advisory for lodash 4.17.20 and not for 4.17.21; anything else is
// refused, naming the path and what was expected.
func TestOpenLayouts(t *testing.T) {
	rec := lodashRecord(t)
	withdrawn := strings.Replace(string(rec), `"modified"`, `"withdrawn": "2023-01-01T00:00:00Z", "modified"`, 1)
	cases := []struct {
		name    string
		files   map[string][]byte
		want    int    // matches for lodash@4.17.20
		wantErr string // substring of the error, "" for none
	}{
		{"export layout, all.zip", map[string][]byte{"npm/all.zip": zipOf(t, map[string][]byte{"GHSA-35jh-r3h4-6jhm.json": rec})}, 1, ""},
		{"export layout, JSON files", map[string][]byte{"npm/GHSA-35jh-r3h4-6jhm.json": rec}, 1, ""},
		{"flat folder", map[string][]byte{"GHSA-35jh-r3h4-6jhm.json": rec}, 1, ""},
		{"no npm folder", map[string][]byte{"PyPI/GHSA-35jh-r3h4-6jhm.json": rec}, 0, "no records for an ecosystem being matched: 2 component(s) are npm packages"},
		{"npm folder without lodash", map[string][]byte{"npm/a.json": []byte(`{"id":"X","affected":[{"package":{"ecosystem":"npm","name":"left-pad"}}]}`)}, 0, ""},
		{"withdrawn record", map[string][]byte{"npm/GHSA-35jh-r3h4-6jhm.json": []byte(withdrawn)}, 0, ""},
		{"empty directory", map[string][]byte{"README": []byte("x")}, 0, "expected <Ecosystem>/all.zip, <Ecosystem>/*.json or OSV *.json files, found none"},
		{"ecosystem folder without records", map[string][]byte{"npm/README": []byte("x")}, 0, "expected all.zip or OSV *.json files in this ecosystem folder"},
		{"folders and flat files", map[string][]byte{"npm/a.json": rec, "b.json": rec}, 0, "expected ecosystem folders or OSV JSON files, found both"},
		{"duplicate key in a zip entry", map[string][]byte{"npm/all.zip": zipOf(t, map[string][]byte{"X.json": []byte(`{"id":"X","id":"Y","affected":[{"package":{"ecosystem":"npm","name":"lodash"}}]}`)})}, 0, `all.zip:X.json: duplicate JSON object key: "id" at $.id`},
		{"unknown field", map[string][]byte{"npm/X.json": []byte(`{"id":"X","affected":[{"package":{"ecosystem":"npm","name":"lodash"}}],"extra":1}`)}, 0, "X.json: "},
		{"same id twice", map[string][]byte{"npm/a.json": rec, "npm/b.json": rec}, 0, "GHSA-35jh-r3h4-6jhm is also the id of"},
		{"not a zip", map[string][]byte{"npm/all.zip": []byte("PK nothing")}, 0, "all.zip: zip: not a valid zip file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeTree(t, c.files)
			db, err := Open(dir)
			if err == nil {
				var ms []Match
				ms, err = db.Match(context.Background(), doc("pkg:npm/lodash@4.17.20", "pkg:npm/lodash@4.17.21"))
				if err == nil && len(ms) != c.want {
					t.Errorf("%d matches, want %d: %+v", len(ms), c.want, ms)
				}
				if err == nil && c.want > 0 && ms[0].Component.PURL != "pkg:npm/lodash@4.17.20" {
					t.Errorf("matched %s, want lodash@4.17.20 only", ms[0].Component.PURL)
				}
			}
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.wantErr != "" && err == nil:
				t.Fatalf("no error, want one with %q", c.wantErr)
			case c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr):
				t.Fatalf("error %q, want it to contain %q", err, c.wantErr)
			case c.wantErr != "" && !strings.Contains(err.Error(), dir):
				t.Fatalf("error %q does not name the path under %s", err, dir)
			}
		})
	}
}

// TestZipEntryOverLimit: an entry whose declared size is over the limit is
// refused without being read, naming the zip and the entry; the same
// record under the limit is read (the control).
func TestZipEntryOverLimit(t *testing.T) {
	rec := lodashRecord(t)
	big := append([]byte(strings.TrimSuffix(strings.TrimSpace(string(rec)), "}")+`,"details":"`), make([]byte, MaxEntrySize)...)
	for i := len(big) - MaxEntrySize; i < len(big); i++ {
		big[i] = 'a'
	}
	big = append(big, `"}`...)
	for _, c := range []struct {
		name    string
		data    []byte
		wantErr bool
	}{{"over the limit", big, true}, {"under it", rec, false}} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeTree(t, map[string][]byte{"npm/all.zip": zipOf(t, map[string][]byte{"GHSA-35jh-r3h4-6jhm.json": c.data})})
			db, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.Match(context.Background(), doc("pkg:npm/lodash@4.17.20"))
			if c.wantErr != (err != nil) {
				t.Fatalf("error %v, want one: %v", err, c.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), filepath.Join(dir, "npm", "all.zip")+":GHSA-35jh-r3h4-6jhm.json: entry is") {
				t.Fatalf("error %q does not name the zip and entry", err)
			}
		})
	}
}

// TestOpenNotADirectory: --db naming a file or nothing is an error naming it.
func TestOpenNotADirectory(t *testing.T) {
	for _, p := range []string{filepath.Join(goDB, "ORIGIN"), filepath.Join(t.TempDir(), "missing")} {
		if _, err := Open(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("Open(%s) = %v, want an error naming it", p, err)
		}
	}
	if _, err := Open(goDB); errors.Is(err, ErrLayout) {
		t.Errorf("the real database is refused: %v", err)
	}
}

// TestOpenSymlinkedEcosystem: an ecosystem folder linked into the
// database directory is read like one in it.
func TestOpenSymlinkedEcosystem(t *testing.T) {
	dir := t.TempDir()
	abs, err := filepath.Abs(filepath.Join(goDB, "npm"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(abs, filepath.Join(dir, "npm")); err != nil {
		t.Fatal(err)
	}
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := db.Match(context.Background(), doc("pkg:npm/lodash@4.17.20", "pkg:npm/lodash@4.17.21"))
	if err != nil || len(ms) != 1 {
		t.Fatalf("%d matches, %v; want lodash@4.17.20's one", len(ms), err)
	}
}
