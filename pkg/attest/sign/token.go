package sign

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/sigstore/sigstore/pkg/oauthflow"
)

// Environment variables [TokenFromEnv] reads.
const (
	// EnvIDToken holds an OIDC identity token to use as is.
	EnvIDToken = "SIGSTORE_ID_TOKEN"
	// EnvActionsTokenURL and EnvActionsToken are set by GitHub Actions in
	// jobs with `permissions: id-token: write`.
	EnvActionsTokenURL = "ACTIONS_ID_TOKEN_REQUEST_URL"
	EnvActionsToken    = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
)

// Audience is the OIDC audience Fulcio accepts.
const Audience = "sigstore"

// MaxTokenSize bounds an identity token and the response carrying it; real
// tokens are 1–2 KiB.
const MaxTokenSize = 64 << 10

// Token errors.
var (
	// ErrNoToken means no identity token was found in the environment.
	ErrNoToken = errors.New("no OIDC identity token")
	// ErrInvalidToken means a token is not a JWT with a subject.
	ErrInvalidToken = errors.New("invalid OIDC identity token")
)

// TokenFromEnv finds an OIDC identity token for keyless signing: first
// $SIGSTORE_ID_TOKEN, then GitHub Actions' ambient token (a GET to
// $ACTIONS_ID_TOKEN_REQUEST_URL with audience "sigstore", authorised by
// $ACTIONS_ID_TOKEN_REQUEST_TOKEN). getenv is os.Getenv in production;
// client nil means http.DefaultClient. It returns an error wrapping
// [ErrNoToken] when neither source is there. The token is never logged: errors
// name the source, not the value.
func TokenFromEnv(ctx context.Context, getenv func(string) string, client *http.Client) (string, error) {
	if tok := strings.TrimSpace(getenv(EnvIDToken)); tok != "" {
		if _, err := tokenSubject(tok); err != nil {
			return "", fmt.Errorf("$%s: %w", EnvIDToken, err)
		}
		return tok, nil
	}
	reqURL, reqTok := getenv(EnvActionsTokenURL), getenv(EnvActionsToken)
	if reqURL == "" || reqTok == "" {
		return "", fmt.Errorf("%w: set $%s, or run in GitHub Actions with `permissions: id-token: write`", ErrNoToken, EnvIDToken)
	}
	tok, err := githubToken(ctx, reqURL, reqTok, client)
	if err != nil {
		return "", fmt.Errorf("GitHub Actions identity token: %w", err)
	}
	return tok, nil
}

func githubToken(ctx context.Context, rawURL, bearer string, client *http.Client) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("$%s is not an http(s) URL", EnvActionsTokenURL)
	}
	q := u.Query()
	q.Set("audience", Audience)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("Accept", "application/json")
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// The error names the URL, which carries no secret.
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxTokenSize+1))
	if err != nil {
		return "", fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token endpoint returned %s", resp.Status)
	}
	if len(body) > MaxTokenSize {
		return "", fmt.Errorf("token response is larger than %d bytes", MaxTokenSize)
	}
	var r struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "", fmt.Errorf("token response is not JSON {\"value\": ...}: %w", err)
	}
	if r.Value == "" {
		return "", errors.New("token response has no \"value\"")
	}
	if _, err := tokenSubject(r.Value); err != nil {
		return "", err
	}
	return r.Value, nil
}

// tokenSubject checks that tok looks like a JWT and returns the identity
// Fulcio will certify (a verified email claim when present, else sub). The signature
// is not checked: that is Fulcio's job; this only turns a pasted wrong value
// into a clear error before any request is made.
func tokenSubject(tok string) (string, error) {
	if len(tok) > MaxTokenSize {
		return "", fmt.Errorf("%w: longer than %d bytes", ErrInvalidToken, MaxTokenSize)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("%w: not a JWT (want three dot-separated parts, got %d)", ErrInvalidToken, len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("%w: payload is not base64url: %w", ErrInvalidToken, err)
	}
	var claims struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(raw, &claims); err != nil {
		return "", fmt.Errorf("%w: payload is not a JSON object: %w", ErrInvalidToken, err)
	}
	if claims.Iss == "" {
		return "", fmt.Errorf("%w: no \"iss\" claim", ErrInvalidToken)
	}
	// The same subject rule sigstore-go's Fulcio client applies before
	// signing the proof of possession.
	sub, err := oauthflow.SubjectFromUnverifiedToken(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return sub, nil
}
