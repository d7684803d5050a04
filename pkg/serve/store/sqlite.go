package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite settings for every connection: WAL lets readers run beside the
// one writer; busy_timeout makes a connection wait for a lock instead of
// failing; synchronous=FULL makes a commit durable before a 2xx is sent
// (NORMAL could lose the last commits on power loss, which a service that
// answered "stored" must not).
var sqlitePragmas = []string{
	"journal_mode(WAL)",
	"busy_timeout(10000)",
	"foreign_keys(1)",
	"synchronous(FULL)",
}

// OpenSQLite opens (creating it if needed) the SQLite database at path and
// migrates it: one writer connection, whose transactions take the write
// lock at BEGIN (so two never deadlock upgrading a read lock), and a pool
// of query-only reader connections.
func OpenSQLite(ctx context.Context, path string) (Store, error) {
	writer, err := sql.Open("sqlite", sqliteDSN(path, "_txlock=immediate"))
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	if err := migrate(ctx, goose.DialectSQLite3, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	q, err := openQueue(ctx, writer, false)
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	reader, err := sql.Open("sqlite", sqliteDSN(path, "_pragma=query_only(1)"))
	if err != nil {
		writer.Close()
		return nil, err
	}
	reader.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)*2))
	reader.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)*2))
	s := &sqlStore{writer: writer, reader: reader, d: dialect{isConflict: sqliteConflict}, jobs: q, readStmts: &stmtCache{db: reader}}
	s.group = newGroupCommit(s)
	return s, nil
}

func sqliteDSN(path string, extra ...string) string {
	q := url.Values{}
	for _, p := range sqlitePragmas {
		q.Add("_pragma", p)
	}
	s := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	for _, e := range extra {
		s += "&" + e
	}
	return s
}

// sqliteConflict reports a unique or primary-key constraint violation.
func sqliteConflict(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}
