package rust

import (
	"bytes"
	"compress/zlib"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// readBinary reads a fixture executable with Binary.
func readBinary(t testing.TB, file string) (*sbom.Fragment, error) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	d, err := digest.Reader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return Binary(bytes.NewReader(data), filepath.ToSlash(file), d)
}

// TestBinaryGroundTruth compares real cargo-auditable binaries with what
// testdata/auditable_truth.py reads from their .dep-v0 section with
// objcopy and Python's zlib and json.
func TestBinaryGroundTruth(t *testing.T) {
	for _, name := range []string{"uses_serde_json", "no_deps"} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join("testdata", "auditable", name)
			frag, err := readBinary(t, file)
			if err != nil {
				t.Fatal(err)
			}
			ecotest.Compare(t, frag, ecotest.Load(t, file+".truth.json"), true)
			root := frag.Components[0]
			for _, c := range frag.Components {
				if c.ID == frag.Primary {
					root = c
				}
			}
			if root.Type != sbom.TypeApplication || root.ID != "file:"+filepath.ToSlash(file) ||
				!strings.HasPrefix(root.PURL, "pkg:cargo/") || root.Hash(sbom.SHA256) == "" {
				t.Errorf("binary component %+v", root)
			}
		})
	}
}

// TestBinaryNotRust: an executable without the section (this test's own
// Go binary) is ErrNoAuditData, so the Go cataloger keeps it; the real
// Rust binary beside it is read (the control).
func TestBinaryNotRust(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readBinary(t, self); !errors.Is(err, ErrNoAuditData) {
		t.Errorf("Go test binary: err %v, want ErrNoAuditData", err)
	}
	if _, err := readBinary(t, "testdata/auditable/uses_serde_json"); err != nil {
		t.Errorf("control: %v", err)
	}
}

// TestInflateBomb: a section that inflates past maxAuditJSON is refused;
// the same stream just under the limit is read.
func TestInflateBomb(t *testing.T) {
	for _, tc := range []struct {
		size int
		ok   bool
	}{{maxAuditJSON, true}, {maxAuditJSON + 1, false}} {
		var buf bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
		zw.Write(make([]byte, tc.size))
		zw.Close()
		_, err := inflate(&buf)
		if (err == nil) != tc.ok {
			t.Errorf("%d bytes: err %v", tc.size, err)
		}
	}
}

// TestAuditHostile pairs hostile section contents with their sound
// control: duplicate keys, an edge to no package, two roots.
func TestAuditHostile(t *testing.T) {
	const good = `{"packages":[{"name":"a","version":"1.0.0","source":"local","dependencies":[1],"root":true},` +
		`{"name":"b","version":"2.0.0","source":"crates.io"}]}`
	for _, tc := range []struct {
		name, json string
		err        bool
		warnings   int
	}{
		{"control", good, false, 0},
		{"duplicate key", strings.Replace(good, `"name":"b"`, `"name":"b","name":"evil"`, 1), true, 0},
		{"dangling edge", strings.Replace(good, `[1]`, `[7]`, 1), false, 1},
		{"negative edge", strings.Replace(good, `[1]`, `[-1]`, 1), false, 1},
		{"two roots", strings.Replace(good, `"source":"crates.io"`, `"source":"crates.io","root":true`, 1), false, 1},
		{"no root", strings.Replace(good, `,"root":true`, ``, 1), false, 1},
	} {
		frag, err := Audit("bin", []byte(tc.json), digest.Digests{})
		if (err != nil) != tc.err {
			t.Errorf("%s: err %v", tc.name, err)
			continue
		}
		if err == nil && len(frag.Warnings) != tc.warnings {
			t.Errorf("%s: warnings %v", tc.name, frag.Warnings)
		}
		if err == nil {
			checkBinary(t, frag)
		}
	}
}

func FuzzAudit(f *testing.F) {
	f.Add([]byte(`{"packages":[{"name":"a","version":"1","dependencies":[0,1],"root":true,"kind":"build"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		frag, err := Audit("bin", data, digest.Digests{})
		if err != nil {
			return
		}
		checkBinary(t, frag)
	})
}

func FuzzBinary(f *testing.F) {
	data, err := os.ReadFile("testdata/auditable/no_deps")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		frag, err := Binary(bytes.NewReader(data), "bin", digest.Digests{})
		if err != nil {
			return
		}
		checkBinary(t, frag)
	})
}

// checkBinary is ecotest.Consistent for a binary's fragment, whose root is
// identified by its file rather than its purl.
func checkBinary(t *testing.T, frag *sbom.Fragment) {
	t.Helper()
	ids := map[string]bool{}
	for _, c := range frag.Components {
		if c.Name == "" || (c.ID != c.PURL && c.ID != frag.Primary) {
			t.Fatalf("component %+v", c)
		}
		ids[c.ID] = true
	}
	if !ids[frag.Primary] {
		t.Fatalf("primary %q is not a component", frag.Primary)
	}
	for _, d := range frag.Dependencies {
		for _, id := range append([]string{d.Ref}, d.DependsOn...) {
			if !ids[id] {
				t.Fatalf("edge names %q, not a component", id)
			}
		}
	}
}
