package serve

import (
	"testing"

	"github.com/vouchdev/vouch/pkg/serve/store"
)

// FuzzDecodeTokenRequest: the token request decoder never panics, and
// whatever it accepts is a token the service may make — a known scope,
// a namespace that is valid or, for admin alone, none, and an expiry
// within bounds.
func FuzzDecodeTokenRequest(f *testing.F) {
	f.Add([]byte(`{"scope":"read","namespace":"npm","expiresIn":60}`))
	f.Add([]byte(`{"scope":"admin"}`))
	f.Add([]byte(`{"scope":"verify","namespace":"","expiresIn":-1}`))
	f.Add([]byte(`{"scope":"admin","Scope":"read"}`))
	f.Add([]byte(`{"scope":"read","namespace":"npm","expiresIn":1e300}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeTokenRequest(body)
		if err != nil {
			return
		}
		switch {
		case req.Scope != ScopeVerify && req.Scope != ScopeRead && req.Scope != ScopeAdmin:
			t.Fatalf("accepted scope %q", req.Scope)
		case req.Namespace == "" && req.Scope != ScopeAdmin:
			t.Fatalf("accepted a global %s token", req.Scope)
		case req.Namespace != "" && !namespaceRE.MatchString(req.Namespace):
			t.Fatalf("accepted namespace %q", req.Namespace)
		case req.ExpiresIn != nil && (*req.ExpiresIn < 1 || *req.ExpiresIn > int64(MaxTokenLifetime.Seconds())):
			t.Fatalf("accepted expiresIn %d", *req.ExpiresIn)
		}
	})
}

// TestAllows states every scope × access × namespace cell, allowed and
// refused: the namespace of the token (npm), another (pypi), and none. A
// scope the service does not know, or a verify or read token without a
// namespace (never made by the service), is allowed nothing.
func TestAllows(t *testing.T) {
	accesses := []access{accessAny, accessVerify, accessRead, accessPolicy, accessRecords, accessGlobal}
	tokens := []struct {
		scope, ns string
		// own and other: per access above, in namespace npm, then pypi.
		own, other string
	}{
		{"admin", "", "111111", "111111"},
		{"admin", "npm", "111110", "100010"},
		{"verify", "npm", "110000", "100000"},
		{"read", "npm", "101010", "100010"},
		{"read", "", "000000", "000000"},
		{"verify", "", "000000", "000000"},
		{"write", "npm", "000000", "000000"},
	}
	for _, tok := range tokens {
		st := store.Token{ID: "t", Scope: tok.scope, Namespace: tok.ns}
		for i, a := range accesses {
			for _, c := range []struct{ ns, want string }{{"npm", tok.own}, {"pypi", tok.other}} {
				if got := allows(st, a, c.ns); got != (c.want[i] == '1') {
					t.Errorf("%s@%q, access %d in %s: %v, want %v", tok.scope, tok.ns, a, c.ns, got, !got)
				}
			}
		}
	}
}
