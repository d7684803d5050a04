package serve

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// readyTimeout bounds the readiness probe's database ping: a probe that
// hangs is as unready as one that fails, and load balancers time out too.
const readyTimeout = 2 * time.Second

// codeUnavailable is the error code of a 503: the service cannot reach its
// database.
const codeUnavailable = "unavailable"

// StatusBody is the body of /healthz and /readyz when they pass.
type StatusBody struct {
	Status string `json:"status"`
}

// healthz answers while the process serves HTTP: liveness, without the
// database, so that an orchestrator does not restart a process whose
// database is down (restarting would not bring it back).
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, StatusBody{Status: "ok"})
}

// readyz answers 200 when the database answers a ping, else 503 with the
// API's error: a load balancer sends requests only to ready replicas.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.cfg.Store.Ping(ctx); err != nil {
		s.cfg.Logger.Warn("readiness: database ping failed", "error", err)
		s.fail(w, r, http.StatusServiceUnavailable, codeUnavailable, "the database does not answer a ping")
		return
	}
	writeJSON(w, http.StatusOK, StatusBody{Status: "ready"})
}

// recorder keeps what a handler answered, for the request log and metrics.
type recorder struct {
	http.ResponseWriter
	status int
	// code and message are the API error written, if any.
	code, message string
}

func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// routeOf is the request's route label: the pattern ServeMux matched
// (bounded, unlike the path), or unmatchedRoute.
func routeOf(r *http.Request) string {
	if r.Pattern == "" || r.Pattern == "/" {
		return unmatchedRoute
	}
	return r.Pattern
}

// observe logs one line for an answered request and counts it. The line
// names the route pattern, not the path, and never a header: the bearer
// token is in one.
func (s *Server) observe(rec *recorder, r *http.Request, start time.Time) {
	d := time.Since(start)
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	route := routeOf(r)
	s.metrics.request(route, status, d)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method), slog.String("route", route),
		slog.Int("status", status), slog.Duration("duration", d),
	}
	if ns := r.PathValue("ns"); ns != "" {
		attrs = append(attrs, slog.String("namespace", ns))
	}
	if rec.code != "" {
		attrs = append(attrs, slog.String("code", rec.code), slog.String("error", rec.message))
	}
	s.cfg.Logger.LogAttrs(r.Context(), level, "request", attrs...)
}
