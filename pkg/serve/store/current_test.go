package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
)

// TestVSAStoredWithRecord: a record's VSA is stored with it and read back
// byte for byte by every read; the losing insert of a key gets the
// winner's VSA, not its own; a record without one reads back nil.
func TestVSAStoredWithRecord(t *testing.T) { storetest.Run(t, testVSAStoredWithRecord) }

func testVSAStoredWithRecord(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	st := openTest(t, db.NewDSN(t))
	if _, _, err := st.PutPolicy(ctx, "ns", []byte("doc"), "sum"); err != nil {
		t.Fatal(err)
	}
	rec := func(id, key, vsa string) Verification {
		v := Verification{ID: id, Namespace: "ns", RequestKey: key, SubjectSHA256: "11", Report: []byte("{}")}
		if vsa != "" {
			v.VSA = []byte(vsa)
		}
		return v
	}
	const first = `{"dsseEnvelope":{"payload":"first"}}`
	if _, created, err := st.CreateVerification(ctx, rec("v1", "k1", first)); err != nil || !created {
		t.Fatalf("v1: created %v, %v", created, err)
	}
	stored, created, err := st.CreateVerification(ctx, rec("v2", "k1", `{"dsseEnvelope":{"payload":"second"}}`))
	if err != nil || created || string(stored.VSA) != first {
		t.Errorf("the same key again: created %v, VSA %s, %v; want the first record's", created, stored.VSA, err)
	}
	if _, _, err := st.CreateVerification(ctx, rec("v3", "k3", "")); err != nil {
		t.Fatal(err)
	}
	reads := map[string]func() (Verification, error){
		"by id":  func() (Verification, error) { return st.Verification(ctx, "v1") },
		"by key": func() (Verification, error) { return st.VerificationByKey(ctx, "ns", "k1") },
		"by subject": func() (Verification, error) {
			vs, err := st.VerificationsBySubject(ctx, "sha256", "11", 10)
			if err != nil || len(vs) != 2 {
				return Verification{}, errors.Join(err, errors.New("want 2 records"))
			}
			return vs[0], nil
		},
	}
	for name, read := range reads {
		if v, err := read(); err != nil || string(v.VSA) != first {
			t.Errorf("%s: VSA %s, %v; want %s", name, v.VSA, err, first)
		}
	}
	if v, err := st.Verification(ctx, "v3"); err != nil || v.VSA != nil {
		t.Errorf("a record without a VSA read back %q, %v", v.VSA, err)
	}
}

// TestCurrentVerification: the newest record of a digest that no
// re-evaluation superseded, narrowed to a namespace when asked.
func TestCurrentVerification(t *testing.T) { storetest.Run(t, testCurrentVerification) }

func testCurrentVerification(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	st := openTest(t, db.NewDSN(t))
	for _, ns := range []string{"a", "b"} {
		if _, _, err := st.PutPolicy(ctx, ns, []byte("doc"), "sum"); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Unix(1700000000, 0)
	records := []Verification{
		{ID: "a-old", Namespace: "a", RequestKey: "k1", SubjectSHA256: "11", SubjectSHA512: "51", Created: t0},
		{ID: "a-new", Namespace: "a", RequestKey: "k2", SubjectSHA256: "11", Created: t0.Add(2 * time.Second)},
		// A re-evaluation of a-new, made later: a-new is history.
		{ID: "a-re", Namespace: "a", RequestKey: "k3", SubjectSHA256: "11", Created: t0.Add(3 * time.Second),
			Supersedes: "a-new", Reason: ReasonPolicy},
		{ID: "b-1", Namespace: "b", RequestKey: "k1", SubjectSHA256: "11", Created: t0.Add(time.Second)},
		{ID: "other", Namespace: "b", RequestKey: "k4", SubjectSHA256: "22", Created: t0.Add(9 * time.Second)},
	}
	for _, v := range records {
		v.Report = []byte("{}")
		if _, _, err := st.CreateVerification(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ alg, hex, ns, want string }{
		{"sha256", "11", "", "a-re"},
		{"sha256", "11", "a", "a-re"},
		{"sha256", "11", "b", "b-1"},
		{"sha512", "51", "", "a-old"},
		{"sha256", "22", "", "other"},
		{"sha256", "22", "a", ""},
		{"sha256", "33", "", ""},
	} {
		v, err := st.CurrentVerification(ctx, tc.alg, tc.hex, tc.ns)
		switch {
		case tc.want == "" && !errors.Is(err, ErrNotFound):
			t.Errorf("%s:%s in %q: %s, %v; want ErrNotFound", tc.alg, tc.hex, tc.ns, v.ID, err)
		case tc.want != "" && (err != nil || v.ID != tc.want):
			t.Errorf("%s:%s in %q: %s, %v; want %s", tc.alg, tc.hex, tc.ns, v.ID, err, tc.want)
		}
	}
	// Once the re-evaluation is superseded too, the one before it is not
	// current again: the newest unsuperseded record is.
	if _, _, err := st.CreateVerification(ctx, Verification{ID: "a-re2", Namespace: "a", RequestKey: "k5", SubjectSHA256: "11",
		Created: t0.Add(4 * time.Second), Supersedes: "a-re", Reason: ReasonTrust, Report: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	if v, err := st.CurrentVerification(ctx, "sha256", "11", "a"); err != nil || v.ID != "a-re2" {
		t.Errorf("after a second re-evaluation: %s, %v; want a-re2", v.ID, err)
	}
	if _, err := st.CurrentVerification(ctx, "md5", "11", ""); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown algorithm: %v", err)
	}
}
