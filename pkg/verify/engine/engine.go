// Package engine runs a whole verification for one artifact: it finds the
// artifact's bundles, verifies each against the trusted material (package
// bundle), evaluates the verified evidence against a policy (package
// policy) and returns a [verify.ArtifactReport]. `vouch verify` and its
// batch mode are thin layers over [Engine.Verify].
//
// # Which trust for which bundle
//
// A bundle signed with a key (its verification material is a public key)
// is verified against each [Options.Keys] in turn — sigstore-go consults
// only the first key of a combined trusted material — and accepted with the
// first key that verifies it. Key-based verification never needs the
// Sigstore trusted root; when one is given explicitly ([Options.TrustedRoot])
// it is combined with the key so that the bundle's log entries and
// timestamps are verified too.
//
// A keyless bundle (a Fulcio certificate) is verified against
// [Options.TrustedRoot], or else the Sigstore public-good root fetched once,
// lazily, through [Options.PublicGood] (offline: the TUF cache or the
// embedded snapshot, never the network).
//
// A key trusted only for a time window (an npm registry key with
// "expires", trust.ParseNPMKeys) verifies a bundle only at a verified time
// within the window: with no verified time the bundle fails.
//
// # npm packages
//
// An npm registry attestations response given as a bundle is its bundles
// (package npm), each verified on its own and named FILE#attestations[i];
// a package-lock integrity (sha512-<base64>) is an artifact digest;
// [Target.Subject] requires the statements to name the artifact by package
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
// # Fail closed
//
// Every bundle that cannot be read or does not verify becomes a failing
// finding (id "bundle") with the precise reason; an artifact is accepted
// only when every finding passes.
package engine

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/vouchdev/vouch/pkg/sbom/digest"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/npm"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// FindingBundle is the id of the finding each bundle yields: pass when its
// signature verified, fail with the reason otherwise.
const FindingBundle = "bundle"

// Bundle names of the `vouch release` layout, looked for next to an
// artifact A when no bundle is named.
const (
	SignatureSuffix  = ".sigstore.json"      // A.sigstore.json: message signature over A
	SBOMSuffix       = ".sbom.sigstore.json" // A.sbom.sigstore.json: SBOM attestation about A
	ProvenanceBundle = "provenance.sigstore.json"
)

// ErrNoArtifact means the artifact file cannot be read: an operational
// error, not a verification failure.
var ErrNoArtifact = errors.New("cannot read artifact")

// Options configure an [Engine].
type Options struct {
	// Keys verify key-signed bundles, each on its own.
	Keys []*trust.Key
	// TrustedRoot verifies keyless bundles; nil: the public-good root,
	// loaded on first need with PublicGood.
	TrustedRoot root.TrustedMaterial
	// PublicGood says how to load the public-good root (Offline, CacheDir).
	PublicGood trust.Options
	// Policy is the compiled policy every artifact is evaluated against.
	Policy *policy.Policy
	// InsecureAnyIdentity accepts any keyless signer whose certificate
	// verified (the explicit opt-out of identity checks).
	InsecureAnyIdentity bool
	// RunInspections runs an in-toto layout's inspections (they execute
	// commands), in the artifact's directory.
	RunInspections bool
}

// Target is one artifact to verify.
type Target struct {
	// Artifact is a file path, or a digest "sha256:<hex>" / "sha512:<hex>".
	Artifact string `json:"artifact"`
	// Bundles to verify it with; empty: the release layout next to the
	// artifact (see [Discover]). An npm registry attestations response
	// counts as its bundles.
	Bundles []string `json:"bundles,omitempty"`
	// Subject, a package URL ("pkg:npm/name@1.0.0"), must name the
	// artifact in the statements as well as its digest (npm.SubjectFinding).
	Subject string `json:"subject,omitempty"`
}

// Input is a bundle the verdict rests on, with its SHA-256 (for the
// inputAttestations of a verification summary).
type Input struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// Result is the verdict on one artifact and what it rests on.
type Result struct {
	verify.ArtifactReport
	// Inputs are the bundles that verified, sorted by path.
	Inputs []Input `json:"-"`
	// Digests of the artifact: "sha256" (and "sha512" for files) → hex.
	Digests map[string]string `json:"-"`
}

