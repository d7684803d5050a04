// Package client is a Go client for the API of vouch serve (package
// pkg/serve): it posts verifications and reads stored decisions.
//
// Errors from the server are *APIError, carrying the API's stable code
// ("unknown_namespace", "invalid_request", ...). Responses are read up to a
// bound, so a misbehaving server cannot exhaust the caller's memory, and no
// request is retried: a 4xx will not change, and a POST retried after a
// lost 5xx is left to the caller (the API is idempotent, so it may).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/vouchdev/vouch/pkg/serve"
)

// MaxResponse bounds a response body: a subject's 1000 records with their
// reports fit well within it.
const MaxResponse = 64 << 20

// Request is the body of a verification (serve.VerificationRequest).
type Request = serve.VerificationRequest

// Record is a stored decision (serve.VerificationResponse).
type Record = serve.VerificationResponse

// Subject lists a digest's decisions (serve.SubjectResponse).
type Subject = serve.SubjectResponse

// APIError is an error response of the server: Status is the HTTP status,
// Code the API's machine-readable code, Message its words for people.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("vouch server: %d %s: %s", e.Status, e.Code, e.Message)
}

// Client talks to one vouch server. It is safe for concurrent use.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
	// limit bounds a response body (MaxResponse; tests lower it).
	limit int64
}

// New returns a client for the server at baseURL (http or https, no query)
// authenticating with token; httpClient nil is http.DefaultClient.
func New(baseURL, token string, httpClient *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("server URL %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("server URL %q: expected http(s)://HOST[:PORT][/PATH] without credentials, query or fragment", baseURL)
	}
	if token == "" {
		return nil, errors.New("an API token is required")
	}
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return &Client{base: u, token: token, http: httpClient, limit: MaxResponse}, nil
}

// Verify posts a verification of req in namespace ns and returns the
// decision: a refused verification is a Record with Verified false, not an
// error. The bundles go compacted (encoding/json compacts a RawMessage):
// the server names each by the SHA-256 of those bytes.
func (c *Client) Verify(ctx context.Context, ns string, req Request) (*Record, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encoding the request: %w", err)
	}
	var r Record
	return &r, c.do(ctx, http.MethodPost, "/v1/namespaces/"+url.PathEscape(ns)+"/verifications", body, &r)
}

// Verification returns the decision stored under id.
func (c *Client) Verification(ctx context.Context, id string) (*Record, error) {
	var r Record
	return &r, c.do(ctx, http.MethodGet, "/v1/verifications/"+url.PathEscape(id), nil, &r)
}

// Subject returns every decision for digest, "sha256:<hex>" or
// "sha512:<hex>".
func (c *Client) Subject(ctx context.Context, digest string) (*Subject, error) {
	var s Subject
	return &s, c.do(ctx, http.MethodGet, "/v1/subjects/"+url.PathEscape(digest), nil, &s)
}

// do sends one request and decodes a 2xx response into out.
func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	// path is escaped already; the base has no query or fragment.
	u := c.base.String() + path
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("vouch server: %s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.limit+1))
	if err != nil {
		return fmt.Errorf("vouch server: %s %s: reading the response: %w", method, u, err)
	}
	if int64(len(data)) > c.limit {
		return fmt.Errorf("vouch server: %s %s: the response is over %d bytes", method, u, c.limit)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return apiError(resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("vouch server: %s %s: expected a JSON %T, found: %w", method, u, out, err)
	}
	return nil
}

// apiError reads an error response; one not in the API's shape (a proxy's
// page) still gives its status, with the code "".
func apiError(status int, data []byte) *APIError {
	var b serve.ErrorBody
	if err := json.Unmarshal(data, &b); err != nil || b.Error.Code == "" {
		msg := strings.TrimSpace(string(data))
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		return &APIError{Status: status, Message: "not an API error response: " + msg}
	}
	return &APIError{Status: status, Code: b.Error.Code, Message: b.Error.Message}
}
