package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/client"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
)

// tokenEnv names the environment variable holding the API token for
// vouch verify --server when --token-file is not given.
const tokenEnv = "VOUCH_TOKEN"

// maxTokenFile bounds --token-file: a token is under 100 bytes.
const maxTokenFile = 4096

// serverTimeout bounds one verification request to the server.
const serverTimeout = 2 * time.Minute

// localOnlyFlags decide locally and have no say on a server, which verifies
// with its own trust (keys, trusted root) and the namespace's policy.
// Accepting them with --server would silently drop a requirement the user
// stated, so they are usage errors (fail closed).
var localOnlyFlags = []string{
	"key", "trusted-root", "offline",
	"certificate-identity", "certificate-identity-regexp", "certificate-oidc-issuer", "certificate-oidc-issuer-regexp",
	"repo", "signer-workflow", "insecure-any-identity", "insecure-ignore-tlog",
	"source-uri", "source-ref", "builder-id", "predicate-type", "policy", "run-inspections",
	"vsa", "vsa-key", "vsa-keyless", "vsa-signing-config", "vsa-resource-uri", "vsa-verifier-id",
	"batch", "jobs", "vuln-db", "vex",
}

// addServerFlags registers the flags of vouch verify --server.
func addServerFlags(fl *pflag.FlagSet, f *verifyFlags) {
	fl.StringVar(&f.server, "server", "", "verify on the vouch serve at `URL` with its trust and the namespace's policy (the artifact is hashed here, bundles are sent)")
	fl.StringVar(&f.namespace, "namespace", "default", "--server: the namespace `NS` whose policy decides")
	fl.StringVar(&f.tokenFile, "token-file", "", "--server: read the API token from `FILE` (default: $"+tokenEnv+")")
}

// checkServerFlags refuses flags that mean nothing without --server, and
// with it the flags only a local verification honours.
func checkServerFlags(cmd *cobra.Command, f *verifyFlags) error {
	fl := cmd.Flags()
	if f.server == "" {
		for _, n := range []string{"namespace", "token-file"} {
			if fl.Changed(n) {
				return usagef("--%s needs --server URL", n)
			}
		}
		return nil
	}
	for _, n := range localOnlyFlags {
		if fl.Changed(n) {
			return usagef("--%s cannot be used with --server: the server verifies with its own trust and the namespace's policy", n)
		}
	}
	return nil
}

// serverToken reads the API token from --token-file or $VOUCH_TOKEN.
func (e *env) serverToken(f *verifyFlags) (string, error) {
	if f.tokenFile == "" {
		if t := strings.TrimSpace(e.getenv(tokenEnv)); t != "" {
			return t, nil
		}
		return "", usagef("--server needs an API token: --token-file FILE or $%s", tokenEnv)
	}
	data, err := safefile.Read("--token-file", f.tokenFile, maxTokenFile)
	if err != nil {
		return "", &exitError{code: ExitError, err: err}
	}
	t := strings.TrimSpace(string(data))
	if t == "" || strings.ContainsAny(t, " \t\r\n") {
		return "", usagef("--token-file %s: expected one API token (vouch_...), found %d bytes of another shape", f.tokenFile, len(data))
	}
	return t, nil
}

// runVerifyServer verifies each artifact on the server and prints the
// reports as a local vouch verify would, with the same exit codes: the
// artifact is read once here and only its digests are sent, with its
// bundles inline.
func (e *env) runVerifyServer(ctx context.Context, f *verifyFlags, artifacts []string) error {
	targets, err := parseCheckTargets(f.outputs)
	if err != nil {
		return err
	}
	token, err := e.serverToken(f)
	if err != nil {
		return err
	}
	// A transport of its own: --server is the one network use the user
	// asked for, kept apart from the process defaults (TUF, tests' nonet).
	hc := &http.Client{Timeout: serverTimeout, Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}}
	c, err := client.New(f.server, token, hc)
	if err != nil {
		return usagef("--server: %v", err)
	}
	reports := make([]verify.ArtifactReport, 0, len(artifacts))
	for _, a := range artifacts {
		r, err := e.verifyOnServer(ctx, c, f, a)
		if err != nil {
			return err
		}
		reports = append(reports, r)
	}
	report := verify.NewReport(reports)
	if err := e.writeVerifyOutputs(report, targets); err != nil {
		return err
	}
	return verdictError(report)
}

