package archive

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	fixtureDir  string
	fixtureOnce sync.Once
	fixtureErr  error
	helloBin    string // a Go binary built with -X main.version=v1.2.3
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// hello returns the path of a small real Go binary, built once per run with
// the local toolchain, offline.
func hello(tb testing.TB) string {
	tb.Helper()
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "vouch-archive-")
		if fixtureErr != nil {
			return
		}
		mod := filepath.Join(fixtureDir, "hello")
		if fixtureErr = os.MkdirAll(mod, 0o755); fixtureErr != nil {
			return
		}
		for name, body := range map[string]string{
			"go.mod":  "module example.com/hello\n\ngo 1.22\n",
			"main.go": "package main\n\nvar version = \"dev\"\n\nfunc main() { println(\"hello\", version) }\n",
		} {
			if fixtureErr = os.WriteFile(filepath.Join(mod, name), []byte(body), 0o644); fixtureErr != nil {
				return
			}
		}
		helloBin = filepath.Join(fixtureDir, "hello-bin")
		cmd := exec.Command("go", "build", "-o", helloBin, "-ldflags", "-X main.version=v1.2.3", ".")
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "CGO_ENABLED=0", "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			fixtureErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if fixtureErr != nil {
		tb.Fatalf("build fixture: %v", fixtureErr)
	}
	return helloBin
}

// member is one entry of a test archive: a file copied from src, literal
// data, a directory or a symlink.
type member struct {
	name string
	src  string // a file to copy
	data string // or literal content
	dir  bool
	link string // symlink target
	hard string // hard link target (tar only)
}

func (m member) open() (io.ReadCloser, int64, error) {
	if m.src == "" {
		return io.NopCloser(strings.NewReader(m.data)), int64(len(m.data)), nil
	}
	f, err := os.Open(m.src)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

func writeTarGz(tb testing.TB, dst string, members []member) {
	tb.Helper()
	f, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for _, m := range members {
		hdr := &tar.Header{Name: m.name, Mode: 0o755, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		switch {
		case m.dir:
			hdr.Typeflag = tar.TypeDir
		case m.link != "":
			hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, m.link
		case m.hard != "":
			hdr.Typeflag, hdr.Linkname = tar.TypeLink, m.hard
		}
		var r io.ReadCloser
		if hdr.Typeflag == tar.TypeReg {
			r, hdr.Size, err = m.open()
			if err != nil {
				tb.Fatal(err)
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			tb.Fatal(err)
		}
		if r != nil {
			if _, err := io.Copy(tw, r); err != nil {
				tb.Fatal(err)
			}
			r.Close()
		}
	}
	for _, c := range []io.Closer{tw, gz, f} {
		if err := c.Close(); err != nil {
			tb.Fatal(err)
		}
	}
}

func writeZip(tb testing.TB, dst string, members []member) {
	tb.Helper()
	f, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, m := range members {
		fh := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		fh.SetMode(0o755)
		switch {
		case m.dir:
			fh.Name += "/"
			fh.SetMode(os.ModeDir | 0o755)
		case m.link != "":
			fh.SetMode(os.ModeSymlink | 0o777)
		}
		w, err := zw.CreateHeader(fh)
		if err != nil {
			tb.Fatal(err)
		}
		switch {
		case m.dir:
		case m.link != "":
			io.WriteString(w, m.link)
		default:
			r, _, err := m.open()
			if err != nil {
				tb.Fatal(err)
			}
			if _, err := io.Copy(w, r); err != nil {
				tb.Fatal(err)
			}
			r.Close()
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// zeros is an endless, free source of zero bytes for bombs.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
