package serve

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/vouchdev/vouch/pkg/serve/store"
)

// codeRateLimited is the error code of a 429.
const codeRateLimited = "rate_limited"

// limits are the per-token rate limits of one Server: a token bucket per
// token id, in this process. Behind a load balancer each replica has its
// own buckets, so a token may make up to N times the rate across N
// replicas: the limit protects a replica, it is no quota.
//
// A bucket is made at a token's first authenticated request and kept for
// the process's life: there are as many as there are valid tokens, which
// only the global admin makes. Requests without a valid token are not
// limited here (they cost one indexed lookup and are refused).
type limits struct {
	limit rate.Limit
	burst int
	// buckets maps a token id to its *rate.Limiter.
	buckets sync.Map
}

// newLimits returns the limits of perSecond requests per token with bursts
// of burst (default perSecond, at least 1), or nil for perSecond 0.
func newLimits(perSecond float64, burst int) *limits {
	if perSecond <= 0 {
		return nil
	}
	if burst <= 0 {
		burst = max(1, int(math.Ceil(perSecond)))
	}
	return &limits{limit: rate.Limit(perSecond), burst: burst}
}

// take spends one request of the token's bucket, or says how long until
// one is available.
func (l *limits) take(id string, now time.Time) (ok bool, retry time.Duration) {
	b, found := l.buckets.Load(id)
	if !found {
		b, _ = l.buckets.LoadOrStore(id, rate.NewLimiter(l.limit, l.burst))
	}
	lim := b.(*rate.Limiter)
	res := lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// withinRate spends one request of the token's bucket, writing a 429 with
// Retry-After (whole seconds, at least 1) when it is empty. The 429 is
// counted in vouch_http_requests_total like any answer.
func (s *Server) withinRate(w http.ResponseWriter, r *http.Request, t store.Token) bool {
	if s.limits == nil {
		return true
	}
	ok, retry := s.limits.take(t.ID, time.Now())
	if ok {
		return true
	}
	secs := max(1, int64(math.Ceil(retry.Seconds())))
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	s.fail(w, r, http.StatusTooManyRequests, codeRateLimited,
		"the API token "+t.ID+" is over its rate limit on this replica: retry after "+strconv.FormatInt(secs, 10)+"s")
	return false
}