// Engine verifies artifacts. It is safe for concurrent use.
type Engine struct {
	opts     Options
	keyIDs   []string
	identity bundle.Policy

	rootOnce sync.Once
	root     root.TrustedMaterial
	rootErr  error
}

// New checks the options and returns an Engine.
func New(opts Options) (*Engine, error) {
	if opts.Policy == nil {
		return nil, fmt.Errorf("%w: no policy", bundle.ErrPolicy)
	}
	e := &Engine{opts: opts}
	for _, k := range opts.Keys {
		e.keyIDs = append(e.keyIDs, k.ID())
	}
	// The bundle layer verifies certificates; identities are the policy's
	// to judge (see the package documentation). Without any identity
	// requirement, the bundle layer's empty policy refuses keyless bundles
	// with bundle.ErrPolicy, naming the flags that fix it.
	if opts.InsecureAnyIdentity || len(opts.Policy.Trust.Identities) > 0 || opts.Policy.SLSA != nil {
		e.identity = bundle.Policy{InsecureAnyIdentity: true}
	}
	return e, nil
}

// trustedRoot returns the material for keyless bundles, loading the
// public-good root once.
func (e *Engine) trustedRoot(ctx context.Context) (root.TrustedMaterial, error) {
	if e.opts.TrustedRoot != nil {
		return e.opts.TrustedRoot, nil
	}
	e.rootOnce.Do(func() {
		r, err := trust.PublicGood(ctx, e.opts.PublicGood)
		if err != nil {
			e.rootErr = err
			return
		}
		e.root = r
	})
	return e.root, e.rootErr
}

// Discover returns the release-layout bundles that exist next to the
// artifact, and every name it looked for.
func Discover(artifact string) (found, looked []string) {
	looked = []string{
		artifact + SignatureSuffix,
		artifact + SBOMSuffix,
		filepath.Join(filepath.Dir(artifact), ProvenanceBundle),
	}
	for _, p := range looked {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			found = append(found, p)
		}
	}
	return found, looked
}

// Verify verifies one artifact. The error is for what is not a verdict:
// an unreadable artifact ([ErrNoArtifact]), an invalid request (wrapping
// bundle.ErrPolicy: a malformed digest, a digest without bundles, a keyless
// bundle without any identity requirement), an unavailable trusted root, or
// a cancelled context. Everything about the bundles is in the findings.
func (e *Engine) Verify(ctx context.Context, t Target) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &Result{}
	art, err := e.artifact(t.Artifact, res)
	if err != nil {
		return nil, err
	}
	bundles := t.Bundles
	if len(bundles) == 0 {
		if art.IsDigest() {
			return nil, fmt.Errorf("%w: artifact %s is a digest: name its bundles (--bundle)", bundle.ErrPolicy, t.Artifact)
		}
		found, looked := Discover(t.Artifact)
		if len(found) == 0 {
			res.Findings = []verify.Finding{{
				ID: FindingBundle, Status: verify.StatusFail,
				Message:  fmt.Sprintf("no bundle found next to %s (looked for %s)", t.Artifact, strings.Join(looked, ", ")),
				Expected: "a Sigstore bundle for the artifact (--bundle FILE, or the vouch release layout)",
				Found:    "no bundle",
			}}
			res.Verified = false
			return res, nil
		}
		bundles = found
	}

	var evidence []verify.Evidence
	var bundleFindings []verify.Finding
	for _, path := range bundles {
		for _, lb := range loadBundles(path) {
			ev, f, err := e.verifyBundle(ctx, lb, art, res.Digest)
			if err != nil {
				return nil, err
			}
			bundleFindings = append(bundleFindings, f)
			if ev != nil {
				evidence = append(evidence, *ev)
				res.Inputs = append(res.Inputs, Input{Path: lb.name, SHA256: lb.sum})
			}
		}
	}
	sort.Slice(res.Inputs, func(i, j int) bool { return res.Inputs[i].Path < res.Inputs[j].Path })

	popts := policy.Options{
		RunInspections:      e.opts.RunInspections,
		KeyIDs:              e.keyIDs,
		InsecureAnyIdentity: e.opts.InsecureAnyIdentity,
	}
	if !art.IsDigest() {
		popts.InspectionDir = filepath.Dir(t.Artifact)
	}
	findings := e.opts.Policy.Evaluate(ctx, policy.Artifact{Name: res.Name, Digests: res.Digests}, evidence, popts)
	if t.Subject != "" {
		findings = append(findings, npm.SubjectFinding(t.Subject, evidence, res.Digests))
	}
	res.Findings = append(bundleFindings, findings...)
	if d := bundle.BoundDigest(evidence, res.Digests); d != "" {
		res.Digest = d
	}
	res.Verified = res.Accept()
	return res, nil
}

