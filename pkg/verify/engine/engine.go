// Package engine runs a whole verification for one artifact: it verifies
// each of the artifact's bundles against the trusted material (package
// bundle), evaluates the verified evidence against a compiled policy
// (package policy) and returns a [verify.ArtifactReport].
//
// It has sigstore-go's two levels. A [Verifier] is built once per
// deployment — the keys it trusts, where its trusted roots come from, the
// opt-outs it allows — and is safe for concurrent use; [Verifier.Verify]
// runs per artifact, on bytes: the artifact's digests (computed by the
// caller from one read, see [Digest]), the bundles' contents and the
// policy. Paths, the release layout and files are the caller's business,
// so that `vouch verify`, its batch mode and a long-running service share
// one code path.
//
// # Which trust for which bundle
//
// A bundle signed with a key (its verification material is a public key)
// is verified against each [Options.Keys] in turn — sigstore-go consults
// only the first key of a combined trusted material — and accepted with the
// first key that verifies it. A key-signed bundle without transparency-log
// entries needs nothing else. One with entries has them checked, as cosign
// does: against an explicit trusted root ([Options.ExplicitRoot]), or else
// the material [Options.Roots] provides (the public-good root);
// [Options.InsecureIgnoreTlog] opts out by name, and the finding says so.
//
// A keyless bundle (a Fulcio certificate) is verified against the material
// [Options.Roots] provides.
//
// A key trusted only for a time window (an npm registry key with
// "expires", trust.ParseNPMKeys) verifies a bundle only at a verified time
// within the window: with no verified time the bundle fails.
//
// # npm packages
//
// An npm registry attestations response given as a bundle is its bundles
// (package npm), each verified on its own and named NAME#attestations[i];
// [Subject.PURL] requires the statements to name the artifact by package
// URL as well as by digest; the digest reported is the one the subjects
// bind (bundle.BoundDigest: SHA-512 for npm).
//
// # Who decides identity
//
// The bundle layer checks the certificate cryptographically; whether its
// signer counts is the policy's decision (trust.identities, trusted SLSA
// builders, or the named opt-out [Options.InsecureAnyIdentity]), so that a
// failure lists what was expected and every signer found. A keyless bundle
// with no identity requirement at all is a usage error wrapping
// bundle.ErrPolicy, as in cosign: identity is required.
//
// # One read, verified digests only
//
// Every bundle is verified against the digests the caller computed in its
// one read of the artifact (sigstore-go's digest policy): nothing reads the
// artifact again, so it cannot change between the digest that is reported
// and the one that was verified. A policy that re-derives the artifact's
// components (sbom.matchArtifact) needs its bytes as well: the caller keeps
// them in that same read with [Spool] and passes the [Content]; the
// catalog then reads that private copy, whose digests are the ones
// verified, never the artifact's path.
//
// # Fail closed
//
// Every bundle that cannot be read or does not verify becomes a failing
// finding (id "bundle") with the precise reason; an artifact is accepted
// only when every finding passes.
package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/vouchdev/vouch/pkg/sbom/digest"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/npm"
	"github.com/vouchdev/vouch/pkg/verify/pep740"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/trust"
	"github.com/vouchdev/vouch/pkg/vex"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// FindingBundle is the id of the finding each bundle yields: pass when its
// signature verified, fail with the reason otherwise.
const FindingBundle = "bundle"

// RootProvider gives the trusted material for keyless bundles. It is
// asked on every verification that needs it, so an implementation can
// refresh its material while the Verifier lives ([trust.NewPublicGoodProvider]);
// the context only bounds the caller's wait.
type RootProvider interface {
	TrustedMaterial(ctx context.Context) (root.TrustedMaterial, error)
}

// StaticRoot is a RootProvider that always gives the same material (a
// --trusted-root file).
type StaticRoot struct{ Material root.TrustedMaterial }

// TrustedMaterial returns the material.
func (s StaticRoot) TrustedMaterial(context.Context) (root.TrustedMaterial, error) {
	if s.Material == nil {
		return nil, errors.New("no trusted root")
	}
	return s.Material, nil
}

