package serve_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
)

// lookupP99 is the bound on GET /v1/subjects/{digest} with a
// million stored decisions.
const lookupP99 = 10 * time.Millisecond

// TestLookupMillion stores generated decisions in bulk (a million with
// VOUCH_LOAD=1, ten thousand as a smoke run), each a copy of a real
// decision for another digest, then times 2,000 lookups of random stored
// digests over loopback HTTP: every one finds its one record, and with
// VOUCH_LOAD=1 the server-side p99 must be within lookupP99.
//
//	VOUCH_LOAD=1 go test ./pkg/serve -run 'TestLookupMillion$' -v
func TestLookupMillion(t *testing.T) { storetest.Run(t, testLookupMillion) }

func testLookupMillion(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	n := 10_000
	if fullLoad() {
		n = 1_000_000
	}
	bodies, key := signedRequests(t, 1)
	e := newEnv(t, db, key)
	e.putPolicy("lookup", emptyPolicy)
	code, resp := e.do(http.MethodPost, "/v1/namespaces/lookup/verifications", bodies[0])
	if code != http.StatusCreated {
		t.Fatalf("POST: %d %s", code, resp)
	}
	model := decode[serve.VerificationResponse](t, resp)
	stored, err := e.st.Verification(context.Background(), model.ID)
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	generate(t, db.Name, e.dsn, stored, n)
	t.Logf("%s: %d decisions (reports of %d bytes) generated in %v", db.Name, n, len(stored.Report), time.Since(start).Round(100*time.Millisecond))

	var lat latencies
	var on atomic.Bool
	on.Store(true)
	ts := timedServer(t, e.srv, &lat, &on)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		i := 1 + rng.IntN(n)
		code, body := getURL(t, ts, e.token, "/v1/subjects/sha256:"+generated("subject", i))
		if code != http.StatusOK {
			t.Fatalf("GET subject %d: %d %s", i, code, body)
		}
		recs := decode[serve.SubjectResponse](t, body).Verifications
		if len(recs) != 1 || recs[0].ID != generated("id", i) || string(recs[0].Report) != string(model.Report) {
			t.Fatalf("GET subject %d: %d records %.300s", i, len(recs), body)
		}
	}
	p50, p99 := lat.quantile(0.50), lat.quantile(0.99)
	t.Logf("%s: 2000 lookups among %d decisions: server p50 %v, p99 %v", db.Name, n+1, p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond))
	// Control: a digest never stored has no record.
	if got := e.records("sha256:" + generated("subject", n+1)); got != 0 {
		t.Errorf("a digest never stored has %d records", got)
	}
	if fullLoad() && p99 > lookupP99 {
		t.Errorf("%s: lookup p99 %v, want ≤ %v", db.Name, p99, lookupP99)
	}
}

// getURL GETs path from the loopback server with token.
func getURL(t testing.TB, ts *httptest.Server, token, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// genColumns are the generated columns: a hex prefix and the width of the
// value. Row i's value is the prefix then i in hex, zero-padded: unique,
// and ascending with i, so that the bulk insert appends to every index
// instead of splitting pages at random (which made a million rows take
// minutes). The lookups still go to random rows, each a descent of an
// index of a million keys and a read of a row anywhere in the table.
var genColumns = map[string]struct {
	prefix string
	width  int
}{
	"id":      {"1d", 32},
	"key":     {"4e", 64},
	"subject": {"5b", 64},
}

// generated is the value of a generated decision's column for row i.
func generated(column string, i int) string {
	c := genColumns[column]
	return fmt.Sprintf("%s%0*x", c.prefix, c.width-len(c.prefix), i)
}

// generatedSQL is generated in PostgreSQL's SQL, for the row number i.
func generatedSQL(column string) string {
	c := genColumns[column]
	return fmt.Sprintf("'%s' || lpad(to_hex(i), %d, '0')", c.prefix, c.width-len(c.prefix))
}

// generate stores n decisions like model (rows 1..n, each its own id,
// request key and subject digest) in the database dsn names, in bulk.
func generate(t testing.TB, dbName, dsn string, model store.Verification, n int) {
	t.Helper()
	var err error
	switch dbName {
	case "postgres":
		err = generatePostgres(dsn, model, n)
	default:
		err = generateSQLite(dsn, model, n)
	}
	if err != nil {
		t.Fatalf("generating %d decisions: %v", n, err)
	}
}

// generatePostgres lets the server make the rows: one INSERT … SELECT
// over generate_series.
func generatePostgres(dsn string, m store.Verification, n int) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(`INSERT INTO verifications (`+verificationColumns+`)
		SELECT `+generatedSQL("id")+`, $1, `+generatedSQL("key")+`, `+generatedSQL("subject")+`, '', '',
		       $2, $3, $4, 1, $5, $6 + i
		FROM generate_series(1, $7::bigint) AS i`,
		m.Namespace, m.PolicyVersion, m.PolicySHA256, m.TrustSHA256, string(m.Report), m.Created.UnixNano(), n)
	return err
}

// sqliteBatch is the rows of one multi-row INSERT (12 parameters each,
// within SQLite's 32,766).
const sqliteBatch = 500

// generateSQLite writes the rows in multi-row INSERTs, 100,000 rows per
// transaction, without syncing (a test database).
func generateSQLite(path string, m store.Verification, n int) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=synchronous(OFF)&_pragma=cache_size(-262144)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var tx *sql.Tx
	args := make([]any, 0, 9*sqliteBatch)
	for i := 1; i <= n; i++ {
		if tx == nil {
			if tx, err = db.Begin(); err != nil {
				return err
			}
		}
		args = append(args, generated("id", i), m.Namespace, generated("key", i), generated("subject", i),
			m.PolicyVersion, m.PolicySHA256, m.TrustSHA256, string(m.Report), m.Created.UnixNano()+int64(i))
		if len(args) < cap(args) && i < n {
			continue
		}
		if _, err := tx.Exec(sqliteInsert(len(args)/9), args...); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
		args = args[:0]
		if i%100_000 == 0 || i == n {
			if err := tx.Commit(); err != nil {
				return err
			}
			tx = nil
		}
	}
	return nil
}

// sqliteInsert is an INSERT of rows generated rows.
func sqliteInsert(rows int) string {
	row := "(?, ?, ?, ?, '', '', ?, ?, ?, 1, ?, ?)"
	return "INSERT INTO verifications (" + verificationColumns + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
}

// verificationColumns are the columns of the verifications table the
// generators fill, in the order of their values.
const verificationColumns = "id, namespace, request_key, subject_sha256, subject_sha512, subject_purl, " +
	"policy_version, policy_sha256, trust_sha256, verified, report, created_at"
