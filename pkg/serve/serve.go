// Package serve is vouch's verification service: registries POST an
// artifact's digests and its Sigstore bundles, the service verifies them
// against the namespace's policy with the same engine as vouch verify,
// stores the decision and returns the same report as vouch verify -o json.
//
// # API (JSON over HTTP; every request needs "Authorization: Bearer TOKEN")
//
//	PUT  /v1/namespaces/{ns}/policy          a policy (YAML, as vouch verify --policy); creates ns
//	GET  /v1/namespaces/{ns}/policy          the current policy document
//	POST /v1/namespaces/{ns}/verifications   {"subject": {"digests": {...}, "purl", "uri", "repository"}, "bundles": [...]}
//	GET  /v1/verifications/{id}              one decision
//	GET  /v1/subjects/{digest}               every decision for sha256:<hex> or sha512:<hex>
//	POST   /v1/tokens                        a token (the global admin only): {"scope", "namespace", "expiresIn"?}
//	GET    /v1/tokens                        every token, without secrets
//	DELETE /v1/tokens/{id}                   revoke a token
//	PUT  /v1/namespaces/{ns}/webhook         {"url": "https://...", "secret": "..."}: where events go
//	GET  /v1/namespaces/{ns}/webhook         the webhook's url (never its secret)
//	DELETE /v1/namespaces/{ns}/webhook       no more deliveries
//	GET  /v1/vsa/{digest}                    the signed VSA of the digest's newest current decision
//	GET  /v1/vsa-key                         the PEM public key VSAs verify with
//	GET  /v1/namespaces/{ns}/integrity/{project}/{version}/{file}/provenance
//	                                         PyPI's provenance object of the newest decision on the file
//	GET  /v1/namespaces/{ns}/npm/v1/attestations/{name}@{version}
//	                                         npm's attestations response of the newest decision
//
// Tokens are scoped (scopes.go): verify, read or admin of one namespace,
// or the global admin; they may expire and be revoked, and each may make
// Config.RateLimit requests per second to one Server (ratelimit.go).
//
// # Operations (no token: probes and scrapers have none)
//
//	GET  /healthz   200 while the process serves (liveness)
//	GET  /readyz    200 when the database answers a ping, else 503 (readiness)
//	GET  /metrics   Prometheus metrics, from a registry per Server
//
// /metrics tells request counts by route and status, decisions by outcome
// and latencies, nothing of a namespace or a record; still, expose it only
// where the scraper is (vouch serve listens on loopback by default). Every
// request is logged as one slog line: method, route pattern, status,
// duration, namespace, and the error code and message of a failure; never a
// header, so never a token.
//
// Errors are {"error": {"code": "...", "message": "..."}} with a 4xx or 5xx
// status; a request that fails stores nothing. schemas/openapi.yaml is the
// API's OpenAPI 3.1 document; openapi_test.go holds the server to it.
//
// # Idempotency
//
// A verification is keyed by everything its decision depends on (namespace,
// subject digests and package URL, bundle digests, policy digest, trust
// digest): the same request again returns the stored record (200) instead of
// a new one (201), also when requests race, because the key is unique in
// the database (package store).
//
// # Publisher drift and webhooks
//
// A verified decision about a package URL records who published it
// (repositories, workflows and builders the verified evidence names). When
// a decision's publisher differs from the newest verified decision on the
// same package in the namespace (any version: another file of a released
// version is compared as a new version is), the decision
// carries the finding "publisher-drift" (failing, unless the namespace's
// policy says publisher: {drift: report}) and a "publisher.drift" event is
// queued with the record, to be POSTed to the namespace's webhook by
// [WebhookWorker] at least once:
//
//	POST <url>
//	X-Vouch-Event: publisher.drift
//	X-Vouch-Delivery: <id, the same on every retry>
//	X-Vouch-Timestamp: <Unix seconds of this attempt>
//	X-Vouch-Signature: sha256=HEX(HMAC-SHA256(secret, timestamp + "." + body))
//	{"id", "type", "namespace", "verificationId", "created", "data"}
//
// Receivers check the signature and the timestamp's age with
// [VerifyWebhookSignature] and deduplicate by the delivery id. A 2xx
// within [DeliveryTimeout] completes a delivery; anything else is retried
// with exponential backoff and jitter, [WebhookMaxAttempts] attempts in
// all; redirects are not followed.
//
// # Background work
//
// Start runs River workers on the store's job queue, shared by replicas:
// when a namespace's policy or the service's trust changes, each current
// decision is verified again from its stored bundles and the new decision
// stored as a record that supersedes it (reason "policy" or "trust"; and
// "vulnerability database changed" for the decisions of a policy with a
// vulnerabilities gate when Config.VulnDB swaps, see vulndb.go); the
// earlier record is kept, and GET shows both (supersedes, supersededBy).
// Stop stops the workers after the HTTP server is drained.
//
// # Trust
//
// The engine (keys, trusted root) is built by the caller and is the same
// for every namespace. A TrustHolder holds it with its digest; a refresh
// of the trusted root (RefreshTrust) swaps both for later requests, and a
// request keeps the pair it started with. A served policy may not name files (trust.keys,
// trust.trustedRoot, layout): they would be read from the server's disk.
package serve

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
)

