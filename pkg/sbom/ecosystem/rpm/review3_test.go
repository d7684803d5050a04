package rpm

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/erikvarga/go-rpmdb/pkg/bdb"
)

// captureStdout runs f with os.Stdout redirected, and returns what f
// printed there: a library printing to standard output corrupts an SBOM
// written to it (-o cyclonedx-json=-).
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	defer func() { os.Stdout = saved }()
	f()
	os.Stdout = saved
	w.Close()
	return <-done
}

// ndbFirstBlob is the offset of the first used slot's blob header in an
// NDB database.
func ndbFirstBlob(t *testing.T, db []byte) (slot, blob int) {
	t.Helper()
	pages := int(binary.LittleEndian.Uint32(db[12:]))
	for i := range pages*256 - 2 {
		off := 32 + 16*i
		if binary.LittleEndian.Uint32(db[off+4:]) != 0 {
			return off, int(binary.LittleEndian.Uint32(db[off+8:])) * 16
		}
	}
	t.Fatal("no used slot")
	return 0, 0
}

// corruptSQLite rewrites the first package's header blob of a copy of
// the mariner2 SQLite database.
func corruptSQLite(t *testing.T, root string, blob []byte) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(root, "var/lib/rpm/rpmdb.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("UPDATE Packages SET blob = ? WHERE hnum = (SELECT min(hnum) FROM Packages)", blob); err != nil {
		t.Fatal(err)
	}
}

// TestReview3RPMDatabaseBounds: a crafted rpm database makes vouch neither
// print to standard output (go-rpmdb's NDB reader prints "bad slot magic")
// nor allocate what its length fields claim (an NDB blob length, a header
// blob's index count: 2³¹ entries of 16 bytes are a fatal out-of-memory,
// not an error): each is an error naming the database. The real
// databases are the controls, read without a byte on standard output.
func TestReview3RPMDatabaseBounds(t *testing.T) {
	for _, tc := range []struct {
		name, dir, db string
		corrupt       func(t *testing.T, root, db string)
		wantErr       string // "" reads
	}{
		{"control: NDB", "sle15", "var/lib/rpm/Packages.db", nil, ""},
		{"control: SQLite", "mariner2", "var/lib/rpm/rpmdb.sqlite", nil, ""},
		{"control: Berkeley DB", "centos5", "var/lib/rpm/Packages", nil, ""},
		{"NDB slot with a bad magic", "sle15", "var/lib/rpm/Packages.db", func(t *testing.T, root, db string) {
			editFile(t, filepath.Join(root, db), func(b []byte) {
				slot, _ := ndbFirstBlob(t, b)
				copy(b[slot:], "XXXX")
			})
		}, "slot"},
		{"NDB blob longer than the file", "sle15", "var/lib/rpm/Packages.db", func(t *testing.T, root, db string) {
			editFile(t, filepath.Join(root, db), func(b []byte) {
				_, blob := ndbFirstBlob(t, b)
				binary.LittleEndian.PutUint32(b[blob+12:], 0xfffffff0)
			})
		}, "blob"},
		{"NDB header blob claiming 2^31 index entries", "sle15", "var/lib/rpm/Packages.db", func(t *testing.T, root, db string) {
			editFile(t, filepath.Join(root, db), func(b []byte) {
				_, blob := ndbFirstBlob(t, b)
				binary.BigEndian.PutUint32(b[blob+16:], 0x7fffffff)
			})
		}, "index entries"},
		{"Berkeley DB overflow chain looping on itself", "centos5", "var/lib/rpm/Packages", func(t *testing.T, root, db string) {
			editFile(t, filepath.Join(root, db), func(b []byte) {
				_, _, first := bdbFirstValue(t, b)
				binary.LittleEndian.PutUint32(b[first+16:], uint32(first/bdbPageSize(b)))
			})
		}, "loop"},
		{"Berkeley DB overflow chain reaching a hash page", "centos5", "var/lib/rpm/Packages", func(t *testing.T, root, db string) {
			editFile(t, filepath.Join(root, db), func(b []byte) {
				page, at, _ := bdbFirstValue(t, b)
				binary.LittleEndian.PutUint32(b[page+at+4:], uint32(page/bdbPageSize(b)))
			})
		}, "not overflow"},
		{"Berkeley DB value offset past its page", "centos5", "var/lib/rpm/Packages", func(t *testing.T, root, db string) {
			editFile(t, filepath.Join(root, db), func(b []byte) {
				page, _, _ := bdbFirstValue(t, b)
				binary.LittleEndian.PutUint16(b[page+bdb.PageHeaderSize+2:], 0xfff0)
			})
		}, "past the page"},
		{"Berkeley DB header blob claiming 2^31 index entries", "centos5", "var/lib/rpm/Packages", func(t *testing.T, root, db string) {
			editFile(t, filepath.Join(root, db), func(b []byte) {
				_, _, first := bdbFirstValue(t, b)
				binary.BigEndian.PutUint32(b[first+bdb.PageHeaderSize:], 0x7fffffff)
			})
		}, "index entries"},
		{"SQLite header string array of 2^32-1 strings", "mariner2", "var/lib/rpm/rpmdb.sqlite", func(t *testing.T, root, db string) {
			corruptSQLite(t, root, manyStrings(t, firstSQLiteBlob(t, root)))
		}, "header entry"},
		{"SQLite header blob claiming 2^31 index entries", "mariner2", "var/lib/rpm/rpmdb.sqlite", func(t *testing.T, root, db string) {
			corruptSQLite(t, root, []byte{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 16, 1, 2, 3, 4})
		}, "index entries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := rootfs(t, filepath.Join("testdata", tc.dir))
			if tc.corrupt != nil {
				tc.corrupt(t, root, tc.db)
			}
			start := time.Now()
			defer func() {
				if took := time.Since(start); took > 10*time.Second {
					t.Errorf("took %v", took)
				}
			}()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			var n int
			var err error
			out := captureStdout(t, func() {
				frag, e := Database(context.Background(), os.DirFS(root), tc.db)
				if err = e; frag != nil {
					n = len(frag.Components)
				}
			})
			runtime.ReadMemStats(&after)
			if out != "" {
				t.Errorf("printed to standard output: %q", out)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<30 {
				t.Errorf("allocated %d MB reading a database of a few MB", grew>>20)
			}
			switch {
			case tc.wantErr == "" && (err != nil || n == 0):
				t.Fatalf("read %d packages, error %v", n, err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("read %d packages from a corrupt database, want an error", n)
			case tc.wantErr != "" && (!strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), tc.db)):
				t.Fatalf("error %q, want it to name %s and say %q", err, tc.db, tc.wantErr)
			}
		})
	}
}

