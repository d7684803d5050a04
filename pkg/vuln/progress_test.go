package vuln

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestProgress: with SetProgress, every read of the real database reports
// bytes that only grow, against a total that is the size of the files it
// reads, and ends at that total; the matches are the same as without.
func TestProgress(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		read func(db *DB) (int, error)
		eco  string
	}{
		{"Match, the Go all.zip", func(db *DB) (int, error) {
			ms, err := db.Match(ctx, doc("pkg:golang/gopkg.in/yaml.v2@v2.2.2"))
			return len(ms), err
		}, "Go"},
		{"Match, npm's OSV JSON files", func(db *DB) (int, error) {
			ms, err := db.Match(ctx, doc("pkg:npm/lodash@4.17.11"))
			return len(ms), err
		}, "npm"},
		{"GoRecords", func(db *DB) (int, error) {
			n := 0
			for _, err := range db.GoRecords(ctx) {
				if err != nil {
					return n, err
				}
				n++
			}
			return n, nil
		}, "Go"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			quiet, err := Open(goDB)
			if err != nil {
				t.Fatal(err)
			}
			want, err := tc.read(quiet)
			if err != nil || want == 0 {
				t.Fatalf("without progress: %d, %v; want some", want, err)
			}
			db, err := Open(goDB)
			if err != nil {
				t.Fatal(err)
			}
			var calls, last, total int64
			db.SetProgress(func(done, tot int64) {
				if done < last || (total != 0 && tot != total) || done > tot {
					t.Errorf("call %d: %d of %d after %d of %d", calls, done, tot, last, total)
				}
				calls, last, total = calls+1, done, tot
			})
			got, err := tc.read(db)
			if err != nil || got != want {
				t.Fatalf("with progress: %d, %v; want %d", got, err, want)
			}
			if size := dirSize(t, filepath.Join(goDB, tc.eco)); calls < 2 || last != size || total != size {
				t.Errorf("%d calls, last %d of %d; want several, ending at the files' %d bytes", calls, last, total, size)
			}
		})
	}
}

// dirSize is the size of the files in dir.
func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		n += fi.Size()
	}
	return n
}