// Options configure a [Verifier]: the trust of one deployment.
type Options struct {
	// Keys verify key-signed bundles, each on its own, for every policy;
	// a policy's own trust.keys are added per call. A policy that lists
	// trust.keys counts only those: these keys serve policies without.
	Keys []*trust.Key
	// Roots gives the material for keyless bundles; nil: keyless bundles
	// cannot be verified (a failing finding says so).
	Roots RootProvider
	// ExplicitRoot says Roots was named by the user (--trusted-root): its
	// logs and timestamp authorities then also verify key-signed bundles'
	// entries.
	ExplicitRoot bool
	// InsecureAnyIdentity accepts any keyless signer whose certificate
	// verified (the explicit opt-out of identity checks).
	InsecureAnyIdentity bool
	// RunInspections runs an in-toto layout's inspections (they execute
	// commands) in [Subject.Dir].
	RunInspections bool
	// InsecureIgnoreTlog leaves the transparency-log entries of key-signed
	// bundles unchecked (see bundle.Policy.InsecureIgnoreTlog).
	InsecureIgnoreTlog bool
	// Vulns is the vulnerability database of a policy's vulnerabilities
	// gate (vouch verify/serve --vuln-db); nil: such a policy fails with
	// an error finding naming --vuln-db.
	Vulns vuln.Matcher
	// VEX are the statements of the VEX documents the verifying user
	// passes (vouch verify --vex): the user's own word, for every artifact.
	// Signed VEX attestations among an artifact's bundles are the
	// policy's to accept or not.
	VEX []vex.Statement
	// Now is the time a policy's allow entries expire against; nil:
	// time.Now.
	Now func() time.Time
}

// Subject is the artifact one verification is about.
type Subject struct {
	// Name names the artifact for the policy (subject globs match it) and
	// in the report: the file's base name, or the digest.
	Name string
	// Digests of the artifact, algorithm ("sha256", "sha512") → lower-case
	// hex, from one read of it (see [Digest]) or given by the caller.
	Digests map[string]string
	// Dir is where an in-toto layout's inspections run; "" for none.
	Dir string
	// PURL, a package URL ("pkg:npm/name@1.0.0"), must name the artifact
	// in the statements as well as its digest (npm.SubjectFinding).
	PURL string
	// Repository is the source repository the artifact's package declares
	// (package.json's "repository"), for the policy's rules
	// (artifact.repository); "" when not known.
	Repository string
	// Content is the artifact's bytes, kept by [Spool] in the read that
	// computed its digests, for a policy that re-derives the artifact's
	// components (sbom.matchArtifact); nil for a subject known by digest
	// only, which fails that requirement. Digests, if also given, must be
	// Content's.
	Content *Content
	// Derive re-derives the components of a subject that is not a file
	// (a container image: [DeriveSource]) when Content is nil; nil for
	// none.
	Derive func(context.Context) (*policy.Derived, error)
}

// Bundle is one piece of evidence: a Sigstore bundle's bytes and the name
// findings use for it (a path, a URL).
type Bundle struct {
	Name string
	Data []byte
	// Err is set when the caller could not obtain the bundle (a missing
	// file, a non-regular file, one over the size limit): it becomes a
	// failing finding with this reason, as an invalid bundle does.
	// [ErrNoBundle] says there was no bundle at all.
	Err error
}

// ErrNoBundle is a [Bundle.Err] saying that no bundle was found for the
// artifact: a failing finding, never a pass.
var ErrNoBundle = errors.New("no bundle")

// Input is a bundle the verdict rests on, with its SHA-256 (for the
// inputAttestations of a verification summary).
type Input struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// Result is the verdict on one artifact and what it rests on.
type Result struct {
	verify.ArtifactReport
	// Inputs are the bundles that verified, sorted by name.
	Inputs []Input `json:"-"`
	// Digests of the artifact that every bundle was verified against.
	Digests map[string]string `json:"-"`
	// Evidence is what the verified bundles say and who signed them, in
	// the order they were verified: a service derives the publisher of a
	// decision from it (signers' certificate extensions, provenance).
	Evidence []verify.Evidence `json:"-"`
}

