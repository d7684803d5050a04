package serveacceptance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/attest/keys"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/servetest"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
)

// vouchBin is the vouch binary every test runs, built once by TestMain.
var vouchBin string

// TestMain builds cmd/vouch once into a temporary directory for all the
// tests of the package.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vouch-acceptance-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	vouchBin = filepath.Join(dir, "vouch")
	build := exec.Command("go", "build", "-o", vouchBin, "github.com/vouchdev/vouch/cmd/vouch")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building cmd/vouch:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Bounds of the tests' waits: none may hang a run.
const (
	startTimeout   = 30 * time.Second
	requestTimeout = 20 * time.Second
)

// servingRE finds the address in vouch serve's "serving" log line.
var servingRE = regexp.MustCompile(`msg=serving url=(http://\S+)`)

// proc is a running vouch serve.
type proc struct {
	t    testing.TB
	cmd  *exec.Cmd
	URL  string
	done chan struct{}
	// tokens counts the admin tokens printed; wantToken says how many
	// may be (one at the first start on a database, else none).
	tokens    atomic.Int32
	wantToken bool
	// log keeps what the process wrote on standard error, for failures.
	logMu sync.Mutex
	log   bytes.Buffer
}

// startServe runs vouch serve on a free loopback port with args and waits
// until it serves. With wantToken the process must print an admin token
// (its first start on an empty database), returned; else it must not.
func startServe(t testing.TB, wantToken bool, args ...string) (*proc, string) {
	t.Helper()
	p := &proc{t: t, done: make(chan struct{}), wantToken: wantToken}
	// --offline: no network in tests (the embedded public-good root,
	// never refreshed; a cache directory of its own, so nothing of this
	// machine's TUF cache is read); --rate-limit 0: the tests' clients send
	// more than one token's fair share on purpose.
	p.cmd = exec.Command(vouchBin, append([]string{"serve", "--listen", "127.0.0.1:0", "--offline", "--rate-limit", "0"}, args...)...)
	p.cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir(), "VOUCH_PASSWORD="+vsaKeyPassword)
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.kill)
	urls, tokens := make(chan string, 1), make(chan string, 1)
	go p.scanLog(stderr, urls)
	go p.scanToken(stdout, tokens)
	go func() { p.cmd.Wait(); close(p.done) }()
	select {
	case p.URL = <-urls:
	case <-p.done:
		t.Fatalf("vouch serve %s exited before serving:\n%s", strings.Join(args, " "), p.stderr())
	case <-time.After(startTimeout):
		t.Fatalf("vouch serve %s: no \"serving\" line in %v:\n%s", strings.Join(args, " "), startTimeout, p.stderr())
	}
	if !wantToken {
		// A token printed when none should be fails the test when the
		// process ends (checkTokens).
		return p, ""
	}
	// The token is printed before the serving line, on the other stream.
	select {
	case token := <-tokens:
		return p, token
	case <-time.After(startTimeout):
		t.Fatalf("vouch serve %s: no admin token printed at its first start", strings.Join(args, " "))
		return nil, ""
	}
}

// scanLog keeps the process's standard error and sends the served URL once.
func (p *proc) scanLog(r io.Reader, urls chan<- string) {
	sc := bufio.NewScanner(r)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		if m := servingRE.FindStringSubmatch(line); m != nil && !sent {
			urls <- m[1]
			sent = true
		}
		p.logMu.Lock()
		// Only the start and the last lines matter for a failure; one
		// line per request would grow without bound.
		if p.log.Len() > 64<<10 {
			p.log.Reset()
			p.log.WriteString("...\n")
		}
		p.log.WriteString(line + "\n")
		p.logMu.Unlock()
	}
}

// scanToken sends the first admin token the process prints on standard
// output, counts them all, and drains the rest.
func (p *proc) scanToken(r io.Reader, tokens chan<- string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "vouch_") {
			if p.tokens.Add(1) == 1 {
				tokens <- line
			}
		}
	}
}