// artifact parses the target and fills in the report's name and digests.
func (e *Engine) artifact(s string, res *Result) (bundle.Artifact, error) {
	if s == "" {
		return bundle.Artifact{}, fmt.Errorf("%w: empty artifact", bundle.ErrPolicy)
	}
	if d, ok, err := bundle.ParseIntegrity(s); ok {
		// An npm integrity (package-lock.json): the digest it encodes,
		// unless a file has that name.
		if _, statErr := os.Stat(s); statErr != nil {
			if err != nil {
				return bundle.Artifact{}, err
			}
			s = d
		}
	}
	if alg, hexd, ok := strings.Cut(s, ":"); ok && (alg == "sha256" || alg == "sha512") {
		if _, err := os.Stat(s); err != nil {
			a, err := bundle.ArtifactDigest(s)
			if err != nil {
				return bundle.Artifact{}, err
			}
			hexd = strings.ToLower(hexd)
			res.Name, res.Digest = alg+":"+hexd, alg+":"+hexd
			res.Digests = map[string]string{alg: hexd}
			return a, nil
		}
	}
	fi, err := os.Stat(s)
	if err != nil {
		return bundle.Artifact{}, fmt.Errorf("%w: %w", ErrNoArtifact, err)
	}
	if !fi.Mode().IsRegular() {
		return bundle.Artifact{}, fmt.Errorf("%w: %s is not a regular file", ErrNoArtifact, s)
	}
	d, err := fileDigests(s, fi.Size())
	if err != nil {
		return bundle.Artifact{}, fmt.Errorf("%w: %w", ErrNoArtifact, err)
	}
	// Subjects name artifacts by base name (vouch attest, vouch release,
	// cosign), and policy subject globs match that name.
	res.Name = filepath.Base(s)
	res.Digest = "sha256:" + d.SHA256
	res.Digests = map[string]string{"sha256": d.SHA256, "sha512": d.SHA512}
	return bundle.ArtifactFile(s), nil
}