// verifyOnServer sends one artifact's verification and returns the
// server's verdict, named as a local run names it.
func (e *env) verifyOnServer(ctx context.Context, c *client.Client, f *verifyFlags, a string) (verify.ArtifactReport, error) {
	subj, isDigest, err := e.subject(a, false)
	if err != nil {
		return verify.ArtifactReport{}, verifyError(err)
	}
	paths := f.bundles
	if len(paths) == 0 {
		if isDigest {
			return verify.ArtifactReport{}, usagef("artifact %s is a digest: name its bundles (--bundle)", a)
		}
		found, looked := discoverBundles(a)
		if len(found) == 0 {
			return verify.ArtifactReport{}, &exitError{code: ExitError, err: fmt.Errorf("no bundle found next to %s (looked for %s)", a, strings.Join(looked, ", "))}
		}
		paths = found
	}
	req := client.Request{Subject: serve.RequestSubject{Digests: subj.Digests, PURL: f.subject}}
	names := map[string]string{}
	for _, p := range paths {
		data, name, err := serverBundle(p)
		if err != nil {
			return verify.ArtifactReport{}, &exitError{code: ExitError, err: err}
		}
		req.Bundles = append(req.Bundles, data)
		names[name] = p
	}
	rec, err := c.Verify(ctx, f.namespace, req)
	if err != nil {
		return verify.ArtifactReport{}, &exitError{code: ExitError, err: err}
	}
	r, err := serverVerdict(rec, f.namespace, req.Subject)
	if err != nil {
		return verify.ArtifactReport{}, &exitError{code: ExitError, err: fmt.Errorf("--server %s: %w", f.server, err)}
	}
	rename(&r, a, names)
	return r, nil
}

// serverBundle reads a bundle to send and the name the server gives it:
// the SHA-256 of its compacted JSON, the bytes the client sends.
func serverBundle(path string) (json.RawMessage, string, error) {
	data, err := bundle.Read(path)
	if err != nil {
		return nil, "", err
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return nil, "", fmt.Errorf("load bundle %q: expected JSON: %w", path, err)
	}
	sum := sha256.Sum256(compact.Bytes())
	return compact.Bytes(), "sha256:" + hex.EncodeToString(sum[:]), nil
}

// serverVerdict takes the one artifact report out of a record, failing
// closed: the record must be about the subject sent and agree with its
// report on the verdict.
func serverVerdict(rec *client.Record, ns string, subj serve.RequestSubject) (verify.ArtifactReport, error) {
	digests := subj.Digests
	if rec.Namespace != ns {
		return verify.ArtifactReport{}, fmt.Errorf("record %s: namespace: expected %q, found %q", rec.ID, ns, rec.Namespace)
	}
	if rec.Subject.PURL != subj.PURL {
		return verify.ArtifactReport{}, fmt.Errorf("record %s: subject.purl: expected %q, found %q", rec.ID, subj.PURL, rec.Subject.PURL)
	}
	// A record keeps the digests its bundles were verified against (a
	// sha512 no bundle names is dropped): each it keeps must be the one
	// sent, and it keeps at least one.
	if len(rec.Subject.Digests) == 0 {
		return verify.ArtifactReport{}, fmt.Errorf("record %s: subject.digests: expected the digests sent, found none", rec.ID)
	}
	for alg, h := range rec.Subject.Digests {
		if digests[alg] != h {
			return verify.ArtifactReport{}, fmt.Errorf("record %s: subject.digests.%s: expected %q (sent), found %s", rec.ID, alg, digests[alg], h)
		}
	}
	var rep verify.Report
	if err := json.Unmarshal(rec.Report, &rep); err != nil {
		return verify.ArtifactReport{}, fmt.Errorf("record %s: report: %w", rec.ID, err)
	}
	if len(rep.Artifacts) != 1 {
		return verify.ArtifactReport{}, fmt.Errorf("record %s: report.artifacts: expected 1 artifact, found %d", rec.ID, len(rep.Artifacts))
	}
	a := rep.Artifacts[0]
	if want := "sha256:" + digests["sha256"]; digests["sha256"] != "" && a.Digest != want {
		return verify.ArtifactReport{}, fmt.Errorf("record %s: report.artifacts[0].digest: expected %s, found %q", rec.ID, want, a.Digest)
	}
	if rec.Verified != rep.Verified || a.Verified != rep.Verified || (a.Verified && !a.Accept()) {
		return verify.ArtifactReport{}, errors.New("record " + rec.ID + ": verified: the record, its report and its findings disagree")
	}
	return a, nil
}

// rename names the artifact and its bundles as a local run does: by the
// argument and the bundle paths, where the server used digests.
func rename(r *verify.ArtifactReport, artifact string, bundles map[string]string) {
	r.Name = artifact
	for i := range r.Findings {
		fd := &r.Findings[i]
		for j, ev := range fd.Evidence {
			if p, ok := bundles[ev]; ok {
				fd.Evidence[j] = p
			}
		}
		for name, p := range bundles {
			for _, s := range []*string{&fd.Message, &fd.Expected, &fd.Found} {
				*s = strings.ReplaceAll(*s, name, p)
			}
		}
	}
}

// verdictError is the exit for a report: 3 when an artifact is not
// verified.
func verdictError(report verify.Report) error {
	if report.Verified {
		return nil
	}
	failed := 0
	for _, a := range report.Artifacts {
		if !a.Verified {
			failed++
		}
	}
	return &exitError{code: ExitFailure, err: fmt.Errorf("verification failed: %d of %d artifacts not verified", failed, len(report.Artifacts))}
}
