package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	ita "github.com/in-toto/attestation/go/v1"
	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/attest"
)

type attestFlags struct {
	signerFlags
	predicate string
	typ       string
}

func init() { register((*env).attestCommand) }

func (e *env) attestCommand() *cobra.Command {
	var f attestFlags
	cmd := &cobra.Command{
		Use:   "attest --predicate FILE --type TYPE [--key FILE | --keyless] [flags] ARTIFACT...",
		Short: "Sign an in-toto attestation about artifacts (like cosign attest-blob --bundle)",
		Long: `Attest: sign a statement about artifacts.

Builds an in-toto Statement v1 whose predicate is the JSON object in
--predicate and whose subject is the artifact (named by its base name, with
its SHA-256 and SHA-512 digests), signs it as a DSSE envelope (payload type
application/vnd.in-toto+json) and writes a Sigstore bundle v0.3 for each
ARTIFACT to ARTIFACT.TYPE` + bundleSuffix + `, e.g. app.tar.gz.cyclonedx` + bundleSuffix + `;
when TYPE is a URI the name is ARTIFACT.att` + bundleSuffix + `.

--bundle PATH writes one bundle instead, whose statement has every ARTIFACT
as a subject.

TYPE is a predicate type name — ` + strings.Join(attest.PredicateTypeNames(), ", ") + ` —
or a URI. As in cosign, "slsaprovenance" is SLSA provenance v0.2; use
"slsaprovenance1" for v1. An "openvex" predicate (or one of type
https://openvex.dev/ns/v0.2.0) is read as vouch vuln --vex reads VEX,
and refused if it does not parse; a CycloneDX VEX is converted to OpenVEX.

--image REF attests a container image instead: the statement's subject is
the image's repository and manifest digest (a tag is resolved once; the
digest is printed), and the bundle is attached to the image in the registry
as cosign attest --new-bundle-format does (--bundle PATH also writes it).

Keys, keyless signing and services are as for vouch sign.`,
		Example: `  # a signed CycloneDX SBOM attestation: app.tar.gz.cyclonedx.sigstore.json
  vouch sbom app.tar.gz -o cyclonedx-json=app.cdx.json
  vouch attest --key vouch.key --type cyclonedx --predicate app.cdx.json app.tar.gz

  # SLSA provenance about two artifacts, in one bundle
  vouch attest --keyless --type slsaprovenance1 --predicate prov.json --bundle provenance.sigstore.json a b

  # an image's SBOM, attached to it in the registry
  vouch attest --key vouch.key --type cyclonedx --predicate app.cdx.json --image registry:ghcr.io/example/app:1.0`,
		Args: func(cmd *cobra.Command, args []string) error { return imageArgs(f.image, args, "attest", "ARTIFACT") },
		RunE: func(cmd *cobra.Command, args []string) error { return e.runAttest(cmd.Context(), &f, args) },
	}
	f.register(cmd)
	f.registerImage(cmd)
	cmd.Flags().StringVar(&f.predicate, "predicate", "", "the predicate: a JSON object in `FILE` (\"-\" for standard input)")
	cmd.Flags().StringVar(&f.typ, "type", "", "predicate `TYPE`: a name (cyclonedx, spdx, slsaprovenance1, openvex, vsa, ...) or a URI")
	return cmd
}

func (e *env) runAttest(ctx context.Context, f *attestFlags, artifacts []string) error {
	if f.predicate == "" {
		return usagef("--predicate FILE is required")
	}
	if f.typ == "" {
		return usagef("--type is required: a name (%s) or a URI", strings.Join(attest.PredicateTypeNames(), ", "))
	}
	predType, err := attest.PredicateType(f.typ)
	if err != nil {
		return usageError{fmt.Errorf("--type: %w", err)}
	}
	suffix := "." + f.typ + bundleSuffix
	if predType == f.typ { // a URI, not a name
		suffix = ".att" + bundleSuffix
	}
	predicate, err := e.readPredicate(f.predicate)
	if err != nil {
		return err
	}
	if predicate, err = vexPredicate(predType, f.predicate, predicate); err != nil {
		return err
	}
	if f.image != "" {
		return e.runAttestImage(ctx, f, predType, predicate)
	}
	// Subjects first: a missing artifact is reported before any password prompt.
	subjects, err := attest.SubjectsFromFiles(ctx, artifacts)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	// Subjects are unique by base name (SubjectsFromFiles refuses clashes);
	// each one's bundle goes next to the artifact it names.
	pathOf := map[string]string{}
	for _, a := range artifacts {
		if _, ok := pathOf[filepath.Base(a)]; !ok {
			pathOf[filepath.Base(a)] = filepath.Clean(a)
		}
	}
	s, err := e.newSigner(ctx, &f.signerFlags)
	if err != nil {
		return err
	}
	type job struct {
		dest      string
		statement []byte
	}
	var jobs []job
	if f.bundle != "" {
		st, err := e.statement(subjects, predType, predicate)
		if err != nil {
			return err
		}
		jobs = append(jobs, job{f.bundle, st})
	} else {
		for i, sub := range subjects {
			st, err := e.statement(subjects[i:i+1], predType, predicate)
			if err != nil {
				return err
			}
			jobs = append(jobs, job{pathOf[sub.GetName()] + suffix, st})
		}
	}
	out := make([][]byte, len(jobs))
	for i, j := range jobs {
		if out[i], err = s.Attest(ctx, j.statement); err != nil {
			return signError(j.dest, err)
		}
	}
	// All bundles or none: a failure on the last leaves the first as it was.
	var writes output.Files
	for i, j := range jobs {
		writes.Add(j.dest, out[i])
	}
	if err := writes.Write(); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	for _, w := range writes {
		fmt.Fprintf(e.stderr, "Wrote bundle to %s\n", w.Path)
	}
	return nil
}

func (e *env) statement(subjects []*ita.ResourceDescriptor, predType string, predicate []byte) ([]byte, error) {
	st, err := attest.NewStatement(subjects, predType, predicate)
	if err != nil {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("--predicate: %w", err)}
	}
	return attest.MarshalStatement(st)
}

func (e *env) readPredicate(name string) ([]byte, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(io.LimitReader(e.stdin, attest.MaxStatementSize+1))
		if err == nil && len(data) > attest.MaxStatementSize {
			err = fmt.Errorf("larger than %d bytes", attest.MaxStatementSize)
		}
		if err != nil {
			err = fmt.Errorf("--predicate -: %w", err)
		}
	} else {
		// A FIFO or device would block or never end: regular files only.
		data, err = safefile.Read("--predicate", name, attest.MaxStatementSize)
	}
	if err != nil {
		return nil, &exitError{code: ExitError, err: err}
	}
	if len(data) == 0 {
		return nil, &exitError{code: ExitError, err: errors.New("--predicate " + name + ": empty")}
	}
	return data, nil
}
