package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
)

func openTest(t *testing.T, dsn string) *sqlStore {
	t.Helper()
	st, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st.(*sqlStore)
}

// TestOpen: the database is migrated once, and opening it again applies
// nothing twice and keeps what was stored; SQLite is in WAL mode with
// read-only readers.
func TestOpen(t *testing.T) { storetest.Run(t, testOpen) }

func testOpen(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	path := db.NewDSN(t)
	st := openTest(t, path)
	if db.Name == "sqlite" {
		var mode string
		if err := st.reader.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("journal_mode %q, %v; want wal", mode, err)
		}
		if _, err := st.reader.ExecContext(ctx, "DELETE FROM tokens"); err == nil {
			t.Error("a reader connection wrote")
		}
	}
	if err := st.CreateToken(ctx, Token{ID: "t1", SHA256: "s1", Scope: "admin"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	again := openTest(t, path)
	var versions int
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if err := again.reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0").Scan(&versions); err != nil || versions != len(files) {
		t.Errorf("applied migrations: %d, %v; want %d", versions, err, len(files))
	}
	if tok, err := again.TokenBySHA256(ctx, "s1"); err != nil || tok.ID != "t1" {
		t.Errorf("token after reopening: %+v, %v", tok, err)
	}
	if _, err := again.TokenBySHA256(ctx, "s2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown token: %v, want ErrNotFound", err)
	}
}

// TestCreateVerificationOnce: concurrent inserts of one key store one
// record and all read it back; another key is another record.
func TestCreateVerificationOnce(t *testing.T) { storetest.Run(t, testCreateVerificationOnce) }

func testCreateVerificationOnce(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	st := openTest(t, db.NewDSN(t))
	if _, _, err := st.PutPolicy(ctx, "ns", []byte("doc"), "sum"); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wg sync.WaitGroup
	ids := make([]string, n)
	created := make([]bool, n)
	for i := range n {
		wg.Go(func() {
			v, c, err := st.CreateVerification(ctx, Verification{ID: fmt.Sprint("id", i), Namespace: "ns", RequestKey: "k",
				SubjectSHA256: "aa", PolicyVersion: 1, PolicySHA256: "sum", Report: []byte("{}")})
			if err != nil {
				t.Error(err)
			}
			ids[i], created[i] = v.ID, c
		})
	}
	wg.Wait()
	nCreated := 0
	for i := range n {
		if created[i] {
			nCreated++
		}
		if ids[i] != ids[0] {
			t.Errorf("insert %d read back %s, insert 0 %s", i, ids[i], ids[0])
		}
	}
	if nCreated != 1 {
		t.Errorf("%d inserts created the record, want 1", nCreated)
	}
	if _, c, err := st.CreateVerification(ctx, Verification{ID: "other", Namespace: "ns", RequestKey: "k2", SubjectSHA256: "aa", Report: []byte("{}")}); err != nil || !c {
		t.Errorf("control, another key: created %v, %v", c, err)
	}
	vs, err := st.VerificationsBySubject(ctx, "sha256", "aa", 10)
	if err != nil || len(vs) != 2 {
		t.Errorf("by subject: %d records, %v; want 2", len(vs), err)
	}
	if _, err := st.VerificationsBySubject(ctx, "md5", "aa", 10); err == nil {
		t.Error("an unknown algorithm was looked up")
	}
}

// TestVerificationNeedsNamespace: the schema refuses a record in a
// namespace that does not exist (foreign keys are on).
func TestVerificationNeedsNamespace(t *testing.T) { storetest.Run(t, testVerificationNeedsNamespace) }

func testVerificationNeedsNamespace(t *testing.T, db storetest.DB) {
	st := openTest(t, db.NewDSN(t))
	if _, _, err := st.CreateVerification(context.Background(), Verification{ID: "x", Namespace: "nope", RequestKey: "k", Report: []byte("{}")}); err == nil {
		t.Error("stored a verification in an unknown namespace")
	}
}

// TestGroupCommitIsolatesFailures: inserts written in one group commit
// succeed or fail each on its own — a record refused by the schema (an
// unknown namespace) does not take the valid ones of its group with it.
func TestGroupCommitIsolatesFailures(t *testing.T) { storetest.Run(t, testGroupCommitIsolatesFailures) }

func testGroupCommitIsolatesFailures(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	st := openTest(t, db.NewDSN(t))
	if _, _, err := st.PutPolicy(ctx, "ns", []byte("doc"), "sum"); err != nil {
		t.Fatal(err)
	}
	const n = 40
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ns := "ns"
			if i%2 == 1 {
				ns = "unknown"
			}
			_, _, errs[i] = st.CreateVerification(ctx, Verification{ID: fmt.Sprint("id", i), Namespace: ns,
				RequestKey: fmt.Sprint("k", i), SubjectSHA256: "bb", Report: []byte("{}")})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if (err != nil) != (i%2 == 1) {
			t.Errorf("insert %d: %v", i, err)
		}
	}
	if vs, err := st.VerificationsBySubject(ctx, "sha256", "bb", 100); err != nil || len(vs) != n/2 {
		t.Errorf("%d records, %v; want %d", len(vs), err, n/2)
	}
}

// TestOpenDispatch: a postgres URL is PostgreSQL, a path is SQLite, and
// any other scheme is refused, not taken for a file name.
func TestOpenDispatch(t *testing.T) {
	for _, dsn := range []string{"mysql://u:secret@h/db", "sqlite://x.db"} {
		_, err := Open(context.Background(), dsn)
		if err == nil || !strings.Contains(err.Error(), "unknown scheme") || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: %v; want an unknown scheme error without the password", dsn, err)
		}
	}
	if !IsPostgres("postgres://h/db") || !IsPostgres("postgresql://h/db") || IsPostgres("postgres.db") {
		t.Error("IsPostgres")
	}
	// Control: a path opens SQLite.
	openTest(t, storetest.DBs()[0].NewDSN(t))
}

// TestConcurrentPolicies: new policy versions written at once each get a
// version of their own or ErrConflict (PostgreSQL's unique violation,
// SQLSTATE 23505, recognised), never a duplicate version or another error.
func TestConcurrentPolicies(t *testing.T) { storetest.Run(t, testConcurrentPolicies) }

func testConcurrentPolicies(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	st := openTest(t, db.NewDSN(t))
	if _, _, err := st.PutPolicy(ctx, "ns", []byte("doc"), "sum"); err != nil {
		t.Fatal(err)
	}
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, _, errs[i] = st.PutPolicy(ctx, "ns", []byte(fmt.Sprint("doc", i)), fmt.Sprint("sum", i))
		})
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrConflict):
			t.Errorf("put %d: %v", i, err)
		}
	}
	p, err := st.CurrentPolicy(ctx, "ns")
	if err != nil || p.Version != int64(ok+1) {
		t.Errorf("current version %d, %v; want %d (1 + %d written)", p.Version, err, ok+1, ok)
	}
}
