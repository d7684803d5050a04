package image_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/archive"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image/imagetest"
)

const wsLock = npmWS + "package-lock.json"

// catalogImage catalogs img with the default registry.
func catalogImage(t testing.TB, img v1.Image, lim cataloger.Limits) (*sbom.Fragment, error) {
	t.Helper()
	return image.Catalog(context.Background(), &image.Image{Image: img, Ref: image.Ref{Scheme: "test", Target: "img"}},
		image.Options{Config: cataloger.Config{Limits: lim}})
}

func npmCount(f *sbom.Fragment) int {
	n := 0
	for _, c := range f.Components {
		if strings.HasPrefix(c.PURL, "pkg:npm/") {
			n++
		}
	}
	return n
}

// TestLayerAttacks: entries that escape the root, a hard link out of the
// tree, a device and a link where a lockfile should be add nothing and
// are named; each beside its legitimate control, which is read.
func TestLayerAttacks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []imagetest.Entry
		npm     bool   // the lockfile is read
		warn    string // a warning says
	}{
		{"control", []imagetest.Entry{{Name: "app/package-lock.json", Src: wsLock}}, true, ""},
		{"dot-slash control", []imagetest.Entry{{Name: "./app/package-lock.json", Src: wsLock}}, true, ""},
		{"climbs out", []imagetest.Entry{{Name: "../app/package-lock.json", Src: wsLock}}, false, "escapes"},
		{"absolute", []imagetest.Entry{{Name: "/app/package-lock.json", Src: wsLock}}, false, "escapes"},
		{"hard link out", []imagetest.Entry{{Name: "app/package-lock.json", Hard: "../../etc/shadow"}}, false, "outside the image"},
		{"hard link in", []imagetest.Entry{{Name: "a/x", Data: "x"}, {Name: "app/package-lock.json", Hard: "a/x"}}, false, "a hard link"},
		{"symlink", []imagetest.Entry{{Name: "app/package-lock.json", Link: "/etc/passwd"}}, false, "a symlink"},
		{"device", []imagetest.Entry{{Name: "app/package-lock.json", Device: true}}, false, "special file"},
		{"replaced by a device", []imagetest.Entry{{Name: "app/package-lock.json", Src: wsLock}, {Name: "app/package-lock.json", Device: true}}, false, "special file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frag, err := catalogImage(t, imagetest.Build(t, nil, tc.entries), cataloger.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := npmCount(frag) > 0; got != tc.npm {
				t.Errorf("lockfile read %v, want %v", got, tc.npm)
			}
			if tc.warn == "" {
				return
			}
			found := false
			for _, w := range frag.Warnings {
				found = found || strings.Contains(w.Message, tc.warn)
			}
			if !found {
				t.Errorf("no warning saying %q: %v", tc.warn, frag.Warnings)
			}
		})
	}
}

// TestLayerLimits: an image decompressing past MaxTotalSize, with an
// entry past MaxEntrySize or too many entries stops with a LimitError;
// the same image under the default limits is read, and a small layer that
// decompresses a thousandfold is a bomb.
func TestLayerLimits(t *testing.T) {
	// 3 MiB that do not compress: within the ratio limit.
	noise := make([]byte, 3<<20)
	rand.NewChaCha8([32]byte{1}).Read(noise)
	img := imagetest.Build(t, nil, []imagetest.Entry{{Name: "app/package-lock.json", Src: wsLock}, {Name: "big", Data: string(noise)}})
	if _, err := catalogImage(t, img, cataloger.Limits{}); err != nil {
		t.Fatalf("control: %v", err)
	}
	for _, lim := range []cataloger.Limits{{MaxTotalSize: 1 << 20}, {MaxEntrySize: 1 << 20}, {MaxEntries: 1}} {
		_, err := catalogImage(t, img, lim)
		var le *archive.LimitError
		if !errors.As(err, &le) {
			t.Errorf("%+v: err %v, want a LimitError", lim, err)
		}
	}
	bomb := imagetest.Build(t, nil, []imagetest.Entry{{Name: "zeros", Data: strings.Repeat("\x00", 8<<20)}})
	var le *archive.LimitError
	if _, err := catalogImage(t, bomb, cataloger.Limits{}); !errors.As(err, &le) || le.Limit != "MaxRatio" {
		t.Errorf("bomb: err %v, want MaxRatio", err)
	}
}

// FuzzLayer: any layer tar, whiteouts and escapes included, is read
// without panic or hang, and what it gives is a valid fragment.
func FuzzLayer(f *testing.F) {
	for _, entries := range [][]imagetest.Entry{
		{{Name: "app/package-lock.json", Data: `{"lockfileVersion":3,"packages":{"":{"name":"x"},"node_modules/a":{"version":"1.0.0"}}}`}},
		{{Name: "a/.wh..wh..opq"}, {Name: "a/.wh.b"}, {Name: "../x", Data: "x"}, {Name: "l", Hard: "/etc/passwd"}},
		{{Name: "var/lib/dpkg/status", Data: "Package: p\nStatus: install ok installed\nVersion: 1\n"}, {Name: "etc/os-release", Data: "ID=debian\nVERSION_ID=12\n"}},
	} {
		f.Add(imagetest.LayerTar(f, entries))
	}
	f.Fuzz(func(t *testing.T, layer []byte) {
		img := imagetest.FromTars(t, layer)
		frag, err := catalogImage(t, img, cataloger.Limits{MaxTotalSize: 8 << 20, MaxEntries: 1000})
		if err != nil {
			return
		}
		if frag.Primary == "" || len(frag.Components) == 0 {
			t.Fatalf("no image component: %+v", frag)
		}
	})
}
