package serve

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/vouchdev/vouch/pkg/serve/jobs"
	"github.com/vouchdev/vouch/pkg/serve/store"
)

// hookOnly is a store that knows one webhook.
type hookOnly struct {
	store.Store
	hook store.Webhook
}

func (h hookOnly) Webhook(context.Context, string) (store.Webhook, error) { return h.hook, nil }

// TestDeliveryTimeout: the worker's own client gives up on a receiver that
// does not answer, without any deadline from the job's context (the
// timeout is shortened from DeliveryTimeout for the test); a receiver that
// answers in time is delivered to by the same client.
func TestDeliveryTimeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer slow.Close()
	defer close(release)
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer fast.Close()
	if w := NewWebhookWorker(nil); w.client.Timeout != DeliveryTimeout || DeliveryTimeout != 10*time.Second {
		t.Fatalf("client timeout %s, want %s", w.client.Timeout, DeliveryTimeout)
	}
	job := &river.Job[jobs.Webhook]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 1}, Args: jobs.Webhook{Namespace: "ns", Event: EventPublisherDrift}}
	for _, c := range []struct {
		url    string
		failed bool
	}{{slow.URL, true}, {fast.URL, false}} {
		w := NewWebhookWorker(hookOnly{hook: store.Webhook{Namespace: "ns", URL: c.url, Secret: strings.Repeat("s", 32)}})
		w.client.Timeout = 200 * time.Millisecond
		err := w.Work(context.Background(), job)
		if (err != nil) != c.failed || (c.failed && !strings.Contains(err.Error(), "Timeout")) {
			t.Errorf("%s: %v, want failed %v (by the timeout)", c.url, err, c.failed)
		}
	}
}
