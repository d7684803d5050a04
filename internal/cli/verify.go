package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/attest/release"
	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/npm"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/trust"
	"github.com/vouchdev/vouch/pkg/verify/vsa"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// maxBatchLine bounds one line of a --batch file: an artifact and its
// bundle paths fit in far less.
const maxBatchLine = 1 << 20

// flagPolicyURI names the policy built from command-line flags in a VSA.
const flagPolicyURI = "https://vouch.dev/policy/command-line"

type verifyFlags struct {
	bundles     []string
	keys        []string
	trustedRoot string
	offline     bool

	identity, identityRegexp, issuer, issuerRegexp string
	repo, signerWorkflow                           string
	insecureAnyIdentity                            bool
	insecureIgnoreTlog                             bool

	subject        string
	sourceURI      string
	sourceRefs     []string
	builderIDs     []string
	predicateTypes []string

	policy         string
	runInspections bool
	outputs        []string

	vulnDB string
	vex    []string

	vsa, vsaKey, vsaSigningConfig, vsaResourceURI, vsaVerifierID string
	vsaKeyless                                                   bool

	batch string
	jobs  int

	server, namespace, tokenFile string
}

func init() { register((*env).verifyCommand) }

func (e *env) verifyCommand() *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify [flags] ARTIFACT...",
		Short: "Check artifacts against their signatures, attestations and a policy",
		Long: `Verify artifacts: are they signed by whom they should be, built by which
builder from which source, with an SBOM that meets the rules?

ARTIFACT is a file, "-" for standard input, or a digest sha256:<hex> /
sha512:<hex> or an npm integrity sha512-<base64> (then name its bundles with
--bundle). A file is read once:
its SHA-256 and SHA-512 are computed in that read and every bundle is
verified against them, so the report names exactly what was verified.
Without --bundle, vouch reads the vouch release layout next to the artifact
A: A.sigstore.json (signature), A.sbom.sigstore.json (SBOM attestation),
A.vex.sigstore.json (OpenVEX attestation), provenance.sigstore.json (SLSA
provenance) and the release's VEX attestations (vouch release --vex FILE:
FILE.vex.sigstore.json, FILE not an artifact there), those that exist.

ARTIFACT may also be a container image, registry:HOST/REPO:TAG (or
@sha256:...): its subject is its manifest digest, resolved once, and its
bundles are those attached to it as OCI 1.1 referrers (vouch sign/attest
--image, cosign --new-bundle-format), found through the referrers API or
the sha256-<hex> tag; a registry that cannot be read, or answers garbage,
is an error (exit 1), never a pass. oci-dir:PATH reads an OCI layout
directory that carries the image's referrers (vouch sign --image
oci-dir:PATH writes them), and works with --offline.

Trust: a key-signed bundle verifies against --key (each key on its own; PEM,
cosign.pub too, or an npm registry keys document, whose "expires" needs a
verified timestamp). An npm registry attestations response given as
--bundle is its bundles. A keyless bundle verifies against --trusted-root, or the
Sigstore public-good root through TUF (cached on disk for a day); --offline
never touches the network and uses the cache or the trusted root embedded
in vouch. Transparency-log entries in a key-signed bundle are checked the
same way, as cosign does (a bundle without entries, from vouch release
--key or cosign --tlog-upload=false, needs only the key);
--insecure-ignore-tlog leaves them unchecked and the report says so.

Keyless signers must be named: --certificate-identity[-regexp] with
--certificate-oidc-issuer[-regexp], or --repo / --signer-workflow (GitHub
Actions), or SLSA provenance from a trusted builder (--source-uri); regexps
are anchored. --insecure-any-identity accepts anyone with a certificate.
An identity you name is a requirement: some verified keyless certificate
must match it, whatever keys are trusted besides.

A policy with sbom.matchArtifact re-derives the artifact's components from
its bytes (Go build info, a release archive's binaries and lockfiles) and
compares them with the attested SBOM: vouch then keeps a private temporary
copy of the bytes it hashes in that one read, and reads nothing else.

A policy with a vulnerabilities section matches the components of the
artifact's trusted SBOM attestation against the offline OSV database of
--vuln-db DIR (or $VOUCH_VULN_DB; the layout vouch vuln --db reads). A
vulnerability at or above its failOn fails (exit 3), naming the component,
the advisory and the fixed version, unless a VEX statement (not_affected,
fixed) clears it — an OpenVEX attestation about the artifact by a signer
the policy trusts (in the release layout, or given with --bundle), or
--vex FILE — or an unexpired allow entry accepts it; one in requireVexFor
only VEX clears. Without a database such a policy fails with an error
finding.

Requirements come from --policy FILE (docs/policy.md) or from flags:
--predicate-type, --source-uri (alone it accepts the well-known trusted
builders, like slsa-verifier), --source-ref GLOB, --builder-id ID[@REF];
as in slsa-verifier, --source-ref and --builder-id need --source-uri.

Output (-o FORMAT[=FILE], repeatable; default text on stdout):
  text   per artifact a verdict, one line per finding; failures show
         what was expected and what was found
  json   the report, schema "` + verify.ReportSchema + `"
  sarif  SARIF 2.1.0, one result per finding that did not pass, its rule
         from vouch's catalogue

Each finding's id names a rule: 'vouch rules ID' says what it checks and
how to meet it; 'vouch rules' lists them all.

--vsa PATH writes a signed SLSA Verification Summary Attestation (VSA v1)
for each artifact, PASSED or FAILED (a directory when there are several
artifacts), signed with --vsa-key FILE or --vsa-keyless.

--batch FILE reads JSON lines {"artifact": "sha256:..." or a path,
"bundles": [...], "subject": optional package URL} and verifies them in
parallel (--jobs), writing one JSON line per artifact as it finishes
({"line": N, "report": {...}}).

--server URL verifies on a vouch serve instead, with the server's trust and
the policy of --namespace (default "default"), authenticated by the API token
in --token-file FILE or $VOUCH_TOKEN. The artifact is still read once here:
only its digests are sent, with its bundles (--bundle, or the release layout)
inline; the report is printed as a local run prints it, with the same exit
codes (a server or transport error is 1). Flags that decide locally (--key,
--trusted-root, --offline, identities, provenance requirements, --policy,
--run-inspections, --vsa*, --batch, --jobs) are usage errors with --server:
the server would not honour them.

Exit codes, for every output format: 0 every artifact verified, 3 a
requirement is not met, 1 an operational error (unreadable input, trusted
root unavailable), 2 usage error.`,
		Example: `  # a key-signed release, the bundles next to the artifact
  vouch verify --key vouch.pub dist/app.tar.gz

  # with a policy: provenance, an SBOM and a licence rule
  vouch verify --key vouch.pub --policy examples/policy/release.yaml dist/app.tar.gz

  # keyless, built by a trusted builder from this repository
  vouch verify --source-uri github.com/example/app --source-ref 'refs/tags/v*' app

  # keyless, signed by a GitHub workflow; SARIF for code scanning
  vouch verify --repo example/app --signer-workflow .github/workflows/release.yml \
    --bundle app.sigstore.json -o sarif=verify.sarif app

  # an image and the attestations attached to it in its registry
  vouch verify --key vouch.pub --predicate-type cyclonedx registry:ghcr.io/example/app:1.0

  # the vulnerability gate: an offline OSV database, a signed VEX attestation
  vouch attest --key vouch.key --type openvex --predicate app.openvex.json \
    --bundle app.tar.gz.vex.sigstore.json app.tar.gz
  vouch verify --key vouch.pub --policy policy.yaml --vuln-db osv/ app.tar.gz

  # a registry's check, with a signed verification summary
  vouch verify --key vouch.pub --vsa app.vsa.sigstore.json --vsa-key registry.key app`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && f.batch == "" {
				return usagef("verify needs at least one ARTIFACT (or --batch FILE)")
			}
			if len(args) > 0 && f.batch != "" {
				return usagef("--batch reads its artifacts from FILE: give no ARTIFACT")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkServerFlags(cmd, &f); err != nil {
				return err
			}
			if f.server != "" {
				return e.runVerifyServer(cmd.Context(), &f, args)
			}
			return e.runVerify(cmd.Context(), &f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.bundles, "bundle", nil, "verify with the Sigstore bundle `FILE` (repeatable; default: the release layout next to ARTIFACT)")
	addTrustFlags(fl, &f)
	fl.StringVar(&f.subject, "subject", "", "the statements must name the artifact as package URL `PURL` (pkg:npm/NAME@VERSION), as well as by digest")
	fl.StringVar(&f.sourceURI, "source-uri", "", "provenance: built from the source repository `URI` (github.com/OWNER/NAME)")
	fl.StringArrayVar(&f.sourceRefs, "source-ref", nil, "provenance: built from a git ref matching `GLOB` (refs/tags/v*; repeatable)")
	fl.StringArrayVar(&f.builderIDs, "builder-id", nil, "provenance: built by builder `ID`, with or without @REF (repeatable)")
	fl.StringArrayVar(&f.predicateTypes, "predicate-type", nil, "require an attestation of `TYPE`: a name (slsaprovenance1, cyclonedx, spdx, provenance, sbom, ...) or URI (repeatable)")
	fl.StringVar(&f.policy, "policy", "", "evaluate the policy in `FILE` (YAML; see docs/policy.md)")
	fl.BoolVar(&f.runInspections, "run-inspections", false, "run an in-toto layout's inspections (they execute commands)")
	fl.StringVar(&f.vulnDB, "vuln-db", "", "the offline OSV database in `DIR` for the policy's vulnerabilities gate (default $"+vuln.DBEnv+")")
	fl.StringArrayVar(&f.vex, "vex", nil, "count the statements of the OpenVEX or CycloneDX VEX document `FILE` in the vulnerabilities gate: your own word (repeatable)")
	fl.StringArrayVarP(&f.outputs, "output", "o", nil, "write `FORMAT[=FILE]`: text, json or sarif (repeatable; FILE \"-\" or none is stdout)")
	fl.StringVar(&f.vsa, "vsa", "", "write a signed verification summary (VSA v1) to `PATH` (a directory for several artifacts)")
	fl.StringVar(&f.vsaKey, "vsa-key", "", "sign the VSA with the private key in `FILE`")
	fl.BoolVar(&f.vsaKeyless, "vsa-keyless", false, "sign the VSA keylessly (Sigstore certificate for an OIDC identity)")
	fl.StringVar(&f.vsaSigningConfig, "vsa-signing-config", "", "Sigstore signing_config.json `FILE` for signing the VSA")
	fl.StringVar(&f.vsaResourceURI, "vsa-resource-uri", "", "the VSA's resourceUri: where the artifact is published (default: its file name)")
	fl.StringVar(&f.vsaVerifierID, "vsa-verifier-id", vsa.DefaultVerifierID, "the VSA's verifier.id `URI`")
	fl.StringVar(&f.batch, "batch", "", "verify the JSON lines of `FILE` (\"-\" for standard input), in parallel, streaming JSON lines")
	fl.IntVar(&f.jobs, "jobs", 0, "batch: verify at most `N` artifacts at once (default: the number of CPUs)")
	addServerFlags(fl, &f)
	return cmd
}

