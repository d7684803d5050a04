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

	"github.com/vouchdev/vouch/pkg/serve/store"
)

// tokenPrefix marks vouch API tokens, so secret scanners can find leaked ones.
const tokenPrefix = "vouch_"

// ScopeAdmin may do everything in every namespace.
const ScopeAdmin = "admin"

// EnsureAdminToken makes an admin token when the store has no token at all
// (the first start) and returns its secret, to be shown once: only its
// SHA-256 is stored. With tokens already stored it returns "".
func EnsureAdminToken(ctx context.Context, st store.Store) (string, error) {
	n, err := st.CountTokens(ctx)
	if err != nil {
		return "", fmt.Errorf("counting API tokens: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	secret, id := newSecret(32), newSecret(8)
	if err := st.CreateToken(ctx, store.Token{ID: id, SHA256: tokenSum(secret), Scope: ScopeAdmin}); err != nil {
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

// authorized checks the bearer token, writing a 401 or 403 when it does not
// pass. Every scope but admin is refused for now.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(secret, tokenPrefix) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vouch"`)
		s.fail(w, r, http.StatusUnauthorized, codeUnauthorized, `expected the header "Authorization: Bearer vouch_..." with an API token`)
		return false
	}
	t, err := s.cfg.Store.TokenBySHA256(r.Context(), tokenSum(secret))
	switch {
	case errors.Is(err, store.ErrNotFound):
		w.Header().Set("WWW-Authenticate", `Bearer realm="vouch", error="invalid_token"`)
		s.fail(w, r, http.StatusUnauthorized, codeUnauthorized, "the API token is not known to this service")
		return false
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "looking up the API token failed")
		return false
	case t.Scope != ScopeAdmin:
		s.fail(w, r, http.StatusForbidden, codeForbidden, fmt.Sprintf("the API token's scope is %q: expected %q", t.Scope, ScopeAdmin))
		return false
	}
	return true
}
