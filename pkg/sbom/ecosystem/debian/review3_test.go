package debian

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
	"github.com/vouchdev/vouch/pkg/sbom/licexpr"
)

// TestReview3CopyrightManyLicences: a machine-readable copyright file of
// 8 MB (the limit) can hold 200,000 paragraphs with distinct free-form
// licence names; keeping each once is linear, not a scan of those kept
// so far for each (quadratic: minutes). The control repeats one name,
// kept once.
func TestReview3CopyrightManyLicences(t *testing.T) {
	const n = 200_000
	file := func(name func(i int) string) []byte {
		var b strings.Builder
		b.WriteString("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n")
		for i := range n {
			fmt.Fprintf(&b, "Files: f%d\nLicense: %s\n\n", i, name(i))
		}
		return []byte(b.String())
	}
	for _, tc := range []struct {
		name string
		data []byte
		kept int
	}{
		{"distinct names", file(func(i int) string { return fmt.Sprintf("custom-%d", i) }), n},
		{"control: one name repeated", file(func(int) string { return "custom" }), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c sbom.Component
			start := time.Now()
			copyrightLicense(fstest.MapFS{"usr/share/doc/p/copyright": {Data: tc.data}}, "p", &c)
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("took %v for %d paragraphs", took, n)
			}
			text, _ := c.Property(ecosystem.PropLicenseText)
			if got := len(strings.Split(text, licexpr.EntrySeparator)); text == "" || got != tc.kept {
				t.Errorf("kept %d names, want %d", got, tc.kept)
			}
		})
	}
}
