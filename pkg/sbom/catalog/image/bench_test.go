package image_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vouchdev/vouch/pkg/sbom/catalog/image/imagetest"
)

// benchImage is a generated image shaped like a real one: a Debian base
// layer (the real dpkg status, 705 packages, and 2,000 other files of
// 16 KiB that do not compress), a layer with a Go binary and an npm
// project, and a layer deleting files of the first.
func benchImage(tb testing.TB) v1.Image {
	base := []imagetest.Entry{
		{Name: "etc/os-release", Src: debian + "etc/os-release"},
		{Name: "var/lib/dpkg/status", Src: debian + "var/lib/dpkg/status"},
	}
	rng := rand.NewChaCha8([32]byte{7})
	for i := range 2000 {
		data := make([]byte, 16<<10)
		rng.Read(data)
		base = append(base, imagetest.Entry{Name: fmt.Sprintf("usr/share/filler/%02d/f%04d", i%50, i), Data: string(data)})
	}
	return imagetest.Build(tb, labels, base,
		[]imagetest.Entry{
			{Name: "usr/local/bin/imgapp", Src: goBinary(tb)},
			{Name: "srv/web/package-lock.json", Src: npmWS + "package-lock.json"},
		},
		[]imagetest.Entry{{Name: "usr/share/filler/.wh.07"}, {Name: "usr/share/filler/08/.wh..wh..opq"}},
	)
}

// BenchmarkImageSBOM catalogs the generated image from a docker archive,
// as `vouch sbom docker-archive:FILE` does.
func BenchmarkImageSBOM(b *testing.B) {
	p := imagetest.DockerArchive(b, b.TempDir(), "example.test/bench:1", benchImage(b))
	b.ResetTimer()
	for b.Loop() {
		res := run(b, "docker-archive:"+p, "")
		if len(packages(res.Document, "deb")) != 705 {
			b.Fatal("the dpkg packages are missing")
		}
	}
}
