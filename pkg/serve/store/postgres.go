package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// pgUniqueViolation is PostgreSQL's SQLSTATE for a unique or primary-key
// constraint violation.
const pgUniqueViolation = "23505"

// pgMaxConns bounds one replica's connections: replicas share the server's
// max_connections (100 by default), so one must not take them all.
const pgMaxConns = 16

// Open opens the database a DSN names: a postgres:// or postgresql:// URL
// is a PostgreSQL server ([OpenPostgres]); anything else without a scheme
// is the path of a SQLite database ([OpenSQLite]). Another scheme is an
// error rather than a file name, so a typo never silently becomes a local
// database.
func Open(ctx context.Context, dsn string) (Store, error) {
	if IsPostgres(dsn) {
		return OpenPostgres(ctx, dsn)
	}
	if scheme, _, ok := strings.Cut(dsn, "://"); ok {
		return nil, fmt.Errorf("database %q: unknown scheme %q, expected postgres:// or postgresql:// (or a SQLite file path)", RedactDSN(dsn), scheme)
	}
	return OpenSQLite(ctx, dsn)
}

// IsPostgres reports whether dsn is a PostgreSQL URL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// OpenPostgres connects to the PostgreSQL database of the URL dsn and
// migrates it. Replicas share the database: each is one pool, no group
// commit (the server runs writers in parallel), and migrations at start
// hold a PostgreSQL advisory lock so replicas starting together apply each
// migration once.
func OpenPostgres(ctx context.Context, dsn string) (Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", RedactDSN(dsn), err)
	}
	db.SetMaxOpenConns(pgMaxConns)
	db.SetMaxIdleConns(pgMaxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", RedactDSN(dsn), err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := migrate(ctx, goose.DialectPostgres, db, goose.WithSessionLocker(locker)); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", RedactDSN(dsn), err)
	}
	q, err := openQueue(ctx, db, true)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", RedactDSN(dsn), err)
	}
	return &sqlStore{writer: db, reader: db, d: dialect{placeholder: pgPlaceholder, isConflict: pgConflict}, jobs: q}, nil
}

func pgPlaceholder(n int) string { return "$" + strconv.Itoa(n) }

// pgConflict reports a unique-constraint violation (SQLSTATE 23505).
func pgConflict(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == pgUniqueViolation
}

// RedactDSN is dsn without its password, for error messages and logs.
func RedactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable database URL)"
	}
	return u.Redacted()
}