// Verifier verifies artifacts. Build it once with [New]; it is safe for
// concurrent use.
type Verifier struct {
	opts   Options
	keyIDs []string
}

// New returns a Verifier for the given trust.
func New(opts Options) (*Verifier, error) {
	v := &Verifier{opts: opts}
	v.opts.Keys = append([]*trust.Key(nil), opts.Keys...)
	v.opts.VEX = slices.Clone(opts.VEX)
	for _, k := range opts.Keys {
		if k == nil {
			return nil, fmt.Errorf("%w: a nil key", bundle.ErrPolicy)
		}
		v.keyIDs = append(v.keyIDs, k.ID())
	}
	return v, nil
}

// KeyIDs are the ids of the trusted keys, in the order given.
func (v *Verifier) KeyIDs() []string { return append([]string(nil), v.keyIDs...) }

// digestAlgs are the digests an artifact is verified by, strongest
// binding first in reports: SHA-256 is what most subjects name.
var digestAlgs = map[string]int{"sha256": sha256.Size, "sha512": sha512.Size}

// Verify verifies one artifact against its bundles and a compiled policy.
// The error is for what is not a verdict: an invalid request (wrapping
// bundle.ErrPolicy: malformed digests, no bundle, a keyless bundle without
// any identity requirement, a policy that is not compiled), an unavailable
// trusted root, or a cancelled context. Everything about the bundles is in
// the findings.
func (v *Verifier) Verify(ctx context.Context, subj Subject, bundles []Bundle, pol *policy.Policy) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if pol == nil || !pol.Compiled() {
		return nil, fmt.Errorf("%w: the policy is not compiled", bundle.ErrPolicy)
	}
	digests, err := subjectDigests(subj)
	if err != nil {
		return nil, err
	}
	res := &Result{Digests: digests}
	res.Name = subj.Name
	res.Digest = primaryDigest(digests)
	if res.Name == "" {
		res.Name = res.Digest
	}
	if len(bundles) == 0 {
		return nil, fmt.Errorf("%w: no bundle to verify %s with", bundle.ErrPolicy, res.Name)
	}
	identity := bundle.Policy{}
	if v.opts.InsecureAnyIdentity || pol.ChecksKeylessSigners() {
		// Identities are the policy's to judge (package doc).
		identity.InsecureAnyIdentity = true
	}
	identity.InsecureIgnoreTlog = v.opts.InsecureIgnoreTlog

	keys := v.keysFor(pol)
	var evidence []verify.Evidence
	var findings []verify.Finding
	bound := map[string]bool{}
	for _, b := range expand(bundles) {
		ev, alg, f, err := v.verifyBundle(ctx, b, keys, digests, res.Digest, identity)
		if err != nil {
			return nil, err
		}
		findings = append(findings, f)
		if ev != nil {
			bound[alg] = true
			evidence = append(evidence, *ev)
			sum := sha256.Sum256(b.Data)
			res.Inputs = append(res.Inputs, Input{Name: b.Name, SHA256: hex.EncodeToString(sum[:])})
		}
	}
	sort.Slice(res.Inputs, func(i, j int) bool { return res.Inputs[i].Name < res.Inputs[j].Name })

	// Report only digests some verified bundle was checked against: a
	// caller-supplied digest that nothing signed is not vouched for.
	// The policy still compares statements with every digest of the
	// artifact: only the report is narrowed.
	if len(bound) > 0 {
		res.Digests = make(map[string]string, len(bound))
		for alg := range bound {
			res.Digests[alg] = digests[alg]
		}
		res.Digest = primaryDigest(res.Digests)
	}
	popts := policy.Options{
		RunInspections:      v.opts.RunInspections,
		InspectionDir:       subj.Dir,
		KeyIDs:              v.keyIDs,
		InsecureAnyIdentity: v.opts.InsecureAnyIdentity,
		Vulns:               v.opts.Vulns,
		VEX:                 v.opts.VEX,
		Now:                 v.opts.Now,
	}
	derive := subj.Content.deriveFunc()
	if derive == nil {
		derive = subj.Derive
	}
	art := policy.Artifact{Name: res.Name, Digests: digests, Derive: derive, Repository: subj.Repository}
	res.Evidence = evidence
	res.Findings = append(findings, pol.Evaluate(ctx, art, evidence, popts)...)
	if subj.PURL != "" {
		res.Findings = append(res.Findings, subjectFinding(subj.PURL, evidence, digests))
	}
	if d := bundle.BoundDigest(evidence, res.Digests); d != "" {
		res.Digest = d
	}
	res.Verified = res.Accept()
	return res, nil
}

