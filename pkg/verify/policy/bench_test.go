package policy

import (
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(examplesDir, "release.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Parse("release.yaml", data, examplesDir); err != nil {
			b.Fatal(err)
		}
	}
}
