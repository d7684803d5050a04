package serveacceptance

import (
	"database/sql"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // the "sqlite" database/sql driver
)

// Sizes of the crash tests: enough requests that the kill comes in the
// middle of the load, on a 2-core machine shared with other tests.
const (
	crashRequests = 3000
	crashWorkers  = 16
	// killAfter is how many requests get a 2xx before the kill.
	killAfter = 300
	loadWait  = 30 * time.Second
)

// TestCrashSQLite: vouch serve on its embedded SQLite, killed with SIGKILL
// while 16 clients send verifications, then started again on the same data
// directory: every request that got a 2xx is stored, once; none is stored
// twice; the database passes PRAGMA integrity_check; the restarted server
// answers a new request.
func TestCrashSQLite(t *testing.T) {
	reqs, key := signed(t, crashRequests+1)
	data := filepath.Join(t.TempDir(), "data")
	args := []string{"--data-dir", data, "--key", key}
	a, token := startServe(t, true, args...)
	putPolicy(t, a.URL, token, "crash")

	targets := make([]string, crashWorkers)
	for i := range targets {
		targets[i] = a.URL
	}
	l := startLoad(reqs[:crashRequests], token, "crash", targets)
	l.waitOKs(t, a.URL, killAfter, loadWait)
	a.kill()
	answered := l.oksTo(a.URL)
	l.stop()
	// Control: the kill came mid-load, with requests in flight.
	if l.failed(a.URL) == 0 {
		t.Fatal("no request failed: the server was not killed under load")
	}

	db := openDB(t, "sqlite", filepath.Join(data, "vouch.db"))
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("PRAGMA integrity_check after kill -9: %q %v", check, err)
	}

	b, _ := startServe(t, false, args...)
	ok := l.checkStored(t, b.URL)
	l.checkUnique(t, db, ok)
	if int64(ok) != answered {
		t.Errorf("%d requests got a 2xx, the load counted %d", ok, answered)
	}
	t.Logf("killed after %d answered requests with %d in flight; all stored once", ok, l.failed(a.URL))
	// Control: the restarted server takes new verifications.
	mustCall(t, http.MethodPost, b.URL+"/v1/namespaces/crash/verifications", token, reqs[crashRequests].Request(), http.StatusCreated)
	b.stop()
}

// TestCrashReplicaPostgres: two vouch serve replicas on one PostgreSQL, 8
// clients on each; one replica is killed with SIGKILL mid-load and the
// other keeps answering (its clients see no failure and hundreds more
// verifications); every request that got a 2xx from either is stored once,
// and the killed replica, started again, serves the same records.
func TestCrashReplicaPostgres(t *testing.T) {
	dsn := postgresDSN(t)
	reqs, key := signed(t, crashRequests)
	args := []string{"--database", dsn, "--key", key, "--vsa-key", vsaKeyFile(t)}
	a, token := startServe(t, true, args...)
	b, _ := startServe(t, false, args...)
	putPolicy(t, a.URL, token, "crash")

	targets := make([]string, crashWorkers)
	for i := range targets {
		targets[i] = []string{a.URL, b.URL}[i%2]
	}
	l := startLoad(reqs, token, "crash", targets)
	l.waitOKs(t, a.URL, killAfter/2, loadWait)
	a.kill()
	atKill := l.oksTo(b.URL)
	l.waitOKs(t, b.URL, atKill+killAfter, loadWait)
	l.stop()
	if l.failed(a.URL) == 0 {
		t.Fatal("no request to the killed replica failed: it was not killed under load")
	}
	if n := l.failed(b.URL); n != 0 {
		t.Errorf("%d requests to the surviving replica failed", n)
	}

	ok := l.checkStored(t, b.URL)
	l.checkUnique(t, openDB(t, "pgx", dsn), ok)
	t.Logf("replica killed with %d requests in flight; the other answered %d more; %d stored once",
		l.failed(a.URL), l.oksTo(b.URL)-atKill, ok)

	// The killed replica, started again, serves what both stored.
	a2, _ := startServe(t, false, args...)
	for _, r := range l.results {
		if r.ok() {
			mustCall(t, http.MethodGet, a2.URL+"/v1/verifications/"+r.id, token, "", http.StatusOK)
		}
	}
	a2.stop()
	b.stop()
}

// openDB opens a database of the server's directly, closed when t ends.
func openDB(t testing.TB, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