// subjectFinding checks that the statements name the artifact as purl:
// a PyPI package's statements name its distribution file instead.
func subjectFinding(purl string, evidence []verify.Evidence, digests map[string]string) verify.Finding {
	if pep740.IsPyPIPURL(purl) {
		return npm.SubjectFindingFunc(purl, evidence, digests, pep740.SubjectPURL)
	}
	return npm.SubjectFinding(purl, evidence, digests)
}

// expand replaces each npm registry attestations response and each PEP 740
// attestation or provenance object among the bundles by the Sigstore
// bundles it holds, named NAME#attestations[i].
func expand(bundles []Bundle) []Bundle {
	var out []Bundle
	for _, b := range bundles {
		var read func(string, []byte) ([][]byte, error)
		switch {
		case b.Err != nil:
		case npm.IsAttestations(b.Data):
			read = npmBundles
		case pep740.Is(b.Data):
			read = pep740Bundles
		}
		if read == nil {
			out = append(out, b)
			continue
		}
		inner, err := read(b.Name, b.Data)
		if err != nil {
			out = append(out, Bundle{Name: b.Name, Err: fmt.Errorf("%w: %w", bundle.ErrMalformed, err)})
			continue
		}
		for i, data := range inner {
			out = append(out, Bundle{Name: fmt.Sprintf("%s#attestations[%d]", b.Name, i), Data: data})
		}
	}
	return out
}

func npmBundles(name string, data []byte) ([][]byte, error) {
	atts, err := npm.Attestations(name, data)
	return bundlesOf(atts, func(a npm.Attestation) []byte { return a.Bundle }), err
}

func pep740Bundles(name string, data []byte) ([][]byte, error) {
	atts, err := pep740.Read(name, data)
	return bundlesOf(atts, func(a pep740.Attestation) []byte { return a.Bundle }), err
}

// bundlesOf lists the bundle of each attestation.
func bundlesOf[T any](atts []T, bundle func(T) []byte) [][]byte {
	out := make([][]byte, len(atts))
	for i, a := range atts {
		out[i] = bundle(a)
	}
	return out
}

func idsOf(keys []*trust.Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.ID()
	}
	return out
}

// keysFor is the keys a call verifies with: the Verifier's and the
// policy's own trust.keys, without repeats.
func (v *Verifier) keysFor(pol *policy.Policy) []*trust.Key {
	extra := pol.Keys()
	if len(extra) == 0 {
		return v.opts.Keys
	}
	seen := map[string]bool{}
	var out []*trust.Key
	for _, k := range append(append([]*trust.Key(nil), v.opts.Keys...), extra...) {
		if !seen[k.ID()] {
			seen[k.ID()] = true
			out = append(out, k)
		}
	}
	return out
}

// subjectDigests are the subject's digests, checked: those of its Content
// when it has one (the caller's, if given too, must be the same).
func subjectDigests(subj Subject) (map[string]string, error) {
	if subj.Content == nil {
		return checkDigests(subj.Digests)
	}
	own := subj.Content.Digests()
	if len(subj.Digests) == 0 {
		return checkDigests(own)
	}
	given, err := checkDigests(subj.Digests)
	if err != nil {
		return nil, err
	}
	for alg, v := range given {
		if own[alg] != v {
			return nil, fmt.Errorf("%w: artifact digest %s:%s is not that of its content (%s:%s)", bundle.ErrPolicy, alg, v, alg, own[alg])
		}
	}
	return given, nil
}

