package catalog

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// TestGOPATHBinary: a Go binary built without module support (GOPATH
// mode, as Debian builds Go; its build info has no main module) is
// pkg:golang/<main package path> with an unknown version, not a
// pkg:generic file. Control: a binary built from loose files
// (command-line-arguments) has no package path, and stays a file.
func TestGOPATHBinary(t *testing.T) {
	gopath := t.TempDir()
	src := filepath.Join(gopath, "src", "example.org", "tools", "gopathtool")
	write(t, filepath.Join(src, "main.go"), "package main\n\nfunc main() { println(\"gopath\") }\n")
	out := filepath.Join(t.TempDir(), "bin")
	gopathBuild(t, gopath, src, filepath.Join(out, "gopathtool"), ".")
	gopathBuild(t, gopath, src, filepath.Join(out, "loose"), "main.go")

	doc := run(t, []string{out}, Options{}).Document
	for _, tc := range []struct{ file, purl, name string }{
		{"gopathtool", "pkg:golang/example.org/tools/gopathtool", "example.org/tools/gopathtool"},
		{"loose", "pkg:generic/loose?checksum=sha256:", "loose"},
	} {
		var c *sbom.Component
		for i := range doc.Components {
			if doc.Components[i].FileName == tc.file {
				c = &doc.Components[i]
			}
		}
		if c == nil {
			t.Fatalf("%s: not catalogued", tc.file)
		}
		src, _ := c.Property(sbom.PropVersionSource)
		if !strings.HasPrefix(c.PURL, tc.purl) || c.Name != tc.name || c.Version != "" || src != sbom.VersionUnknown {
			t.Errorf("%s: purl %q, name %q, version %q (%s); want purl %q…, name %q, no version (unknown)", tc.file, c.PURL, c.Name, c.Version, src, tc.purl, tc.name)
		}
	}
}

// gopathBuild builds target (a package or file) in dir with modules off.
func gopathBuild(t *testing.T, gopath, dir, out, target string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, target)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GO111MODULE=off", "GOPATH="+gopath, "GOFLAGS=", "GOPROXY=off", "GOWORK=off", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", target, err, b)
	}
}
