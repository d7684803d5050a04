package engine

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"strings"
	"testing"
)

// tgzOf is a release archive of the regular files given, in order.
func tgzOf(t *testing.T, files ...[2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestReview3UnreadFilesFailTheMatch: an artifact holding a file of a kind
// the catalog reads, which it could not read (a corrupt lockfile, a .jar
// that is no zip), cannot be re-derived: sbom.matchArtifact must not pass
// on the rest, because the SBOM may omit exactly what that file ships.
// The control, the same archive with the real lockfile, derives.
func TestReview3UnreadFilesFailTheMatch(t *testing.T) {
	lock, err := os.ReadFile("testdata/match/package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		files   [][2]string
		wantErr string // "" derives
	}{
		{"control: real lockfile", [][2]string{{"web/package-lock.json", string(lock)}}, ""},
		{"corrupt lockfile", [][2]string{{"web/package-lock.json", "{garbage"}}, "app.tar.gz!web/package-lock.json: npm package-lock.json not catalogued"},
		{"corrupt lockfile beside a real one", [][2]string{{"web/package-lock.json", string(lock)}, {"api/Cargo.lock", "[[package]]\nname="}}, "app.tar.gz!api/Cargo.lock: Cargo.lock not catalogued"},
		{"a jar that is no zip", [][2]string{{"web/package-lock.json", string(lock)}, {"lib/app.jar", "not a zip"}}, "app.tar.gz!lib/app.jar: Java archive not catalogued"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Spool(bytes.NewReader(tgzOf(t, tc.files...)), "app.tar.gz", t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			d, err := c.deriveFunc()(context.Background())
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("derive: %v", err)
			case tc.wantErr == "" && len(d.Document.Components) < 2:
				t.Fatalf("derived %d components, want the lockfile's", len(d.Document.Components))
			case tc.wantErr != "" && err == nil:
				t.Fatalf("derived %d components with warnings %q, want an error naming %q", len(d.Document.Components), d.Warnings, tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("error %q, want it to name %q", err, tc.wantErr)
			}
		})
	}
}