// checkDigests validates and normalises the subject's digests: at least
// one of sha256 and sha512, each of its length; other algorithms are
// refused rather than ignored.
func checkDigests(in map[string]string) (map[string]string, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("%w: the artifact has no digest (want sha256 and/or sha512)", bundle.ErrPolicy)
	}
	out := make(map[string]string, len(in))
	for alg, v := range in {
		alg = strings.ToLower(alg)
		size, ok := digestAlgs[alg]
		if !ok {
			return nil, fmt.Errorf("%w: artifact digest algorithm %q: want sha256 or sha512", bundle.ErrPolicy, alg)
		}
		d, err := hex.DecodeString(v)
		if err != nil || len(d) != size {
			return nil, fmt.Errorf("%w: artifact digest %s:%s: expected %d hex digits", bundle.ErrPolicy, alg, v, 2*size)
		}
		out[alg] = hex.EncodeToString(d)
	}
	return out, nil
}

// primaryDigest is the digest a report names the artifact by.
func primaryDigest(d map[string]string) string {
	if v, ok := d["sha256"]; ok {
		return "sha256:" + v
	}
	return "sha512:" + d["sha512"]
}

// ParseDigest reads "sha256:<hex>" or "sha512:<hex>" into a digest map.
func ParseDigest(s string) (map[string]string, error) {
	alg, hexd, ok := strings.Cut(s, ":")
	if !ok {
		return nil, fmt.Errorf("%w: artifact digest %q: expected sha256:<64 hex> or sha512:<128 hex>", bundle.ErrPolicy, s)
	}
	return checkDigests(map[string]string{alg: hexd})
}

// smallArtifact is the size up to which [Digest] hashes in place:
// digest.Reader sets up a pipeline per call, which would dominate a batch
// of small artifacts.
const smallArtifact = 256 << 10

// Digest reads r to its end, once, and returns its SHA-256 and SHA-512.
func Digest(r io.Reader) (map[string]string, error) {
	// ReadAll grows its buffer with the input: a small artifact costs
	// what it weighs, not the whole threshold.
	head, err := io.ReadAll(io.LimitReader(r, smallArtifact))
	if err != nil {
		return nil, err
	}
	if len(head) < smallArtifact {
		s256, s512 := sha256.Sum256(head), sha512.Sum512(head)
		return map[string]string{"sha256": hex.EncodeToString(s256[:]), "sha512": hex.EncodeToString(s512[:])}, nil
	}
	d, err := digest.Reader(io.MultiReader(bytes.NewReader(head), r))
	if err != nil {
		return nil, err
	}
	return map[string]string{"sha256": d.SHA256, "sha512": d.SHA512}, nil
}

// artifactFor picks the digest a bundle is verified against: the
// algorithm of a message signature's digest, or for an attestation the
// algorithm its subjects use (SHA-256 if any does: npm's name only
// SHA-512). The bundle is not trusted yet; this only chooses which of the
// artifact's own digests sigstore-go compares with the signed content.
func artifactFor(b *sgbundle.Bundle, digests map[string]string) (bundle.Artifact, error) {
	alg := ""
	if sc, err := b.SignatureContent(); err == nil {
		if m := sc.MessageSignatureContent(); m != nil {
			alg = "sha" + strings.TrimPrefix(m.DigestAlgorithm(), "SHA2_")
		} else if env := sc.EnvelopeContent(); env != nil {
			alg = subjectAlg(env, digests)
		}
	}
	if alg == "" {
		alg = "sha256"
		if _, ok := digests[alg]; !ok {
			alg = "sha512"
		}
	}
	v, ok := digests[alg]
	if !ok {
		return bundle.Artifact{}, fmt.Errorf("%w: the bundle binds a %s digest; the artifact is known by %s",
			bundle.ErrArtifact, alg, strings.Join(algNames(digests), " and "))
	}
	return bundle.ArtifactDigest(alg + ":" + v)
}

