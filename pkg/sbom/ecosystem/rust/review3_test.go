package rust

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom/digest"
)

// TestReview3WideDependencyList: a .dep-v0 whose root depends on a
// hundred thousand packages (4 MB of JSON; the section may decompress to
// 64 MB) is read in linear time: every edge recorded once, not checked
// against all the edges before it. The control is the same list with
// every dependency named twice, recorded once each.
func TestReview3WideDependencyList(t *testing.T) {
	const n = 100_000
	audit := func(repeat int) []byte {
		var b strings.Builder
		b.WriteString(`{"packages":[{"name":"app","version":"1.0.0","root":true,"dependencies":[`)
		for r := range repeat {
			for i := 1; i <= n; i++ {
				if r > 0 || i > 1 {
					b.WriteByte(',')
				}
				fmt.Fprint(&b, i)
			}
		}
		b.WriteString(`]}`)
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, `,{"name":"c%d","version":"1.0.0"}`, i)
		}
		b.WriteString(`]}`)
		return []byte(b.String())
	}
	for _, tc := range []struct {
		name   string
		repeat int
	}{{"each dependency once", 1}, {"control: each dependency twice", 2}} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			frag, err := Audit("app", audit(tc.repeat), digest.Digests{})
			if err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("took %v for %d edges", took, n)
			}
			for _, d := range frag.Dependencies {
				if d.Ref == frag.Primary && len(d.DependsOn) != n {
					t.Errorf("root has %d edges, want %d", len(d.DependsOn), n)
				}
			}
		})
	}
}
