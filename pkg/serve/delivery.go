package serve

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/vouchdev/vouch/pkg/serve/jobs"
	"github.com/vouchdev/vouch/pkg/serve/store"
)

// Webhook delivery headers.
const (
	HeaderEvent     = "X-Vouch-Event"
	HeaderDelivery  = "X-Vouch-Delivery"
	HeaderTimestamp = "X-Vouch-Timestamp"
	HeaderSignature = "X-Vouch-Signature"
)

// Delivery limits and retries: a receiver has DeliveryTimeout to answer
// 2xx; a failed delivery is retried after an exponential, jittered backoff
// (retryBase doubling per attempt, at most retryCap), WebhookMaxAttempts
// attempts in all (about a day).
const (
	DeliveryTimeout    = 10 * time.Second
	WebhookMaxAttempts = 12
	retryBase          = time.Minute
	retryCap           = 8 * time.Hour
	// maxResponseBody is what is read of a receiver's answer: enough for
	// an error message, never a receiver's whole stream.
	maxResponseBody = 64 << 10
)

// Delivery is the JSON body POSTed to a webhook.
type Delivery struct {
	// ID is the delivery's id, the same on every retry (also in
	// X-Vouch-Delivery): receivers deduplicate by it.
	ID             string          `json:"id"`
	Type           string          `json:"type"`
	Namespace      string          `json:"namespace"`
	VerificationID string          `json:"verificationId"`
	Created        time.Time       `json:"created"`
	Data           json.RawMessage `json:"data"`
}

// SignWebhook is the X-Vouch-Signature of a delivery: "sha256=" and the hex
// HMAC-SHA256, keyed by the webhook's secret, of the X-Vouch-Timestamp
// value, ".", and the body. Signing the timestamp lets receivers refuse
// replays of an old delivery.
func SignWebhook(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifyWebhookSignature is what a receiver checks before it trusts a
// delivery: signature (X-Vouch-Signature) must be SignWebhook(secret,
// timestamp, body), compared in constant time, and timestamp
// (X-Vouch-Timestamp, Unix seconds) within tolerance of now, so a captured
// delivery cannot be replayed later. Deduplicate retries by
// X-Vouch-Delivery.
func VerifyWebhookSignature(secret, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	if secret == "" {
		return errors.New("webhook signature: no secret to check it with")
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook signature: %s %q: expected Unix seconds", HeaderTimestamp, timestamp)
	}
	sent := time.Unix(sec, 0)
	if d := now.Sub(sent); d > tolerance || d < -tolerance {
		return fmt.Errorf("webhook signature: %s %s is %s from now, expected within %s (a replay?)", HeaderTimestamp, timestamp, d.Round(time.Second), tolerance)
	}
	got, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return fmt.Errorf("webhook signature: %s: expected sha256=<hex>, found %q", HeaderSignature, signature)
	}
	want := SignWebhook(secret, timestamp, body)[len("sha256="):]
	if !hmac.Equal([]byte(strings.ToLower(got)), []byte(want)) {
		return fmt.Errorf("webhook signature: %s does not match the body and timestamp (another secret, or a changed body)", HeaderSignature)
	}
	return nil
}

// WebhookWorker delivers jobs.Webhook: the River worker of the queue. The
// namespace's webhook is read when the job runs, so a changed URL or
// secret applies to pending deliveries, and a deleted one ends them.
type WebhookWorker struct {
	river.WorkerDefaults[jobs.Webhook]
	store  store.Store
	client *http.Client
	now    func() time.Time
}

// NewWebhookWorker returns the worker delivering through st's webhooks.
// Its client follows no redirect (a receiver that moved must be configured
// again, not followed wherever it points) and gives up after
// DeliveryTimeout.
func NewWebhookWorker(st store.Store) *WebhookWorker {
	return &WebhookWorker{store: st, now: time.Now, client: &http.Client{
		Timeout: DeliveryTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// Timeout bounds a job a little beyond its request's timeout.
func (w *WebhookWorker) Timeout(*river.Job[jobs.Webhook]) time.Duration {
	return DeliveryTimeout + 5*time.Second
}

// NextRetry backs off exponentially from retryBase, capped at retryCap,
// with ±25% jitter so that a receiver's outage does not end in a burst.
func (w *WebhookWorker) NextRetry(job *river.Job[jobs.Webhook]) time.Time {
	return w.now().Add(retryDelay(job.Attempt))
}

// retryDelay is the wait after the attempt-th failed attempt.
func retryDelay(attempt int) time.Duration {
	d := retryCap
	if attempt >= 1 && attempt < 20 {
		d = min(retryCap, retryBase<<(attempt-1))
	}
	return d - d/4 + rand.N(d/2+1)
}

// Work delivers the event: a 2xx completes the job; any other answer, a
// timeout or a connection error is an error, and River retries — at most
// WebhookMaxAttempts attempts, then the job is cancelled. No webhook: the
// job completes without sending.
func (w *WebhookWorker) Work(ctx context.Context, job *river.Job[jobs.Webhook]) error {
	hook, err := w.store.Webhook(ctx, job.Args.Namespace)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the webhook of %s: %w", job.Args.Namespace, err)
	}
	if err := checkWebhookURL(hook.URL); err != nil {
		return river.JobCancel(fmt.Errorf("webhook of %s: %w", job.Args.Namespace, err))
	}
	body, err := deliveryBody(job)
	if err != nil {
		return river.JobCancel(err)
	}
	err = w.send(ctx, hook, job, body)
	if err != nil && job.Attempt >= WebhookMaxAttempts {
		return river.JobCancel(fmt.Errorf("giving up after %d attempts: %w", job.Attempt, err))
	}
	return err
}

// deliveryID is stable per job: the same on every retry of it.
func deliveryID(job *river.Job[jobs.Webhook]) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d\x00%s\x00%s\x00%s", job.ID, job.Args.Namespace, job.Args.VerificationID, job.Args.Event))
	return hex.EncodeToString(sum[:16])
}

// deliveryBody is the JSON body of a job's delivery; a payload that is not
// JSON can never be delivered.
func deliveryBody(job *river.Job[jobs.Webhook]) ([]byte, error) {
	data := json.RawMessage(job.Args.Payload)
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	body, err := json.Marshal(Delivery{ID: deliveryID(job), Type: job.Args.Event, Namespace: job.Args.Namespace,
		VerificationID: job.Args.VerificationID, Created: job.CreatedAt.UTC(), Data: data})
	if err != nil {
		return nil, fmt.Errorf("webhook event %s of verification %s: payload: %w", job.Args.Event, job.Args.VerificationID, err)
	}
	return body, nil
}

// send POSTs one signed delivery.
func (w *WebhookWorker) send(ctx context.Context, hook store.Webhook, job *river.Job[jobs.Webhook], body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return river.JobCancel(fmt.Errorf("webhook of %s: %w", hook.Namespace, err))
	}
	ts := strconv.FormatInt(w.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "vouch-webhook/1")
	req.Header.Set(HeaderEvent, job.Args.Event)
	req.Header.Set(HeaderDelivery, deliveryID(job))
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, SignWebhook(hook.Secret, ts, body))
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("delivering %s to the webhook of %s: %w", job.Args.Event, hook.Namespace, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("delivering %s to the webhook of %s: expected a 2xx answer, found %s: %.200q",
			job.Args.Event, hook.Namespace, resp.Status, msg)
	}
	return nil
}