// subjectAlg is the first of the artifact's algorithms (sha256, then
// sha512) under which some subject of the (still unverified) statement
// names the artifact's digest; else the first any subject uses. It only
// picks which of the artifact's own digests is compared with the signed
// statement.
func subjectAlg(env sgverify.EnvelopeContent, digests map[string]string) string {
	st, err := env.Statement()
	if err != nil {
		return ""
	}
	used := ""
	for _, alg := range []string{"sha256", "sha512"} {
		want, ok := digests[alg]
		if !ok {
			continue
		}
		for _, sub := range st.GetSubject() {
			if v, ok := sub.GetDigest()[alg]; ok {
				if strings.EqualFold(v, want) {
					return alg
				}
				if used == "" {
					used = alg
				}
			}
		}
	}
	return used
}

// isMessageSignature reports whether the bundle signs a file (not a DSSE
// envelope).
func isMessageSignature(b *sgbundle.Bundle) bool {
	sc, err := b.SignatureContent()
	return err == nil && sc.MessageSignatureContent() != nil
}

func algNames(d map[string]string) []string {
	var out []string
	for alg := range d {
		out = append(out, alg)
	}
	sort.Strings(out)
	return out
}

// verifyBundle verifies one bundle and returns its evidence (nil when it
// does not verify) and its finding. The error is reserved for what is not
// about this bundle (see Verify).
func (v *Verifier) verifyBundle(ctx context.Context, in Bundle, trusted []*trust.Key, digests map[string]string, digest string, identity bundle.Policy) (*verify.Evidence, string, verify.Finding, error) {
	fail := func(expected, found string, err error) (*verify.Evidence, string, verify.Finding, error) {
		return nil, "", verify.Finding{ID: FindingBundle, Status: verify.StatusFail,
			Message: reason(in.Name, err), Expected: expected, Found: found, Evidence: []string{in.Name}}, nil
	}
	if in.Err != nil {
		if errors.Is(in.Err, ErrNoBundle) {
			return fail("a Sigstore bundle for the artifact (--bundle FILE, or the vouch release layout)", "no bundle", in.Err)
		}
		return fail("a readable Sigstore bundle (v0.1 to v0.3)", "", in.Err)
	}
	b, err := bundle.Parse(in.Data)
	if err != nil {
		return fail("a readable Sigstore bundle (v0.1 to v0.3)", "", err)
	}
	vc, err := b.VerificationContent()
	if err != nil {
		return fail("verification material (a public key or a certificate)", "", fmt.Errorf("%w: %v", bundle.ErrMalformed, err))
	}
	art, err := artifactFor(b, digests)
	if err != nil {
		return fail("a signature over the artifact, "+digest, found(err, b), err)
	}
	pass := func(ev *verify.Evidence) (*verify.Evidence, string, verify.Finding, error) {
		ev.Bundle = in.Name
		return ev, art.Algorithm(), passFinding(in.Name, ev), nil
	}

	if vc.Certificate() != nil {
		if v.opts.Roots == nil {
			return fail("a keyless bundle verifiable against a trusted root", "", fmt.Errorf("%w: the bundle is signed keyless and no trusted root is configured", bundle.ErrTrust))
		}
		tm, err := v.opts.Roots.TrustedMaterial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, "", verify.Finding{}, ctx.Err()
			}
			return nil, "", verify.Finding{}, fmt.Errorf("keyless bundle %s needs the Sigstore trusted root: %w", in.Name, err)
		}
		ev, err := bundle.Verify(ctx, b, art, tm, identity)
		if errors.Is(err, bundle.ErrPolicy) || ctx.Err() != nil {
			return nil, "", verify.Finding{}, fmt.Errorf("bundle %s: %w", in.Name, err)
		}
		if err != nil {
			return fail(expectedFor(err, idsOf(trusted), digest, ""), found(err, b), err)
		}
		return pass(ev)
	}

	hint := ""
	if pk := vc.PublicKey(); pk != nil {
		hint = pk.Hint()
	}
	if len(trusted) == 0 {
		err := fmt.Errorf("%w: the bundle is signed with a key%s, but no key is trusted: pass --key (or trust.keys in the policy)", bundle.ErrTrust, hintText(hint))
		return fail("a signature by a trusted key", "key "+orUnnamed(bundle.HintKeyID(hint)), err)
	}
	logRoot, err := v.keyLogRoot(ctx, b)
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", verify.Finding{}, ctx.Err()
		}
		return nil, "", verify.Finding{}, fmt.Errorf("key-signed bundle %s: %w", in.Name, err)
	}
	// Try the key the hint names first: the hint is unauthenticated, so it
	// only orders the attempts, and its failure is the one worth reporting.
	keys := append([]*trust.Key(nil), trusted...)
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].MatchesHint(hint) && !keys[j].MatchesHint(hint) })
	var errs []error
	for _, k := range keys {
		var tm root.TrustedMaterial = k
		if logRoot != nil {
			// Combined material hides the key's own choice of verifier
			// for file signatures (Ed25519ph): pick it here.
			var km root.TrustedMaterial = k
			if isMessageSignature(b) {
				km = k.MessageSignatureMaterial()
			}
			tm = trust.Combine(km, logRoot)
		}
		ev, err := bundle.Verify(ctx, b, art, tm, identity)
		if err == nil && trust.HasValidityWindow(k) && len(ev.Timestamps) == 0 {
			// sigstore-go checks a key's window only against verified
			// times: with none, nothing shows the key was valid (an npm
			// registry key past its "expires").
			return fail("a verified timestamp (a transparency-log entry checked against the trusted root) within key "+k.ID()+"'s validity",
				"no verified timestamp", fmt.Errorf("%w: key %s is trusted only for a time window, and no verified timestamp shows when the bundle was signed", bundle.ErrTimestamp, k.ID()))
		}
		if err == nil {
			ev.Signer.KeyID = k.ID()
			return pass(ev)
		}
		if ctx.Err() != nil {
			return nil, "", verify.Finding{}, ctx.Err()
		}
		if errors.Is(err, bundle.ErrTimestamp) && trust.HasValidityWindow(k) {
			return fail("a signature made within key "+k.ID()+"'s validity window (an npm registry key's \"expires\")", "a signature time outside it",
				fmt.Errorf("%w (key %s)", err, k.ID()))
		}
		// A changed artifact or a malformed bundle fails the same way with
		// every key: report it once.
		if !errors.Is(err, bundle.ErrSignature) && !errors.Is(err, bundle.ErrTrust) {
			return fail(expectedFor(err, idsOf(trusted), digest, ""), found(err, b), err)
		}
		errs = append(errs, fmt.Errorf("key %s: %w", k.ID(), err))
	}
	err = errors.Unwrap(errs[0]) // one key: its id is in the expectation already
	if len(errs) > 1 {
		err = fmt.Errorf("%w: verified by none of %d keys: %w", bundle.ErrTrust, len(errs), errors.Join(errs...))
	}
	return fail(expectedFor(err, idsOf(trusted), digest, hint), "key "+orUnnamed(bundle.HintKeyID(hint)), err)
}