// DefaultMaxBody bounds a verification request's body: a Sigstore bundle
// with a certificate chain and an SBOM attestation is well under a megabyte,
// and a request carries at most MaxBundles of them.
const DefaultMaxBody = 16 << 20

// Config is what a Server is built from.
type Config struct {
	Store store.Store
	// Verifier is the engine, built once with the deployment's trust.
	Verifier *engine.Verifier
	// TrustSHA256 names Verifier's trust in idempotency keys and records
	// (see TrustDigest): a decision made with other keys or another root is
	// another record.
	TrustSHA256 string
	// Trust, when set, holds the engine and digest instead of Verifier and
	// TrustSHA256, so that they can be swapped while the Server runs
	// (trust.go); New makes one from Verifier and TrustSHA256 otherwise.
	Trust *TrustHolder
	// VulnDB, when set, holds the vulnerability database of policies'
	// vulnerabilities gates with its digest, which each such decision
	// records and has in its key; the Verifier's (and every swapped-in
	// Trust's) engine.Options.Vulns must be this holder, so that a
	// decision matches against the database it records (vulndb.go).
	VulnDB *VulnDBHolder
	// MaxBody bounds a verification request's body (default DefaultMaxBody).
	MaxBody int64
	// Logger receives one line per request (default slog.Default).
	Logger *slog.Logger
	// RateLimit is the requests per second each token may make to this
	// Server, with bursts of up to Burst (default: RateLimit, at least 1);
	// 0 is no limit. See ratelimit.go.
	RateLimit float64
	Burst     int

	// VSASigner, when set, signs a verification summary (SLSA VSA v1) of
	// every new decision before it is stored: no record is stored without
	// one. VSAPublicKey is the PEM public key it signs with, served at GET
	// /v1/vsa-key (nil for a keyless signer); VerifierID is the VSA's
	// verifier.id (default DefaultVerifierID).
	VSASigner    VSASigner
	VSAPublicKey []byte
	VerifierID   string
	// PollInterval is how often background work looks for jobs (default
	// DefaultPollInterval); see Start.
	PollInterval time.Duration
	// AddWorkers registers River workers with those of the service (the
	// re-evaluation). nil registers the webhook delivery worker
	// (NewWebhookWorker over Store); a function set here replaces that
	// default, so it registers a jobs.Webhook worker of its own, or none
	// when this process is not to deliver webhooks (the jobs then wait for
	// one that is).
	AddWorkers func(*river.Workers)
}

