package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

const tokenColumns = "id, sha256, scope, namespace, created_at, expires_at, revoked_at"

// nanosOrZero stores a time, the zero time as 0 ("never").
func nanosOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return nanos(t)
}

// fromNanosOrZero reads a time stored by nanosOrZero.
func fromNanosOrZero(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return fromNanos(n)
}

func scanToken(row interface{ Scan(...any) error }) (Token, error) {
	var t Token
	var created, expires, revoked int64
	if err := row.Scan(&t.ID, &t.SHA256, &t.Scope, &t.Namespace, &created, &expires, &revoked); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Token{}, ErrNotFound
		}
		return Token{}, err
	}
	t.Created, t.Expires, t.Revoked = fromNanos(created), fromNanosOrZero(expires), fromNanosOrZero(revoked)
	return t, nil
}

// CreateToken implements Store.
func (s *sqlStore) CreateToken(ctx context.Context, t Token) error {
	if t.Created.IsZero() {
		t.Created = time.Now()
	}
	_, err := s.writer.ExecContext(ctx, s.q("INSERT INTO tokens ("+tokenColumns+") VALUES (?, ?, ?, ?, ?, ?, ?)"),
		t.ID, t.SHA256, t.Scope, t.Namespace, nanos(t.Created), nanosOrZero(t.Expires), nanosOrZero(t.Revoked))
	return err
}

// TokenBySHA256 implements Store.
func (s *sqlStore) TokenBySHA256(ctx context.Context, sum string) (Token, error) {
	return scanToken(s.readRow(ctx, s.q("SELECT "+tokenColumns+" FROM tokens WHERE sha256 = ?"), sum))
}

// CountTokens implements Store.
func (s *sqlStore) CountTokens(ctx context.Context) (int, error) {
	var n int
	err := s.reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM tokens").Scan(&n)
	return n, err
}

// Tokens implements Store.
func (s *sqlStore) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+tokenColumns+" FROM tokens ORDER BY created_at, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken implements Store. The update keeps a revocation time already
// set, so that revoking twice (or on two replicas at once) records the
// first.
func (s *sqlStore) RevokeToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.writer.ExecContext(ctx, s.q(
		"UPDATE tokens SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END WHERE id = ?"), nanos(at), id)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		return ErrNotFound
	}
	return err
}
