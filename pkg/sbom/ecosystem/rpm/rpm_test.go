package rpm

import (
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// rootfs lays out a fixture as a root file system in a temporary
// directory: its gzipped databases decompressed, the rest copied.
func rootfs(t *testing.T, dir string) string {
	t.Helper()
	root := t.TempDir()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "truth.json" {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		dst := filepath.Join(root, strings.TrimSuffix(rel, ".gz"))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		var r io.Reader = src
		if strings.HasSuffix(p, ".gz") {
			if r, err = gzip.NewReader(src); err != nil {
				return err
			}
		}
		out, err := os.Create(dst)
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// read reads the database db of fixture dir.
func read(t *testing.T, dir, db string) *sbom.Fragment {
	t.Helper()
	frag, err := Database(context.Background(), os.DirFS(rootfs(t, filepath.Join("testdata", dir))), db)
	if err != nil {
		t.Fatal(err)
	}
	return frag
}

// TestGroundTruth compares real rpm databases (SQLite from CBL-Mariner
// 2.0, Berkeley DB from CentOS 5) with what rpm -qa lists from them
// (testdata/truth.sh): packages, the graph of Requires resolved through
// Provides and installed files, and the declared licences against rpm's
// License header (an SPDX one is the declared licence, any other is kept
// as text).
func TestGroundTruth(t *testing.T) {
	for _, tc := range []struct{ dir, db, purl string }{
		{"mariner2", "var/lib/rpm/rpmdb.sqlite", "pkg:rpm/mariner/bash@5.1.8-1.cm2?arch=x86_64&distro=mariner-2.0"},
		{"centos5", "var/lib/rpm/Packages", "pkg:rpm/rpm/tar@1.15.1-32.el5_8?arch=x86_64&epoch=2"},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			frag := read(t, tc.dir, tc.db)
			expected := []string{"is not an SPDX expression", "not on the SPDX licence list"}
			if tc.dir == "centos5" {
				expected = append(expected, "no etc/os-release")
			}
			truth := ecotest.Load(t, filepath.Join("testdata", tc.dir, "truth.json"))
			ecotest.Compare(t, frag, truth, true, expected...)
			ids := map[string]bool{}
			for i := range frag.Components {
				c := &frag.Components[i]
				ids[c.ID] = true
				want := truth.Licenses[c.Name+"@"+c.Version]
				text, _ := c.Property(ecosystem.PropLicenseText)
				if got := c.Licenses.Declared + text; got != want {
					t.Errorf("%s: licence %q, rpm says %q", c.ID, got, want)
				}
			}
			if !ids[tc.purl] {
				t.Errorf("no component %s", tc.purl)
			}
		})
	}
}

// TestNDB reads SUSE's NDB Packages.db (SLE 15 BCI). Debian's rpm cannot
// read NDB, so there is no independent list: the test checks the count
// go-rpmdb's own tests give (rpm -qa on the image, gpg-pubkey included)
// and a package known to be there.
func TestNDB(t *testing.T) {
	frag := read(t, "sle15", "var/lib/rpm/Packages.db")
	if len(frag.Components) < 30 {
		t.Fatalf("%d packages", len(frag.Components))
	}
	found := false
	for _, c := range frag.Components {
		found = found || strings.HasPrefix(c.PURL, "pkg:rpm/rpm/bash@")
	}
	if !found {
		t.Errorf("no bash in %d packages", len(frag.Components))
	}
}

// TestNotADatabase: a file with a database's name that is none is an
// error, not an empty list; the real database is the control.
func TestNotADatabase(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "var", "lib", "rpm", "rpmdb.sqlite")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte(strings.Repeat("not sqlite ", 100)), 0o644)
	if frag, err := Database(context.Background(), os.DirFS(root), "var/lib/rpm/rpmdb.sqlite"); err == nil {
		t.Errorf("read %d packages from a non-database", len(frag.Components))
	}
	if frag := read(t, "mariner2", "var/lib/rpm/rpmdb.sqlite"); len(frag.Components) == 0 {
		t.Error("control: no package")
	}
}

// TestNoWriteBeside: the scanned tree is left as it was (SQLite would
// create -wal/-shm files beside a database it opens).
func TestNoWriteBeside(t *testing.T) {
	root := rootfs(t, filepath.Join("testdata", "mariner2"))
	if _, err := Database(context.Background(), os.DirFS(root), "var/lib/rpm/rpmdb.sqlite"); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(root, "var", "lib", "rpm"))
	if len(entries) != 1 {
		t.Errorf("files beside the database: %v", entries)
	}
}
