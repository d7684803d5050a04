package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/attest/provenance"
)

type provenanceFlags struct {
	output    string
	builderID string
	buildType string
	params    []string
	epoch     string
	repo      string
	quiet     bool
	predOnly  bool
}

func init() { register((*env).provenanceCommand) }

func (e *env) provenanceCommand() *cobra.Command {
	var f provenanceFlags
	cmd := &cobra.Command{
		Use:   "provenance [flags] ARTIFACT...",
		Short: "Write SLSA provenance for release artifacts (unsigned)",
		Long: `Write SLSA Provenance v1 for the ARTIFACTs: an in-toto Statement v1 whose
subjects are the artifacts (by name, SHA-256 and SHA-512) and whose predicate
says who built them, from which source, how and when.

The facts come from the CI system's environment — GitHub Actions, GitLab CI,
Buildkite, CircleCI, Jenkins, Azure Pipelines, Google Cloud Build — and from
the git checkout (--repo, read from .git without running git). Each platform
has its own build type, https://vouch.dev/buildtypes/PLATFORM/v1, documented
in pkg/attest/provenance/BUILDTYPES.md. Outside CI the builder is
https://vouch.dev/builders/local, and vouch warns: such provenance is only as
trustworthy as the machine that made it.

The statement is written unsigned, as JSON, to standard output or --output.
To sign it, write the predicate alone (--predicate-only) and give it to
'vouch attest --type slsaprovenance1 --predicate FILE' with the same
artifacts; 'vouch release' does both.

With --source-date-epoch or $SOURCE_DATE_EPOCH, startedOn and finishedOn are
that time and the output is reproducible; otherwise finishedOn is now.`,
		Example: `  # in a GitHub Actions release job, for two archives
  vouch provenance dist/app_linux_amd64.tar.gz dist/app_darwin_arm64.zip -o provenance.json

  # reproducible, with a build input recorded
  SOURCE_DATE_EPOCH=1700000000 vouch provenance --external-param inputs.version=v1.2.3 dist/app

  # signed provenance, as a Sigstore bundle
  vouch provenance --predicate-only -o prov.json dist/app
  vouch attest --key vouch.key --type slsaprovenance1 --predicate prov.json --bundle dist/app.intoto.sigstore.json dist/app

  # a self-hosted builder that vouch cannot recognise
  vouch provenance --builder-id https://ci.example.com/runners/hermetic \
      --build-type https://ci.example.com/buildtypes/make/v1 --external-param make.target=release dist/app`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("provenance needs at least one ARTIFACT (a file the build produced)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return e.runProvenance(cmd, args, &f) },
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "", "write the statement to `FILE` (atomically) instead of standard output")
	fl.StringVar(&f.builderID, "builder-id", "", "builder id `URI` (default: detected from the CI, else https://vouch.dev/builders/local)")
	fl.StringVar(&f.buildType, "build-type", "", "build type `URI` (default: https://vouch.dev/buildtypes/PLATFORM/v1)")
	fl.StringArrayVar(&f.params, "external-param", nil, "add or replace an external parameter `KEY=VALUE` (repeatable; KEY.SUB for nested)")
	fl.StringVar(&f.epoch, "source-date-epoch", "", "startedOn/finishedOn as Unix `SECONDS` (default $SOURCE_DATE_EPOCH, else finishedOn is now)")
	fl.StringVar(&f.repo, "repo", ".", "read the source repository, commit and ref from the git checkout in `DIR`")
	fl.BoolVar(&f.predOnly, "predicate-only", false, "write only the predicate, for 'vouch attest --predicate'")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "do not print warnings")
	return cmd
}

func (e *env) runProvenance(cmd *cobra.Command, args []string, f *provenanceFlags) error {
	params, err := parseParams(f.params)
	if err != nil {
		return err
	}
	for _, u := range []struct{ flag, v string }{{"--builder-id", f.builderID}, {"--build-type", f.buildType}} {
		if u.v == "" {
			continue
		}
		if err := attest.CheckURI(u.v); err != nil {
			return usagef("%s %q: %v", u.flag, u.v, err)
		}
	}
	opts := provenance.Options{
		BuilderID: f.builderID, BuildType: f.buildType, ExternalParams: params,
		Env: e.getenv, Dir: f.repo, Artifacts: args,
	}
	if f.epoch != "" || e.getenv("SOURCE_DATE_EPOCH") != "" {
		t, err := e.timestamp(f.epoch)
		if err != nil {
			return err
		}
		opts.StartedOn, opts.FinishedOn = t, t
	}

	ctx := cmd.Context()
	subjects, err := attest.SubjectsFromFiles(ctx, args)
	if err != nil {
		return err
	}
	if opts.FinishedOn.IsZero() {
		opts.FinishedOn = time.Now().UTC().Truncate(time.Second) // after the artifacts were read
	}
	st, warns, err := provenance.Generate(ctx, subjects, opts)
	if !f.quiet {
		for _, w := range warns {
			fmt.Fprintf(e.stderr, "vouch: warning: %s\n", output.VisibleLines(fmt.Sprint(w)))
		}
	}
	if errors.Is(err, provenance.ErrExternalParam) {
		return usageError{fmt.Errorf("--external-param: %w", err)}
	}
	if errors.Is(err, provenance.ErrNothingKnown) {
		return &exitError{code: ExitError, err: err,
			hint: "run it in CI, in a git checkout (--repo DIR), or describe the build with --external-param KEY=VALUE"}
	}
	if err != nil {
		return err
	}
	data, err := attest.MarshalStatement(st)
	if err != nil {
		return err
	}
	if f.predOnly {
		// The predicate member, re-read from the stable encoding so its bytes
		// are as deterministic as the statement's.
		var s struct{ Predicate json.RawMessage }
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		data = s.Predicate
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	if f.output == "" || f.output == "-" {
		_, err := e.stdout.Write(buf.Bytes())
		return err
	}
	return output.WriteFileAtomic(f.output, buf.Bytes())
}

// parseParams reads repeated KEY=VALUE flags.
func parseParams(in []string) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(in))
	for _, p := range in {
		k, v, ok := strings.Cut(p, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, usagef("--external-param %q: want KEY=VALUE", p)
		}
		if _, dup := out[k]; dup {
			return nil, usagef("--external-param: %s given twice", k)
		}
		out[k] = v
	}
	return out, nil
}
