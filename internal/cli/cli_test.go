package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run vouch in-process as the "vouch" command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"vouch": func() {
			os.Exit(Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// goEnv reads a variable from the real toolchain so scripts that build Go
// binaries share the test run's build cache instead of starting cold.
func goEnv(t *testing.T, name string) string {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

// TestScripts runs the CLI transcripts in testdata/script: exact output,
// files and exit codes of real commands.
func TestScripts(t *testing.T) {
	gocache, goroot := goEnv(t, "GOCACHE"), goEnv(t, "GOROOT")
	testdata, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			e.Setenv("GOCACHE", gocache)
			e.Setenv("GOROOT", goroot)
			e.Setenv("GOPATH", filepath.Join(e.WorkDir, ".gopath"))
			e.Setenv("GOMODCACHE", filepath.Join(e.WorkDir, ".modcache"))
			e.Setenv("GOPROXY", "off")
			e.Setenv("GOFLAGS", "-mod=mod -buildvcs=false")
			e.Setenv("GOWORK", "off")
			e.Setenv("GOTOOLCHAIN", "local")
			e.Setenv("CGO_ENABLED", "0")
			// No user cache directory: the licence cache is off unless a
			// script sets one.
			e.Setenv("XDG_CACHE_HOME", filepath.Join(e.WorkDir, ".no-cache-dir"))
			// The repository's third-party test data (read only).
			e.Setenv("VOUCH_TESTDATA", testdata)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"exit": cmdExit},
	})
}

// cmdExit is the transcripts' "exit CODE PROGRAM ARGS...": it runs the
// program like exec and fails unless it exits with exactly CODE, so that
// "exit 3 vouch verify ..." cannot pass on a usage error (2) or a crash.
// stdout and stderr are kept for the assertions that follow.
func cmdExit(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exit (give the expected code)")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exit CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exit: code %q is not a number", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exit: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"sbom"},
		{"sbom", "--no-such-flag", "."},
		{"sbom", ".", "-o", "nonsense"},
		{"sbom", ".", "-o", "cyclonedx-json@9.9"},
		{"sbom", ".", "-o", "cyclonedx-json", "-o", "spdx-json"},
		{"sbom", ".", "--source-date-epoch", "yesterday"},
		{"sbom", ".", "--author", "not an address"},
		{"no-such-command"},
	} {
		var out, errb bytes.Buffer
		code := Run(context.Background(), args, nil, &out, &errb)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d; stderr:\n%s", args, code, ExitUsage, errb.String())
		}
		if !strings.HasPrefix(errb.String(), "vouch: error: ") {
			t.Errorf("%v: stderr does not start with 'vouch: error: ': %q", args, errb.String())
		}
	}
}
