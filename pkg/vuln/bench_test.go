package vuln

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// goModules lists the distinct module paths the real Go database names,
// sorted (stdlib and the toolchain excluded).
func goModules(tb testing.TB) []string {
	tb.Helper()
	db, err := Open(goDB)
	if err != nil {
		tb.Fatal(err)
	}
	seen := map[string]bool{}
	for data, err := range db.GoRecords(context.Background()) {
		if err != nil {
			tb.Fatal(err)
		}
		v, err := ParseRecord("Go", data)
		if err != nil {
			tb.Fatal(err)
		}
		for _, a := range v.GetAffected() {
			if n := a.GetPackage().GetName(); n != stdlib && n != "toolchain" {
				seen[n] = true
			}
		}
	}
	return slices.Sorted(func(yield func(string) bool) {
		for n := range seen {
			if !yield(n) {
				return
			}
		}
	})
}

// goDoc is an SBOM of n Go components: the database's real module paths,
// each at made-up versions, round robin, plus the standard library.
func goDoc(tb testing.TB, n int) *sbom.Document {
	mods := goModules(tb)
	versions := []string{"v0.0.1", "v0.1.0", "v0.3.7", "v1.0.0", "v1.2.3", "v1.8.1", "v2.0.0", "v0.0.0-20200101000000-abcdefabcdef"}
	d := &sbom.Document{}
	for i := 0; len(d.Components) < n; i++ {
		m, v := mods[i%len(mods)], versions[(i/len(mods))%len(versions)]
		p := fmt.Sprintf("pkg:golang/%s@%s", m, v)
		d.Components = append(d.Components, sbom.Component{ID: p, Name: m, Version: v, PURL: p})
	}
	d.Components[0] = sbom.Component{ID: "pkg:golang/stdlib@go1.22.0", Name: stdlib, Version: "go1.22.0", PURL: "pkg:golang/stdlib@go1.22.0"}
	return d
}

// BenchmarkMatchGo10k matches 10,000 Go components against the whole Go
// vulnerability database (4,789 records, read from its all.zip each time).
func BenchmarkMatchGo10k(b *testing.B) {
	d := goDoc(b, 10_000)
	db, err := Open(goDB)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var n int
	for b.Loop() {
		ms, err := db.Match(context.Background(), d)
		if err != nil {
			b.Fatal(err)
		}
		n = len(ms)
	}
	b.ReportMetric(float64(n), "matches")
}

// TestMatchGo10kFitsOneSecond is the benchmark's bound as a test that
// other processes on the machine cannot fail: matching 10,000 components
// against the whole Go database takes at most 1 s of CPU (user and
// system, all goroutines, the collector included), half of what this
// machine's two cores give in one second, so that an operation is well
// under 1 s of wall time when the cores are free (0.4 to 0.6 s of CPU
// measured, bench/VULN.md). Wall time is the benchmark's to report.
func TestMatchGo10kFitsOneSecond(t *testing.T) {
	d := goDoc(t, 10_000)
	db, err := Open(goDB)
	if err != nil {
		t.Fatal(err)
	}
	best := time.Hour
	for range 3 {
		before := cpuTime(t)
		ms, err := db.Match(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		best = min(best, cpuTime(t)-before)
		if len(ms) == 0 {
			t.Fatal("no matches: the components do not exercise the matcher")
		}
	}
	t.Logf("10,000 components: %v of CPU", best)
	if best > time.Second {
		t.Errorf("matching took %v of CPU, the bound is 1s (half a second on 2 cores)", best)
	}
}

// cpuTime is the CPU time the process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakHeap runs f and returns the highest live heap seen above the heap
// before it, with the collector made eager (so that the figure is what f
// holds, not garbage awaiting a collection): sampled after every zip entry
// a load handles, and every 100µs besides.
func peakHeap(f func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	// Two collections: the first moves sync.Pool caches to their victim
	// caches, the second frees them, so that the base is live data only.
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	sample := func() {
		var s runtime.MemStats
		runtime.ReadMemStats(&s)
		if s.HeapAlloc <= base {
			return
		}
		for d := s.HeapAlloc - base; ; {
			p := peak.Load()
			if d <= p || peak.CompareAndSwap(p, d) {
				return
			}
		}
	}
	defer func(prev func()) { afterEntry = prev }(afterEntry)
	afterEntry = sample
	done := make(chan struct{})
	go func() {
		for {
			sample()
			select {
			case <-done:
				return
			case <-time.After(100 * time.Microsecond):
			}
		}
	}()
	f()
	close(done)
	return peak.Load()
}

// TestLoadHeapBounded: matching a few components against the whole Go
// database (3.4 MB zipped, 9 MB of JSON) holds under a third of the
// JSON's size at every entry it reads: entries are read one at a time
// and only candidates kept (the zip's central directory, ~1 MB, is most of
// it). Control: the
// same sampler sees reading the archive whole, as osv-scalibr's loader
// does, exceed the bound, so the bound is one a non-streaming reader fails.
func TestLoadHeapBounded(t *testing.T) {
	const bound = 3 << 20
	db, err := Open(goDB)
	if err != nil {
		t.Fatal(err)
	}
	d := doc("pkg:golang/golang.org/x/net@v0.17.0", "pkg:golang/github.com/gin-gonic/gin@v1.6.0", "pkg:golang/golang.org/x/crypto@v0.1.0")
	var n int
	streamed := peakHeap(func() {
		ms, err := db.Match(context.Background(), d)
		if err != nil {
			t.Error(err)
		}
		n = len(ms)
	})
	whole := peakHeap(func() { readWhole(t, filepath.Join(goDB, goEcosystemDir, allZip)) })
	t.Logf("peak heap: streamed %d KiB (%d matches), whole archive %d KiB", streamed>>10, n, whole>>10)
	if n == 0 {
		t.Error("no matches")
	}
	if streamed > bound {
		t.Errorf("streaming load held %d bytes at its peak, the bound is %d", streamed, bound)
	}
	if whole <= bound {
		t.Errorf("control: reading the archive whole held only %d bytes, not above the bound %d", whole, bound)
	}
}

// readWhole reads an archive as a non-streaming loader would: the file in
// memory, then every entry.
func readWhole(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var kept [][]byte
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		kept = append(kept, b)
	}
	runtime.KeepAlive(kept)
	runtime.KeepAlive(data)
}