// addTrustFlags adds the flags that say whom to trust — keys, a trusted
// root, keyless signer identities — shared by every command that verifies
// bundles (vouch verify, vouch cra report).
func addTrustFlags(fl *pflag.FlagSet, f *verifyFlags) {
	fl.StringArrayVar(&f.keys, "key", nil, "trust the PEM public key in `FILE`, or each key of an npm registry keys document, for key-signed bundles (repeatable)")
	fl.StringVar(&f.trustedRoot, "trusted-root", "", "Sigstore TrustedRoot JSON `FILE` for keyless bundles and the log entries of key-signed ones (default: public good through TUF)")
	fl.BoolVar(&f.offline, "offline", false, "never use the network: the TUF cache or the embedded public-good root")
	fl.StringVar(&f.identity, "certificate-identity", "", "keyless: the signer's certificate `SAN`, exactly")
	fl.StringVar(&f.identityRegexp, "certificate-identity-regexp", "", "keyless: an RE2 `REGEXP` matching the whole SAN")
	fl.StringVar(&f.issuer, "certificate-oidc-issuer", "", "keyless: the OIDC `ISSUER`, exactly")
	fl.StringVar(&f.issuerRegexp, "certificate-oidc-issuer-regexp", "", "keyless: an RE2 `REGEXP` matching the whole OIDC issuer")
	fl.StringVar(&f.repo, "repo", "", "keyless: signed by a GitHub Actions workflow of `OWNER/NAME`")
	fl.StringVar(&f.signerWorkflow, "signer-workflow", "", "keyless: signed by the GitHub workflow `PATH` (in --repo, or OWNER/NAME/PATH), any ref")
	fl.BoolVar(&f.insecureAnyIdentity, "insecure-any-identity", false, "keyless: accept any signer whose certificate verifies (no identity check)")
	fl.BoolVar(&f.insecureIgnoreTlog, "insecure-ignore-tlog", false, "key-signed bundles: do not check their transparency-log entries (the report says so)")
}