// verifyBundle verifies one bundle file and returns its evidence (nil when
// it does not verify) and its finding. The error is reserved for what is
// not about this bundle (see Verify).
func (e *Engine) verifyBundle(ctx context.Context, lb loadedBundle, art bundle.Artifact, digest string) (*verify.Evidence, verify.Finding, error) {
	path, b := lb.name, lb.b
	fail := func(expected, found string, err error) (*verify.Evidence, verify.Finding, error) {
		return nil, verify.Finding{ID: FindingBundle, Status: verify.StatusFail,
			Message: reason(path, err), Expected: expected, Found: found, Evidence: []string{path}}, nil
	}
	if lb.err != nil {
		return fail("a readable Sigstore bundle (v0.1 to v0.3), or an npm attestations response", "", lb.err)
	}
	vc, err := b.VerificationContent()
	if err != nil {
		return fail("verification material (a public key or a certificate)", "", fmt.Errorf("%w: %v", bundle.ErrMalformed, err))
	}

	if vc.Certificate() != nil {
		tm, err := e.trustedRoot(ctx)
		if err != nil {
			return nil, verify.Finding{}, fmt.Errorf("keyless bundle %s needs the Sigstore trusted root: %w", path, err)
		}
		ev, err := bundle.Verify(ctx, b, art, tm, e.identity)
		if errors.Is(err, bundle.ErrPolicy) || ctx.Err() != nil {
			return nil, verify.Finding{}, fmt.Errorf("bundle %s: %w", path, err)
		}
		if err != nil {
			return fail(e.expectedFor(err, digest, ""), found(err, b), err)
		}
		ev.Bundle = path
		return ev, passFinding(path, ev), nil
	}

	hint := ""
	if pk := vc.PublicKey(); pk != nil {
		hint = pk.Hint()
	}
	if len(e.opts.Keys) == 0 {
		err := fmt.Errorf("%w: the bundle is signed with a key%s, but no key is trusted: pass --key (or trust.keys in the policy)", bundle.ErrTrust, hintText(hint))
		return fail("a signature by a trusted key", "key "+orUnnamed(bundle.HintKeyID(hint)), err)
	}
	// Try the key the hint names first: the hint is unauthenticated, so it
	// only orders the attempts, and its failure is the one worth reporting.
	keys := append([]*trust.Key(nil), e.opts.Keys...)
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].MatchesHint(hint) && !keys[j].MatchesHint(hint) })
	var errs []error
	for _, k := range keys {
		var tm root.TrustedMaterial = k
		if e.opts.TrustedRoot != nil {
			tm = trust.Combine(k, e.opts.TrustedRoot)
		}
		ev, err := bundle.Verify(ctx, b, art, tm, e.identity)
		if err == nil && trust.HasValidityWindow(k) && len(ev.Timestamps) == 0 {
			// sigstore-go checks a key's window only against verified
			// times: with none, nothing shows the key was valid (an npm
			// registry key past its "expires").
			return fail("a verified timestamp (a transparency-log entry checked against --trusted-root) within key "+k.ID()+"'s validity",
				"no verified timestamp", fmt.Errorf("%w: key %s is trusted only for a time window, and no verified timestamp shows when the bundle was signed", bundle.ErrTimestamp, k.ID()))
		}
		if err == nil {
			ev.Bundle = path
			ev.Signer.KeyID = k.ID()
			return ev, passFinding(path, ev), nil
		}
		if ctx.Err() != nil {
			return nil, verify.Finding{}, ctx.Err()
		}
		if errors.Is(err, bundle.ErrTimestamp) && trust.HasValidityWindow(k) {
			return fail("a signature made within key "+k.ID()+"'s validity window (an npm registry key's \"expires\")", "a signature time outside it",
				fmt.Errorf("%w (key %s)", err, k.ID()))
		}
		// A changed artifact or a malformed bundle fails the same way with
		// every key: report it once.
		if !errors.Is(err, bundle.ErrSignature) && !errors.Is(err, bundle.ErrTrust) {
			return fail(e.expectedFor(err, digest, ""), found(err, b), err)
		}
		errs = append(errs, fmt.Errorf("key %s: %w", k.ID(), err))
	}
	err = errors.Unwrap(errs[0]) // one key: its id is in the expectation already
	if len(errs) > 1 {
		err = fmt.Errorf("%w: verified by none of %d keys: %w", bundle.ErrTrust, len(errs), errors.Join(errs...))
	}
	return fail(e.expectedFor(err, digest, hint), "key "+orUnnamed(bundle.HintKeyID(hint)), err)
}

