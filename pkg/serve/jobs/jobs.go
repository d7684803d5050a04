// Package jobs names the background work of vouch serve: the arguments of
// the jobs it queues on River (github.com/riverqueue/river), in the same
// database as its records, so that every replica can run them and a job
// queued with a record is queued exactly when the record is stored.
//
// The types here are the queue's wire format (River stores them as JSON):
// a field renamed here strands the jobs already queued.
package jobs

// Reevaluate re-evaluates a namespace's current decisions after its policy
// or the service's trust changed: each record that is not yet superseded
// and was made under another policy or trust is verified again from its
// stored bundles, and the new decision is stored as a record that
// supersedes it (reason "policy" or "trust").
type Reevaluate struct {
	Namespace string `json:"namespace"`
	// PolicySHA256 and TrustSHA256 are what the new decisions are made
	// under; a job whose policy is no longer current does nothing (a newer
	// job will). TrustSHA256 "" is the trust of the process that runs the
	// job: the store queues a policy change in the policy's transaction
	// and does not know the service's trust.
	PolicySHA256 string `json:"policySha256"`
	TrustSHA256  string `json:"trustSha256"`
	// VulnDBSHA256 is, for Reason "vulnerability database changed", the
	// database the new decisions are made against: a process matching
	// against another one leaves the job to be retried (a rollout).
	VulnDBSHA256 string `json:"vulnDbSha256,omitempty"`
	// Reason is "policy", "trust" or "vulnerability database changed".
	Reason string `json:"reason"`
}

// Kind implements river.JobArgs.
func (Reevaluate) Kind() string { return "vouch.reevaluate" }

// Webhook delivers one event to a namespace's webhook. The URL and secret
// are read when the job runs, so a changed webhook takes effect for
// deliveries still pending.
type Webhook struct {
	Namespace string `json:"namespace"`
	// Event is the event type, e.g. "publisher.drift".
	Event string `json:"event"`
	// Payload is the event's JSON object, delivered as the body's "data".
	Payload []byte `json:"payload"`
	// VerificationID is the record the event is about.
	VerificationID string `json:"verificationId"`
}

// Kind implements river.JobArgs.
func (Webhook) Kind() string { return "vouch.webhook" }
