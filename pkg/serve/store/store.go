// Package store keeps what vouch serve decides: namespaces and their
// versioned policies, verification records and API tokens.
//
// # One interface, several databases
//
// [Store] is the whole contract the HTTP layer sees. The implementation is
// plain database/sql over portable SQL (package-private sqlStore): the
// embedded default is SQLite ([OpenSQLite], modernc.org/sqlite, pure Go),
// and the PostgreSQL store ([OpenPostgres], pgx's database/sql driver) is
// the same code with "$n" placeholders and SQLSTATE 23505 as its conflict;
// [Open] picks one from the DSN. Queries are written with "?" and rebound
// per dialect. SQLite has one writer, so its verification inserts are
// group-committed; PostgreSQL runs writers in parallel and needs none (a
// failed statement there aborts its whole transaction, so a shared one
// could not isolate a bad insert anyway).
//
// # Migrations
//
// The schema is versioned in migrations/*.sql and applied at open by
// goose (github.com/pressly/goose/v3), which supports both SQLite and
// PostgreSQL with one migration file set and records the applied versions
// in its own table. River (the job queue the service adopts for background
// work) migrates its own tables with its own mechanism, rivermigrate; it
// does not manage application tables, so the two sit side by side. Its
// migrations run at open, after goose's (queue.go).
//
// # Jobs
//
// Background work (re-evaluations, webhook deliveries) is queued on River
// (github.com/riverqueue/river) in the same database: riverdatabasesql over
// the PostgreSQL pool, riversqlite over SQLite's writer connection. A new
// policy version queues its re-evaluation, and a new record its events'
// deliveries, in the transaction that stores them ([Queue]).
//
// # Idempotency
//
// A verification is stored under its request key; the database's unique
// constraint on (namespace, request_key) makes concurrent identical requests
// — in one process or on several replicas — one record: every insert but
// the first does nothing, and each caller reads back the record that won.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound marks a lookup that found nothing.
var ErrNotFound = errors.New("not found")

// ErrConflict marks a write that lost a race it cannot resolve itself (two
// new policy versions at once on PostgreSQL): the caller may retry.
var ErrConflict = errors.New("conflicting concurrent write")

// Policy is one version of a namespace's policy document.
type Policy struct {
	Namespace string
	// Version counts from 1 per namespace.
	Version int64
	// SHA256 is the hex SHA-256 of Document: policies are content-addressed.
	SHA256   string
	Document []byte
	Created  time.Time
}

// Verification is one stored decision.
type Verification struct {
	ID        string
	Namespace string
	// RequestKey is the hex idempotency key of the request.
	RequestKey string
	// SubjectSHA256 and SubjectSHA512 are the subject's digests (hex; ""
	// when the request did not give that algorithm).
	SubjectSHA256, SubjectSHA512 string
	SubjectPURL                  string
	// SubjectURI is the resource URI the request named the subject by
	// (a file URL, "pypi:NAME-1.0.tar.gz"), or "".
	SubjectURI string
	// SubjectPackage is SubjectPURL in one spelling, the key of
	// VerificationsByPackage ("" without a package URL).
	SubjectPackage string
	// SubjectRepository is the source repository the request said the
	// package declares, or "".
	SubjectRepository string
	PolicyVersion     int64
	PolicySHA256      string
	// TrustSHA256 names the trust the decision was made with (keys and
	// trusted root).
	TrustSHA256 string
	// VulnDBSHA256 names the vulnerability database a policy's
	// vulnerabilities gate matched against ("" for a policy without the
	// gate).
	VulnDBSHA256 string
	Verified     bool
	// Report is the JSON report, as vouch verify -o json prints it.
	Report  []byte
	Created time.Time

	// Bundles are the bundles the decision was made on, in the request's
	// (digest) order, keyed by their hex SHA-256. CreateVerification stores
	// them with a new record; reads leave Bundles nil (see
	// VerificationBundles), so listing records does not load them.
	Bundles []Bundle
	// Supersedes is the id of the record this one re-evaluates ("" for a
	// decision a client asked for).
	Supersedes string
	// Reason says why the record was made: ReasonRequest, ReasonPolicy,
	// ReasonTrust or ReasonVulnDB ("" is stored as ReasonRequest).
	Reason string
	// PURLName is the subject's package without version, qualifiers or
	// subpath (a canonical purl, "pkg:npm/%40scope/name"), and PURLVersion
	// its version; both "" when the subject has no package URL. Publisher
	// is who published the subject, as the verified evidence says. A
	// verified record with a PURLName is what the next version's publisher
	// is compared with (LatestVerifiedOfPackage).
	PURLName, PURLVersion string
	Publisher             Publisher
	// VSA is the decision's signed verification summary (a Sigstore
	// bundle, JSON), stored with the record; nil when it was made without
	// a VSA signer.
	VSA []byte
	// Events are what happened with this decision (publisher drift…), to
	// be delivered to the namespace's webhook at least once: they are
	// queued in the transaction that stores the record, and only when the
	// record is new.
	Events []Event
}

// Reasons a record was made.
const (
	ReasonRequest = "request"
	ReasonPolicy  = "policy"
	ReasonTrust   = "trust"
	// ReasonVulnDB is a re-evaluation after the vulnerability database
	// changed.
	ReasonVulnDB = "vulnerability database changed"
)

