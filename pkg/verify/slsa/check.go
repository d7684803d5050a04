package slsa

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/vouchdev/vouch/pkg/verify"
)

// Check ids of an [Outcome], as the policy package reports them
// ("provenance.builder", ...).
const (
	CheckBuilder = "builder" // the builder is trusted / one of the policy's builder ids
	CheckSource  = "source"  // the source repository is the expected one
	CheckRef     = "ref"     // the built ref matches the policy's globs
	CheckSigner  = "signer"  // the signing certificate agrees with the provenance
)

// Requirements are what a policy asks of provenance.
type Requirements struct {
	// BuilderIDs are the accepted builder ids, each with or without its
	// "@ref". Empty: the default trusted builders of Builders.
	BuilderIDs []string
	// SourceURI is the expected source repository in any form
	// [NormalizeURI] reads ("github.com/o/r"); "" accepts any source.
	SourceURI string
	// SourceRefs are globs (path.Match: "refs/tags/v*") the built ref must
	// match; empty accepts any ref.
	SourceRefs []string
	// Builders is the trusted-builder list: [Builders] plus a policy's own.
	Builders []Builder
}

// Result is one check on one provenance statement.
type Result struct {
	ID       string
	OK       bool
	Expected string
	Found    string
}

// Outcome is the verdict on one provenance statement.
type Outcome struct {
	Provenance *Provenance
	// Builder is the trusted-builder entry the provenance matched; nil when
	// it matched an explicit builder id outside the list, or nothing.
	Builder *Builder
	// Level is the SLSA build level of the matched builder (0: unknown).
	Level int
	// SignerIsBuilder reports that the signing certificate is the identity
	// the matched builder signs with: provenance from a trusted builder is
	// trusted through its builder, without an identity in the policy.
	SignerIsBuilder bool
	// SignerWhy says why SignerIsBuilder is false.
	SignerWhy string
	// delegated: a BYOB delegator signed for the builder (its certificate's
	// build signer is the delegator, not the builder id).
	delegated bool
	Results   []Result // builder, source, ref (when asked), signer (keyless only)
}

// OK reports whether every check passed.
func (o *Outcome) OK() bool {
	for _, r := range o.Results {
		if !r.OK {
			return false
		}
	}
	return true
}

// Evaluate checks one provenance statement, signed by s, against req.
//
// It follows slsa-verifier's rules: the builder id must be one the policy
// names (with or without "@ref") or, when none is named, a default trusted
// builder; the source repository and ref must be the expected ones; and for
// keyless signatures the certificate's Fulcio extensions must agree with
// the provenance ([SignerAgrees]).
func Evaluate(p *Provenance, s verify.Signer, req Requirements) Outcome {
	o := Outcome{Provenance: p}
	o.Results = append(o.Results, o.checkBuilder(p, s, req))
	if req.SourceURI != "" {
		want := NormalizeURI(req.SourceURI)
		o.Results = append(o.Results, Result{ID: CheckSource, OK: p.Source() != "" && p.Source() == want,
			Expected: want, Found: orNothing(p.Source())})
	}
	if len(req.SourceRefs) > 0 {
		o.Results = append(o.Results, Result{ID: CheckRef, OK: p.SourceRef != "" && matchAnyGlob(req.SourceRefs, p.SourceRef),
			Expected: "ref matching " + strings.Join(req.SourceRefs, " or "), Found: orNothing(p.SourceRef)})
	}
	if s.Identity != "" {
		problems := signerAgrees(p, s, o.delegated)
		r := Result{ID: CheckSigner, OK: len(problems) == 0,
			Expected: "the signing certificate's repository, ref and workflows agree with the provenance"}
		if len(problems) == 0 {
			r.Found = "certificate agrees: " + s.Identity
		} else {
			r.Found = strings.Join(problems, "; ")
		}
		o.Results = append(o.Results, r)
	}
	return o
}

