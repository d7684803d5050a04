package schemas

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// TestCompileAll compiles every embedded schema offline.
func TestCompileAll(t *testing.T) {
	for _, s := range All() {
		if _, err := s.Compiled(); err != nil {
			t.Errorf("%s %s: %v", s.Family, s.Version, err)
		}
	}
}

// TestOriginListsEveryFile keeps ORIGIN honest: every embedded file is listed
// with the SHA-256 of its bytes.
func TestOriginListsEveryFile(t *testing.T) {
	origin, err := os.ReadFile("ORIGIN")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		if !strings.Contains(string(origin), hex.EncodeToString(sum[:])) {
			t.Errorf("ORIGIN has no sha256 of %s (%x)", p, sum)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 9 {
		t.Errorf("%d embedded files, want 9", n)
	}
}

func TestLookup(t *testing.T) {
	if s := Lookup("spdx-2", "2.2"); s == nil || s.Substitute != "2.3" {
		t.Errorf("Lookup(spdx-2, 2.2) = %+v, want the 2.3 schema as a substitute", s)
	}
	if s := Lookup("cyclonedx", "1.3"); s != nil {
		t.Errorf("Lookup(cyclonedx, 1.3) = %+v, want nil (not embedded)", s)
	}
}
