package nonet

import (
	"fmt"
	"net/http"
	"testing"
)

// recorder is a testing.TB that keeps the errors instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Helper() {}

func TestForbidCatchesRequests(t *testing.T) {
	rec := &recorder{TB: t}
	Forbid(rec)
	if _, err := http.Get("http://127.0.0.1:9/"); err == nil {
		t.Fatal("a request went through")
	}
	if len(rec.errs) != 1 {
		t.Fatalf("recorded %q, want one error", rec.errs)
	}
}
