package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/serve/store"
)

// Webhook secrets: at least 32 bytes (a 256-bit HMAC key), at most 1 KiB.
const (
	MinWebhookSecret = 32
	maxWebhookSecret = 1024
	// maxWebhookBody bounds a PUT webhook body.
	maxWebhookBody = 8 << 10
	maxWebhookURL  = 2048
)

// WebhookRequest is the body of PUT /v1/namespaces/{ns}/webhook.
type WebhookRequest struct {
	// URL receives the namespace's events: https, or http to a loopback
	// address only (a receiver on the same machine).
	URL string `json:"url"`
	// Secret keys each delivery's signature (see VerifyWebhookSignature).
	Secret string `json:"secret"`
}

// WebhookResponse is a namespace's webhook as the API shows it: never its
// secret.
type WebhookResponse struct {
	Namespace string    `json:"namespace"`
	URL       string    `json:"url"`
	Created   time.Time `json:"created"`
}

// decodeWebhook reads a PUT webhook body strictly and checks its fields.
func decodeWebhook(body []byte) (WebhookRequest, error) {
	var req WebhookRequest
	if err := strictjson.CheckFolded(body, 4); err != nil {
		return req, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, strictjson.Explain(body, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, errors.New("data after the JSON object")
	}
	if err := checkWebhookURL(req.URL); err != nil {
		return req, err
	}
	if n := len(req.Secret); n < MinWebhookSecret || n > maxWebhookSecret {
		return req, fmt.Errorf("secret: expected %d to %d bytes, found %d", MinWebhookSecret, maxWebhookSecret, n)
	}
	return req, nil
}

// checkWebhookURL accepts an absolute https URL, or http to a loopback
// host; no credentials (GET returns the URL) and no fragment.
func checkWebhookURL(raw string) error {
	if raw == "" || len(raw) > maxWebhookURL {
		return fmt.Errorf("url: expected an https URL of at most %d bytes, found %d bytes", maxWebhookURL, len(raw))
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("url: %w", err)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("url %q: expected an absolute URL with a host", raw)
	case u.User != nil:
		return fmt.Errorf("url %q: expected no user or password in the URL (the API returns it)", u.Redacted())
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("url %q: expected no fragment", raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("url %q: expected https (http only to a loopback address), found http to %s", raw, u.Hostname())
	}
	return fmt.Errorf("url %q: expected scheme https, found %q", raw, u.Scheme)
}

// isLoopback reports whether host is "localhost" or a loopback IP.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// putWebhook sets the namespace's webhook, replacing any other.
func (s *Server) putWebhook(w http.ResponseWriter, r *http.Request) {
	ns, ok := s.namespace(w, r)
	if !ok {
		return
	}
	body, ok := s.readBody(w, r, maxWebhookBody)
	if !ok {
		return
	}
	req, err := decodeWebhook(body)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	if _, ok := s.currentPolicy(w, r, ns); !ok {
		return
	}
	hook := store.Webhook{Namespace: ns, URL: req.URL, Secret: req.Secret, Created: time.Now().UTC()}
	if err := s.cfg.Store.PutWebhook(r.Context(), hook); err != nil {
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "storing the webhook failed")
		return
	}
	writeJSON(w, http.StatusOK, webhookResponse(hook))
}

func webhookResponse(h store.Webhook) WebhookResponse {
	return WebhookResponse{Namespace: h.Namespace, URL: h.URL, Created: h.Created}
}

// getWebhook returns the namespace's webhook without its secret.
func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) {
	ns, ok := s.namespace(w, r)
	if !ok {
		return
	}
	hook, err := s.cfg.Store.Webhook(r.Context(), ns)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, codeNotFound, "namespace "+ns+" has no webhook")
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "reading the webhook failed")
	default:
		writeJSON(w, http.StatusOK, webhookResponse(hook))
	}
}

// deleteWebhook removes the namespace's webhook: deliveries still queued
// then complete without being sent.
func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	ns, ok := s.namespace(w, r)
	if !ok {
		return
	}
	err := s.cfg.Store.DeleteWebhook(r.Context(), ns)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, codeNotFound, "namespace "+ns+" has no webhook")
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "deleting the webhook failed")
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