// expectedFor describes what a failing bundle should have been.
func (e *Engine) expectedFor(err error, digest, hint string) string {
	switch {
	case errors.Is(err, bundle.ErrArtifact):
		return "a signature over the artifact, " + digest
	case errors.Is(err, bundle.ErrTrust), errors.Is(err, bundle.ErrSignature):
		if len(e.keyIDs) > 0 && (hint != "" || errors.Is(err, bundle.ErrTrust)) {
			return "a signature by key " + strings.Join(e.keyIDs, " or ")
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
		// The envelope's signature verified (the mismatch is found after
		// it), so its subjects are signed data.
		if st, err := env.Statement(); err == nil {
			var subs []string
			for _, s := range st.GetSubject() {
				var ds []string
				for alg, v := range s.GetDigest() {
					ds = append(ds, alg+":"+v)
				}
				sort.Strings(ds)
				subs = append(subs, s.GetName()+" "+strings.Join(ds, ","))
			}
			sort.Strings(subs)
			return "an attestation about " + strings.Join(subs, "; ")
		}
	}
	return ""
}

func passFinding(path string, ev *verify.Evidence) verify.Finding {
	what := "a message signature"
	if ev.Kind == bundle.KindDSSE {
		what = "an attestation (" + orUnnamed(ev.PredicateType) + ")"
	}
	return verify.Finding{ID: FindingBundle, Status: verify.StatusPass,
		Message: fmt.Sprintf("%s: %s, signed by %s", path, what, signerText(ev.Signer)),
		Found:   signerText(ev.Signer), Evidence: []string{path}}
}

func signerText(s verify.Signer) string {
	if s.Identity != "" {
		return s.Identity + " (issuer " + orUnnamed(s.Issuer) + ")"
	}
	return "key " + orUnnamed(s.KeyID)
}

// reason is the error, prefixed with the bundle's path unless the error
// names it already.
func reason(path string, err error) string {
	if strings.Contains(err.Error(), path) {
		return err.Error()
	}
	return path + ": " + err.Error()
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

// smallFile is the size up to which an artifact is read whole and hashed
// in place: digest.File sets up a 1 MiB pipeline per call, which dominates
// a batch of small artifacts.
const smallFile = 1 << 20

// fileDigests returns the SHA-256 and SHA-512 of a file.
func fileDigests(path string, size int64) (digest.Digests, error) {
	if size >= smallFile {
		return digest.File(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return digest.Digests{}, err
	}
	defer f.Close()
	// The limit guards against a file that grew since it was stat'ed.
	data, err := io.ReadAll(io.LimitReader(f, smallFile))
	if err != nil {
		return digest.Digests{}, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) == smallFile {
		return digest.File(path)
	}
	s256, s512 := sha256.Sum256(data), sha512.Sum512(data)
	return digest.Digests{SHA256: hex.EncodeToString(s256[:]), SHA512: hex.EncodeToString(s512[:]), Size: int64(len(data))}, nil
}

// loadedBundle is one bundle of a --bundle file, parsed, or why not.
type loadedBundle struct {
	name string // the path, or path#attestations[i] in an npm response
	b    *sgbundle.Bundle
	sum  string // SHA-256 of the bundle's JSON
	err  error
}

// loadBundles reads a bundle file once, for both its parse and its SHA-256
// (a verification summary names the bundles it rests on by digest), with
// the bundle layer's size limit. An npm registry attestations response
// yields each of its bundles.
func loadBundles(path string) []loadedBundle {
	f, err := os.Open(path)
	if err != nil {
		return []loadedBundle{{name: path, err: fmt.Errorf("load bundle: %w", err)}}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, bundle.MaxBundleSize+1))
	if err != nil {
		return []loadedBundle{{name: path, err: fmt.Errorf("load bundle %q: %w", path, err)}}
	}
	if len(data) > bundle.MaxBundleSize {
		return []loadedBundle{{name: path, err: fmt.Errorf("load bundle %q: %w: more than the limit of %d bytes", path, bundle.ErrTooLarge, bundle.MaxBundleSize)}}
	}
	if !npm.IsAttestations(data) {
		return []loadedBundle{parseBundle(path, data)}
	}
	atts, err := npm.Attestations(path, data)
	if err != nil {
		return []loadedBundle{{name: path, err: fmt.Errorf("load bundle: %w: %w", bundle.ErrMalformed, err)}}
	}
	out := make([]loadedBundle, len(atts))
	for i, a := range atts {
		out[i] = parseBundle(fmt.Sprintf("%s#attestations[%d]", path, i), a.Bundle)
	}
	return out
}

func parseBundle(name string, data []byte) loadedBundle {
	b, err := bundle.Parse(data)
	if err != nil {
		return loadedBundle{name: name, err: fmt.Errorf("load bundle %q: %w", name, err)}
	}
	sum := sha256.Sum256(data)
	return loadedBundle{name: name, b: b, sum: hex.EncodeToString(sum[:])}
}
