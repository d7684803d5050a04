// Package cli implements vouch's command line.
//
// # Exit codes
//
// Every command, whatever its output format, exits with:
//
//	0  success
//	1  an operational error (unreadable input, nothing catalogued, a write failed)
//	2  a usage error (unknown flag or format, missing argument)
//	3  requirements not met (verification or compliance failed; later commands)
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/internal/output"
)

// Exit codes; see the package documentation.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitUsage   = 2
	ExitFailure = 3
)

// version is set at release time with -ldflags "-X github.com/vouchdev/vouch/internal/cli.version=v1.2.3".
var version = ""

// Version returns vouch's own version: the release version stamped at build
// time, else the module version from build info, else "(devel)".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// usageError marks errors that are the caller's to fix (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitError carries a chosen exit code and an optional hint.
type exitError struct {
	code int
	err  error
	hint string
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// env is what commands need from the outside world; tests supply their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	isTTY          func(io.Writer) bool
}

// Run runs vouch with args (without the program name) and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: osGetenv, isTTY: isTerminal}
	return e.run(ctx, args)
}

func (e *env) run(ctx context.Context, args []string) int {
	root := e.rootCommand()
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if strings.HasPrefix(err.Error(), "unknown command ") {
		// cobra reports an unknown subcommand as a plain error.
		err = usageError{err}
	}
	// Errors quote documents, bundles and file names: escape what could
	// act on the terminal.
	fmt.Fprintf(e.stderr, "vouch: error: %s\n", output.VisibleLines(err.Error()))
	var ee *exitError
	var ue usageError
	switch {
	case errors.As(err, &ee):
		if ee.hint != "" {
			fmt.Fprintf(e.stderr, "hint: %s\n", output.VisibleLines(ee.hint))
		}
		return ee.code
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "hint: run 'vouch %s --help' for usage\n", commandName(args))
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return ExitError
	}
	return ExitError
}

// commandName is the subcommand named in args, for hints.
func commandName(args []string) string {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return ""
}

func (e *env) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "vouch",
		Short: "Make a software release provable, and check it",
		Long: `vouch makes a software release provable and lets anyone downstream check it.

  sbom        SBOMs (CycloneDX, SPDX) of Go modules, binaries and release archives,
              with the fields BSI TR-03183-2, NTIA and CISA ask for; byte-reproducible
  sbom check  check any SBOM against the official schema and BSI/NTIA/CISA profiles
  provenance  an in-toto SLSA v1 provenance statement for build artifacts
  keygen      a signing key pair (cosign's key format)
  sign        sign files into Sigstore bundles (keys, or keyless with Fulcio/Rekor)
  attest      sign in-toto statements (provenance, SBOMs) into Sigstore bundles
  release     SBOMs, signatures, provenance and checksums for a whole release
  verify      check artifacts, their signatures, provenance and SBOMs against a policy
  vex         write OpenVEX statements: whether a vulnerability affects a product
  cra report  a Cyber Resilience Act Annex I evidence report of a release (HTML, Markdown, JSON)

Everything works offline with keys or a trusted root on disk.

Exit codes: 0 success, 1 error, 2 usage error, 3 requirements not met.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(e.versionCommand())
	for _, c := range commands {
		root.AddCommand(c(e))
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	return root
}

// commands are the top-level commands besides version. Each command's file
// registers itself in an init function, so adding one touches no other file.
var commands []func(*env) *cobra.Command

func register(c func(*env) *cobra.Command) { commands = append(commands, c) }

func (e *env) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print vouch's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(e.stdout, "vouch %s\n", Version())
			return err
		},
	}
}
