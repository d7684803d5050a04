// Package nonet lets a test prove that code stays offline: every HTTP
// request and DNS lookup through the process defaults fails the test.
package nonet

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
)

// Forbid fails t on any HTTP request or DNS dial made through the process
// defaults (http.DefaultTransport, http.DefaultClient, net.DefaultResolver),
// which sigstore-go's TUF fetcher and vouch use, until the test ends. Tests
// that call it must not run in parallel with tests that need those defaults.
func Forbid(t testing.TB) {
	t.Helper()
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("HTTP request %s %s while offline", r.Method, r.URL)
		return nil, errors.New("network disabled by test")
	})
	oldTransport, oldClientTransport := http.DefaultTransport, http.DefaultClient.Transport
	http.DefaultTransport, http.DefaultClient.Transport = rt, rt
	oldDial, oldPreferGo := net.DefaultResolver.Dial, net.DefaultResolver.PreferGo
	net.DefaultResolver.PreferGo = true
	net.DefaultResolver.Dial = func(_ context.Context, network, addr string) (net.Conn, error) {
		t.Errorf("network dial %s %s while offline", network, addr)
		return nil, errors.New("network disabled by test")
	}
	t.Cleanup(func() {
		http.DefaultTransport, http.DefaultClient.Transport = oldTransport, oldClientTransport
		net.DefaultResolver.Dial, net.DefaultResolver.PreferGo = oldDial, oldPreferGo
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
