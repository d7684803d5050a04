package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/vex"
)

// signedVEXFlags are vouch vuln's flags for signed VEX attestations: whom
// to trust (vouch verify's trust flags) and bundles named by the user.
type signedVEXFlags struct {
	trust   verifyFlags // the trust flags only (addTrustFlags)
	bundles []string
}

func addSignedVEXFlags(fl *pflag.FlagSet, f *signedVEXFlags) {
	addTrustFlags(fl, &f.trust)
	fl.StringArrayVar(&f.bundles, "vex-bundle", nil, "also verify the signed OpenVEX attestation in `FILE` against the artifact TARGET and apply it if it verifies (repeatable; needs --key or a keyless identity)")
}

// signerGiven reports whether the flags name a signer to trust: a key or
// a keyless identity. A trusted root alone trusts no one.
func (f *signedVEXFlags) signerGiven() bool {
	t := &f.trust
	return len(t.keys) > 0 || t.identity != "" || t.identityRegexp != "" || t.issuer != "" ||
		t.issuerRegexp != "" || t.repo != "" || t.signerWorkflow != "" || t.insecureAnyIdentity
}

// check refuses what cannot be honoured before anything is read: a
// --vex-bundle or a trust setting with no signer to trust, or a signer
// for a TARGET that is not a file (attestations name an artifact's digest).
func (f *signedVEXFlags) check(target string) error {
	if len(f.bundles) > 0 && !f.signerGiven() {
		return usagef("--vex-bundle: no signer to trust: give --key FILE or a keyless identity (--certificate-identity and --certificate-oidc-issuer), as for vouch verify")
	}
	if !f.signerGiven() {
		// A root or a transparency-log choice says how to verify a
		// signer, not whom to trust: alone it would silently verify nothing.
		if t := &f.trust; t.trustedRoot != "" || t.offline || t.insecureIgnoreTlog {
			return usagef("--trusted-root, --offline and --insecure-ignore-tlog say how to verify a VEX attestation's signer: name the signer too (--key FILE, or --certificate-identity and --certificate-oidc-issuer)")
		}
		return nil
	}
	if fi, err := os.Stat(target); err != nil || !fi.Mode().IsRegular() {
		return usagef("%s: TARGET %s is not an artifact file: signed VEX attestations are verified against the digest of the artifact they name", f.flagName(), target)
	}
	return nil
}

// flagName names the flag that asked for signed VEX, for messages.
func (f *signedVEXFlags) flagName() string {
	if len(f.bundles) > 0 {
		return "--vex-bundle"
	}
	return "--key/--certificate-identity"
}

