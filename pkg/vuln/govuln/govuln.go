// Package govuln finds the known vulnerabilities of Go binaries and
// modules with golang.org/x/vuln (govulncheck) v1.9.0, run in process and
// offline, so that each is "called", "imported" or "required" exactly as
// govulncheck reports it.
//
// govulncheck reads a database in its v1 layout (index/db.json,
// index/modules.json, ID/<id>.json; https://go.dev/security/vuln/database#api).
// vouch's database is the OSV export (Go/all.zip), so the layout is built
// from its Go records once and kept in vouch's cache directory under the
// records' digest; later runs with the same records reuse it. It is built
// beside its final name and renamed into place, so a concurrent run never
// reads half a database.
//
// Nothing here uses the network: the database is a file:// URL, a binary
// is read from disk, and a source module is loaded with GOPROXY=off, so a
// dependency missing from its vendor directory or the module cache is an
// error rather than a download.
package govuln

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/vuln/scan"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// Level is how deep a source module is analysed: [Module] reads its
// requirements only ("required" findings); [Package] also which
// vulnerable packages its packages import ("imported"); [Symbol] also
// which vulnerable functions they call ("called").
type Level string

// Levels, as govulncheck's -scan flag names them.
const (
	Module  Level = "module"
	Package Level = "package"
	Symbol  Level = "symbol"
)

// maxStderr bounds what is kept of govulncheck's error output.
const maxStderr = 64 << 10

// AnalyzeBinary reports the vulnerabilities of the Go binary at path
// according to the Go records recs: one match per module and advisory,
// with the deepest reachability govulncheck -mode binary finds and, for
// "called", the vulnerable symbols the binary contains.
func AnalyzeBinary(ctx context.Context, recs Records, path string) ([]vuln.Match, error) {
	f, _, err := safefile.Open("Go binary", path)
	if err != nil {
		return nil, err
	}
	f.Close()
	return run(ctx, recs, nil, "-mode", "binary", "-scan", string(Symbol), path)
}

// run builds (or reuses) the database of recs, runs govulncheck with args
// and -format json on it, and reads its stream.
func run(ctx context.Context, recs Records, env []string, args ...string) ([]vuln.Match, error) {
	db, err := openDatabase(ctx, recs)
	if err != nil {
		return nil, err
	}
	defer db.cleanup()
	full := append([]string{"-db", db.URL(), "-format", "json"}, args...)
	return runScan(ctx, env, full)
}

// runScan runs govulncheck in process and parses its output as it is
// written.
func runScan(ctx context.Context, env, args []string) ([]vuln.Match, error) {
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	cmd := scan.Command(ctx, args...)
	cmd.Stdout, cmd.Stderr, cmd.Env = pw, &limitedBuffer{buf: &stderr, max: maxStderr}, env
	cmd.Stdin = strings.NewReader("")
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { pw.CloseWithError(cmd.Wait()) }()
	ms, perr := parseStream(pr)
	pr.CloseWithError(errors.New("output no longer read"))
	// Once the pipe is closed, Wait has returned; when parsing stopped
	// first, govulncheck's error is only that its output was cut.
	werr := cmd.Wait()
	msg := strings.TrimSpace(stderr.String())
	switch {
	case werr != nil && perr != nil:
		return nil, fmt.Errorf("%w (govulncheck: %s)", perr, cmp.Or(msg, werr.Error()))
	case werr != nil:
		return nil, fmt.Errorf("govulncheck: %s", cmp.Or(msg, werr.Error()))
	case perr != nil:
		return nil, perr
	}
	return ms, nil
}

// limitedBuffer keeps the first max bytes written to it and drops the rest.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
