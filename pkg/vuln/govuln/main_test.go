package govuln

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"golang.org/x/vuln/scan"

	"github.com/vouchdev/vouch/internal/diskcache"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// envGovulncheck makes the test binary run govulncheck itself (as its
// cmd/govulncheck main does) instead of the tests, so that the reference
// runs in its own process.
const envGovulncheck = "VOUCH_TEST_RUN_GOVULNCHECK"

// goDB is the whole Go vulnerability database (golang.org/x/vulndb
// snapshot, 4,789 entries; see testdata/osv/ORIGIN).
var (
	osvDir = filepath.Join("..", "..", "..", "testdata", "osv")
	goDB   = filepath.Join(osvDir, "Go", "all.zip")
)

// fixtureArchive is the test module whose vendor directory holds
// vulnerable versions of golang.org/x/text, golang.org/x/net and
// gopkg.in/yaml.v2 (testdata/ORIGIN).
const fixtureArchive = "testdata/vulnapp.txtar"

// programs of the fixture: each reaches the vulnerable modules at the
// level it is named after.
var programs = []string{"called", "imported", "required"}

var scratch string

func TestMain(m *testing.M) {
	if os.Getenv(envGovulncheck) == "1" {
		os.Exit(runGovulncheckMain(os.Args[1:]))
	}
	dir, err := os.MkdirTemp("", "govuln-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	scratch = dir
	// One cache for the tests that do not test the cache: the database is
	// built once, as a user's runs would share it.
	os.Setenv(diskcache.EnvDir, filepath.Join(dir, "cache"))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runGovulncheckMain is govulncheck's main: its exit code is the error's.
func runGovulncheckMain(args []string) int {
	cmd := scan.Command(context.Background(), args...)
	err := cmd.Start()
	if err == nil {
		err = cmd.Wait()
	}
	var ec interface{ ExitCode() int }
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ec):
		return ec.ExitCode()
	}
	fmt.Fprintln(os.Stderr, err)
	return 1
}

// openDB opens the repository's OSV database (testdata/osv: the whole Go
// database and other ecosystems' records).
func openDB(t testing.TB) *vuln.DB {
	t.Helper()
	dir, err := filepath.Abs(osvDir) // tests may change directory
	if err != nil {
		t.Fatal(err)
	}
	db, err := vuln.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func readZipFile(f *zip.File) ([]byte, error) {
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, 16<<20))
}

var (
	buildOnce sync.Once
	binaries  map[string]string
	buildErr  error
)

// builtPrograms builds the fixture's programs once, offline, from its
// vendor directory, and returns their paths by name.
func builtPrograms(t testing.TB) map[string]string {
	t.Helper()
	buildOnce.Do(func() {
		binaries = map[string]string{}
		if buildErr = extractFixture(); buildErr != nil {
			return
		}
		for _, p := range programs {
			out := filepath.Join(scratch, "bin", p)
			cmd := exec.Command("go", "build", "-mod=vendor", "-trimpath", "-o", out, "./cmd/"+p)
			cmd.Dir = fixtureDir()
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=vendor", "GOPROXY=off", "GOTOOLCHAIN=local", "GOWORK=off")
			if b, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build ./cmd/%s: %v\n%s", p, err, b)
				return
			}
			binaries[p] = out
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binaries
}

// fixtureDir is where the test module is extracted.
func fixtureDir() string { return filepath.Join(scratch, "vulnapp") }

// extractFixture writes the test module's files into fixtureDir.
func extractFixture() error {
	a, err := txtar.ParseFile(fixtureArchive)
	if err != nil {
		return err
	}
	for _, f := range a.Files {
		p := filepath.Join(fixtureDir(), filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

var (
	flatOnce sync.Once
	flatDir  string
	flatErr  error
)

// flatDB extracts the Go database into a folder of OSV files, the form
// govulncheck indexes itself: the reference run does not use vouch's index.
func flatDB(t testing.TB) string {
	t.Helper()
	flatOnce.Do(func() {
		dir := filepath.Join(scratch, "flatdb")
		if flatErr = os.MkdirAll(dir, 0o755); flatErr != nil {
			return
		}
		zr, err := zip.OpenReader(goDB)
		if err != nil {
			flatErr = err
			return
		}
		defer zr.Close()
		for _, f := range zr.File {
			b, err := readZipFile(f)
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, filepath.Base(f.Name)), b, 0o644)
			}
			if err != nil {
				flatErr = err
				return
			}
		}
		flatDir = dir
	})
	if flatErr != nil {
		t.Fatal(flatErr)
	}
	return flatDir
}
