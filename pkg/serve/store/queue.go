package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/vouchdev/vouch/pkg/serve/jobs"
)

// Queue is the store's side of the job queue (River, in the same database):
// the jobs the store queues itself are inserted in the transaction that
// writes what they are about (a policy version, a record), so a job exists
// exactly when its cause is stored.
type Queue interface {
	// RiverDriver is the River driver over the store's database, for the
	// client that runs the service's workers (on SQLite, the one writer
	// connection: River's writes queue behind the store's instead of
	// failing with SQLITE_BUSY).
	RiverDriver() riverdriver.Driver[*sql.Tx]
	// QueueReevaluate queues a re-evaluation unless an equal one (same
	// arguments) is waiting or running, and says whether it did: replicas
	// starting together queue it once.
	QueueReevaluate(ctx context.Context, args jobs.Reevaluate) (bool, error)
	// QueueDepth counts the jobs per state ("available", "scheduled",
	// "retryable", "running"), every state present.
	QueueDepth(ctx context.Context) (map[string]int, error)

	// StaleVerifications lists, after the id after (keyset pagination, by
	// id), at most limit records of ns that no record supersedes and that
	// were made under another policy than policySHA256 or another trust
	// than trustSHA256.
	StaleVerifications(ctx context.Context, ns, policySHA256, trustSHA256, after string, limit int) ([]Verification, error)
	// NamespacesWithOtherTrust lists the namespaces that hold a record no
	// record supersedes made under another trust than trustSHA256, with
	// their current policy. A record made under another policy than the
	// namespace's current one counts too: its policy's re-evaluation
	// missed it (a request that read the policy before the change and
	// stored its record after the job's pass), and the next start catches
	// it up.
	NamespacesWithOtherTrust(ctx context.Context, trustSHA256 string) ([]Policy, error)
	// StaleVulnVerifications lists, after the id after (keyset
	// pagination, by id), at most limit records of ns that no record
	// supersedes, made under the policy policySHA256 and another
	// vulnerability database than vulnDBSHA256.
	StaleVulnVerifications(ctx context.Context, ns, policySHA256, vulnDBSHA256, after string, limit int) ([]Verification, error)
	// NamespacesWithOtherVulnDB lists the namespaces holding a record no
	// record supersedes, made under their current policy and another
	// vulnerability database than vulnDBSHA256, with that policy. A policy
	// without a vulnerabilities gate has records naming none ("") and is
	// listed too: the caller, which compiles policies, keeps those with
	// the gate.
	NamespacesWithOtherVulnDB(ctx context.Context, vulnDBSHA256 string) ([]Policy, error)
	// SupersededBy returns the id of the record that supersedes id, or ""
	// (the first one made, should there be several).
	SupersededBy(ctx context.Context, id string) (string, error)
}

// QueueStates are the job states QueueDepth counts: work not yet done.
var QueueStates = []string{
	string(rivertype.JobStateAvailable), string(rivertype.JobStateScheduled),
	string(rivertype.JobStateRetryable), string(rivertype.JobStateRunning),
}

// pgQueueLock is the PostgreSQL advisory lock (an arbitrary constant) held
// while River's tables are migrated: rivermigrate takes none, and replicas
// starting together would otherwise race to create the same tables.
const pgQueueLock = 0x766f756368_7276 // "vouch" "rv"

// queue is River over the store's database: the driver, and a client that
// only inserts (no queues, no workers), so it can insert every kind of job,
// including kinds this process does not work.
type queue struct {
	driver riverdriver.Driver[*sql.Tx]
	client *river.Client[*sql.Tx]
}

// openQueue applies River's migrations to db, after the store's own, and
// returns the queue over it. db is the writer pool.
func openQueue(ctx context.Context, db *sql.DB, postgres bool) (*queue, error) {
	var drv riverdriver.Driver[*sql.Tx]
	if postgres {
		drv = riverdatabasesql.New(db)
	} else {
		drv = riversqlite.New(db)
	}
	quiet := slog.New(slog.DiscardHandler)
	if err := migrateQueue(ctx, db, drv, postgres, quiet); err != nil {
		return nil, fmt.Errorf("job queue migrations: %w", err)
	}
	client, err := river.NewClient(drv, &river.Config{Logger: quiet})
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &queue{driver: drv, client: client}, nil
}

