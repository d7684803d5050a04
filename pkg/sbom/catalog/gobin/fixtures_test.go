package gobin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Fixtures are real Go binaries built once per test run with the local
// toolchain, offline, into a directory removed by TestMain.
const (
	fxPlain    = "plain"    // linux/amd64, no VCS, version (devel)
	fxLdflags  = "ldflags"  // -ldflags "-X main.version=v1.2.3"
	fxTrimpath = "trimpath" // -trimpath
	fxReplace  = "replace"  // requires example.com/dep, replaced by ../dep
	fxDeps     = "deps"     // requires x/mod and packageurl-go from the module cache
	fxWindows  = "windows"  // PE
	fxDarwin   = "darwin"   // Mach-O arm64
)

var (
	fixtureDir  string
	fixtureOnce sync.Once
	fixtureErr  error
	fixtures    map[string]string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// fixture returns the path of a built fixture, building them all on first use.
func fixture(tb testing.TB, name string) string {
	tb.Helper()
	fixtureOnce.Do(buildFixtures)
	if fixtureErr != nil {
		tb.Fatalf("build fixtures: %v", fixtureErr)
	}
	p, ok := fixtures[name]
	if !ok {
		tb.Fatalf("no fixture %q", name)
	}
	return p
}

// depsMain links two modules vouch itself requires, so that the build
// works offline from the module cache.
const depsMain = `package main

import (
	"github.com/package-url/packageurl-go"
	"golang.org/x/mod/semver"
)

func main() { println(semver.IsValid("v1.0.0"), packageurl.TypeGolang) }
`

func buildFixtures() {
	fixtureDir, fixtureErr = os.MkdirTemp("", "vouch-gobin-")
	if fixtureErr != nil {
		return
	}
	files := map[string]string{
		"hello/go.mod":    "module example.com/hello\n\ngo 1.22\n",
		"hello/main.go":   "package main\n\nvar version = \"dev\"\n\nfunc main() { println(\"hello\", version) }\n",
		"withdep/go.mod":  "module example.com/withdep\n\ngo 1.22\n\nrequire example.com/dep v0.0.0\n\nreplace example.com/dep => ../dep\n",
		"withdep/main.go": "package main\n\nimport \"example.com/dep\"\n\nfunc main() { println(dep.Name) }\n",
		"dep/go.mod":      "module example.com/dep\n\ngo 1.22\n",
		"dep/dep.go":      "package dep\n\n// Name is a variable, not a constant, so that the package is linked.\nvar Name = \"dep\"\n",
		"deps/go.mod":     "module example.com/deps\n\ngo 1.22\n\nrequire (\n\tgithub.com/package-url/packageurl-go v0.1.7\n\tgolang.org/x/mod v0.42.0\n)\n",
		"deps/main.go":    depsMain,
	}
	for name, body := range files {
		p := filepath.Join(fixtureDir, filepath.FromSlash(name))
		if fixtureErr = os.MkdirAll(filepath.Dir(p), 0o755); fixtureErr != nil {
			return
		}
		if fixtureErr = os.WriteFile(p, []byte(body), 0o644); fixtureErr != nil {
			return
		}
	}
	builds := []struct {
		name, module, goos, goarch string
		flags                      []string
	}{
		{fxPlain, "hello", "linux", "amd64", nil},
		{fxLdflags, "hello", "linux", "amd64", []string{"-ldflags", "-X main.version=v1.2.3"}},
		{fxTrimpath, "hello", "linux", "amd64", []string{"-trimpath"}},
		{fxReplace, "withdep", "linux", "amd64", nil},
		{fxDeps, "deps", "linux", "amd64", nil},
		{fxWindows, "hello", "windows", "amd64", nil},
		{fxDarwin, "hello", "darwin", "arm64", nil},
	}
	fixtures = map[string]string{}
	for _, b := range builds {
		out := filepath.Join(fixtureDir, "bin", b.name)
		args := append([]string{"build", "-o", out}, b.flags...)
		cmd := exec.Command("go", append(args, ".")...)
		cmd.Dir = filepath.Join(fixtureDir, b.module)
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOSUMDB=off", "CGO_ENABLED=0",
			"GOTOOLCHAIN=local", "GOOS="+b.goos, "GOARCH="+b.goarch)
		if msg, err := cmd.CombinedOutput(); err != nil {
			fixtureErr = fmt.Errorf("go %v: %v\n%s", args, err, msg)
			return
		}
		fixtures[b.name] = out
	}
}
