package serve

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/vouchdev/vouch/pkg/serve/store"
)

// Token management (the global admin only):
//
//	POST   /v1/tokens        {"scope", "namespace", "expiresIn"?} → the secret, once
//	GET    /v1/tokens        every token, without secrets
//	DELETE /v1/tokens/{id}   revocation

// Limits of a token request.
const (
	// maxTokenBody bounds POST /v1/tokens: three short fields.
	maxTokenBody = 4 << 10
	// MaxTokenLifetime bounds expiresIn: ten years, far below where
	// seconds would overflow a time.Duration.
	MaxTokenLifetime = 10 * 365 * 24 * time.Hour
)

// TokenRequest is the body of POST /v1/tokens.
type TokenRequest struct {
	// Scope is "verify", "read" or "admin".
	Scope string `json:"scope"`
	// Namespace is the namespace the scope is for; "" only with admin,
	// for the global admin.
	Namespace string `json:"namespace,omitempty"`
	// ExpiresIn, in seconds, makes the token expire; absent, it does not.
	ExpiresIn *int64 `json:"expiresIn,omitempty"`
}

// TokenResponse describes a token; Token, its secret, is in the answer to
// POST /v1/tokens only: the service keeps its SHA-256 alone.
type TokenResponse struct {
	ID        string    `json:"id"`
	Scope     string    `json:"scope"`
	Namespace string    `json:"namespace"`
	Created   time.Time `json:"created"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
	Token     string    `json:"token,omitempty"`
}

// TokenList is the body of GET /v1/tokens.
type TokenList struct {
	Tokens []TokenResponse `json:"tokens"`
}

func tokenResponse(t store.Token) TokenResponse {
	return TokenResponse{ID: t.ID, Scope: t.Scope, Namespace: t.Namespace, Created: t.Created, ExpiresAt: t.Expires, RevokedAt: t.Revoked}
}

// check validates a token request, naming the field.
func (req *TokenRequest) check() error {
	switch req.Scope {
	case ScopeVerify, ScopeRead, ScopeAdmin:
	default:
		return fmt.Errorf("scope: expected %q, %q or %q, found %q", ScopeVerify, ScopeRead, ScopeAdmin, req.Scope)
	}
	switch {
	case req.Namespace == "" && req.Scope != ScopeAdmin:
		return fmt.Errorf("namespace: expected the namespace a %s token is for, found none (only admin may be global)", req.Scope)
	case req.Namespace != "" && !namespaceRE.MatchString(req.Namespace):
		return fmt.Errorf("namespace %q: expected 1-63 characters a-z 0-9 . _ -, starting with a letter or digit", req.Namespace)
	}
	if e := req.ExpiresIn; e != nil && (*e < 1 || *e > int64(MaxTokenLifetime/time.Second)) {
		return fmt.Errorf("expiresIn: expected seconds from 1 to %d, found %d", int64(MaxTokenLifetime/time.Second), *e)
	}
	return nil
}

// decodeTokenRequest decodes the body of POST /v1/tokens strictly (as a
// verification request) and checks its fields.
func decodeTokenRequest(body []byte) (*TokenRequest, error) {
	var req TokenRequest
	if err := decodeStrict(body, &req); err != nil {
		return nil, fmt.Errorf("token request: %w", err)
	}
	if err := req.check(); err != nil {
		return nil, fmt.Errorf("token request: %w", err)
	}
	return &req, nil
}

// postToken makes a token and returns its secret, once.
func (s *Server) postToken(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r, maxTokenBody)
	if !ok {
		return
	}
	req, err := decodeTokenRequest(body)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	secret := newSecret(32)
	now := time.Now()
	t := store.Token{ID: newID(), SHA256: tokenSum(secret), Scope: req.Scope, Namespace: req.Namespace, Created: now}
	if req.ExpiresIn != nil {
		t.Expires = now.Add(time.Duration(*req.ExpiresIn) * time.Second)
	}
	if err := s.cfg.Store.CreateToken(r.Context(), t); err != nil {
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "storing the token failed")
		return
	}
	// What the store keeps: times rounded as it rounds them.
	if stored, err := s.cfg.Store.TokenBySHA256(r.Context(), t.SHA256); err == nil {
		t = stored
	}
	resp := tokenResponse(t)
	resp.Token = secret
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, resp)
}

// getTokens lists every token, revoked ones too, without secrets.
func (s *Server) getTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.cfg.Store.Tokens(r.Context())
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "reading the tokens failed")
		return
	}
	out := TokenList{Tokens: []TokenResponse{}}
	for _, t := range ts {
		out.Tokens = append(out.Tokens, tokenResponse(t))
	}
	writeJSON(w, http.StatusOK, out)
}

// deleteToken revokes a token. The token of the request cannot revoke
// itself: it is a global admin, and the last one revoked would leave no one
// to manage tokens (a restart does not make a new one while any token,
// revoked or not, is stored).
func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id == requestToken(r).ID {
		s.fail(w, r, http.StatusConflict, codeConflict, "token "+id+" is the token of this request: revoke it with another global admin token")
		return
	}
	switch err := s.cfg.Store.RevokeToken(r.Context(), id, time.Now()); {
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, codeNotFound, "no token with id "+id)
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "revoking the token failed")
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