// Bundle is a stored bundle, known by the hex SHA-256 of its bytes.
type Bundle struct {
	SHA256 string
	Data   []byte
}

// Event is something a decision tells the namespace's webhook.
type Event struct {
	// Type names the event, e.g. "publisher.drift".
	Type string
	// Payload is the event's JSON object.
	Payload []byte
}

// Publisher is who published a package version: the source repository,
// the workflow (without its ref, which changes with every release) and the
// builder, each a sorted, space-separated set of what the verified
// evidence names ("" when it names none).
type Publisher struct {
	Repository string `json:"repository"`
	Workflow   string `json:"workflow"`
	Builder    string `json:"builder"`
}

// IsZero reports whether the evidence named no publisher at all.
func (p Publisher) IsZero() bool { return p == Publisher{} }

// Webhook is where a namespace's events are delivered.
type Webhook struct {
	Namespace string
	URL       string
	// Secret keys each delivery's HMAC-SHA256 signature.
	Secret  string
	Created time.Time
}

// Token is an API token, known by the SHA-256 of its secret.
type Token struct {
	ID     string
	SHA256 string
	// Scope is what the token may do: "verify", "read" or "admin" (package
	// serve decides what each allows).
	Scope string
	// Namespace limits the scope; "" is every namespace.
	Namespace string
	Created   time.Time
	// Expires is when the token stops being accepted; zero is never.
	Expires time.Time
	// Revoked is when the token was revoked; zero while it is not.
	Revoked time.Time
}

// Store is what the service keeps. Implementations are safe for concurrent
// use.
type Store interface {
	// PutPolicy makes doc the current policy of ns, creating the namespace
	// on its first policy. A document equal to the current one is not a
	// new version: it returns the current one and created false.
	PutPolicy(ctx context.Context, ns string, doc []byte, sha256 string) (p Policy, created bool, err error)
	// CurrentPolicy is the newest policy of ns, or ErrNotFound when the
	// namespace does not exist.
	CurrentPolicy(ctx context.Context, ns string) (Policy, error)

	// VerificationByKey finds the record of a request key in ns.
	VerificationByKey(ctx context.Context, ns, key string) (Verification, error)
	// CreateVerification stores v unless a record with its namespace and
	// request key exists; it returns the stored record, and whether it was
	// v.
	CreateVerification(ctx context.Context, v Verification) (stored Verification, created bool, err error)
	// Verification finds a record by id.
	Verification(ctx context.Context, id string) (Verification, error)
	// VerificationBundles returns the bundles of a record, in its order,
	// or ErrNotFound when no record has that id.
	VerificationBundles(ctx context.Context, id string) ([]Bundle, error)
	// VerificationsByPackage lists the current records (none supersedes
	// them) of ns whose SubjectPackage is pkg, newest first, at most limit.
	VerificationsByPackage(ctx context.Context, ns, pkg string, limit int) ([]Verification, error)
	// VerificationsBySubject lists the records of a digest (algorithm
	// "sha256" or "sha512", hex), oldest first, at most limit.
	VerificationsBySubject(ctx context.Context, alg, hex string, limit int) ([]Verification, error)
	// VerificationsBySubjectIn is VerificationsBySubject within one
	// namespace.
	VerificationsBySubjectIn(ctx context.Context, ns, alg, hex string, limit int) ([]Verification, error)

	// LatestVerifiedOfPackage is the newest verified record in ns of the
	// package purlName, at any version (another file of a version is
	// compared as a new version is), or ErrNotFound.
	LatestVerifiedOfPackage(ctx context.Context, ns, purlName string) (Verification, error)

	// PutWebhook makes w its namespace's webhook, replacing any other.
	PutWebhook(ctx context.Context, w Webhook) error
	// Webhook is the webhook of ns, or ErrNotFound.
	Webhook(ctx context.Context, ns string) (Webhook, error)
	// DeleteWebhook removes the webhook of ns, or returns ErrNotFound.
	DeleteWebhook(ctx context.Context, ns string) error
	// CurrentVerification is the newest record of a digest (algorithm
	// "sha256" or "sha512", hex) that no re-evaluation superseded, in
	// namespace ns ("" is any), or ErrNotFound.
	CurrentVerification(ctx context.Context, alg, hex, ns string) (Verification, error)

	// CreateToken stores a token.
	CreateToken(ctx context.Context, t Token) error
	// TokenBySHA256 finds a token by the hex SHA-256 of its secret.
	TokenBySHA256(ctx context.Context, sum string) (Token, error)
	// CountTokens counts the tokens, revoked ones too (none: the service
	// makes an admin token at its first start).
	CountTokens(ctx context.Context) (int, error)
	// Tokens lists every token, revoked ones too, oldest first.
	Tokens(ctx context.Context) ([]Token, error)
	// RevokeToken marks the token id revoked at the given time, or returns
	// ErrNotFound; revoking a revoked token keeps its first revocation time.
	RevokeToken(ctx context.Context, id string, at time.Time) error

	// Queue is the job queue in the same database.
	Queue

	// Ping reports whether the database answers (readiness).
	Ping(ctx context.Context) error

	// Close releases the database.
	Close() error
}
