package atomicfile

import (
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

// TestDevicesAreWrittenInPlace: /dev/null is a stream, never a file to
// rename over (renaming a temporary over it, as root, turns the machine's
// /dev/null into a regular file). Only the decision is checked on the real
// device; the write itself is checked on a named pipe of the test's own.
func TestDevicesAreWrittenInPlace(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/null or named pipes on Windows")
	}
	dest, stream, err := checkDest(File{Path: os.DevNull})
	if err != nil || !stream || dest != os.DevNull {
		t.Fatalf("checkDest(%s) = %q, %v, %v; want a stream", os.DevNull, dest, stream, err)
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		r, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		defer r.Close()
		b, _ := io.ReadAll(r)
		got <- string(b)
	}()
	regular := filepath.Join(dir, "sbom.json")
	if err := WriteAll([]File{{Path: fifo, Data: []byte("to the pipe"), Perm: Public}, {Path: regular, Data: []byte("{}"), Perm: Public}}); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "to the pipe" {
		t.Errorf("the pipe's reader got %q", s)
	}
	fi, err := os.Lstat(fifo)
	if err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: %v, %v", fi.Mode(), err)
	}
	if b, err := os.ReadFile(regular); err != nil || string(b) != "{}" {
		t.Errorf("control: the regular file holds %q, %v", b, err)
	}
}

// TestSymlinkIsWrittenThrough: a destination that is a symbolic link keeps
// the link; the file it points to gets the content. Control: NoReplace
// refuses a link as it refuses a file.
func TestSymlinkIsWrittenThrough(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "real.json")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	ln := filepath.Join(dir, "out.json")
	if err := os.Symlink("real.json", ln); err != nil {
		t.Fatal(err)
	}
	if err := Write(ln, []byte("new"), Public); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(ln); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Errorf("target holds %q, want new", b)
	}
	if err := WriteAll([]File{{Path: ln, Data: []byte("x"), Perm: Private, NoReplace: true}}); err == nil {
		t.Error("NoReplace wrote through an existing link")
	}
}

// TestSocketIsRefused: a destination that is neither a file, a device nor
// a pipe is refused before anything is written.
func TestSocketIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix sockets in the file system on Windows")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skip(err)
	}
	defer l.Close()
	other := filepath.Join(dir, "other.json")
	if err := WriteAll([]File{{Path: other, Data: []byte("x"), Perm: Public}, {Path: sock, Data: []byte("x"), Perm: Public}}); err == nil {
		t.Fatal("wrote to a socket")
	}
	if _, err := os.Stat(other); err == nil {
		t.Error("a file was written although the write failed")
	}
}