// verifySetup is what a run needs, built once from the flags.
type verifySetup struct {
	engine     *engine.Verifier
	policy     *policy.Policy
	policyRef  vsa.Ref
	targets    []checkTarget
	vsaSigner  *sign.Signer
	vsaSummary vsa.Summary
	// offline is --offline: an image is then read from a layout only.
	offline bool
}

func (e *env) runVerify(ctx context.Context, f *verifyFlags, artifacts []string) error {
	s, err := e.verifySetup(ctx, f, len(artifacts))
	if err != nil {
		return err
	}
	if f.batch != "" {
		return e.runBatch(ctx, f, s)
	}
	var results []*engine.Result
	for _, a := range artifacts {
		res, err := e.verifyOne(ctx, s, a, f.bundles, f.subject)
		if err != nil {
			return verifyError(err)
		}
		// Reports name the artifact as given; the policy saw its base name.
		res.Name = a
		results = append(results, res)
	}
	reports := make([]verify.ArtifactReport, len(results))
	for i, r := range results {
		reports[i] = r.ArtifactReport
	}
	report := verify.NewReport(reports)
	if err := e.writeVerifyOutputs(report, s.targets); err != nil {
		return err
	}
	if s.vsaSigner != nil {
		if err := e.writeVSAs(ctx, f, s, results); err != nil {
			return err
		}
	}
	return verdictError(report)
}

