package cli

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// fakeTUF replaces the public-good loader for the test: offline loads are
// the real ones (the TUF cache or the embedded copy), online ones (the
// refreshes) fail and are counted.
func fakeTUF(t *testing.T) *atomic.Int64 {
	t.Helper()
	var online atomic.Int64
	real := loadPublicGood
	loadPublicGood = func(ctx context.Context, opts trust.Options) (*trust.Root, error) {
		if opts.Offline {
			opts.CacheDir = t.TempDir()
			return real(ctx, opts)
		}
		online.Add(1)
		return nil, errors.New("tuf: no network in tests")
	}
	t.Cleanup(func() { loadPublicGood = real })
	return &online
}

// TestServeTrustRefresh: without --offline, vouch serve refreshes the
// public-good root through TUF at start; a failed refresh is logged and
// counted in vouch_trust_refresh_failures_total, and the service goes on
// with the root it started with. Control: with --offline there is no
// refresh.
func TestServeTrustRefresh(t *testing.T) {
	online := fakeTUF(t)
	url, stdout, stderr, stop := startServeLogs(t, "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data"))
	waitFor(t, "the failed refresh's log line", func() bool {
		return strings.Contains(stderr.String(), "trust refresh failed") && strings.Contains(stderr.String(), "no network in tests")
	})
	if code, body := request(t, "GET", url+"/metrics", "", ""); code != 200 || !regexp.MustCompile(`(?m)^vouch_trust_refresh_failures_total 1$`).MatchString(body) {
		t.Errorf("metrics: %d, want vouch_trust_refresh_failures_total 1:\n%s", code, body)
	}
	token := regexp.MustCompile(`vouch_[A-Za-z0-9_-]{43}`).FindString(stdout.String())
	if code, body := request(t, "PUT", url+"/v1/namespaces/npm/policy", token, "apiVersion: vouch.dev/v1\nkind: Policy\n"); code != 201 {
		t.Errorf("serving after a failed refresh: %d %s", code, body)
	}
	if c := stop(); c != ExitOK {
		t.Errorf("shutdown: exit %d", c)
	}
	if online.Load() != 1 {
		t.Errorf("%d refreshes through TUF, want 1 (at start)", online.Load())
	}

	online.Store(0)
	_, _, _, stop = startServeLogs(t, "--offline", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data"))
	if c := stop(); c != ExitOK || online.Load() != 0 {
		t.Errorf("--offline: exit %d, %d refreshes through TUF, want 0", c, online.Load())
	}
}
