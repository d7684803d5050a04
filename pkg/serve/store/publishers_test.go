package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
)

// TestLatestVerifiedOfPackage: the lookup drift compares with is the
// newest verified record of the same name in the same namespace, at any
// version; unverified records, other names and other namespaces are never
// it. The publisher round-trips.
func TestLatestVerifiedOfPackage(t *testing.T) { storetest.Run(t, testLatestVerifiedOfPackage) }

func testLatestVerifiedOfPackage(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	st := openTest(t, db.NewDSN(t))
	for _, ns := range []string{"ns", "other"} {
		if _, _, err := st.PutPolicy(ctx, ns, []byte("doc"), "sum"); err != nil {
			t.Fatal(err)
		}
	}
	base := time.Unix(1_700_000_000, 0)
	pubA := Publisher{Repository: "github.com/o/a", Workflow: "github.com/o/a/.github/workflows/r.yml", Builder: "b"}
	pubB := Publisher{Repository: "github.com/o/b"}
	records := []Verification{
		{ID: "v1", Namespace: "ns", PURLName: "pkg:npm/p", PURLVersion: "1.0.0", Verified: true, Publisher: pubA},
		{ID: "v2-unverified", Namespace: "ns", PURLName: "pkg:npm/p", PURLVersion: "1.1.0", Verified: false, Publisher: pubB},
		{ID: "v3-other-ns", Namespace: "other", PURLName: "pkg:npm/p", PURLVersion: "1.2.0", Verified: true, Publisher: pubB},
		{ID: "v4-other-name", Namespace: "ns", PURLName: "pkg:npm/q", PURLVersion: "1.2.0", Verified: true, Publisher: pubB},
		{ID: "v5-2.0", Namespace: "ns", PURLName: "pkg:npm/p", PURLVersion: "2.0.0", Verified: true, Publisher: pubB},
	}
	for i, v := range records {
		v.RequestKey, v.Created, v.Report = v.ID, base.Add(time.Duration(i)*time.Second), []byte("{}")
		if _, _, err := st.CreateVerification(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, ns, purl, want string
	}{
		{"the newest verified, unverified and other names skipped", "ns", "pkg:npm/p", "v5-2.0"},
		{"first version of a name", "ns", "pkg:npm/new", ""},
		{"other namespace", "other", "pkg:npm/q", ""},
		{"no package URL", "ns", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := st.LatestVerifiedOfPackage(ctx, c.ns, c.purl)
			if c.want == "" {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("got %s, %v; want ErrNotFound", v.ID, err)
				}
				return
			}
			if err != nil || v.ID != c.want {
				t.Fatalf("got %q, %v; want %s", v.ID, err, c.want)
			}
			want := map[string]Publisher{"v1": pubA, "v5-2.0": pubB}[c.want]
			if v.Publisher != want || v.PURLName != c.purl {
				t.Errorf("record %s: publisher %+v, name %q; want %+v, %q", v.ID, v.Publisher, v.PURLName, want, c.purl)
			}
		})
	}
}

// TestWebhooks: a namespace's webhook is put, replaced, read and deleted;
// the secret is kept (deliveries are signed with it).
func TestWebhooks(t *testing.T) { storetest.Run(t, testWebhooks) }

func testWebhooks(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	st := openTest(t, db.NewDSN(t))
	if _, _, err := st.PutPolicy(ctx, "ns", []byte("doc"), "sum"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Webhook(ctx, "ns"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no webhook yet: %v, want ErrNotFound", err)
	}
	for _, url := range []string{"https://a.example/hook", "https://b.example/hook"} {
		if err := st.PutWebhook(ctx, Webhook{Namespace: "ns", URL: url, Secret: "s-" + url}); err != nil {
			t.Fatal(err)
		}
		w, err := st.Webhook(ctx, "ns")
		if err != nil || w.URL != url || w.Secret != "s-"+url {
			t.Fatalf("webhook %+v, %v; want %s", w, err, url)
		}
	}
	if err := st.DeleteWebhook(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteWebhook(ctx, "ns"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting twice: %v, want ErrNotFound", err)
	}
	if _, err := st.Webhook(ctx, "ns"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete: %v, want ErrNotFound", err)
	}
}