// errNoArtifact marks an artifact that cannot be read: an operational
// error (exit 1), not a verdict.
var errNoArtifact = errors.New("cannot read artifact")

// verifyOne reads the artifact once — its digests are all the engine
// sees, so it cannot change between the digest reported and the one
// verified — reads its bundles, and verifies it.
func (e *env) verifyOne(ctx context.Context, s *verifySetup, artifact string, bundlePaths []string, purl string) (*engine.Result, error) {
	if ref, ok := image.Parse(artifact); ok {
		return e.verifyImage(ctx, s, ref, bundlePaths, purl)
	}
	subj, isDigest, err := e.subject(artifact, s.policy.MatchesArtifact())
	if err != nil {
		return nil, err
	}
	defer subj.Content.Close()
	subj.PURL = purl
	var bundles []engine.Bundle
	if len(bundlePaths) == 0 {
		if isDigest {
			return nil, fmt.Errorf("%w: artifact %s is a digest: name its bundles (--bundle)", bundle.ErrPolicy, artifact)
		}
		found, looked := discoverBundles(artifact)
		if len(found) == 0 {
			bundles = []engine.Bundle{{Err: fmt.Errorf("%w found next to %s (looked for %s)", engine.ErrNoBundle, artifact, strings.Join(looked, ", "))}}
		}
		bundlePaths = found
	}
	for _, p := range bundlePaths {
		data, err := bundle.Read(p)
		bundles = append(bundles, engine.Bundle{Name: p, Data: data, Err: err})
	}
	return s.engine.Verify(ctx, subj, bundles, s.policy)
}

// subject reads an artifact argument: a digest sha256:<hex> /
// sha512:<hex> or an npm integrity sha512-<base64>, "-" for standard
// input, or a regular file, read once. With keep (a policy that re-derives
// the artifact's components), the bytes of that one read are kept too
// (engine.Spool), so that what is re-derived is what was hashed.
func (e *env) subject(a string, keep bool) (engine.Subject, bool, error) {
	// A digest-shaped argument is always a digest, never a file that
	// happens to have that name (an upload named after the digest of
	// another artifact would stand in for it); write ./sha256:... for such
	// a file.
	digest := a
	if d, ok, err := bundle.ParseIntegrity(a); ok {
		if err != nil {
			return engine.Subject{}, true, err
		}
		digest = d
	}
	if alg, _, ok := strings.Cut(digest, ":"); ok && (alg == "sha256" || alg == "sha512") {
		d, err := engine.ParseDigest(digest)
		if err != nil {
			return engine.Subject{}, true, err
		}
		return engine.Subject{Name: a, Digests: d}, true, nil
	}
	if a == "-" {
		subj, err := readSubject(e.stdin, "-", "stdin", keep)
		if err != nil {
			return engine.Subject{}, false, fmt.Errorf("%w: standard input: %w", errNoArtifact, err)
		}
		return subj, false, nil
	}
	fh, _, err := safefile.Open(errNoArtifact.Error(), a)
	if err != nil {
		return engine.Subject{}, false, err
	}
	defer fh.Close()
	// Subjects name artifacts by base name (vouch attest, vouch release,
	// cosign), and policy subject globs match that name.
	subj, err := readSubject(fh, filepath.Base(a), filepath.Base(a), keep)
	if err != nil {
		return engine.Subject{}, false, fmt.Errorf("%w: %s: %w", errNoArtifact, a, err)
	}
	subj.Dir = filepath.Dir(a)
	return subj, false, nil
}

