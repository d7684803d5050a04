package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/npm"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/slsa"
)

// FindingPublisherDrift is the id of the finding a decision carries when
// its publisher differs from the newest verified decision's on the package.
const FindingPublisherDrift = "publisher-drift"

// EventPublisherDrift is the webhook event of a publisher drift.
const EventPublisherDrift = "publisher.drift"

// pypiSeparators are the runs PEP 503 folds into one "-" in a PyPI name.
var pypiSeparators = regexp.MustCompile(`[-_.]+`)

// purlParts splits a package URL into its name — the canonical purl
// without version, qualifiers or subpath (npm.CanonicalPURL's spelling) —
// and its version. ok is false for what is not a package URL. A PyPI name
// is normalised as PyPI compares names (PEP 503), so that "Foo_Bar" is not
// another package than "foo-bar" and cannot dodge the comparison.
func purlParts(purl string) (name, version string, ok bool) {
	c, ok := npm.CanonicalPURL(purl)
	if !ok {
		return "", "", false
	}
	if i := strings.IndexAny(c, "?#"); i >= 0 {
		c = c[:i]
	}
	// The canonical form encodes every "@" inside segments as %40: the
	// one left separates the version.
	name, version, _ = strings.Cut(c, "@")
	if rest, isPyPI := strings.CutPrefix(name, "pkg:pypi/"); isPyPI {
		name = "pkg:pypi/" + pypiSeparators.ReplaceAllString(strings.ToLower(rest), "-")
	}
	return name, version, true
}

// publisherOf derives who published an artifact from its verified
// evidence: the source repositories and workflows (without refs, which
// change with every release) of the keyless signers' certificates and of
// the SLSA provenance, and the builders — the provenance builder ids
// (without refs) and the certificates' runner environments. Each is the
// sorted set of what the evidence names; key-signed evidence without
// provenance names none.
func publisherOf(evidence []verify.Evidence) store.Publisher {
	repos, workflows, builders := map[string]bool{}, map[string]bool{}, map[string]bool{}
	add := func(set map[string]bool, v string) {
		if v != "" {
			set[v] = true
		}
	}
	for _, ev := range evidence {
		if repo := ev.Signer.SourceRepository(); repo != "" {
			add(repos, slsa.NormalizeURI(repo))
		}
		if w := ev.Signer.Extensions["buildSignerURI"]; w != "" {
			add(workflows, slsa.NormalizeURI(w))
		}
		if r := ev.Signer.Extensions["runnerEnvironment"]; r != "" {
			add(builders, "runner:"+r)
		}
		if !slsa.IsProvenance(ev.PredicateType) || ev.Statement == nil {
			continue
		}
		p, err := slsa.Parse(ev.Statement)
		if err != nil {
			// The policy judges provenance; an unreadable one names no
			// publisher, and a changed publisher is still drift.
			continue
		}
		add(builders, builderID(p))
		add(repos, p.Source())
		if p.Workflow != nil {
			add(repos, slsa.NormalizeURI(p.Workflow.Repository))
			add(workflows, slsa.NormalizeURI(strings.TrimSuffix(p.Workflow.Repository, "/")+"/"+strings.TrimPrefix(p.Workflow.Path, "/")))
		}
	}
	return store.Publisher{Repository: joinSet(repos), Workflow: joinSet(workflows), Builder: joinSet(builders)}
}

// builderID is a provenance's builder id without ref, v0.2 aliases of a
// known builder (npm's https://github.com/actions/runner) spelled as the
// builder's v1 id, as the policy credits them: npm's move from v0.2 to v1
// provenance is not a change of builder.
func builderID(p *slsa.Provenance) string {
	id, _ := slsa.SplitBuilderID(p.BuilderID)
	if p.PredicateType != slsa.PredicateV02 {
		return id
	}
	for _, b := range slsa.Builders() {
		if b.ID != "" && slices.Contains(b.Aliases, id) {
			return b.ID
		}
	}
	return id
}