// signedStatements are the VEX statements of the attestations about the
// artifact TARGET that verify — signed by a signer the trust flags name,
// their subject the artifact's digest — and the names they may give it as
// a product (its verified digests). The attestations are those found
// beside it as vouch verify finds them (A.vex.sigstore.json and the
// release's FILE.vex.sigstore.json) and --vex-bundle. One that does not
// verify is not applied and is named in a warning; without trust flags the
// ones found are named in a note and not read. isSBOM: TARGET is an SBOM,
// about which no attestation speaks.
func (e *env) signedStatements(ctx context.Context, target string, isSBOM bool, f *vulnFlags) ([]vex.Statement, []string, error) {
	sf := &f.signed
	if isSBOM {
		if sf.signerGiven() {
			return nil, nil, usagef("%s: TARGET %s is an SBOM: name the artifact it describes, whose digest the VEX attestations name", sf.flagName(), target)
		}
		return nil, nil, nil
	}
	if fi, err := os.Stat(target); err != nil || !fi.Mode().IsRegular() {
		return nil, nil, nil // a directory or an image: nothing beside it
	}
	// A bundle the user names that cannot be opened is an error, as a
	// --vex document is: most likely a wrong path, never a clean report.
	for _, p := range sf.bundles {
		fh, _, err := safefile.Open("--vex-bundle", p)
		if err != nil {
			return nil, nil, &exitError{code: ExitError, err: err}
		}
		fh.Close()
	}
	found := besideVEX(target)
	if !sf.signerGiven() {
		if len(found) > 0 && !f.quiet {
			fmt.Fprintf(e.stderr, "vouch: note: VEX attestation(s) beside %s not read (no signer to trust): %s; --key FILE or a keyless identity (--certificate-identity, --certificate-oidc-issuer) verifies and applies them\n",
				output.Visible(target), output.Visible(strings.Join(found, ", ")))
		}
		return nil, nil, nil
	}
	// The trust is read even with nothing to verify: a key the user
	// names that cannot be read is an error, never no requirement.
	s, err := e.verifySetup(ctx, &sf.trust, 1)
	if err != nil {
		return nil, nil, err
	}
	paths := slices.Compact(append(found, sf.bundles...))
	if len(paths) == 0 && !f.quiet {
		fmt.Fprintf(e.stderr, "vouch: note: no VEX attestation beside %s (looked for %s and *%s): no statement but --vex decides the matches\n",
			output.Visible(target), output.Visible(filepath.Base(target)+vexSuffix), vexSuffix)
	}
	var stmts []vex.Statement
	var names []string
	for _, p := range paths {
		// One bundle per verification: a bundle that fails does not
		// take the others down with it, nor they it through.
		res, err := e.verifyOne(ctx, s, target, []string{p}, "")
		if err != nil {
			return nil, nil, verifyError(err)
		}
		st, why, err := verifiedVEX(res, p, target)
		if err != nil {
			return nil, nil, &exitError{code: ExitError, err: err}
		}
		if why != "" {
			if !f.quiet {
				fmt.Fprintf(e.stderr, "vouch: warning: VEX attestation %s not applied: %s\n", output.Visible(p), output.Visible(why))
			}
			continue
		}
		stmts = append(stmts, st...)
		names = append(names, productDigests(res)...)
	}
	return stmts, slices.Compact(names), nil
}

// besideVEX are the VEX attestations vouch verify finds beside artifact.
func besideVEX(artifact string) []string {
	found, _ := discoverBundles(artifact)
	var out []string
	for _, p := range found {
		if strings.HasSuffix(p, vexSuffix) {
			out = append(out, p)
		}
	}
	return out
}

// verifiedVEX is the statements of bundle p once res, its verification
// alone against the artifact target, passed; else why it does not count. A
// verified predicate that is no valid OpenVEX is an error: its signer
// meant it to be read.
func verifiedVEX(res *engine.Result, p, target string) ([]vex.Statement, string, error) {
	if !res.Verified {
		for _, fd := range res.Findings {
			if fd.Status != verify.StatusPass {
				return nil, "it does not verify against " + target + ": " + fd.ID + ": " + fd.Message, nil
			}
		}
		return nil, "it does not verify against " + target, nil
	}
	var stmts []vex.Statement
	var types []string
	for _, ev := range res.Evidence {
		types = append(types, ev.PredicateType)
		if ev.Statement == nil || !policy.IsVEXType(ev.PredicateType) {
			continue
		}
		raw, err := json.Marshal(ev.Statement.GetPredicate().AsMap())
		if err != nil {
			return nil, "", fmt.Errorf("--vex-bundle %s: re-encode the predicate: %w", p, err)
		}
		st, err := vex.Parse(p, raw)
		if err != nil {
			return nil, "", fmt.Errorf("VEX attestation %s: %w", p, err)
		}
		stmts = append(stmts, st...)
	}
	if len(stmts) == 0 && !slices.ContainsFunc(res.Evidence, func(ev verify.Evidence) bool { return policy.IsVEXType(ev.PredicateType) }) {
		return nil, fmt.Sprintf("not an OpenVEX attestation (predicate type %q, want %s)", strings.Join(types, ", "), vex.PredicateType), nil
	}
	return stmts, "", nil
}

// productDigests are the names of a verified artifact as a VEX product:
// "sha256:HEX" (and sha512) of the digests its bundles were checked against.
func productDigests(res *engine.Result) []string {
	var out []string
	for _, alg := range []string{"sha256", "sha512"} {
		if d, ok := res.Digests[alg]; ok {
			out = append(out, alg+":"+d)
		}
	}
	return out
}
