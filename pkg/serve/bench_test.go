package serve_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/serve/servetest"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// signedRequests signs n distinct artifacts with a fresh key, as vouch
// sign --key does, and returns one verification request body for each.
func signedRequests(b testing.TB, n int) ([]string, *trust.Key) {
	b.Helper()
	signed, key, _ := servetest.SignArtifacts(b, n)
	bodies := make([]string, n)
	for i, s := range signed {
		bodies[i] = s.Request()
	}
	return bodies, key
}

// BenchmarkVerifyPersist posts key-signed bundles over loopback, each
// request a new artifact: verification, the report and the commit (SQLite
// with synchronous=FULL; PostgreSQL when VOUCH_TEST_POSTGRES is set).
// Reported: verifications/s and the p99 latency. Run with a fixed count,
// the bundles being signed before the clock starts:
//
//	go test ./pkg/serve -run '^$' -bench VerifyPersist -benchtime 3000x
func BenchmarkVerifyPersist(b *testing.B) {
	for _, db := range storetest.DBs() {
		b.Run(db.Name, func(b *testing.B) { benchVerifyPersist(b, db) })
	}
}

func benchVerifyPersist(b *testing.B, db storetest.DB) {
	bodies, key := signedRequests(b, b.N)
	e := newEnv(b, db, key)
	e.putPolicy("bench", emptyPolicy)
	ts := httptest.NewServer(e.srv)
	defer ts.Close()
	client := ts.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	var mu sync.Mutex
	var next int
	lat := make([]time.Duration, 0, b.N)
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			body := bodies[next]
			next++
			mu.Unlock()
			t0 := time.Now()
			req, _ := http.NewRequest("POST", ts.URL+"/v1/namespaces/bench/verifications", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+e.token)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated || !bytes.Contains(data, []byte(`"verified":true`)) {
				b.Errorf("%d %s", resp.StatusCode, data)
				return
			}
			d := time.Since(t0)
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "verifications/s")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}
