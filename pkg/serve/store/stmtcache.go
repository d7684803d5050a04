package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the prepared statements of one pool by query text. On
// SQLite a query that is not prepared is parsed and planned again on every
// call: profiled under load, preparing was a third of the server's CPU for
// a verification (bench/SERVE.md), half of it in the reads every request
// makes (token, policy, idempotency key, drift). A statement prepared once
// is prepared again by database/sql on each connection that runs it, and
// only there; SQLite re-prepares it itself after a schema change.
// PostgreSQL needs none: pgx caches its statements per connection already.
//
// Only the reader pool caches: preparing on SQLite's one writer connection
// would wait for the group commit that holds it, from inside that commit.
type stmtCache struct {
	db *sql.DB
	m  sync.Map // query → *sql.Stmt
}

// stmt returns the prepared statement of query.
func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.m.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := c.m.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// close closes every statement.
func (c *stmtCache) close() {
	c.m.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
}

// readRow runs a query returning one row on the reader pool, prepared once
// when the store caches statements.
func (s *sqlStore) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s.readStmts != nil {
		if st, err := s.readStmts.stmt(ctx, query); err == nil {
			return st.QueryRowContext(ctx, args...)
		}
		// Unprepared, the query reports its own error on Scan.
	}
	return s.reader.QueryRowContext(ctx, query, args...)
}
