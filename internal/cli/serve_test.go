package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs vouch serve with the database flags storeArgs on a free
// loopback port, offline (tests have no network: no refresh of the trusted
// root through TUF), until the returned stop is called, which returns the exit
// code; it also returns the base URL.
func startServe(t *testing.T, storeArgs ...string) (url string, stdout *syncBuffer, stop func() int) {
	t.Helper()
	url, stdout, _, stop = startServeLogs(t, append([]string{"--listen", "127.0.0.1:0", "--offline"}, storeArgs...)...)
	return url, stdout, stop
}

// startServeLogs is startServe with the flags args as they are, returning
// the log (standard error) too; the URL is http or https.
func startServeLogs(t *testing.T, args ...string) (url string, stdout, stderr *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	code := make(chan int, 1)
	go func() {
		code <- Run(ctx, append([]string{"serve"}, args...), strings.NewReader(""), stdout, stderr)
	}()
	re := regexp.MustCompile(`url=(https?://(?:127\.0\.0\.1|\[::\]|0\.0\.0\.0):\d+)`)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			return m[1], stdout, stderr, func() int { cancel(); return <-code }
		}
		select {
		case c := <-code:
			t.Fatalf("vouch serve exited %d: %s", c, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("vouch serve did not start: %s", stderr.String())
	return "", nil, nil, nil
}

func request(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// TestServeLifecycle: the first start prints an admin token once; requests
// need it; a shutdown exits 0; a restart on the same data directory keeps
// the token (hashed) and the namespace's policy, and prints no new token —
// on the embedded SQLite (--data-dir) and on PostgreSQL (--database).
func TestServeLifecycle(t *testing.T) { storetest.Run(t, testServeLifecycle) }

func testServeLifecycle(t *testing.T, db storetest.DB) {
	args := []string{"--data-dir", filepath.Join(t.TempDir(), "data")}
	if db.Name == "postgres" {
		args = []string{"--database", db.NewDSN(t)}
	}
	url, stdout, stop := startServe(t, args...)
	token := regexp.MustCompile(`vouch_[A-Za-z0-9_-]{43}`).FindString(stdout.String())
	if token == "" {
		t.Fatalf("no admin token printed: %q", stdout.String())
	}
	const doc = "apiVersion: vouch.dev/v1\nkind: Policy\n"
	if code, body := request(t, "PUT", url+"/v1/namespaces/npm/policy", "", doc); code != 401 {
		t.Errorf("without a token: %d %s", code, body)
	}
	if code, body := request(t, "PUT", url+"/v1/namespaces/npm/policy", token, doc); code != 201 {
		t.Errorf("PUT policy: %d %s", code, body)
	}
	if c := stop(); c != ExitOK {
		t.Fatalf("shutdown: exit %d", c)
	}

	url, stdout, stop = startServe(t, args...)
	defer stop()
	if strings.Contains(stdout.String(), "vouch_") {
		t.Errorf("a second admin token was printed: %q", stdout.String())
	}
	if code, body := request(t, "GET", url+"/v1/namespaces/npm/policy", token, ""); code != 200 || body != doc {
		t.Errorf("GET policy after restart: %d %q", code, body)
	}
}