// editFile rewrites a file through edit.
func editFile(t *testing.T, p string, edit func([]byte)) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Clone(b)
	edit(b)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// FuzzCheckNDB: the NDB check never panics, and what it accepts go-rpmdb
// reads without printing.
func FuzzCheckNDB(f *testing.F) {
	gz, err := os.Open(filepath.Join("testdata", "sle15", "var/lib/rpm/Packages.db.gz"))
	if err != nil {
		f.Fatal(err)
	}
	defer gz.Close()
	zr, err := gzip.NewReader(gz)
	if err != nil {
		f.Fatal(err)
	}
	real, err := io.ReadAll(zr)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real)
	f.Add(real[:8192])
	f.Add([]byte("RpmP\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if checkNDB(data) != nil {
			return
		}
		p := filepath.Join(t.TempDir(), "Packages.db")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if out := captureStdout(t, func() { readRelations(context.Background(), p) }); out != "" {
			t.Fatalf("printed %q", out)
		}
	})
}

// bdbPageSize is the page size of a little-endian Berkeley DB.
func bdbPageSize(db []byte) int { return int(binary.LittleEndian.Uint32(db[20:])) }

// bdbFirstValue finds, in a little-endian Berkeley DB, the first hash
// page holding an off-page value: the page's offset, the value's offset
// in it, and the offset of its first overflow page.
func bdbFirstValue(t *testing.T, db []byte) (page, at, first int) {
	t.Helper()
	ps := bdbPageSize(db)
	for off := ps; off+ps <= len(db); off += ps {
		p := db[off : off+ps]
		h, err := bdb.ParseHashPage(p, false)
		if err != nil || (h.PageType != bdb.HashPageType && h.PageType != bdb.HashUnsortedPageType) {
			continue
		}
		idx, err := bdb.HashPageValueIndexes(p, h.NumEntries, false)
		if err != nil {
			continue
		}
		for _, v := range idx {
			if p[v] == bdb.HashOffIndexPageType {
				return off, int(v), int(binary.LittleEndian.Uint32(p[v+4:])) * ps
			}
		}
	}
	t.Fatal("no off-page value")
	return 0, 0, 0
}

// firstSQLiteBlob is the header blob of the first package of the mariner2
// SQLite database under root.
func firstSQLiteBlob(t *testing.T, root string) []byte {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(root, "var/lib/rpm/rpmdb.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var blob []byte
	if err := db.QueryRow("SELECT blob FROM Packages ORDER BY hnum LIMIT 1").Scan(&blob); err != nil {
		t.Fatal(err)
	}
	return blob
}

// manyStrings sets the count of a header blob's first string array entry
// to 2³²-1.
func manyStrings(t *testing.T, blob []byte) []byte {
	t.Helper()
	il := int(binary.BigEndian.Uint32(blob))
	for i := range il {
		e := blob[8+16*i:]
		if binary.BigEndian.Uint32(e[4:]) == rpmStringArray {
			binary.BigEndian.PutUint32(e[12:], 0xffffffff)
			return blob
		}
	}
	t.Fatal("no string array entry")
	return nil
}

// FuzzCheckHeaderEntries: the header check never panics on any blob.
func FuzzCheckHeaderEntries(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 63, 0, 0, 0, 8, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 'a', 0, 'b', 0})
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		checkHeaderEntries(b)
	})
}
