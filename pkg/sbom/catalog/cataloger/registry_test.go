package cataloger

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
)

// named is a cataloger that only says its name.
type named string

func (n named) Name() string { return string(n) }
func (n named) Catalog(context.Context, Source) (*sbom.Fragment, error) {
	return &sbom.Fragment{}, nil
}

func reg(name string, globs []string, sniff func(string, []byte) bool, diskOnly bool) Registration {
	return Registration{Name: name, Globs: globs, Sniff: sniff, DiskOnly: diskOnly,
		New: func(Config) Cataloger { return named(name) }}
}

func magic(m string) func(string, []byte) bool {
	return func(_ string, head []byte) bool { return bytes.HasPrefix(head, []byte(m)) }
}

// testRegistry mirrors vouch's own: a name-only cataloger, a name+magic
// one (case-insensitive), a magic-only one.
func testRegistry() *Registry {
	g := &Registry{}
	g.Register(reg("magic-only", nil, magic("\x7fELF"), false))
	zip := reg("zip", []string{"*.zip"}, magic("PK"), true)
	zip.FoldCase = true
	g.Register(zip)
	g.Register(reg("lock", []string{"x.lock"}, nil, true))
	return g
}

func TestMatchOrderAndKinds(t *testing.T) {
	s := testRegistry().With(Config{})
	for _, tc := range []struct {
		name, head string
		inStream   bool
		want       string
	}{
		{"a/x.lock", "", false, "lock"},            // by name alone, whatever the content
		{"a/x.lock", "", true, ""},                 // DiskOnly: not inside an archive
		{"a/X.LOCK", "", false, ""},                // globs are case-sensitive unless FoldCase
		{"dist/A.ZIP", "PK\x03\x04", false, "zip"}, // FoldCase
		{"dist/a.zip", "MZ", false, ""},            // name without its magic: no match
		{"dist/a.zip", "\x7fELF", false, "magic-only"},
		{"bin/tool", "\x7fELF", true, "magic-only"},
		{"bin/tool", "#!/bin/sh", false, ""},
	} {
		got := ""
		if r := s.Match(tc.name, []byte(tc.head), tc.inStream); r != nil {
			got = r.Name
		}
		if got != tc.want {
			t.Errorf("Match(%q, %q, inStream=%v) = %q, want %q", tc.name, tc.head, tc.inStream, got, tc.want)
		}
	}
	if r := s.MatchName("dir/x.lock"); r == nil || r.Name != "lock" {
		t.Errorf("MatchName(x.lock) = %v, want lock", r)
	}
	if r := s.MatchName("a.zip"); r != nil {
		t.Errorf("MatchName(a.zip) = %q: a registration that sniffs is never matched by name alone", r.Name)
	}
	var order []string
	for _, r := range testRegistry().Registrations() {
		order = append(order, r.Name)
	}
	if got := strings.Join(order, ","); got != "lock,zip,magic-only" {
		t.Errorf("order %s, want named registrations first, then by name", got)
	}
}

func TestRegisterRefusesBrokenRegistrations(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Registration
	}{
		{"no name", reg("", []string{"x"}, nil, false)},
		{"no constructor", Registration{Name: "n", Globs: []string{"x"}}},
		{"matches nothing", reg("n", nil, nil, false)},
		{"bad glob", reg("n", []string{"["}, nil, false)},
		{"taken name", reg("lock", []string{"y"}, nil, false)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := testRegistry()
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			g.Register(tc.r)
		})
	}
	// The control: a sound registration is taken, in a clone only.
	g := testRegistry()
	c := g.Clone()
	c.Register(reg("new", []string{"n.txt"}, nil, false))
	if len(c.Registrations()) != 4 || len(g.Registrations()) != 3 {
		t.Errorf("clone has %d, original %d registrations", len(c.Registrations()), len(g.Registrations()))
	}
}

// streamFile is a File that is not on disk, like an archive entry.
type streamFile struct {
	data   string
	opened bool
	err    error // returned by Read after the data, if set
}

func (f *streamFile) Path() string          { return "a.tar.gz!bin/x" }
func (f *streamFile) Size() int64           { return int64(len(f.data)) }
func (f *streamFile) Host() string          { return "a.tar.gz" }
func (f *streamFile) Local() (string, bool) { return "", false }
func (f *streamFile) Open() (io.ReadCloser, error) {
	if f.opened {
		return nil, errors.New("opened twice")
	}
	f.opened = true
	var r io.Reader = strings.NewReader(f.data)
	if f.err != nil {
		r = io.MultiReader(r, errReader{f.err})
	}
	return io.NopCloser(r), nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestLocalCopiesStreamsOnce(t *testing.T) {
	dir := t.TempDir()
	f := &streamFile{data: strings.Repeat("vouch", 1000)}
	p, d, remove, err := Local(context.Background(), f, dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil || string(got) != f.data {
		t.Fatalf("copy holds %d bytes (%v), want the file's %d", len(got), err, len(f.data))
	}
	want, _ := digest.Reader(strings.NewReader(f.data))
	if d == nil || *d != want {
		t.Errorf("digests %+v, want %+v", d, want)
	}
	remove()
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("copy left behind: %v", left)
	}

	// A read failure is the source's, passed through, and leaves nothing.
	errCorrupt := errors.New("corrupt stream")
	bad := &streamFile{data: "x", err: errCorrupt}
	_, _, remove, err = Local(context.Background(), bad, dir)
	remove()
	if !errors.Is(err, errCorrupt) {
		t.Errorf("read failure: %v, want the source's error", err)
	}
	var se *SpoolError
	if errors.As(err, &se) {
		t.Errorf("a read failure is reported as a spool failure: %v", err)
	}
	// A temporary directory that cannot be written is a SpoolError.
	_, _, _, err = Local(context.Background(), &streamFile{data: "x"}, filepath.Join(dir, "missing"))
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "a.tar.gz!bin/x") {
		t.Errorf("unwritable temp dir: %v, want a SpoolError naming the entry", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("copies left behind: %v", left)
	}
}

// diskFile is a File on disk: Local returns it as it is.
type diskFile struct{ streamFile }

func (f *diskFile) Local() (string, bool) { return "/on/disk", true }

func TestLocalKeepsFilesOnDisk(t *testing.T) {
	f := &diskFile{}
	p, d, remove, err := Local(context.Background(), f, t.TempDir())
	remove()
	if err != nil || p != "/on/disk" || d != nil || f.opened {
		t.Errorf("Local = %q, %v, %v (opened %v): want the file's own path, unread", p, d, err, f.opened)
	}
}

func TestOnly(t *testing.T) {
	f := &streamFile{}
	if got, err := Only(context.Background(), One(f)); err != nil || got != File(f) {
		t.Errorf("Only(One(f)) = %v, %v", got, err)
	}
	two := walkFunc(func(_ context.Context, fn func(File) error) error {
		fn(f)
		return fn(f)
	})
	if _, err := Only(context.Background(), two); !errors.Is(err, errNotOne) {
		t.Errorf("two files: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Only(ctx, One(f)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

type walkFunc func(context.Context, func(File) error) error

func (w walkFunc) Walk(ctx context.Context, fn func(File) error) error { return w(ctx, fn) }