// readSubject hashes r in one read, keeping its bytes (as a file named
// file) when keep is set.
func readSubject(r io.Reader, name, file string, keep bool) (engine.Subject, error) {
	if !keep {
		d, err := engine.Digest(r)
		return engine.Subject{Name: name, Digests: d}, err
	}
	c, err := engine.Spool(r, file, "")
	if err != nil {
		return engine.Subject{}, err
	}
	return engine.Subject{Name: name, Digests: c.Digests(), Content: c}, nil
}

// Bundle names of the `vouch release` layout, looked for next to an
// artifact A when no bundle is named.
const (
	signatureSuffix  = ".sigstore.json"        // A.sigstore.json: message signature over A
	sbomSuffix       = ".sbom.sigstore.json"   // A.sbom.sigstore.json: SBOM attestation about A
	vexSuffix        = release.SuffixVEXBundle // A.vex.sigstore.json: OpenVEX attestation about A (the release layout's name)
	provenanceBundle = "provenance.sigstore.json"
)

// discoverBundles returns the release-layout bundles that exist next to
// the artifact, and every name it looked for.
func discoverBundles(artifact string) (found, looked []string) {
	dir := filepath.Dir(artifact)
	looked = []string{
		artifact + signatureSuffix,
		artifact + sbomSuffix,
		artifact + vexSuffix,
		filepath.Join(dir, provenanceBundle),
	}
	for _, p := range looked {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			found = append(found, p)
		}
	}
	found = append(found, releaseVEX(dir)...)
	return found, append(looked, filepath.Join(dir, "*"+vexSuffix))
}

// releaseVEX lists the VEX attestations about a whole release in dir:
// vouch release --vex FILE signs FILE.vex.sigstore.json with every
// artifact a subject. A NAME.vex.sigstore.json whose NAME is a file in dir
// is that artifact's own (vouch attest --bundle A.vex.sigstore.json A),
// about no other artifact: it is left out, or verifying the others
// against it would fail. Sorted, regular files only.
func releaseVEX(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // the artifact's own bundles are still looked for
	}
	var out []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), vexSuffix)
		if !ok || !e.Type().IsRegular() || name == "" {
			continue
		}
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode().IsRegular() {
			continue
		}
		out = append(out, filepath.Join(dir, e.Name()))
	}
	return out
}

// verifyError sorts an engine error into an exit code: an invalid request
// is a usage error, the rest operational.
func verifyError(err error) error {
	if errors.Is(err, bundle.ErrPolicy) {
		return usageError{err}
	}
	return &exitError{code: ExitError, err: err}
}