// migrateQueue applies River's migrations. On PostgreSQL a session of
// its own holds pgQueueLock meanwhile, so a replica starting at the same
// time waits and then finds the tables made (River's migration 006 adds an
// enum value and uses it, which PostgreSQL refuses in one transaction, so
// each migration runs in its own). On SQLite they run in one transaction on
// the writer, whose transactions begin IMMEDIATE, which serialises them.
func migrateQueue(ctx context.Context, db *sql.DB, drv riverdriver.Driver[*sql.Tx], postgres bool, logger *slog.Logger) error {
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: logger})
	if err != nil {
		return err
	}
	if postgres {
		return withPGLock(ctx, db, pgQueueLock, func() error {
			_, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
			return err
		})
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// withPGLock runs f holding the PostgreSQL session advisory lock key on a
// connection of db's set aside for it.
func withPGLock(ctx context.Context, db *sql.DB, key int64, f func() error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return err
	}
	ferr := f()
	// A fresh context: the lock must be released even when ctx ended.
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key); err != nil {
		// A session lock outlives a returned connection: drop this one.
		conn.Raw(func(any) error { return driver.ErrBadConn })
		return errors.Join(ferr, err)
	}
	return ferr
}

// RiverDriver implements Queue.
func (s *sqlStore) RiverDriver() riverdriver.Driver[*sql.Tx] { return s.jobs.driver }

// reevaluateUnique makes a re-evaluation unique by its arguments among the
// jobs not yet finished: a finished one does not stop the same change
// (a trust changed back) from being queued again.
var reevaluateUnique = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}}

// QueueReevaluate implements Queue.
func (s *sqlStore) QueueReevaluate(ctx context.Context, args jobs.Reevaluate) (bool, error) {
	res, err := s.jobs.client.Insert(ctx, args, &river.InsertOpts{UniqueOpts: reevaluateUnique})
	if err != nil {
		return false, fmt.Errorf("queueing the re-evaluation of %s: %w", args.Namespace, err)
	}
	return !res.UniqueSkippedAsDuplicate, nil
}

// queuePolicyChange queues, in tx, the re-evaluation of ns under its new
// policy p. The trust is left to the worker (its own): the store does not
// know the service's.
func (s *sqlStore) queuePolicyChange(ctx context.Context, tx *sql.Tx, p Policy) error {
	_, err := s.jobs.client.InsertTx(ctx, tx, jobs.Reevaluate{Namespace: p.Namespace, PolicySHA256: p.SHA256, Reason: ReasonPolicy}, nil)
	if err != nil {
		return fmt.Errorf("queueing the re-evaluation of %s: %w", p.Namespace, err)
	}
	return nil
}

// queueEvents queues, in tx, one webhook delivery per event of the new
// record v.
func (s *sqlStore) queueEvents(ctx context.Context, tx *sql.Tx, v Verification) error {
	for _, e := range v.Events {
		if !json.Valid(e.Payload) {
			return fmt.Errorf("record %s: event %s: the payload is not JSON", v.ID, e.Type)
		}
		args := jobs.Webhook{Namespace: v.Namespace, Event: e.Type, Payload: e.Payload, VerificationID: v.ID}
		if _, err := s.jobs.client.InsertTx(ctx, tx, args, nil); err != nil {
			return fmt.Errorf("record %s: queueing event %s: %w", v.ID, e.Type, err)
		}
	}
	return nil
}