// keyLogRoot returns the trusted material that checks a key-signed
// bundle's log entries and timestamps: the explicit trusted root; else,
// when the bundle has log entries to check, the provider's root (public
// good); else none.
func (v *Verifier) keyLogRoot(ctx context.Context, b *sgbundle.Bundle) (root.TrustedMaterial, error) {
	if v.opts.ExplicitRoot && v.opts.Roots != nil {
		return v.opts.Roots.TrustedMaterial(ctx)
	}
	if v.opts.InsecureIgnoreTlog || len(b.GetVerificationMaterial().GetTlogEntries()) == 0 {
		return nil, nil
	}
	if v.opts.Roots == nil {
		return nil, errors.New("its transparency-log entries need a trusted root to be checked (give --trusted-root, or skip them with --insecure-ignore-tlog)")
	}
	tm, err := v.opts.Roots.TrustedMaterial(ctx)
	if err != nil {
		return nil, fmt.Errorf("its transparency-log entries are checked against the Sigstore trusted root "+
			"(or give --trusted-root, or skip them with --insecure-ignore-tlog): %w", err)
	}
	return tm, nil
}

// expectedFor describes what a failing bundle should have been.
func expectedFor(err error, keyIDs []string, digest, hint string) string {
	switch {
	case errors.Is(err, bundle.ErrArtifact):
		return "a signature over the artifact, " + digest
	case errors.Is(err, bundle.ErrTrust), errors.Is(err, bundle.ErrSignature):
		if len(keyIDs) > 0 && (hint != "" || errors.Is(err, bundle.ErrTrust)) {
			return "a signature by key " + strings.Join(keyIDs, " or ")
		}
		return "a valid signature chaining to the trusted root"
	case errors.Is(err, bundle.ErrTimestamp):
		return "a verified timestamp within the certificate's validity"
	case errors.Is(err, bundle.ErrStatement):
		return "a DSSE envelope holding an in-toto statement (application/vnd.in-toto+json)"
	case errors.Is(err, bundle.ErrTooLarge):
		return fmt.Sprintf("a bundle of at most %d bytes", bundle.MaxBundleSize)
	}
	return "a valid Sigstore bundle"
}

