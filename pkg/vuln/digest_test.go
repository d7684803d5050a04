package vuln

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDigest: the digest names the records a database holds: the same
// real records in another directory give the same digest (control); one
// more record, or one record changed, gives another.
func TestDigest(t *testing.T) {
	rec := goRecord(t, "GO-2024-2687")
	other := goRecord(t, "GO-2022-0956")
	write := func(files map[string][]byte) string {
		dir := t.TempDir()
		for name, data := range files {
			if err := os.MkdirAll(filepath.Join(dir, "Go"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "Go", name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		db, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := db.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	one := write(map[string][]byte{"GO-2024-2687.json": rec})
	if again := write(map[string][]byte{"GO-2024-2687.json": rec}); again != one {
		t.Errorf("control: the same records elsewhere: digest %s, want %s", again, one)
	}
	if two := write(map[string][]byte{"GO-2024-2687.json": rec, "GO-2022-0956.json": other}); two == one {
		t.Error("a record added: the digest is the same")
	}
	changed := append([]byte(nil), rec...)
	changed[len(changed)-2] = ' '
	if x := write(map[string][]byte{"GO-2024-2687.json": changed}); x == one {
		t.Error("a record changed: the digest is the same")
	}
}