func (e *env) verifySetup(ctx context.Context, f *verifyFlags, nArtifacts int) (*verifySetup, error) {
	s := &verifySetup{offline: f.offline}
	var err error
	if f.batch == "" {
		if s.targets, err = parseCheckTargets(f.outputs); err != nil {
			return nil, err
		}
	} else {
		for _, o := range f.outputs {
			if o != "json" && o != "json=-" {
				return nil, usagef("-o %s: --batch writes JSON lines to stdout only", o)
			}
		}
		if len(f.bundles) > 0 {
			return nil, usagef("--bundle cannot be used with --batch: give each line its \"bundles\"")
		}
		if f.vsa != "" {
			return nil, usagef("--vsa cannot be used with --batch")
		}
		if f.jobs < 0 {
			return nil, usagef("--jobs %d: want a positive number", f.jobs)
		}
	}
	if f.subject != "" {
		if f.batch != "" {
			return nil, usagef("--subject names one package: give each --batch line its \"subject\" instead")
		}
		if _, ok := npm.CanonicalPURL(f.subject); !ok {
			return nil, usagef("--subject %q: expected a package URL, pkg:TYPE/NAME@VERSION (pkg:npm/%%40scope/name@1.0.0)", f.subject)
		}
	}
	if f.vsa == "" && (f.vsaKey != "" || f.vsaKeyless) {
		return nil, usagef("--vsa-key and --vsa-keyless sign a verification summary: give --vsa PATH")
	}
	if f.vsaResourceURI != "" && nArtifacts > 1 {
		return nil, usagef("--vsa-resource-uri names one artifact (got %d)", nArtifacts)
	}

	// The policy: a file, or the flags.
	flagPolicy := f.identity != "" || f.identityRegexp != "" || f.issuer != "" || f.issuerRegexp != "" ||
		f.repo != "" || f.signerWorkflow != "" || f.sourceURI != "" || len(f.sourceRefs) > 0 ||
		len(f.builderIDs) > 0 || len(f.predicateTypes) > 0
	if f.policy != "" {
		if flagPolicy {
			return nil, usagef("--policy states the requirements: put identities (trust.identities), provenance (slsa) and --predicate-type (predicates.required) in the policy file, not in flags")
		}
		p, err := policy.Load(f.policy)
		if err != nil {
			if errors.Is(err, policy.ErrInvalid) {
				return nil, usageError{fmt.Errorf("--policy: %w", err)}
			}
			return nil, &exitError{code: ExitError, err: fmt.Errorf("--policy: %w", err)}
		}
		if p.Publisher != nil {
			// Drift is a comparison with history: say it is not checked
			// here rather than let the policy look satisfied.
			fmt.Fprintf(e.stderr, "note: %s: publisher.drift is not evaluated by vouch verify (it checks one artifact; vouch serve compares each version with the previous one)\n", f.policy)
		}
		s.policy = p
		s.policyRef = vsa.Ref{URI: uriRef(f.policy), Digest: map[string]string{"sha256": p.SHA256}}
	} else {
		p, err := flagsPolicy(f)
		if err != nil {
			return nil, err
		}
		s.policy = p
		// The command-line policy is named by the digest of its canonical
		// JSON, so two VSAs from the same flags name the same policy.
		data, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		s.policyRef = vsa.Ref{URI: flagPolicyURI, Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}}
	}

	// Trust: keys from the flags and the policy; a trusted root from the
	// flag or the policy; else public good, loaded only if a keyless
	// bundle needs it.
	opts := engine.Options{
		InsecureAnyIdentity: f.insecureAnyIdentity,
		InsecureIgnoreTlog:  f.insecureIgnoreTlog,
		RunInspections:      f.runInspections,
		Roots:               trust.NewPublicGoodProvider(trust.Options{Offline: f.offline}, 0),
	}
	// Keys: --key; the policy's trust.keys are the engine's to add.
	seen := map[string]bool{}
	add := func(key *trust.Key) {
		if !seen[key.ID()] {
			seen[key.ID()] = true
			opts.Keys = append(opts.Keys, key)
		}
	}
	for _, k := range f.keys {
		keys, err := trust.LoadKeys(k)
		if err != nil {
			return nil, &exitError{code: ExitError, err: fmt.Errorf("--key: %w", err)}
		}
		for _, key := range keys {
			add(key)
		}
	}
	if len(f.keys) > 0 && len(s.policy.Keys()) > 0 {
		// A policy that lists its keys trusts only those (the engine adds
		// them per call); a --key beside it would be silently ignored.
		return nil, usagef("--key: the policy lists its keys (trust.keys): add the key there")
	}
	rootFile := f.trustedRoot
	if rootFile == "" && s.policy.Trust.TrustedRoot != "" {
		rootFile = policyPath(s.policy, s.policy.Trust.TrustedRoot)
	}
	if rootFile != "" {
		tr, err := trust.FromTrustedRootFile(rootFile)
		if err != nil {
			return nil, &exitError{code: ExitError, err: fmt.Errorf("--trusted-root: %w", err)}
		}
		opts.Roots, opts.ExplicitRoot = engine.StaticRoot{Material: root.TrustedMaterial(tr)}, true
	}
	if opts.Vulns, opts.VEX, err = e.vulnInputs(f, s.policy); err != nil {
		return nil, err
	}
	if s.engine, err = engine.New(opts); err != nil {
		return nil, verifyError(err)
	}

	if f.vsa != "" {
		if !f.vsaKeyless && f.vsaKey == "" {
			return nil, usagef("--vsa needs a signer: --vsa-key FILE or --vsa-keyless")
		}
		if err := attest.CheckURI(f.vsaVerifierID); err != nil {
			return nil, usagef("--vsa-verifier-id %q: %v", f.vsaVerifierID, err)
		}
		when, err := e.timestamp("")
		if err != nil {
			return nil, err
		}
		s.vsaSummary = vsa.Summary{VerifierID: f.vsaVerifierID, TimeVerified: when, Policy: s.policyRef}
		sf := &signerFlags{key: f.vsaKey, keyless: f.vsaKeyless, signingConfig: f.vsaSigningConfig}
		if s.vsaSigner, err = e.newSigner(ctx, sf); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// flagsPolicy turns the requirement flags into a policy.
func flagsPolicy(f *verifyFlags) (*policy.Policy, error) {
	p := &policy.Policy{APIVersion: policy.APIVersion, Kind: policy.Kind}
	if f.identity != "" || f.identityRegexp != "" || f.issuer != "" || f.issuerRegexp != "" || f.repo != "" || f.signerWorkflow != "" {
		// The bundle layer's rules for the flags (anchored regexps, the
		// GitHub shortcuts, an issuer required) give the flag names in
		// their messages.
		bp := bundle.Policy{Identity: f.identity, IdentityRegexp: f.identityRegexp, Issuer: f.issuer,
			IssuerRegexp: f.issuerRegexp, Repo: f.repo, SignerWorkflow: f.signerWorkflow}
		if err := bp.Validate(); err != nil {
			return nil, usageError{err}
		}
		p.Trust.Identities = []policy.Identity{{Identity: f.identity, IdentityRegexp: f.identityRegexp, Issuer: f.issuer,
			IssuerRegexp: f.issuerRegexp, Repo: f.repo, SignerWorkflow: workflowForPolicy(f.repo, f.signerWorkflow)}}
	}
	if f.sourceURI == "" && (len(f.sourceRefs) > 0 || len(f.builderIDs) > 0) {
		// As slsa-verifier: without the expected source, any repository's
		// provenance would pass the ref and builder checks.
		return nil, usagef("--source-ref and --builder-id need --source-uri github.com/OWNER/NAME: the source repository the artifact must be built from")
	}
	if f.sourceURI != "" || len(f.sourceRefs) > 0 || len(f.builderIDs) > 0 {
		p.SLSA = &policy.SLSA{SourceURI: f.sourceURI, SourceRefs: f.sourceRefs, BuilderIDs: f.builderIDs}
	}
	p.Predicates.Required = f.predicateTypes
	if err := p.Compile(); err != nil {
		return nil, usageError{fmt.Errorf("the requirements in the flags: %w", err)}
	}
	return p, nil
}

// workflowForPolicy spells --signer-workflow as the policy's
// signerWorkflow ("owner/name/path"): the flag also accepts a path inside
// --repo and a full https:// URI.
func workflowForPolicy(repo, wf string) string {
	switch {
	case wf == "":
		return ""
	case strings.HasPrefix(wf, "https://github.com/"):
		return strings.TrimPrefix(wf, "https://github.com/")
	case strings.HasPrefix(wf, "https://"):
		return strings.TrimPrefix(wf, "https://")
	case !strings.HasPrefix(wf, ".") && strings.Count(wf, "/") >= 2:
		return wf
	}
	return repo + "/" + strings.TrimPrefix(wf, "/")
}

// policyPath resolves a path from a policy file against its directory.
func policyPath(p *policy.Policy, f string) string {
	if filepath.IsAbs(f) || p.Dir == "" {
		return f
	}
	return filepath.Join(p.Dir, f)
}

func (e *env) writeVerifyOutputs(r verify.Report, targets []checkTarget) error {
	var files output.Files
	for _, t := range targets {
		var buf bytes.Buffer
		var err error
		toStdout := t.file == "" || t.file == "-"
		switch t.format {
		case "text":
			err = output.VerifyText(&buf, r, toStdout && e.isTTY(e.stdout))
		case "json":
			err = output.VerifyJSON(&buf, r)
		case "sarif":
			err = output.VerifySARIF(&buf, r, Version())
		}
		if err != nil {
			return err
		}
		if toStdout {
			if _, err := e.stdout.Write(buf.Bytes()); err != nil {
				return err
			}
			continue
		}
		files.Add(t.file, buf.Bytes())
	}
	if err := files.Write(); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	return nil
}

// writeVSAs signs and writes one verification summary per artifact.
func (e *env) writeVSAs(ctx context.Context, f *verifyFlags, s *verifySetup, results []*engine.Result) error {
	dir := ""
	if len(results) > 1 {
		dir = f.vsa
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("--vsa: %w", err)}
		}
	}
	var files output.Files
	for _, r := range results {
		sum := s.vsaSummary
		sum.ResourceURI = f.vsaResourceURI
		if sum.ResourceURI == "" {
			sum.ResourceURI = uriRef(filepath.Base(r.Name))
		}
		var inputs []vsa.Ref
		for _, in := range r.Inputs {
			inputs = append(inputs, vsa.Ref{URI: uriRef(in.Name), Digest: map[string]string{"sha256": in.SHA256}})
		}
		st, err := vsa.ForVerdict(&r.ArtifactReport, r.Digests, inputs, sum)
		if err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("verification summary for %s: %w", r.Name, err)}
		}
		payload, err := attest.MarshalStatement(st)
		if err != nil {
			return &exitError{code: ExitError, err: err}
		}
		b, err := s.vsaSigner.Attest(ctx, payload)
		if err != nil {
			return signError("verification summary for "+r.Name, err)
		}
		dest := f.vsa
		if dir != "" {
			dest = filepath.Join(dir, vsaFileName(r.Name))
		}
		files.Add(dest, b)
	}
	if err := files.Write(); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	for _, f := range files {
		fmt.Fprintf(e.stderr, "Wrote verification summary to %s\n", f.Path)
	}
	return nil
}

