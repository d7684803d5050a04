package attest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom/digest"
)

// writeFiles makes files of the given sizes (deterministic content) in dir.
func writeFiles(t testing.TB, dir string, sizes map[string]int) []string {
	t.Helper()
	var paths []string
	for name, size := range sizes {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(i*7 + len(name))
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func TestSubjectsFromFiles(t *testing.T) {
	dir := t.TempDir()
	// Sizes around the digest package's 1 MiB chunk: small, exact, multi-chunk, empty.
	paths := writeFiles(t, dir, map[string]int{
		"zeta.tar.gz": 3<<20 + 17, "alpha": 1 << 20, "mid.zip": 1000, "empty": 0, "sub/beta.bin": 5,
	})
	// Name one file twice: it counts once.
	paths = append(paths, filepath.Join(dir, ".", "alpha"))
	got, err := SubjectsFromFiles(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		names = append(names, s.GetName())
	}
	if want := "alpha beta.bin empty mid.zip zeta.tar.gz"; strings.Join(names, " ") != want {
		t.Fatalf("names = %v, want %s (sorted base names)", names, want)
	}
	for _, s := range got {
		p := filepath.Join(dir, s.GetName())
		if s.GetName() == "beta.bin" {
			p = filepath.Join(dir, "sub", "beta.bin")
		}
		d, err := digest.File(p)
		if err != nil {
			t.Fatal(err)
		}
		if s.GetDigest()["sha256"] != d.SHA256 || s.GetDigest()["sha512"] != d.SHA512 || len(s.GetDigest()) != 2 {
			t.Errorf("%s: digests %v, want sha256 %s sha512 %s", s.GetName(), s.GetDigest(), d.SHA256, d.SHA512)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.GetName(), err)
		}
	}
	// The subjects make a valid statement.
	if _, err := NewStatement(got, PredicateSLSAProvenanceV1, map[string]any{"k": "v"}); err != nil {
		t.Error(err)
	}
}

func TestSubjectsFromFilesErrors(t *testing.T) {
	dir := t.TempDir()
	paths := writeFiles(t, dir, map[string]int{"a/app": 10, "b/app": 10, "ok": 10})
	ctx := context.Background()

	if _, err := SubjectsFromFiles(ctx, nil); err == nil {
		t.Error("no paths: no error")
	}
	_, err := SubjectsFromFiles(ctx, []string{filepath.Join(dir, "a", "app"), filepath.Join(dir, "b", "app")})
	if err == nil || !strings.Contains(err.Error(), `two artifacts named "app"`) {
		t.Errorf("base-name clash: %v", err)
	}
	missing := filepath.Join(dir, "missing")
	_, err = SubjectsFromFiles(ctx, []string{filepath.Join(dir, "ok"), missing})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v, want not-exist naming %s", err, missing)
	}
	_, err = SubjectsFromFiles(ctx, []string{filepath.Join(dir, "a")})
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := SubjectsFromFiles(cctx, paths[2:]); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// Many files with one failure in the middle: the failure is reported,
	// not the cancellations it caused.
	var many []string
	for i := range 40 {
		many = append(many, writeFiles(t, dir, map[string]int{fmt.Sprintf("f%02d", i): 1 << 16})...)
	}
	many[20] = missing
	if _, err := SubjectsFromFiles(ctx, many); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("one missing among many: %v", err)
	}
}

// BenchmarkSubjects digests four 16 MiB files, in parallel.
func BenchmarkSubjects(b *testing.B) {
	dir := b.TempDir()
	sizes := map[string]int{}
	for i := range 4 {
		sizes[fmt.Sprintf("artifact-%d", i)] = 16 << 20
	}
	paths := writeFiles(b, dir, sizes)
	b.SetBytes(4 * 16 << 20)
	b.ResetTimer()
	for b.Loop() {
		if _, err := SubjectsFromFiles(context.Background(), paths); err != nil {
			b.Fatal(err)
		}
	}
}
