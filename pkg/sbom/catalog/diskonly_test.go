package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// TestDiskOnlyKindsInArchive: a file that only a reader of directories on
// disk can catalogue (Yarn's node_modules tree, a go.mod) inside a
// release archive is named as not read and the SBOM is incomplete; it is
// not dropped from a list marked complete. Control: a lockfile in the same
// archive, and npm's hidden lockfile of its node_modules, are read and the
// SBOM is complete.
func TestDiskOnlyKindsInArchive(t *testing.T) {
	lock, err := os.ReadFile("../ecosystem/npm/testdata/v3-express/package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		files    map[string]string
		notRead  string
		complete bool
	}{
		{"lockfile", map[string]string{"app/package-lock.json": string(lock)}, "", true},
		{"npm node_modules", map[string]string{"app/package.json": `{"name":"app","version":"1.0.0"}`, "app/node_modules/.package-lock.json": string(lock)}, "", true},
		{"Yarn node_modules", map[string]string{"app/package.json": `{"name":"app","version":"1.0.0"}`, "app/node_modules/.yarn-integrity": "{}\n"}, "app/node_modules/.yarn-integrity", false},
		{"go.mod", map[string]string{"src/go.mod": "module example.com/x\n\ngo 1.22\n"}, "src/go.mod", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeTarGzFiles(t, filepath.Join(root, "dist", "app.tar.gz"), tc.files)
			res := run(t, []string{root}, Options{})
			if got := res.Document.Completeness == sbom.CompletenessComplete; got != tc.complete {
				t.Errorf("completeness %q", res.Document.Completeness)
			}
			found := false
			for _, f := range res.Files {
				if strings.HasSuffix(f.Path, "!"+tc.notRead) && f.NotRead != "" {
					found = true
				}
			}
			if tc.notRead != "" && !found {
				t.Errorf("%s is not named as not read: %+v", tc.notRead, res.Files)
			}
		})
	}
}
