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
	if err != nil || len(files) < 2 {
		t.Fatalf("migration files: %v, %v", files, err)
	}
	if err := again.reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0").Scan(&versions); err != nil || versions != len(files) {
		t.Errorf("applied migrations: %d, %v; want %d, once each", versions, err, len(files))
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

// TestVerificationBundles: a new record keeps its bundles in its order, a
// bundle shared by two records is stored once, the losing insert of a key
// stores no links, and a record whose insert fails leaves nothing behind.
func TestVerificationBundles(t *testing.T) { storetest.Run(t, testVerificationBundles) }

func testVerificationBundles(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	st := openTest(t, db.NewDSN(t))
	if _, _, err := st.PutPolicy(ctx, "ns", []byte("doc"), "sum"); err != nil {
		t.Fatal(err)
	}
	a, b, c := Bundle{SHA256: "aa", Data: []byte(`{"a":1}`)}, Bundle{SHA256: "bb", Data: []byte(`{"b":2}`)}, Bundle{SHA256: "cc", Data: []byte(`{"c":3}`)}
	rec := func(id, key string, bs ...Bundle) Verification {
		return Verification{ID: id, Namespace: "ns", RequestKey: key, SubjectSHA256: "11", PolicyVersion: 1,
			PolicySHA256: "sum", Report: []byte("{}"), Bundles: bs}
	}
	if _, created, err := st.CreateVerification(ctx, rec("v1", "k1", b, a)); err != nil || !created {
		t.Fatalf("v1: created %v, %v", created, err)
	}
	if _, created, err := st.CreateVerification(ctx, rec("v2", "k2", a, c)); err != nil || !created {
		t.Fatalf("v2: created %v, %v", created, err)
	}
	// The same key again with other bundles: nothing new is linked.
	if stored, created, err := st.CreateVerification(ctx, rec("v3", "k1", c)); err != nil || created || stored.ID != "v1" {
		t.Fatalf("v3: %s created %v, %v; want v1's record", stored.ID, created, err)
	}
	// A namespace that does not exist fails its foreign key: no bundle of
	// it is left.
	if _, _, err := st.CreateVerification(ctx, Verification{ID: "v4", Namespace: "none", RequestKey: "k4",
		Report: []byte("{}"), Bundles: []Bundle{{SHA256: "dd", Data: []byte("{}")}}}); err == nil {
		t.Fatal("a record in an unknown namespace was stored")
	}
	for id, want := range map[string][]string{"v1": {"bb", "aa"}, "v2": {"aa", "cc"}} {
		got, err := st.VerificationBundles(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var sums []string
		for _, g := range got {
			sums = append(sums, g.SHA256)
		}
		if strings.Join(sums, ",") != strings.Join(want, ",") {
			t.Errorf("%s bundles %v, want %v", id, sums, want)
		}
	}
	if got, _ := st.VerificationBundles(ctx, "v1"); len(got) != 2 || string(got[1].Data) != `{"a":1}` {
		t.Errorf("v1 bundle data %q", got)
	}
	for _, id := range []string{"v3", "v4", "nope"} {
		if _, err := st.VerificationBundles(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", id, err)
		}
	}
	var n int
	if err := st.reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM bundles").Scan(&n); err != nil || n != 3 {
		t.Errorf("stored bundles %d, %v; want 3 (aa stored once, dd not at all)", n, err)
	}
	v, err := st.Verification(ctx, "v1")
	if err != nil || v.Reason != ReasonRequest || v.Supersedes != "" || v.Bundles != nil {
		t.Errorf("v1 read back: reason %q supersedes %q bundles %d, %v", v.Reason, v.Supersedes, len(v.Bundles), err)
	}
}