// Server serves the API. Build it with New; it is safe for concurrent use.
type Server struct {
	cfg Config
	mux *http.ServeMux
	// policies caches compiled policies by SHA-256: a document's digest
	// is its identity, so the cache never goes stale.
	policies sync.Map // string → *policy.Policy
	metrics  *metrics
	limits   *limits
	// trustMetrics count trust refreshes (trust.go).
	trustMetrics *trustMetrics
	// vulnDBMetrics count vulnerability database reloads (vulndb.go).
	vulnDBMetrics *vulnDBMetrics
	// bg is the background work (background.go).
	bg background
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("serve: a store is required")
	}
	if cfg.Trust == nil {
		h, err := NewTrustHolder(Trust{Verifier: cfg.Verifier, SHA256: cfg.TrustSHA256})
		if err != nil {
			return nil, err
		}
		cfg.Trust = h
	}
	if err := checkVSAConfig(&cfg); err != nil {
		return nil, err
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.AddWorkers == nil {
		st := cfg.Store
		cfg.AddWorkers = func(w *river.Workers) { river.AddWorker(w, NewWebhookWorker(st)) }
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), metrics: newMetrics(), limits: newLimits(cfg.RateLimit, cfg.Burst)}
	s.trustMetrics = newTrustMetrics(s.metrics.registry)
	s.vulnDBMetrics = newVulnDBMetrics(s.metrics.registry)
	s.metrics.registry.MustRegister(newQueueCollector(s))
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	s.handle("PUT /v1/namespaces/{ns}/policy", s.putPolicy)
	s.handle("GET /v1/namespaces/{ns}/policy", s.getPolicy)
	s.handle("POST /v1/namespaces/{ns}/verifications", s.postVerification)
	s.handle("GET /v1/verifications/{id}", s.getVerification)
	s.handle("GET /v1/subjects/{digest}", s.getSubject)
	s.handle("POST /v1/tokens", s.postToken)
	s.handle("GET /v1/tokens", s.getTokens)
	s.handle("DELETE /v1/tokens/{id}", s.deleteToken)
	s.handle("PUT /v1/namespaces/{ns}/webhook", s.putWebhook)
	s.handle("GET /v1/namespaces/{ns}/webhook", s.getWebhook)
	s.handle("DELETE /v1/namespaces/{ns}/webhook", s.deleteWebhook)
	s.handle("GET /v1/vsa/{digest}", s.getVSA)
	s.handle("GET /v1/vsa-key", s.getVSAKey)
	s.handle("GET /v1/namespaces/{ns}/integrity/{project}/{version}/{filename}/provenance", s.getPyPIProvenance)
	s.handle("GET /v1/namespaces/{ns}/npm/v1/attestations/{spec...}", s.getNPMAttestations)
	s.handle("/", s.noRoute)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.metrics.handler())
}

// handle routes pattern to h behind the token check (scopes.go says what
// each route needs). The check runs after routing, so that the request log
// and metrics know the route of a refused request too; any request without
// a valid token is still a 401, whatever its path, but for the operations
// endpoints.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if r, ok := s.authorized(w, r); ok {
			h(w, r)
		}
	})
}

// noRoute answers what no route takes, in the API's error shape: 405 with
// Allow for a path known under other methods, else 404.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.fail(w, r, http.StatusMethodNotAllowed, codeMethod, r.Method+" "+r.URL.Path+": expected "+strings.Join(allow, " or "))
		return
	}
	s.fail(w, r, http.StatusNotFound, codeNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
}

// ServeHTTP routes the request (the route's handler checks the token),
// then logs and counts it. A path that is not clean (an empty segment, "."
// or "..") is no endpoint: ServeMux would answer it with an HTML redirect,
// outside the API's error shape, and a client following it would send its
// body to a path it did not name.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w}
	defer s.observe(rec, r, time.Now())
	if !cleanPath(r.URL.Path) {
		if _, ok := s.authorized(rec, r); ok {
			s.fail(rec, r, http.StatusNotFound, codeNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path+": expected a path without empty, . or .. segments")
		}
		return
	}
	s.mux.ServeHTTP(rec, r)
}

// cleanPath reports whether ServeMux routes p as it is, without
// redirecting to its cleaned form (path.Clean, keeping a trailing slash).
// A path not starting with "/" (the "*" of OPTIONS *) is not clean.
func cleanPath(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// TrustDigest names a deployment's trust: the IDs of the keys it trusts
// (any order) and the trusted root it verifies keyless bundles and log
// entries with (the root's bytes, or a name for a root that has none, such as
// the public-good root embedded in vouch). Its hex SHA-256 goes into every
// idempotency key.
func TrustDigest(keyIDs []string, root []byte) string {
	ids := append([]string(nil), keyIDs...)
	sort.Strings(ids)
	rootSum := sha256.Sum256(root)
	data, err := json.Marshal(map[string]any{"keys": ids, "root": hex.EncodeToString(rootSum[:])})
	if err != nil {
		panic(err) // strings always marshal
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// compiled returns the compiled policy of a stored document.
func (s *Server) compiled(p store.Policy) (*policy.Policy, error) {
	if c, ok := s.policies.Load(p.SHA256); ok {
		return c.(*policy.Policy), nil
	}
	c, err := parsePolicy(p.Namespace, p.Document)
	if err != nil {
		return nil, err
	}
	s.policies.Store(p.SHA256, c)
	return c, nil
}
