package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/gobin"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
)

func TestIsArchive(t *testing.T) {
	gz, zp := "\x1f\x8b\x08\x00", "PK\x03\x04\x14\x00"
	for _, tc := range []struct {
		name, head string
		want       bool
	}{
		{"x.tar.gz", gz, true},
		{"X.TGZ", gz, true},
		{"dist/x.zip", zp, true},
		{"x.tar.gz", zp, false}, // renamed zip
		{"x.zip", gz, false},
		{"x.gz", gz, false}, // a plain gzip is no release archive
		{"x.tar", "ustar", false},
		{"x.zip", "PK\x05\x06", false}, // empty zip: nothing inside
		{"x.tar.gz", "", false},
	} {
		if got := IsArchive(tc.name, []byte(tc.head)); got != tc.want {
			t.Errorf("IsArchive(%q, %q) = %v, want %v", tc.name, tc.head, got, tc.want)
		}
	}
}

// asDocument wraps a fragment so that sbom.Validate checks its references.
func asDocument(f *sbom.Fragment) *sbom.Document {
	return &sbom.Document{Primary: f.Primary, Components: f.Components, Dependencies: f.Dependencies}
}

func prop(c *sbom.Component, name string) string {
	v, _ := c.Property(name)
	return v
}

// spoolDir returns an empty directory for spooled entries; checkEmpty
// fails the test if anything was left in it.
func spoolDir(t *testing.T) string {
	d := filepath.Join(t.TempDir(), "spool")
	if err := os.Mkdir(d, 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

func checkEmpty(t *testing.T, dir string) {
	t.Helper()
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

type writer func(testing.TB, string, []member)

var formats = []struct {
	ext   string
	write writer
}{{".tar.gz", writeTarGz}, {".zip", writeZip}}

func TestCatalogArchives(t *testing.T) {
	bin := hello(t)
	script := "#!/bin/sh\necho hi\n"
	clean := []member{
		{name: "hello-1.2.3", dir: true},
		{name: "./hello-1.2.3/bin/hello", src: bin},
		{name: "hello-1.2.3/bin/hello-copy", src: bin},
		{name: "hello-1.2.3/bin/true", src: "/bin/true"},
		{name: "hello-1.2.3/bin/run.sh", data: script},
		{name: "hello-1.2.3/README.md", data: "# hello\n"},
		{name: "hello-1.2.3/bin/link", link: "hello"},
	}
	evil := append(clean[:len(clean):len(clean)],
		member{name: "../evil", src: bin},
		member{name: "/abs/evil", src: bin},
		member{name: `dir\..\..\evil`, src: bin},
	)
	binD, err := digest.File(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range formats {
		for _, tc := range []struct {
			name         string
			members      []member
			escapes      int
			completeness sbom.Completeness
		}{
			{"clean", clean, 0, sbom.CompletenessComplete},
			{"escaping", evil, 3, sbom.CompletenessIncomplete},
		} {
			t.Run(tc.name+f.ext, func(t *testing.T) {
				dir := t.TempDir()
				arch := filepath.Join(dir, "hello"+f.ext)
				f.write(t, arch, tc.members)
				spool := spoolDir(t)
				rel := "dist/hello" + f.ext
				frag, err := Catalog(context.Background(), arch, Options{RelPath: rel, TempDir: spool})
				if err != nil {
					t.Fatal(err)
				}
				checkEmpty(t, spool)
				doc := asDocument(frag)
				if err := doc.Validate(); err != nil {
					t.Fatal(err)
				}
				a := doc.Component("file:" + rel)
				ad, _ := digest.File(arch)
				if a == nil || frag.Primary != a.ID || a.Type != sbom.TypeArchive || a.Name != "hello"+f.ext || a.FileName != a.Name ||
					a.Size != ad.Size || a.Hash(sbom.SHA256) != ad.SHA256 || a.Hash(sbom.SHA512) != ad.SHA512 {
					t.Fatalf("archive component %+v, want digests %+v", a, ad)
				}
				if a.Version != "v1.2.3" || prop(a, sbom.PropVersionSource) != VersionFromContents {
					t.Errorf("archive version %q from %q, want v1.2.3 from the binaries", a.Version, prop(a, sbom.PropVersionSource))
				}
				wantBins := map[string]sbom.ComponentType{
					"hello-1.2.3/bin/hello":      sbom.TypeApplication,
					"hello-1.2.3/bin/hello-copy": sbom.TypeApplication,
					"hello-1.2.3/bin/true":       sbom.TypeFile,
				}
				top := frag.Dependencies[0]
				if top.Ref != a.ID || top.Completeness != tc.completeness || len(top.DependsOn) != len(wantBins) {
					t.Errorf("archive dependency %+v, want %d binaries, completeness %q", top, len(wantBins), tc.completeness)
				}
				for entry, typ := range wantBins {
					c := doc.Component("file:" + rel + "!" + entry)
					if c == nil {
						t.Errorf("no component for %s", entry)
						continue
					}
					if c.Type != typ || prop(c, sbom.PropSourcePath) != rel+"!"+entry || c.FileName != filepath.Base(entry) {
						t.Errorf("%s: %+v", entry, c)
					}
					if typ == sbom.TypeApplication && (c.Hash(sbom.SHA512) != binD.SHA512 || c.Size != binD.Size ||
						c.Version != "v1.2.3" || c.Name != "example.com/hello") {
						t.Errorf("%s: hashes %v size %d version %q name %q", entry, c.Hashes, c.Size, c.Version, c.Name)
					}
				}
				// Shared modules appear once: the two copies link one stdlib.
				stdlibs := 0
				for _, c := range frag.Components {
					if c.Name == "stdlib" {
						stdlibs++
					}
				}
				if stdlibs != 1 {
					t.Errorf("%d stdlib components, want 1", stdlibs)
				}
				var escapes, noBuildInfo int
				for _, w := range frag.Warnings {
					switch {
					case strings.Contains(w.Message, "escapes its root"):
						escapes++
						if !strings.HasPrefix(w.Path, rel+"!") || !strings.Contains(w.Path, "evil") {
							t.Errorf("escape warning %v should name the archive and the entry", w)
						}
					case strings.Contains(w.Message, "no Go build info"):
						noBuildInfo++
						if w.Path != rel+"!hello-1.2.3/bin/true" {
							t.Errorf("warning path %q", w.Path)
						}
					default:
						t.Errorf("unexpected warning %v", w)
					}
				}
				if escapes != tc.escapes || noBuildInfo != 1 {
					t.Errorf("%d escape and %d build-info warnings, want %d and 1: %v", escapes, noBuildInfo, tc.escapes, frag.Warnings)
				}
			})
		}
	}
}

func TestDisagreeingBinariesAndFlag(t *testing.T) {
	bin := hello(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	arch := filepath.Join(t.TempDir(), "mixed.tar.gz")
	writeTarGz(t, arch, []member{{name: "hello", src: bin}, {name: "self", src: self}})
	frag, err := Catalog(context.Background(), arch, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := frag.Components[0]
	if a.ID != "file:mixed.tar.gz" || a.Version != "" || prop(&a, sbom.PropVersionSource) != sbom.VersionUnknown {
		t.Errorf("archive %+v: want no version", a)
	}
	found := false
	for _, w := range frag.Warnings {
		found = found || strings.Contains(w.Message, "disagree (unknown, v1.2.3)")
	}
	if !found {
		t.Errorf("no disagreement warning in %v", frag.Warnings)
	}
	// --version applies to every binary, so the archive gets it too.
	frag, err = Catalog(context.Background(), arch, Options{Binary: gobin.Options{Version: "v2.0.0"}})
	if err != nil {
		t.Fatal(err)
	}
	if a := frag.Components[0]; a.Version != "v2.0.0" {
		t.Errorf("with --version: archive version %q", a.Version)
	}
}

func TestDuplicateEntryKeepsLast(t *testing.T) {
	bin := hello(t)
	arch := filepath.Join(t.TempDir(), "dup.tar.gz")
	writeTarGz(t, arch, []member{{name: "bin/tool", src: bin}, {name: "bin/tool", data: "replaced by text\n"}})
	frag, err := Catalog(context.Background(), arch, Options{RelPath: "dup.tar.gz"})
	if err != nil {
		t.Fatal(err)
	}
	if len(frag.Components) != 1 || len(frag.Dependencies[0].DependsOn) != 0 {
		t.Errorf("the overwritten binary is still listed: %+v", frag.Components)
	}
	if len(frag.Warnings) != 1 || frag.Warnings[0].Path != "dup.tar.gz!bin/tool" {
		t.Errorf("warnings %v", frag.Warnings)
	}
}

// writeBomb writes an archive with one entry of n zero bytes, streaming, so
// that the test never holds the bomb in memory.
func writeBomb(t *testing.T, dst string, n int64, zipped bool) {
	t.Helper()
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if zipped {
		zw := zip.NewWriter(f)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "zeros", Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(w, zeros{}, n); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	gz, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Name: "zeros", Mode: 0o644, Size: n, Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(tw, zeros{}, n); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestBombs(t *testing.T) {
	dir := t.TempDir()
	const size = 200 << 20
	bombs := map[string]string{}
	for _, f := range formats {
		p := filepath.Join(dir, "bomb"+f.ext)
		writeBomb(t, p, size, f.ext == ".zip")
		bombs[f.ext] = p
	}
	many := filepath.Join(dir, "many.tar.gz")
	var members []member
	for i := range 20 {
		members = append(members, member{name: "f" + string(rune('a'+i)), data: "x"})
	}
	writeTarGz(t, many, members)
	manyZip := filepath.Join(dir, "many.zip")
	writeZip(t, manyZip, members)

	for _, tc := range []struct {
		name   string
		path   string
		limits Limits
		limit  string
		value  int64
	}{
		{"ratio tar.gz", bombs[".tar.gz"], Limits{}, "MaxRatio", 200},
		{"ratio zip", bombs[".zip"], Limits{}, "MaxRatio", 200},
		{"entry size", bombs[".tar.gz"], Limits{MaxEntrySize: 8 << 20, MaxRatio: 1 << 40}, "MaxEntrySize", 8 << 20},
		{"total size", bombs[".zip"], Limits{MaxTotalSize: 4 << 20, MaxRatio: 1 << 40}, "MaxTotalSize", 4 << 20},
		{"entries tar.gz", many, Limits{MaxEntries: 10}, "MaxEntries", 10},
		{"entries zip", manyZip, Limits{MaxEntries: 10}, "MaxEntries", 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spool := spoolDir(t)
			_, err := Catalog(context.Background(), tc.path, Options{RelPath: "r/" + filepath.Base(tc.path), Limits: tc.limits, TempDir: spool})
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("got %v, want a LimitError", err)
			}
			if le.Limit != tc.limit || le.Value != tc.value || le.Archive != "r/"+filepath.Base(tc.path) {
				t.Errorf("got %+v, want %s=%d", le, tc.limit, tc.value)
			}
			msg := err.Error()
			if !strings.Contains(msg, "r/"+filepath.Base(tc.path)) || !strings.Contains(msg, tc.limit) {
				t.Errorf("message %q should name the archive and the limit", msg)
			}
			checkEmpty(t, spool)
		})
	}
	// The same archives pass with room to spare.
	if _, err := Catalog(context.Background(), many, Options{Limits: Limits{MaxEntries: 20}}); err != nil {
		t.Errorf("20 entries with MaxEntries 20: %v", err)
	}
}

// TestBombInsideExecutable checks that the limits also hold for an entry
// that is being spooled, not only for drained ones.
func TestBombInsideExecutable(t *testing.T) {
	arch := filepath.Join(t.TempDir(), "exe-bomb.tar.gz")
	f, err := os.Create(arch)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	const n = 64 << 20
	tw.WriteHeader(&tar.Header{Name: "bin/x", Mode: 0o755, Size: n, Typeflag: tar.TypeReg})
	io.CopyN(tw, io.MultiReader(strings.NewReader("\x7fELF"), zeros{}), n)
	tw.Close()
	gz.Close()
	f.Close()
	spool := spoolDir(t)
	_, err = Catalog(context.Background(), arch, Options{TempDir: spool, Limits: Limits{MaxEntrySize: 2 << 20, MaxRatio: 1 << 40}})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != "MaxEntrySize" || le.Entry != "bin/x" {
		t.Fatalf("got %v, want MaxEntrySize on bin/x", err)
	}
	checkEmpty(t, spool)
}

func TestCorruptArchives(t *testing.T) {
	bin := hello(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.tar.gz")
	writeTarGz(t, good, []member{{name: "bin/hello", src: bin}, {name: "README", data: "x"}})
	goodZip := filepath.Join(dir, "good.zip")
	writeZip(t, goodZip, []member{{name: "bin/hello", src: bin}})
	data, _ := os.ReadFile(good)
	zdata, _ := os.ReadFile(goodZip)
	flipped := bytes.Clone(data)
	flipped[len(flipped)/2] ^= 0xff
	for name, content := range map[string][]byte{
		"garbage.tar.gz":   []byte("\x1f\x8b this is not gzip at all"),
		"truncated.tar.gz": data[:len(data)/2],
		"flipped.tar.gz":   flipped,
		"notar.tar.gz":     gzipped("plain text, not a tar archive, long enough to need a full header block" + strings.Repeat(".", 600)),
		"garbage.zip":      []byte("PK\x03\x04 not a zip"),
		"truncated.zip":    zdata[:len(zdata)/2],
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, content, 0o644); err != nil {
				t.Fatal(err)
			}
			spool := spoolDir(t)
			frag, err := Catalog(context.Background(), p, Options{RelPath: "dist/" + name, TempDir: spool})
			if err == nil {
				t.Fatalf("no error; fragment %+v", frag)
			}
			var le *LimitError
			if errors.As(err, &le) || !strings.Contains(err.Error(), "dist/"+name) {
				t.Errorf("error %q should name the file and not be a limit", err)
			}
			checkEmpty(t, spool)
		})
	}
}

func gzipped(s string) []byte {
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	io.WriteString(gz, s)
	gz.Close()
	return b.Bytes()
}

func TestTruncatedExecutableIsWarning(t *testing.T) {
	bin := hello(t)
	head := make([]byte, 4096)
	f, _ := os.Open(bin)
	io.ReadFull(f, head)
	f.Close()
	arch := filepath.Join(t.TempDir(), "t.zip")
	writeZip(t, arch, []member{{name: "bin/cut", data: string(head)}, {name: "bin/hello", src: bin}})
	frag, err := Catalog(context.Background(), arch, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(frag.Warnings) != 1 || frag.Warnings[0].Path != "t.zip!bin/cut" || !strings.Contains(frag.Warnings[0].Message, "corrupt") {
		t.Errorf("warnings %v", frag.Warnings)
	}
	if top := frag.Dependencies[0]; len(top.DependsOn) != 1 || top.Completeness != sbom.CompletenessIncomplete {
		t.Errorf("archive dependency %+v: want the good binary, incomplete", top)
	}
}

func TestCancelled(t *testing.T) {
	bin := hello(t)
	arch := filepath.Join(t.TempDir(), "c.tar.gz")
	writeTarGz(t, arch, []member{{name: "bin/hello", src: bin}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Catalog(ctx, arch, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestNotAnArchive(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.txt")
	os.WriteFile(p, []byte("hello"), 0o644)
	if _, err := Catalog(context.Background(), p, Options{}); err == nil {
		t.Error("no error for a .txt file")
	}
	if _, err := Catalog(context.Background(), filepath.Join(t.TempDir(), "missing.zip"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func BenchmarkCatalogArchive(b *testing.B) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	arch := filepath.Join(b.TempDir(), "bench.tar.gz")
	writeTarGz(b, arch, []member{{name: "bin/hello", src: hello(b)}, {name: "bin/self", src: self}, {name: "README", data: "bench\n"}})
	fi, err := os.Stat(arch)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	spool := b.TempDir()
	for b.Loop() {
		if _, err := Catalog(context.Background(), arch, Options{TempDir: spool}); err != nil {
			b.Fatal(err)
		}
	}
}
