package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// dialect is what differs between the databases the SQL store runs on.
type dialect struct {
	// placeholder spells the n-th (1-based) query parameter.
	placeholder func(n int) string
	// isConflict reports a unique-constraint violation.
	isConflict func(error) bool
}

// sqlStore implements Store over database/sql with portable SQL. Writes go
// through writer, reads through reader; they may be one pool (PostgreSQL)
// or a single connection and a pool of read-only ones (SQLite, which
// allows one writer at a time).
type sqlStore struct {
	writer, reader *sql.DB
	d              dialect
	// group, when set, batches verification inserts (one writer).
	group *groupCommit
	// jobs is the job queue in the same database (queue.go).
	jobs *queue
	// readStmts, when set, prepares each read once (SQLite; see
	// stmtCache).
	readStmts *stmtCache
}

// q rebinds a query written with "?" to the dialect's placeholders.
func (s *sqlStore) q(query string) string {
	if s.d.placeholder == nil {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString(s.d.placeholder(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// Ping reaches the database through the reader pool: on SQLite the one
// writer connection may be busy with a group commit, and a readiness probe
// must not queue behind it; on PostgreSQL the pools are one.
func (s *sqlStore) Ping(ctx context.Context) error {
	return s.reader.PingContext(ctx)
}

// Close closes both pools.
func (s *sqlStore) Close() error {
	if s.group != nil {
		s.group.close()
	}
	if s.readStmts != nil {
		s.readStmts.close()
	}
	err := s.writer.Close()
	if s.reader != s.writer {
		err = errors.Join(err, s.reader.Close())
	}
	return err
}

const policyColumns = "namespace, version, sha256, document, created_at"

func scanPolicy(row interface{ Scan(...any) error }) (Policy, error) {
	var p Policy
	var doc string
	var created int64
	if err := row.Scan(&p.Namespace, &p.Version, &p.SHA256, &doc, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Policy{}, ErrNotFound
		}
		return Policy{}, err
	}
	p.Document, p.Created = []byte(doc), fromNanos(created)
	return p, nil
}

// CurrentPolicy implements Store.
func (s *sqlStore) CurrentPolicy(ctx context.Context, ns string) (Policy, error) {
	return scanPolicy(s.readRow(ctx, s.q("SELECT "+policyColumns+
		" FROM policies WHERE namespace = ? ORDER BY version DESC LIMIT 1"), ns))
}

// PutPolicy implements Store.
func (s *sqlStore) PutPolicy(ctx context.Context, ns string, doc []byte, sum string) (Policy, bool, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return Policy{}, false, err
	}
	defer tx.Rollback()
	cur, err := scanPolicy(tx.QueryRowContext(ctx, s.q("SELECT "+policyColumns+
		" FROM policies WHERE namespace = ? ORDER BY version DESC LIMIT 1"), ns))
	switch {
	case err == nil && cur.SHA256 == sum:
		return cur, false, nil
	case err != nil && !errors.Is(err, ErrNotFound):
		return Policy{}, false, err
	}
	now := time.Now()
	if _, err := tx.ExecContext(ctx, s.q("INSERT INTO namespaces (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING"), ns, nanos(now)); err != nil {
		return Policy{}, false, err
	}
	p := Policy{Namespace: ns, Version: cur.Version + 1, SHA256: sum, Document: doc, Created: fromNanos(nanos(now))}
	if _, err := tx.ExecContext(ctx, s.q("INSERT INTO policies ("+policyColumns+") VALUES (?, ?, ?, ?, ?)"),
		p.Namespace, p.Version, p.SHA256, string(p.Document), nanos(now)); err != nil {
		if s.d.isConflict != nil && s.d.isConflict(err) {
			return Policy{}, false, fmt.Errorf("policy of %s: %w", ns, ErrConflict)
		}
		return Policy{}, false, err
	}
	if err := s.queuePolicyChange(ctx, tx, p); err != nil {
		return Policy{}, false, err
	}
	if err := tx.Commit(); err != nil {
		return Policy{}, false, err
	}
	return p, true, nil
}

const verificationColumns = "id, namespace, request_key, subject_sha256, subject_sha512, subject_purl, " +
	"policy_version, policy_sha256, trust_sha256, verified, report, created_at, supersedes, reason, " +
	"purl_name, purl_version, publisher_repository, publisher_workflow, publisher_builder, vsa, " +
	"subject_uri, subject_package, subject_repository, vuln_db_sha256"

func scanVerification(row interface{ Scan(...any) error }) (Verification, error) {
	var v Verification
	var verified int
	var report, vsa string
	var created int64
	if err := row.Scan(&v.ID, &v.Namespace, &v.RequestKey, &v.SubjectSHA256, &v.SubjectSHA512, &v.SubjectPURL,
		&v.PolicyVersion, &v.PolicySHA256, &v.TrustSHA256, &verified, &report, &created, &v.Supersedes, &v.Reason,
		&v.PURLName, &v.PURLVersion, &v.Publisher.Repository, &v.Publisher.Workflow, &v.Publisher.Builder, &vsa,
		&v.SubjectURI, &v.SubjectPackage, &v.SubjectRepository, &v.VulnDBSHA256); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Verification{}, ErrNotFound
		}
		return Verification{}, err
	}
	v.Verified, v.Report, v.Created = verified == 1, []byte(report), fromNanos(created)
	if vsa != "" {
		v.VSA = []byte(vsa)
	}
	return v, nil
}

