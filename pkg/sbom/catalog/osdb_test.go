package catalog

import (
	"bytes"
	"compress/gzip"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// gunzipFixture reads a gzipped fixture of an ecosystem package.
func gunzipFixture(t *testing.T, src string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(readFixture(t, src)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, zr); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestRPMAndDistrolessInATree: a CBL-Mariner root file system (rpmdb.sqlite)
// and a distroless one (status.d) give their packages with their
// distributions, on disk and the rpm database inside a release archive.
// Controls: an rpmdb.sqlite outside rpm's directories and a file in
// status.d that is no control paragraph add nothing.
func TestRPMAndDistrolessInATree(t *testing.T) {
	const statusD = "../ecosystem/debian/testdata/distroless12/var/lib/dpkg/status.d/"
	rpmdb := gunzipFixture(t, "../ecosystem/rpm/testdata/mariner2/var/lib/rpm/rpmdb.sqlite.gz")
	files := map[string]string{
		"mariner/var/lib/rpm/rpmdb.sqlite":               rpmdb,
		"mariner/etc/os-release":                         readFixture(t, "../ecosystem/rpm/testdata/mariner2/etc/os-release"),
		"distroless/etc/os-release":                      readFixture(t, "../ecosystem/debian/testdata/distroless12/etc/os-release"),
		"distroless/var/lib/dpkg/status.d/libc6":         readFixture(t, statusD+"libc6"),
		"distroless/var/lib/dpkg/status.d/libc6.md5sums": readFixture(t, statusD+"libc6.md5sums"),
		"distroless/var/lib/dpkg/status.d/libgcc-s1":     readFixture(t, statusD+"libgcc-s1"),
		"distroless/var/lib/dpkg/status.d/gcc-12-base":   readFixture(t, statusD+"gcc-12-base"),
		"distroless/var/lib/dpkg/status.d/README":        strings.Repeat("not a control paragraph ", 5),
		"backup/rpmdb.sqlite":                            rpmdb,
	}
	root := t.TempDir()
	for name, data := range files {
		write(t, filepath.Join(root, "rootfs", name), data)
	}
	res := run(t, []string{root}, Options{})
	if got := countPURLs(res, "pkg:rpm/mariner/"); got != 129 {
		t.Errorf("%d mariner rpms, want 129", got)
	}
	if got := countPURLs(res, "pkg:deb/debian/"); got != 3 {
		t.Errorf("%d distroless debs, want 3", got)
	}
	for _, c := range res.Document.Components {
		if strings.HasPrefix(c.PURL, "pkg:rpm/") && !strings.Contains(c.PURL, "distro=mariner-2.0") {
			t.Errorf("rpm without its distribution: %s", c.PURL)
		}
	}
	for _, w := range res.Warnings {
		if strings.Contains(w.String(), "not installed") {
			t.Errorf("status.d read file by file: %s", w)
		}
	}

	// Named directly, the database is read in its root file system.
	named := run(t, []string{filepath.Join(root, "rootfs", "mariner", "var", "lib", "rpm", "rpmdb.sqlite")}, Options{})
	if got := countPURLs(named, "pkg:rpm/mariner/"); got != 129 {
		t.Errorf("named directly: %d mariner rpms, want 129", got)
	}

	arch := t.TempDir()
	layer := map[string]string{"var/lib/rpm/rpmdb.sqlite": rpmdb}
	for name, data := range files {
		if rest, ok := strings.CutPrefix(name, "distroless/"); ok {
			layer[rest] = data
		}
	}
	writeTarGzFiles(t, filepath.Join(arch, "image.tar.gz"), layer)
	ares := run(t, []string{arch}, Options{})
	if got := countPURLs(ares, "pkg:rpm/"); got != 129 {
		t.Errorf("in an archive: %d rpms, want 129", got)
	}
	if got := countPURLs(ares, "pkg:deb/"); got != 3 {
		t.Errorf("in an archive: %d status.d debs, want 3", got)
	}
	for _, w := range ares.Warnings {
		if strings.Contains(w.String(), "not installed") {
			t.Errorf("a status.d entry read on its own claims a missing package: %s", w)
		}
	}
}
