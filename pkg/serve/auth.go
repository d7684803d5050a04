package serve

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/vouchdev/vouch/pkg/serve/store"
)

// tokenPrefix marks vouch API tokens, so secret scanners can find leaked ones.
const tokenPrefix = "vouch_"

// Error codes of a token that was valid once.
const (
	codeTokenExpired = "token_expired"
	codeTokenRevoked = "token_revoked"
)

// EnsureAdminToken makes a global admin token when the store has no token
// at all (the first start) and returns its secret, to be shown once: only
// its SHA-256 is stored. With tokens already stored, revoked ones too, it
// returns "".
func EnsureAdminToken(ctx context.Context, st store.Store) (string, error) {
	n, err := st.CountTokens(ctx)
	if err != nil {
		return "", fmt.Errorf("counting API tokens: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	secret := newSecret(32)
	if err := st.CreateToken(ctx, store.Token{ID: newID(), SHA256: tokenSum(secret), Scope: ScopeAdmin}); err != nil {
		return "", fmt.Errorf("storing the admin token: %w", err)
	}
	return secret, nil
}

// newSecret returns a prefixed random token of n bytes.
func newSecret(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// tokenSum is how a token is stored and looked up: a 256-bit random secret
// needs no slow password hash.
func tokenSum(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// tokenKey is the context key of the request's token.
type tokenKey struct{}

// requestToken is the token authorized returned for r.
func requestToken(r *http.Request) store.Token {
	t, _ := r.Context().Value(tokenKey{}).(store.Token)
	return t
}

// authorized checks the bearer token, the token's rate and its scope for
// the route r matched, writing a 401, 429, 403 or 500 when one does not
// pass; else it returns r carrying the token (requestToken).
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	t, ok := s.authenticate(w, r)
	if !ok || !s.withinRate(w, r, t) || !s.permitted(w, r, t) {
		return r, false
	}
	return r.WithContext(context.WithValue(r.Context(), tokenKey{}, t)), true
}

// authenticate finds the request's token, refusing a missing, unknown,
// revoked or expired one with a 401.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (store.Token, bool) {
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(secret, tokenPrefix) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vouch"`)
		s.fail(w, r, http.StatusUnauthorized, codeUnauthorized, `expected the header "Authorization: Bearer vouch_..." with an API token`)
		return store.Token{}, false
	}
	t, err := s.cfg.Store.TokenBySHA256(r.Context(), tokenSum(secret))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "looking up the API token failed")
		return store.Token{}, false
	}
	code, msg := "", ""
	switch now := time.Now(); {
	case err != nil:
		code, msg = codeUnauthorized, "the API token is not known to this service"
	case !t.Revoked.IsZero():
		code, msg = codeTokenRevoked, fmt.Sprintf("the API token %s was revoked at %s", t.ID, t.Revoked.Format(time.RFC3339))
	case !t.Expires.IsZero() && !now.Before(t.Expires):
		code, msg = codeTokenExpired, fmt.Sprintf("the API token %s expired at %s", t.ID, t.Expires.Format(time.RFC3339))
	default:
		return t, true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="vouch", error="invalid_token"`)
	s.fail(w, r, http.StatusUnauthorized, code, msg)
	return store.Token{}, false
}
