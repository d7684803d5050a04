package policy

import "fmt"

// Publisher drift modes (publisher.drift).
const (
	// DriftFail makes a decision whose publisher drifted fail: the default,
	// since a package suddenly built from another repository, workflow or
	// builder is the attack registries guard against.
	DriftFail = "fail"
	// DriftReport only reports the drift: the finding passes and says so.
	DriftReport = "report"
)

// Publisher says what to do when a package version's publisher (source
// repository, workflow, builder) differs from the one of the previous
// verified version. Drift is a comparison with history, which only vouch
// serve keeps: vouch verify checks one artifact and cannot evaluate it (it
// says so on standard error); the setting is validated everywhere. Without
// the section vouch serve fails drift too, but compares only requests that
// name a package URL; with it, a request that names none fails (or, with
// report, is reported as not compared).
type Publisher struct {
	// Drift is DriftFail ("" too) or DriftReport.
	Drift string `yaml:"drift,omitempty" json:"drift,omitempty"`
}

// DriftMode is the policy's publisher.drift, DriftFail when unset.
func (p *Policy) DriftMode() string {
	if p == nil || p.Publisher == nil || p.Publisher.Drift == "" {
		return DriftFail
	}
	return p.Publisher.Drift
}

// checkPublisher validates publisher.drift.
func (p *Policy) checkPublisher() error {
	if p.Publisher == nil {
		return nil
	}
	switch p.Publisher.Drift {
	case "", DriftFail, DriftReport:
		return nil
	}
	return fmt.Errorf("%w: publisher.drift: is %q, want %q or %q", ErrInvalid, p.Publisher.Drift, DriftFail, DriftReport)
}
