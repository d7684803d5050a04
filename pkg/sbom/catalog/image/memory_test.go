package image_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/archive"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image/imagetest"
)

// The many-layer image of the memory test: layers of files that do not
// compress, on a Debian base holding the real dpkg status.
const (
	memLayers    = 12
	memLayerSize = 8 << 20
	memFileSize  = 1 << 20
	// memAllowance is what the run holds whatever the layers' size: the
	// 705 dpkg packages as components, the encoded SBOM, the catalogers'
	// buffers and the sampler's own noise.
	memAllowance = 16 << 20
)

// manyLayerArchive writes a docker archive of an image of memLayers layers
// of memLayerSize incompressible bytes each, the first also holding the
// dpkg status, and returns its path and the size of its layers together;
// nothing of the image stays in memory.
func manyLayerArchive(tb testing.TB) (string, int64) {
	tb.Helper()
	rng := rand.NewChaCha8([32]byte{12})
	var layers [][]imagetest.Entry
	for i := range memLayers {
		var entries []imagetest.Entry
		if i == 0 {
			entries = []imagetest.Entry{
				{Name: "etc/os-release", Src: debian + "etc/os-release"},
				{Name: "var/lib/dpkg/status", Src: debian + "var/lib/dpkg/status"},
			}
		}
		for j := range memLayerSize / memFileSize {
			data := make([]byte, memFileSize)
			rng.Read(data)
			entries = append(entries, imagetest.Entry{Name: fmt.Sprintf("srv/data/l%02d/f%02d", i, j), Data: string(data)})
		}
		layers = append(layers, entries)
	}
	p := imagetest.DockerArchive(tb, tb.TempDir(), "example.test/many:1", imagetest.Build(tb, nil, layers...))
	return p, memLayers * memLayerSize
}

// peakHeap runs f and returns the most heap its objects took meanwhile
// (runtime/metrics, sampled every millisecond), above what they took
// before it started.
func peakHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	f()
	close(stop)
	wg.Wait()
	peak = max(peak, read())
	return peak - min(base, peak)
}

// TestImageMemory: cataloguing a docker archive of 12 layers of 8 MiB, as
// vouch sbom does, takes less heap than two layers and a fixed allowance,
// far less than the image; the control reads the same archive whole, as a
// reader that holds the image would, and the same measure exceeds the
// bound, so the bound can fail.
func TestImageMemory(t *testing.T) {
	p, imageSize := manyLayerArchive(t)
	bound := uint64(2*memLayerSize + memAllowance)
	var pkgs int
	got := peakHeap(func() { pkgs = catalogArchive(t, p) })
	if pkgs != 705 {
		t.Fatalf("%d dpkg packages, want 705: the image was not catalogued", pkgs)
	}
	t.Logf("image of %d MiB in %d layers: peak heap %.1f MiB, bound %.1f MiB", imageSize>>20, memLayers, mib(got), mib(bound))
	if got >= bound {
		t.Errorf("peak heap %.1f MiB cataloguing a %d MiB image, want below %.1f MiB (2 × the %d MiB layer + %d MiB)",
			mib(got), imageSize>>20, mib(bound), memLayerSize>>20, memAllowance>>20)
	}
	whole := peakHeap(func() {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		data, err := io.ReadAll(f)
		if err != nil || int64(len(data)) < imageSize {
			t.Fatalf("read %d bytes: %v", len(data), err)
		}
		runtime.KeepAlive(data)
	})
	if whole < bound {
		t.Errorf("control: reading the %d MiB archive whole peaked at %.1f MiB, below the bound %.1f MiB: the measure cannot fail", imageSize>>20, mib(whole), mib(bound))
	}
}

// catalogArchive catalogs the docker archive at p and encodes its SBOM,
// as vouch sbom does, and returns how many dpkg packages it lists.
func catalogArchive(tb testing.TB, p string) int {
	tb.Helper()
	res, err := catalog.Run(context.Background(), []string{"docker-archive:" + p}, catalog.Options{
		Created: time.Unix(1700000000, 0).UTC(), Limits: archive.DefaultLimits(), Tool: sbom.Tool{Name: "vouch", Version: "test"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	encode(tb, res.Document, "cyclonedx-json")
	return len(packages(res.Document, "deb"))
}

// BenchmarkImageMemory reports the peak heap (peak-heap-MiB) of
// cataloguing the 96 MiB image of TestImageMemory, which asserts its bound.
func BenchmarkImageMemory(b *testing.B) {
	p, _ := manyLayerArchive(b)
	b.ResetTimer()
	var peak uint64
	for b.Loop() {
		peak = max(peak, peakHeap(func() { catalogArchive(b, p) }))
	}
	b.ReportMetric(mib(peak), "peak-heap-MiB")
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }
