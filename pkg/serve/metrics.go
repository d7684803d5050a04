package serve

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Decision outcomes, the values of vouch_decisions_total's outcome label.
const (
	outcomeVerified     = "verified"
	outcomeRefused      = "refused"
	outcomeUnverifiable = "unverifiable"
)

// Stages of a verification timed by vouch_verification_stage_seconds.
const (
	stageVerify  = "verify"
	stagePersist = "persist"
)

// unmatchedRoute labels requests no route took: the raw path is the
// client's to choose and would make the label set unbounded.
const unmatchedRoute = "unmatched"

// metrics are a Server's Prometheus collectors, on a registry of its own
// (not the global default) so that two servers in one process, as in tests,
// count apart.
type metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	decisions *prometheus.CounterVec
	stages    *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vouch_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vouch_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vouch_decisions_total",
			Help: "Verification decisions stored (verified, refused) and requests the policy could not decide (unverifiable).",
		}, []string{"outcome"}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "vouch_verification_stage_seconds",
			Help: "Time spent per stage of a new verification: verify (engine and report) and persist (the database write).",
			// Verification is milliseconds warm; the database write can
			// queue behind a group commit.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"stage"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.decisions, m.stages,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the registry in Prometheus' text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// request counts one answered request.
func (m *metrics) request(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// stage records how long a stage took since start.
func (m *metrics) stage(name string, start time.Time) {
	m.stages.WithLabelValues(name).Observe(time.Since(start).Seconds())
}

// decided counts a decision by outcome.
func (m *metrics) decided(outcome string) {
	m.decisions.WithLabelValues(outcome).Inc()
}

// outcome names a stored decision's outcome.
func outcome(verified bool) string {
	if verified {
		return outcomeVerified
	}
	return outcomeRefused
}
