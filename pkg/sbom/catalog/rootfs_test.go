package catalog

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRootfsConfined: a Debian root file system on disk gives its packages
// the licences of their machine-readable copyright files, read inside the
// root only: a copyright file that is a symlink leaving the root (to a
// DEP-5 file the scanning host has) gives nothing, while one linking
// inside the root is followed.
func TestRootfsConfined(t *testing.T) {
	const dep5 = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: someone\nLicense: Zlib\n"
	for _, tc := range []struct {
		name, link, want string
	}{
		{"inside", "../../../../srv/copyright", "Zlib"},
		{"outside", "", ""}, // set below: an absolute path out of the root
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			root := filepath.Join(dir, "rootfs")
			write(t, filepath.Join(root, "var/lib/dpkg/status"), "Package: p\nStatus: install ok installed\nArchitecture: all\nVersion: 1\n")
			write(t, filepath.Join(root, "etc/os-release"), "ID=debian\nVERSION_ID=\"12\"\n")
			write(t, filepath.Join(root, "srv/copyright"), dep5)
			write(t, filepath.Join(dir, "host-copyright"), dep5)
			link := tc.link
			if link == "" {
				link = filepath.Join(dir, "host-copyright")
			}
			if err := os.MkdirAll(filepath.Join(root, "usr/share/doc/p"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(link, filepath.Join(root, "usr/share/doc/p/copyright")); err != nil {
				t.Fatal(err)
			}
			doc := run(t, []string{root}, Options{}).Document
			var got string
			found := false
			for _, c := range doc.Components {
				if c.Name == "p" {
					got, found = c.Licenses.Declared, true
				}
			}
			if !found || got != tc.want {
				t.Errorf("package p: found %v, declared %q; want %q", found, got, tc.want)
			}
		})
	}
}