func (o *Outcome) checkBuilder(p *Provenance, s verify.Signer, req Requirements) Result {
	r := Result{ID: CheckBuilder}
	found := "builder " + p.BuilderID + " (buildType " + orNothing(p.BuildType) + ")"
	if len(req.BuilderIDs) == 0 {
		var names, unproven []string
		for i := range req.Builders {
			b := &req.Builders[i]
			if !b.Default {
				continue
			}
			names = append(names, b.label())
			if !b.matchesID(p) || !b.matchesBuildType(p) {
				continue
			}
			// A default builder is trusted only through its own signer:
			// provenance that merely names it proves nothing.
			ok, why := b.signerTrusted(p, s, req)
			if !ok {
				if !b.IDFromSigner {
					unproven = append(unproven, b.Name+": "+why)
				}
				continue
			}
			o.credit(b)
			return Result{ID: CheckBuilder, OK: true, Expected: "a trusted builder", Found: found + ": " + b.Name}
		}
		sort.Strings(names)
		r.Expected = "a trusted builder (" + strings.Join(names, ", ") + ") or a builder id named in the policy"
		r.Found = found + ", not a trusted builder"
		if len(unproven) > 0 {
			r.Found = found + ", named but not proven by its signer (" + strings.Join(unproven, "; ") + ")"
			o.SignerWhy = strings.Join(unproven, "; ")
		}
		return r
	}
	r.Expected = "builder " + strings.Join(req.BuilderIDs, " or ")
	for _, want := range req.BuilderIDs {
		b := resolve(want, req.Builders)
		wantID, _ := SplitBuilderID(want)
		// A v0.2 alias (npm's https://github.com/actions/runner) names the
		// listed builder only in v0.2 provenance.
		viaAlias := b != nil && p.PredicateType == PredicateV02 && wantID == b.ID && b.matchesID(p) && refMatches(want, p.BuilderID)
		if !MatchBuilderID(want, p.BuilderID) && !viaAlias {
			continue
		}
		listed := b != nil
		if !listed {
			b = explicitBuilder(want, s, req.Builders)
		}
		if ok, why := b.signerTrusted(p, s, req); ok {
			o.credit(b)
			if !listed {
				o.Builder = nil // an entry made up for the id, not one of the list
			}
		} else {
			o.SignerWhy = why
			if listed {
				// A well-known builder (slsa-github-generator, GitHub's
				// runners) is proven only by its own identity or a key the
				// policy binds to it (slsa.trustedBuilders[].keys): a
				// statement that names it proves nothing about it.
				r.Found = found + ", named but not proven by its signer (" + why + ")"
				return r
			}
			// A builder of the user's own (vouch release's local builder)
			// has no identity of its own: the claim stands as far as its
			// signer is trusted (trust.identities or trust.keys), with no
			// level.
		}
		r.OK, r.Found = true, found
		return r
	}
	r.Found = found
	return r
}

// credit records that the provenance is trusted through builder b.
func (o *Outcome) credit(b *Builder) {
	o.Builder, o.Level, o.SignerIsBuilder, o.SignerWhy = b, b.Level, true, ""
	o.delegated = b.Signer == SignerDelegator
}

// explicitBuilder is the entry for a builder id the policy names that is
// not in the list: trusted as far as its certificate proves it. Its own
// workflow must have signed (SAN = builder id at a ref) or, for a BYOB
// builder (slsa-verifier's --builder-id with a delegator certificate), a
// delegator the list knows.
func explicitBuilder(want string, s verify.Signer, builders []Builder) *Builder {
	id, ref := SplitBuilderID(want)
	b := &Builder{Name: want, ID: id, Signer: SignerBuilder}
	if ref != "" {
		b.Refs = []string{ref, "refs/tags/" + ref}
	}
	signerID, _ := SplitBuilderID(s.Identity)
	if ds := delegators(builders); s.Identity != "" && slices.Contains(ds, signerID) {
		b.Signer, b.Delegators = SignerDelegator, ds
	}
	return b
}