// QueueDepth implements Queue. It reads River's job table through the
// reader pool: a scrape never waits for SQLite's writer.
func (s *sqlStore) QueueDepth(ctx context.Context) (map[string]int, error) {
	rows, err := s.reader.QueryContext(ctx, s.q("SELECT state, COUNT(*) FROM river_job WHERE state IN (?, ?, ?, ?) GROUP BY state"),
		QueueStates[0], QueueStates[1], QueueStates[2], QueueStates[3])
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]int, len(QueueStates))
	for _, st := range QueueStates {
		out[st] = 0
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// notSuperseded is the condition that no record supersedes the record v.
const notSuperseded = " NOT EXISTS (SELECT 1 FROM verifications s WHERE s.supersedes = v.id)"

// StaleVerifications implements Queue.
func (s *sqlStore) StaleVerifications(ctx context.Context, ns, policySHA256, trustSHA256, after string, limit int) ([]Verification, error) {
	return s.queryVerifications(ctx, "SELECT "+prefixed("v.", verificationColumns)+" FROM verifications v"+
		" WHERE v.namespace = ? AND v.id > ? AND (v.policy_sha256 <> ? OR v.trust_sha256 <> ?) AND"+notSuperseded+
		" ORDER BY v.id LIMIT ?", ns, after, policySHA256, trustSHA256, limit)
}

// StaleVulnVerifications implements Queue.
func (s *sqlStore) StaleVulnVerifications(ctx context.Context, ns, policySHA256, vulnDBSHA256, after string, limit int) ([]Verification, error) {
	return s.queryVerifications(ctx, "SELECT "+prefixed("v.", verificationColumns)+" FROM verifications v"+
		" WHERE v.namespace = ? AND v.policy_sha256 = ? AND v.vuln_db_sha256 <> ? AND v.id > ? AND"+notSuperseded+
		" ORDER BY v.id LIMIT ?", ns, policySHA256, vulnDBSHA256, after, limit)
}

// NamespacesWithOtherVulnDB implements Queue: a probe per namespace, read
// from verifications_by_vuln_db, stopping at the first record found.
func (s *sqlStore) NamespacesWithOtherVulnDB(ctx context.Context, vulnDBSHA256 string) ([]Policy, error) {
	return s.namespacesHolding(ctx, "v.policy_sha256 = ? AND v.vuln_db_sha256 <> ?", vulnDBSHA256)
}

// NamespacesWithOtherTrust implements Queue: a probe per namespace, read
// from verifications_by_namespace without touching the records, stopping
// at the first record found.
func (s *sqlStore) NamespacesWithOtherTrust(ctx context.Context, trustSHA256 string) ([]Policy, error) {
	return s.namespacesHolding(ctx, "(v.policy_sha256 <> ? OR v.trust_sha256 <> ?)", trustSHA256)
}

// namespacesHolding lists, with its current policy, each namespace holding
// a record no record supersedes that meets cond, whose parameters are the
// namespace's current policy digest and arg.
func (s *sqlStore) namespacesHolding(ctx context.Context, cond, arg string) ([]Policy, error) {
	names, err := s.namespaces(ctx)
	if err != nil {
		return nil, err
	}
	var out []Policy
	for _, ns := range names {
		p, err := s.CurrentPolicy(ctx, ns)
		if err != nil {
			return nil, fmt.Errorf("policy of %s: %w", ns, err)
		}
		var one int
		err = s.reader.QueryRowContext(ctx, s.q("SELECT 1 FROM verifications v WHERE v.namespace = ?"+
			" AND "+cond+" AND"+notSuperseded+" LIMIT 1"), ns, p.SHA256, arg).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, fmt.Errorf("records of %s: %w", ns, err)
		default:
			out = append(out, p)
		}
	}
	return out, nil
}

// namespaces lists the namespaces by name.
func (s *sqlStore) namespaces(ctx context.Context) ([]string, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT name FROM namespaces ORDER BY name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var ns string
		if err := rows.Scan(&ns); err != nil {
			return nil, err
		}
		names = append(names, ns)
	}
	return names, rows.Err()
}

// SupersededBy implements Queue.
func (s *sqlStore) SupersededBy(ctx context.Context, id string) (string, error) {
	var next string
	err := s.reader.QueryRowContext(ctx, s.q("SELECT id FROM verifications WHERE supersedes = ? ORDER BY created_at, id LIMIT 1"), id).Scan(&next)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return next, err
}

// prefixed qualifies each column of a comma-separated list with p.
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