// vsaFileName names the VSA of an artifact (a path or a digest) in a
// --vsa directory.
func vsaFileName(name string) string {
	base := filepath.Base(name)
	if strings.HasPrefix(name, "sha256:") || strings.HasPrefix(name, "sha512:") {
		base = strings.Replace(name, ":", "-", 1)
	}
	return base + ".vsa" + bundleSuffix
}

// uriRef is a relative URI reference for a local path (a name with a colon
// is kept from reading as a scheme).
func uriRef(p string) string {
	u := url.URL{Path: filepath.ToSlash(p)}
	return u.String()
}

// batchLine is one input line of --batch.
type batchLine struct {
	Artifact string   `json:"artifact"`
	Bundles  []string `json:"bundles"`
	// Subject is a package URL the statements must name the artifact by
	// (as --subject).
	Subject string `json:"subject,omitempty"`
}

// runBatch verifies the lines of f.batch with a bounded pool of workers and
// writes each result as soon as it is ready. The exit code is 1 if any line
// could not be verified at all, else 3 if any artifact was refused.
func (e *env) runBatch(ctx context.Context, f *verifyFlags, s *verifySetup) error {
	var in io.Reader = e.stdin
	if f.batch != "-" {
		fh, err := os.Open(f.batch)
		if err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("--batch: %w", err)}
		}
		defer fh.Close()
		in = fh
	}
	jobs := f.jobs
	if jobs == 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	type job struct {
		line int
		t    batchLine
		err  error
	}
	work := make(chan job)
	var mu sync.Mutex
	var writeErr error
	var nErr, nFail, n int
	emit := func(l output.BatchLine) {
		mu.Lock()
		defer mu.Unlock()
		n++
		if l.Error != "" {
			nErr++
		} else if !l.Report.Verified {
			nFail++
		}
		if writeErr == nil {
			writeErr = output.VerifyBatchLine(e.stdout, l)
		}
	}
	var wg sync.WaitGroup
	for range jobs {
		wg.Go(func() {
			for j := range work {
				if j.err != nil {
					emit(output.BatchLine{Line: j.line, Error: j.err.Error()})
					continue
				}
				res, err := e.verifyOne(ctx, s, j.t.Artifact, j.t.Bundles, j.t.Subject)
				if err != nil {
					emit(output.BatchLine{Line: j.line, Error: err.Error()})
					continue
				}
				res.Name = j.t.Artifact
				emit(output.BatchLine{Line: j.line, Report: &res.ArtifactReport})
			}
		})
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxBatchLine)
	line := 0
	var readErr error
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		j := job{line: line}
		var bl batchLine
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&bl); err != nil {
			j.err = fmt.Errorf("--batch %s:%d: want {\"artifact\": ..., \"bundles\": [...]}: %v", f.batch, line, err)
		} else if bl.Artifact == "" {
			j.err = fmt.Errorf("--batch %s:%d: missing \"artifact\"", f.batch, line)
		} else if _, ok := npm.CanonicalPURL(bl.Subject); bl.Subject != "" && !ok {
			j.err = fmt.Errorf("--batch %s:%d: \"subject\" %q: expected a package URL, pkg:TYPE/NAME@VERSION", f.batch, line, bl.Subject)
		}
		j.t = bl
		select {
		case work <- j:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	if err := sc.Err(); err != nil {
		readErr = fmt.Errorf("--batch %s: after line %d: %w (a line is at most %d bytes)", f.batch, line, err, maxBatchLine)
	}
	close(work)
	wg.Wait()
	switch {
	case readErr != nil:
		return &exitError{code: ExitError, err: readErr}
	case writeErr != nil:
		return &exitError{code: ExitError, err: writeErr}
	case ctx.Err() != nil:
		return ctx.Err()
	case nErr > 0:
		return &exitError{code: ExitError, err: fmt.Errorf("batch: %d of %d lines could not be verified (see their \"error\")", nErr, n)}
	case n == 0:
		// Nothing verified is not "verified" (as an empty report is not).
		return &exitError{code: ExitFailure, err: fmt.Errorf("verification failed: --batch %s has no artifact", f.batch)}
	case nFail > 0:
		return &exitError{code: ExitFailure, err: fmt.Errorf("verification failed: %d of %d artifacts not verified", nFail, n)}
	}
	return nil
}