// delegators lists every delegator workflow the builders name.
func delegators(builders []Builder) []string {
	var out []string
	for i := range builders {
		for _, d := range builders[i].Delegators {
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out
}

// resolve finds the list entry a policy's builder id names, by id or alias.
func resolve(want string, builders []Builder) *Builder {
	id, _ := SplitBuilderID(want)
	for i := range builders {
		b := &builders[i]
		if b.ID == id {
			return b
		}
		for _, a := range b.Aliases {
			if a == id {
				return b
			}
		}
	}
	return nil
}

// signerTrusted reports whether s is the identity this builder signs with:
// its keyless identity (per Signer) or a key the policy binds to it.
func (b *Builder) signerTrusted(p *Provenance, s verify.Signer, req Requirements) (bool, string) {
	if s.Identity == "" {
		return b.keyBound(p, s.KeyID, req.Builders)
	}
	if b.Issuer != "" && s.Issuer != b.Issuer {
		return false, fmt.Sprintf("issuer is %q, builder %s signs with %q", s.Issuer, b.label(), b.Issuer)
	}
	if b.RunnerEnvironment != "" && s.Extensions["runnerEnvironment"] != b.RunnerEnvironment {
		return false, fmt.Sprintf("runner environment is %q, want %q", s.Extensions["runnerEnvironment"], b.RunnerEnvironment)
	}
	switch b.Signer {
	case SignerBuilder:
		id, ref := SplitBuilderID(s.Identity)
		if id != b.ID {
			return false, fmt.Sprintf("signed by %s, not by builder %s", s.Identity, b.ID)
		}
		if len(b.Refs) > 0 && !matchAnyGlob(b.Refs, ref) {
			return false, fmt.Sprintf("builder signed at ref %q, want %s", ref, strings.Join(b.Refs, " or "))
		}
		if s.Identity != p.BuilderID && !(len(b.Refs) == 0 && MatchBuilderID(s.Identity, p.BuilderID)) {
			return false, fmt.Sprintf("signed by %s but the provenance claims builder %s", s.Identity, p.BuilderID)
		}
		return true, ""
	case SignerDelegator:
		return b.delegatorTrusted(p, s, req.Builders)
	case SignerSourceWorkflow:
		src := NormalizeURI(req.SourceURI)
		if src == "" {
			src = p.Source()
		}
		if src == "" {
			return false, "no source repository to derive the signing workflow from"
		}
		prefix := "https://" + src + "/.github/workflows/"
		if !strings.HasPrefix(s.Identity, prefix) {
			return false, fmt.Sprintf("signed by %s, not by a workflow of %s", s.Identity, src)
		}
		if b.IDFromSigner && p.BuilderID != s.Identity {
			return false, fmt.Sprintf("the provenance claims builder %s but %s signed it", p.BuilderID, s.Identity)
		}
		return true, ""
	}
	return false, "unknown signer kind " + b.Signer
}

// delegatorTrusted: a BYOB builder's provenance is signed by one of its
// delegators at a ref that delegator's list entry trusts, and the builder
// id it records is at a ref the builder's entry trusts.
func (b *Builder) delegatorTrusted(p *Provenance, s verify.Signer, builders []Builder) (bool, string) {
	id, ref := SplitBuilderID(s.Identity)
	if !slices.Contains(b.Delegators, id) {
		return false, fmt.Sprintf("signed by %s, not by a delegator of builder %s (%s)", s.Identity, b.label(), strings.Join(b.Delegators, ", "))
	}
	if d := resolve(id, builders); d != nil {
		if d.Issuer != "" && s.Issuer != d.Issuer {
			return false, fmt.Sprintf("issuer is %q, delegator %s signs with %q", s.Issuer, d.ID, d.Issuer)
		}
		if len(d.Refs) > 0 && !matchAnyGlob(d.Refs, ref) {
			return false, fmt.Sprintf("delegator signed at ref %q, want %s", ref, strings.Join(d.Refs, " or "))
		}
	}
	if _, bref := SplitBuilderID(p.BuilderID); len(b.Refs) > 0 && !matchAnyGlob(b.Refs, bref) {
		return false, fmt.Sprintf("builder %s at ref %q, want %s", b.label(), bref, strings.Join(b.Refs, " or "))
	}
	return true, ""
}

// keyBound: a key-signed statement is credited with the builder only when
// the policy binds its key to the builder id (slsa.trustedBuilders[].keys,
// on any entry with this id), and the claimed builder ref is one it trusts.
func (b *Builder) keyBound(p *Provenance, keyID string, builders []Builder) (bool, string) {
	if keyID == "" {
		return false, "no signer: neither a certificate nor a verified key"
	}
	bound := slices.Contains(b.Keys, keyID)
	for i := range builders {
		if builders[i].ID != "" && builders[i].ID == b.ID && slices.Contains(builders[i].Keys, keyID) {
			bound = true
		}
	}
	if !bound {
		return false, fmt.Sprintf("signed with key %s, which the policy does not bind to builder %s (slsa.trustedBuilders[].keys); "+
			"a key-signed statement that names a builder proves nothing about it", keyID, b.label())
	}
	if _, ref := SplitBuilderID(p.BuilderID); len(b.Refs) > 0 && !matchAnyGlob(b.Refs, ref) {
		return false, fmt.Sprintf("builder %s at ref %q, want %s", b.label(), ref, strings.Join(b.Refs, " or "))
	}
	return true, ""
}

// SignerAgrees compares the Fulcio certificate extensions of a keyless
// signer with the provenance it signed and returns every disagreement
// (nil: they agree). Checked when both sides carry the value:
//
//   - sourceRepositoryURI = the provenance's source repository,
//   - sourceRepositoryRef = the built ref,
//   - buildConfigURI (the top-level workflow) = the provenance's workflow
//     (v1 externalParameters.workflow, v0.2 invocation.configSource),
//   - buildSignerURI = the builder id, when the builder id is a GitHub
//     workflow (a reusable workflow signs as itself; a BYOB builder's
//     delegator signs for it),
//   - runnerEnvironment = github-hosted for the GitHub-hosted runner id.
//
// A certificate that names a source repository while the provenance names
// none is a disagreement: the certificate would vouch for nothing.
func SignerAgrees(p *Provenance, s verify.Signer) []string { return signerAgrees(p, s, false) }

// signerAgrees is [SignerAgrees]; delegated skips the build-signer check
// for BYOB provenance, whose signer (a delegator, checked against the
// trusted-builder list) is by design not the builder id.
func signerAgrees(p *Provenance, s verify.Signer, delegated bool) []string {
	var out []string
	ext := s.Extensions
	if v := ext["sourceRepositoryURI"]; v != "" {
		if p.Source() == "" {
			out = append(out, fmt.Sprintf("certificate repository %s, the provenance names no source", v))
		} else if NormalizeURI(v) != p.Source() {
			out = append(out, fmt.Sprintf("certificate repository %s, provenance source %s", NormalizeURI(v), p.Source()))
		}
	}
	if v := ext["sourceRepositoryRef"]; v != "" && v != p.SourceRef {
		out = append(out, fmt.Sprintf("certificate ref %s, provenance ref %s", v, orNothing(p.SourceRef)))
	}
	if v := ext["buildConfigURI"]; v != "" && p.Workflow != nil && v != p.Workflow.URI() {
		out = append(out, fmt.Sprintf("certificate workflow %s, provenance workflow %s", v, p.Workflow.URI()))
	}
	if strings.Contains(p.BuilderID, "/.github/workflows/") && !delegated {
		signer := ext["buildSignerURI"]
		if signer == "" {
			signer = s.Identity
		}
		if signer != p.BuilderID {
			out = append(out, fmt.Sprintf("certificate build signer %s, provenance builder %s", signer, p.BuilderID))
		}
	}
	if id, _ := SplitBuilderID(p.BuilderID); strings.HasSuffix(id, "/github-hosted") {
		if v := ext["runnerEnvironment"]; v != "github-hosted" {
			out = append(out, fmt.Sprintf("provenance builder %s, certificate runner environment %q", p.BuilderID, v))
		}
	}
	return out
}

func orNothing(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}
