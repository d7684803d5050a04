package debian

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// TestDEP5License: DEP-5 short names map to SPDX only where the licence is
// exactly one; everything else is no expression (the text is kept).
func TestDEP5License(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"GPL-2+", "GPL-2.0-or-later"},
		{"GPL-2", "GPL-2.0-only"},
		{"gpl-2.0+", "GPL-2.0-or-later"},
		{"LGPL-2.1+", "LGPL-2.1-or-later"},
		{"Expat", "MIT"},
		{"BSD-3-clause", "BSD-3-Clause"},
		{"GPL-1+ or Artistic-2.0", "GPL-1.0-or-later OR Artistic-2.0"},
		{"BSD-2-clause and Expat and Zlib", "BSD-2-Clause AND MIT AND Zlib"},
		// Kept as text: ambiguous names, exceptions, precedence by comma,
		// mixed operators, local names.
		{"MIT", ""},
		{"Artistic", ""},
		{"GFDL-NIV-1.3", ""},
		{"GPL-2+ with OpenSSL exception", ""},
		{"GPL-2+ or Artistic-2.0, and BSD-3-clause", ""},
		{"GPL-2+ and ISC or Zlib", ""},
		{"public-domain", ""},
		{"GPL-2+ or", ""},
		{"", ""},
	} {
		got, ok := dep5License(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("dep5License(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

// TestCopyrightFixture: real copyright files of Debian 12 packages (see
// testdata/ORIGIN): exact DEP-5 licences are declared, joined with AND;
// others keep their names as text and declare nothing; a free-form file
// gives nothing; a doc directory linked to another package's is read.
func TestCopyrightFixture(t *testing.T) {
	frag, err := Status(context.Background(), os.DirFS("testdata/debian12"), "var/lib/dpkg/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, declared, text string }{
		{"zlib1g", "Zlib", ""},
		{"hostname", "GPL-2.0-only", ""},
		{"libcap2", "(BSD-3-Clause OR GPL-2.0-only) AND (BSD-3-Clause OR GPL-2.0-or-later)", ""},
		{"ca-certificates", "GPL-2.0-or-later AND MPL-2.0", ""},
		{"tar", "", "GPL-3+; GPL-3+ with Bison exception; LGPL-3+; GPL-2+"},
		{"libbrotli1", "", "MIT"},
		{"base-files", "", ""}, // free-form copyright
		{"libc6", "", ""},      // no copyright file in the fixture
	} {
		i := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.Name == tc.name })
		if i < 0 {
			t.Fatalf("%s: not listed", tc.name)
		}
		c := frag.Components[i]
		text, _ := c.Property(ecosystem.PropLicenseText)
		if c.Licenses.Declared != tc.declared || text != tc.text {
			t.Errorf("%s: declared %q, text %q; want %q, %q", tc.name, c.Licenses.Declared, text, tc.declared, tc.text)
		}
	}
	linked := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.Name == "libffi-dev" })
	target := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.Name == "libffi8" })
	a, _ := frag.Components[linked].Property(ecosystem.PropLicenseText)
	b, _ := frag.Components[target].Property(ecosystem.PropLicenseText)
	if a != b || frag.Components[linked].Licenses != frag.Components[target].Licenses || a+frag.Components[target].Licenses.Declared == "" {
		t.Errorf("libffi-dev (doc dir linked to libffi8's): %q %+v; libffi8: %q %+v", a, frag.Components[linked].Licenses, b, frag.Components[target].Licenses)
	}
}

const dep5Zlib = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: someone\nLicense: Zlib\n This software is provided 'as-is'.\n"

// TestCopyrightUnreadable: a copyright file that is a FIFO, too big or
// not machine-readable gives no licence (and a FIFO does not block);
// beside each, a regular DEP-5 file in the same place gives one.
func TestCopyrightUnreadable(t *testing.T) {
	st := "Package: p\nStatus: install ok installed\nArchitecture: all\nVersion: 1\n"
	read := func(t *testing.T, fsys fs.FS) string {
		t.Helper()
		frag, err := Status(context.Background(), fsys, "var/lib/dpkg/status")
		if err != nil || len(frag.Components) != 1 {
			t.Fatalf("%v %+v", err, frag)
		}
		return frag.Components[0].Licenses.Declared
	}
	mapFS := func(copyright string, mode os.FileMode) fs.FS {
		return fstest.MapFS{
			"var/lib/dpkg/status":       {Data: []byte(st)},
			"usr/share/doc/p/copyright": {Data: []byte(copyright), Mode: mode},
		}
	}
	if got := read(t, mapFS(dep5Zlib, 0o644)); got != "Zlib" {
		t.Fatalf("control: %q", got)
	}
	if got := read(t, mapFS(strings.Replace(dep5Zlib, "copyright-format", "free text", 1), 0o644)); got != "" {
		t.Errorf("not DEP-5: %q", got)
	}
	if got := read(t, mapFS(dep5Zlib+strings.Repeat(" x\n", MaxCopyrightSize/3+1), 0o644)); got != "" {
		t.Errorf("over MaxCopyrightSize: %q", got)
	}
	if got := read(t, mapFS(dep5Zlib, 0o644|os.ModeNamedPipe)); got != "" {
		t.Errorf("a FIFO (in a map): %q", got)
	}
	// A real FIFO on disk: reading it would block forever.
	dir := t.TempDir()
	for p, data := range map[string]string{"var/lib/dpkg/status": st} {
		writeFile(t, filepath.Join(dir, p), data)
	}
	fifo := filepath.Join(dir, "usr/share/doc/p/copyright")
	if err := os.MkdirAll(filepath.Dir(fifo), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan string)
	go func() { done <- read(t, os.DirFS(dir)) }()
	select {
	case got := <-done:
		if got != "" {
			t.Errorf("a FIFO on disk: %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading a FIFO as a copyright file blocked")
	}
}

func writeFile(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// FuzzCopyright: any copyright file either gives nothing, a declared
// licence that is a valid SPDX expression, or text; never both.
func FuzzCopyright(f *testing.F) {
	for _, p := range []string{"zlib1g", "bash", "libcap2", "base-files"} {
		data, err := os.ReadFile(filepath.Join("testdata/debian12/usr/share/doc", p, "copyright"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(dep5Zlib))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"usr/share/doc/p/copyright": {Data: data}}
		var c sbom.Component
		copyrightLicense(fsys, "p", &c)
		text, hasText := c.Property(ecosystem.PropLicenseText)
		if c.Licenses.Declared != "" && (hasText || !validExpr(c.Licenses.Declared)) {
			t.Fatalf("declared %q, text %q", c.Licenses.Declared, text)
		}
	})
}
