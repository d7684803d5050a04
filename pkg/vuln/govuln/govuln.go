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
	"github.com/vouchdev/vouch/pkg/vuln/govuln/internal/stream"
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

// Analyze reports the vulnerabilities of the Go binary at path according
// to the Go records of db: one match per module and advisory, with the
// deepest reachability govulncheck -mode binary finds and, for "called",
// the vulnerable symbols the binary contains. Go advisories carry no
// severity: it is "unknown".
func Analyze(ctx context.Context, db *vuln.DB, binary string) ([]vuln.Match, error) {
	return analyzeBinary(ctx, db.GoRecords, binary)
}

// analyzeBinary is Analyze on a stream of Go records.
func analyzeBinary(ctx context.Context, recs recordSource, path string) ([]vuln.Match, error) {
	f, _, err := safefile.Open("Go binary", path)
	if err != nil {
		return nil, err
	}
	f.Close()
	return run(ctx, recs, nil, "-mode", "binary", "-scan", string(Symbol), path)
}

// run builds (or reuses) the database of recs, runs govulncheck with args
// and -format json on it, and reads its stream.
func run(ctx context.Context, recs recordSource, env []string, args ...string) ([]vuln.Match, error) {
	db, err := openDatabase(ctx, recs)
	if err != nil {
		return nil, err
	}
	defer db.cleanup()
	u, err := db.URL()
	if err != nil {
		return nil, err
	}
	full := append([]string{"-db", u, "-format", "json"}, args...)
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
	ms, perr := stream.Parse(pr)
	pr.CloseWithError(errStopped)
	// Closing the reading end makes govulncheck's next write fail, so Wait
	// returns even when parsing stopped early. A failed govulncheck
	// explains a broken stream; when parsing stopped first, govulncheck's
	// error is only that its output was cut.
	werr := cmd.Wait()
	switch {
	case werr != nil && !errors.Is(werr, errStopped):
		return nil, fmt.Errorf("govulncheck: %s", cmp.Or(strings.TrimSpace(stderr.String()), werr.Error()))
	case perr != nil:
		return nil, perr
	}
	return ms, nil
}

// errStopped is what govulncheck's writes fail with once its output is no
// longer read.
var errStopped = errors.New("output no longer read")

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