// checkTokens fails the test when the process printed another number of
// admin tokens than it should have: one at its first start, else none.
func (p *proc) checkTokens() {
	want := int32(0)
	if p.wantToken {
		want = 1
	}
	if n := p.tokens.Load(); n != want {
		p.t.Errorf("vouch serve printed %d admin tokens, want %d", n, want)
	}
}

func (p *proc) stderr() string {
	p.logMu.Lock()
	defer p.logMu.Unlock()
	return p.log.String()
}

// kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	p.checkTokens()
}

// stop sends SIGTERM and waits for a clean exit (in-flight requests
// drained).
func (p *proc) stop() {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(startTimeout):
		p.t.Fatalf("vouch serve did not stop on SIGTERM in %v:\n%s", startTimeout, p.stderr())
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		p.t.Errorf("vouch serve exited %d on SIGTERM, want 0:\n%s", code, p.stderr())
	}
	p.checkTokens()
}

// client is what the tests reach the servers with: enough idle
// connections for every worker, and a bound on each request.
var client = &http.Client{
	Timeout:   requestTimeout,
	Transport: &http.Transport{MaxIdleConnsPerHost: 64},
}

// call sends a request with token and returns the status and body.
func call(method, url, token, body string) (int, []byte, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// mustCall is call failing the test on a transport error or another status
// than want.
func mustCall(t testing.TB, method, url, token, body string, want int) []byte {
	t.Helper()
	code, data, err := call(method, url, token, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	if code != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, url, code, want, data)
	}
	return data
}

// emptyPolicy requires a signature by a trusted key and nothing else.
const emptyPolicy = "apiVersion: vouch.dev/v1\nkind: Policy\n"

// putPolicy creates namespace ns with emptyPolicy.
func putPolicy(t testing.TB, url, token, ns string) {
	t.Helper()
	mustCall(t, http.MethodPut, url+"/v1/namespaces/"+ns+"/policy", token, emptyPolicy, http.StatusCreated)
}

// decode reads a JSON response.
func decode[T any](t testing.TB, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	return v
}

// records lists the stored decisions for an artifact's sha256.
func records(t testing.TB, url, token, sha256 string) []serve.VerificationResponse {
	t.Helper()
	data := mustCall(t, http.MethodGet, url+"/v1/subjects/sha256:"+sha256, token, "", http.StatusOK)
	return decode[serve.SubjectResponse](t, data).Verifications
}

// keyFile writes the signing key's PEM for vouch serve --key.
func keyFile(t testing.TB, pub []byte) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "key.pub")
	if err := os.WriteFile(name, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// vsaKeyPassword encrypts the VSA keys of the tests (vouch serve reads it
// from $VOUCH_PASSWORD).
const vsaKeyPassword = "acceptance"

// vsaKeyFile writes a new VSA signing key, encrypted as vouch keygen
// writes it: replicas on one PostgreSQL share it (vouch serve --vsa-key).
func vsaKeyFile(t testing.TB) string {
	t.Helper()
	k, err := keys.Generate(keys.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := keys.EncodePrivate(k, []byte(vsaKeyPassword))
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "vsa.key")
	if err := os.WriteFile(name, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// postgresDSN is a fresh PostgreSQL database (a schema of its own) for t,
// or skips t outside CI when none is configured (storetest's rules).
func postgresDSN(t testing.TB) string {
	t.Helper()
	for _, db := range storetest.DBs() {
		if db.Name == "postgres" {
			return db.NewDSN(t)
		}
	}
	t.Fatal("storetest lists no postgres database")
	return ""
}

// signed signs n artifacts and returns them with the --key file that
// trusts their key.
func signed(t testing.TB, n int) ([]servetest.Signed, string) {
	t.Helper()
	s, _, pub := servetest.SignArtifacts(t, n)
	return s, keyFile(t, pub)
}