func joinSet(set map[string]bool) string {
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// describe is a publisher for a finding.
func describe(p store.Publisher) string {
	orNone := func(s string) string {
		if s == "" {
			return "(none)"
		}
		return s
	}
	return fmt.Sprintf("repository %s, workflow %s, builder %s", orNone(p.Repository), orNone(p.Workflow), orNone(p.Builder))
}

// addDriftFinding adds the publisher-drift finding — failing, or passing
// when the policy only reports drift — and recomputes the verdict; it
// returns the finding added.
func addDriftFinding(pol *policy.Policy, res *verify.ArtifactReport, msg, expected, found string) *verify.Finding {
	mode := pol.DriftMode()
	status := verify.StatusFail
	if mode == policy.DriftReport {
		status = verify.StatusPass
	}
	res.Findings = append(res.Findings, verify.Finding{ID: FindingPublisherDrift, Status: status,
		Message: msg + " (policy publisher.drift: " + mode + ")", Expected: expected, Found: found})
	res.Verified = res.Accept()
	return &res.Findings[len(res.Findings)-1]
}

// DriftEvent is the data of a publisher.drift webhook event.
type DriftEvent struct {
	// PURL is the new decision's subject; Package its name without version.
	PURL      string          `json:"purl"`
	Package   string          `json:"package"`
	Version   string          `json:"version"`
	Publisher store.Publisher `json:"publisher"`
	// Previous is the verified decision on the package it was compared
	// with (another version, or another file of this one).
	Previous DriftPrevious `json:"previous"`
	// Mode is the policy's publisher.drift: "fail" (the decision failed)
	// or "report" (it was only reported).
	Mode     string `json:"mode"`
	Verified bool   `json:"verified"`
}

// DriftPrevious names the earlier decision of a drift.
type DriftPrevious struct {
	VerificationID string          `json:"verificationId"`
	Version        string          `json:"version"`
	Publisher      store.Publisher `json:"publisher"`
}

// checkDrift compares a verified decision's publisher with the newest
// verified decision on the same package in ns, at any version — another
// artifact under a released version from another publisher is the attack
// drift is for, not an exception to it: on a
// difference it adds the publisher-drift finding (failing unless the
// policy says report), recomputes the verdict and queues the event. A
// decision that did not verify or is the package's first is not compared;
// one without a package URL neither, but it fails when the policy's
// publisher section asks for the check. A failed lookup is an error: the
// caller fails closed.
func (s *Server) checkDrift(ctx context.Context, ns string, pol *policy.Policy, res *verify.ArtifactReport, v *store.Verification) error {
	if !res.Verified {
		return nil
	}
	if v.PURLName == "" {
		if pol.Publisher != nil {
			// The policy asks for the comparison in so many words: a
			// request that gives nothing to compare by cannot pass it.
			addDriftFinding(pol, res, "not compared: the request names no package (subject.purl), and the policy's publisher section asks for publisher drift to be checked",
				"a package URL (subject.purl) to compare the publisher of its other versions with", "none")
		}
		return nil
	}
	prev, err := s.cfg.Store.LatestVerifiedOfPackage(ctx, ns, v.PURLName)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the previous version's publisher: %w", err)
	}
	if prev.Publisher == v.Publisher {
		return nil
	}
	f := addDriftFinding(pol, res, fmt.Sprintf("%s@%s is published by another repository, workflow or builder than version %s (verification %s)",
		v.PURLName, v.PURLVersion, prev.PURLVersion, prev.ID), describe(prev.Publisher), describe(v.Publisher))
	f.Evidence = []string{"verification " + prev.ID}
	data, err := json.Marshal(DriftEvent{PURL: v.SubjectPURL, Package: v.PURLName, Version: v.PURLVersion, Publisher: v.Publisher,
		Previous: DriftPrevious{VerificationID: prev.ID, Version: prev.PURLVersion, Publisher: prev.Publisher},
		Mode:     pol.DriftMode(), Verified: res.Verified})
	if err != nil {
		return err
	}
	v.Events = append(v.Events, store.Event{Type: EventPublisherDrift, Payload: data})
	return nil
}