// VerificationByKey implements Store.
func (s *sqlStore) VerificationByKey(ctx context.Context, ns, key string) (Verification, error) {
	return scanVerification(s.readRow(ctx, s.q("SELECT "+verificationColumns+
		" FROM verifications WHERE namespace = ? AND request_key = ?"), ns, key))
}

// CreateVerification implements Store: the insert does nothing when the
// key is taken, and the record that holds it is read back.
func (s *sqlStore) CreateVerification(ctx context.Context, v Verification) (Verification, bool, error) {
	if v.Created.IsZero() {
		v.Created = time.Now()
	}
	v.Created = fromNanos(nanos(v.Created))
	var created bool
	var err error
	if v.Reason == "" {
		v.Reason = ReasonRequest
	}
	if s.group != nil {
		created, err = s.group.insert(ctx, v)
	} else {
		created, err = s.insertVerificationTx(ctx, v)
	}
	if err != nil || created {
		return v, created, err
	}
	stored, err := s.VerificationByKey(ctx, v.Namespace, v.RequestKey)
	if err != nil {
		return Verification{}, false, fmt.Errorf("reading back verification %s: %w", v.RequestKey, err)
	}
	return stored, false, nil
}

// execer is a pool or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// insertVerificationTx inserts v and what goes with it in a transaction of
// its own.
func (s *sqlStore) insertVerificationTx(ctx context.Context, v Verification) (bool, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	created, err := s.insertVerification(ctx, tx, v)
	if err != nil || !created {
		return false, err
	}
	return true, tx.Commit()
}

// insertVerification inserts v unless its key is taken, and says whether it
// did; a new record's bundles are stored and its events queued with it, in
// the same transaction.
func (s *sqlStore) insertVerification(ctx context.Context, db *sql.Tx, v Verification) (bool, error) {
	created, err := s.insertRecord(ctx, db, v)
	if err != nil || !created {
		return false, err
	}
	for i, b := range v.Bundles {
		if _, err := db.ExecContext(ctx, s.q("INSERT INTO bundles (sha256, data) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING"),
			b.SHA256, string(b.Data)); err != nil {
			return false, fmt.Errorf("storing bundle sha256:%s: %w", b.SHA256, err)
		}
		if _, err := db.ExecContext(ctx, s.q("INSERT INTO verification_bundles (verification_id, position, bundle_sha256) VALUES (?, ?, ?)"),
			v.ID, i, b.SHA256); err != nil {
			return false, fmt.Errorf("linking bundle sha256:%s: %w", b.SHA256, err)
		}
	}
	if err := s.queueEvents(ctx, db, v); err != nil {
		return false, err
	}
	return true, nil
}