// found describes, for a failing bundle, what it holds that was checked.
func found(err error, b *sgbundle.Bundle) string {
	if !errors.Is(err, bundle.ErrArtifact) {
		return ""
	}
	sc, serr := b.SignatureContent()
	if serr != nil {
		return ""
	}
	if m := sc.MessageSignatureContent(); m != nil {
		return "a signature over " + strings.ToLower(strings.ReplaceAll(m.DigestAlgorithm(), "SHA2_", "sha")) + ":" + hex.EncodeToString(m.Digest())
	}
	if env := sc.EnvelopeContent(); env != nil {
		// Only shown for a bundle whose envelope signature verified or
		// whose subjects are compared before it (they name what the
		// signer claims, quoted below).
		if st, err := env.Statement(); err == nil {
			var subs []string
			for _, s := range st.GetSubject() {
				var ds []string
				for alg, v := range s.GetDigest() {
					ds = append(ds, alg+":"+v)
				}
				sort.Strings(ds)
				// Signed, but the signer's identity is not checked yet.
				subs = append(subs, bundle.Escape(s.GetName()+" "+strings.Join(ds, ",")))
			}
			sort.Strings(subs)
			return "an attestation about " + strings.Join(subs, "; ")
		}
	}
	return ""
}

func passFinding(name string, ev *verify.Evidence) verify.Finding {
	what := "a message signature"
	if ev.Kind == bundle.KindDSSE {
		what = "an attestation (" + orUnnamed(ev.PredicateType) + ")"
	}
	tlog := ""
	if ev.TlogIgnored {
		tlog = "; its transparency-log entries were NOT checked (--insecure-ignore-tlog)"
	}
	return verify.Finding{ID: FindingBundle, Status: verify.StatusPass,
		Message: fmt.Sprintf("%s: %s, signed by %s%s", name, what, signerText(ev.Signer), tlog),
		Found:   signerText(ev.Signer), Evidence: []string{name}}
}

func signerText(s verify.Signer) string {
	if s.Identity != "" {
		return s.Identity + " (issuer " + orUnnamed(s.Issuer) + ")"
	}
	return "key " + orUnnamed(s.KeyID)
}

// reason is the error, prefixed with the bundle's name unless the error
// names it already.
func reason(name string, err error) string {
	if name == "" || strings.Contains(err.Error(), name) {
		return err.Error()
	}
	return name + ": " + err.Error()
}

func hintText(hint string) string {
	if hint == "" {
		return ""
	}
	return " (key id " + bundle.HintKeyID(hint) + ")"
}

func orUnnamed(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return s
}
