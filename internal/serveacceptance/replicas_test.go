package serveacceptance

import (
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vouchdev/vouch/pkg/serve"
)

// TestIdempotencyAcrossReplicas: 50 identical verification requests at
// once, alternating between two vouch serve processes on one database, are
// one record: exactly one 201, 200 for the others, every answer the same
// id, one record for the subject on either replica. On PostgreSQL the
// replicas are the deployment the issue names; on SQLite they are two
// processes on one data directory (WAL), which the database's unique key
// keeps one record as well. The control, another artifact, is another
// record.
func TestIdempotencyAcrossReplicas(t *testing.T) {
	for _, tc := range []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"postgres", func(t *testing.T) []string { return []string{"--database", postgresDSN(t), "--vsa-key", vsaKeyFile(t)} }},
		{"sqlite", func(t *testing.T) []string { return []string{"--data-dir", filepath.Join(t.TempDir(), "data")} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reqs, key := signed(t, 2)
			args := append(tc.args(t), "--key", key)
			a, token := startServe(t, true, args...)
			b, _ := startServe(t, false, args...)
			putPolicy(t, a.URL, token, "idem")
			ids, codes := race(t, []string{a.URL, b.URL}, token, "idem", reqs[0].Request(), 50)
			created := 0
			for i := range ids {
				switch {
				case codes[i] == http.StatusCreated:
					created++
				case codes[i] != http.StatusOK:
					t.Errorf("request %d: status %d, want 200 or 201", i, codes[i])
				}
				if ids[i] == "" || ids[i] != ids[0] {
					t.Errorf("request %d: id %q, request 0: %q", i, ids[i], ids[0])
				}
			}
			if created != 1 {
				t.Errorf("%d requests created a record, want 1", created)
			}
			for _, url := range []string{a.URL, b.URL} {
				if recs := records(t, url, token, reqs[0].SHA256); len(recs) != 1 || recs[0].ID != ids[0] {
					t.Errorf("%s: records %+v, want the one with id %s", url, recs, ids[0])
				}
			}
			// Control: another artifact is another record, on either replica.
			data := mustCall(t, http.MethodPost, b.URL+"/v1/namespaces/idem/verifications", token, reqs[1].Request(), http.StatusCreated)
			if v := decode[serve.VerificationResponse](t, data); v.ID == ids[0] {
				t.Errorf("another artifact got the same record %s", v.ID)
			}
			if recs := records(t, a.URL, token, reqs[1].SHA256); len(recs) != 1 {
				t.Errorf("control: %d records, want 1", len(recs))
			}
			a.stop()
			b.stop()
		})
	}
}

// race sends body n times at once, request i to urls[i%len(urls)], and
// returns each answer's record id and status.
func race(t *testing.T, urls []string, token, ns, body string, n int) (ids []string, codes []int) {
	t.Helper()
	ids, codes = make([]string, n), make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			code, data, err := call(http.MethodPost, urls[i%len(urls)]+"/v1/namespaces/"+ns+"/verifications", token, body)
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			codes[i] = code
			if code/100 == 2 {
				ids[i] = decode[serve.VerificationResponse](t, data).ID
			}
		})
	}
	close(start)
	wg.Wait()
	return ids, codes
}