// insertRecord inserts v's row unless its key is taken, and says whether it
// did.
func (s *sqlStore) insertRecord(ctx context.Context, db execer, v Verification) (bool, error) {
	verified := 0
	if v.Verified {
		verified = 1
	}
	res, err := db.ExecContext(ctx, s.q("INSERT INTO verifications ("+verificationColumns+
		") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (namespace, request_key) DO NOTHING"),
		v.ID, v.Namespace, v.RequestKey, v.SubjectSHA256, v.SubjectSHA512, v.SubjectPURL,
		v.PolicyVersion, v.PolicySHA256, v.TrustSHA256, verified, string(v.Report), nanos(v.Created),
		v.Supersedes, v.Reason, v.PURLName, v.PURLVersion, v.Publisher.Repository, v.Publisher.Workflow, v.Publisher.Builder, string(v.VSA),
		v.SubjectURI, v.SubjectPackage, v.SubjectRepository, v.VulnDBSHA256)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Verification implements Store.
func (s *sqlStore) Verification(ctx context.Context, id string) (Verification, error) {
	return scanVerification(s.reader.QueryRowContext(ctx, s.q("SELECT "+verificationColumns+
		" FROM verifications WHERE id = ?"), id))
}

// VerificationBundles implements Store.
func (s *sqlStore) VerificationBundles(ctx context.Context, id string) ([]Bundle, error) {
	rows, err := s.reader.QueryContext(ctx, s.q("SELECT b.sha256, b.data FROM verification_bundles vb"+
		" JOIN bundles b ON b.sha256 = vb.bundle_sha256 WHERE vb.verification_id = ? ORDER BY vb.position"), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Bundle
	for rows.Next() {
		var b Bundle
		var data string
		if err := rows.Scan(&b.SHA256, &data); err != nil {
			return nil, err
		}
		b.Data = []byte(data)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		// A record has at least one bundle (the API requires one); none
		// means no record, or one stored before bundles were kept.
		if _, err := s.Verification(ctx, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// subjectColumn is the column holding a subject digest of algorithm alg.
func subjectColumn(alg string) (string, error) {
	switch alg {
	case "sha256":
		return "subject_sha256", nil
	case "sha512":
		return "subject_sha512", nil
	}
	return "", fmt.Errorf("digest algorithm %q: expected sha256 or sha512", alg)
}

// VerificationsBySubject implements Store.
func (s *sqlStore) VerificationsBySubject(ctx context.Context, alg, hex string, limit int) ([]Verification, error) {
	return s.bySubject(ctx, "", nil, alg, hex, limit)
}

// VerificationsBySubjectIn implements Store.
func (s *sqlStore) VerificationsBySubjectIn(ctx context.Context, ns, alg, hex string, limit int) ([]Verification, error) {
	return s.bySubject(ctx, " AND namespace = ?", []any{ns}, alg, hex, limit)
}

// bySubject lists the records of a digest that also match the condition
// cond (a fixed SQL fragment, "" or " AND ...") with its arguments.
func (s *sqlStore) bySubject(ctx context.Context, cond string, condArgs []any, alg, hex string, limit int) ([]Verification, error) {
	col, err := subjectColumn(alg)
	if err != nil {
		return nil, err
	}
	args := append(append([]any{hex}, condArgs...), limit)
	return s.queryVerifications(ctx, "SELECT "+verificationColumns+" FROM verifications WHERE "+col+
		" = ?"+cond+" ORDER BY created_at, id LIMIT ?", args...)
}

// VerificationsByPackage implements Store. Superseded records are left
// out by their successor's link, not by time: a successor made on a
// replica whose clock is behind may be older than the record it replaces
// (as CurrentVerification).
func (s *sqlStore) VerificationsByPackage(ctx context.Context, ns, pkg string, limit int) ([]Verification, error) {
	return s.queryVerifications(ctx, "SELECT "+verificationColumns+" FROM verifications v WHERE namespace = ? AND subject_package = ?"+
		" AND NOT EXISTS (SELECT 1 FROM verifications n WHERE n.supersedes = v.id)"+
		" ORDER BY created_at DESC, id DESC LIMIT ?", ns, pkg, limit)
}

// queryVerifications runs query (written with "?") on the readers and
// scans the records it selects.
func (s *sqlStore) queryVerifications(ctx context.Context, query string, args ...any) ([]Verification, error) {
	rows, err := s.reader.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Verification
	for rows.Next() {
		v, err := scanVerification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
