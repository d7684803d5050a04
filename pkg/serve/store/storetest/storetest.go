// Package storetest yields the databases the store and API tests run
// against: SQLite always, and PostgreSQL when VOUCH_TEST_POSTGRES holds a
// DSN (a postgres:// URL of a database the tests may create schemas in).
// Under CI=true a missing DSN fails the PostgreSQL tests, so a CI that
// forgot to start PostgreSQL cannot pass by testing SQLite alone; outside CI
// they are skipped with a message.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvPostgres names the environment variable holding the PostgreSQL DSN.
const EnvPostgres = "VOUCH_TEST_POSTGRES"

// DB is one database kind the tests run against.
type DB struct {
	// Name is the subtest name: "sqlite" or "postgres".
	Name string
	// NewDSN returns the DSN of a fresh, empty database for t (opening it
	// twice is two replicas on one database), removed when t ends. It
	// fails or skips t when the database is unavailable.
	NewDSN func(t testing.TB) string
}

// DBs lists SQLite and PostgreSQL.
func DBs() []DB {
	return []DB{{Name: "sqlite", NewDSN: sqliteDSN}, {Name: "postgres", NewDSN: postgresDSN}}
}

// Run runs f as a subtest per database.
func Run(t *testing.T, f func(t *testing.T, db DB)) {
	t.Helper()
	for _, db := range DBs() {
		t.Run(db.Name, func(t *testing.T) { f(t, db) })
	}
}

func sqliteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "vouch.db")
}

// postgresDSN makes a schema of its own for t in the database of
// VOUCH_TEST_POSTGRES and returns a DSN whose search_path is that schema,
// so tests run in parallel without seeing each other's tables; the schema
// is dropped when t ends.
func postgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: under CI=true the PostgreSQL store must be tested (.ci/run starts a server)", EnvPostgres)
		}
		t.Skipf("PostgreSQL store not tested: set %s to a postgres:// DSN (.ci/run does)", EnvPostgres)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	var b [8]byte
	rand.Read(b[:])
	schema := "vouch_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("%s %s: creating schema: %v", EnvPostgres, u.Redacted(), err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
