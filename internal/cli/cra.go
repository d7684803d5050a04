package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/pkg/attest/release"
	"github.com/vouchdev/vouch/pkg/cra"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/engine"
)

// Names of the report files in --out DIR.
const (
	craHTML     = "cra-report.html"
	craMarkdown = "cra-report.md"
	craJSON     = "cra-report.json"
)

type craFlags struct {
	verify verifyFlags // the trust flags only (addTrustFlags)
	config string
	out    string
	db     string
	now    string
}

func init() { register((*env).craCommand) }

func (e *env) craCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cra",
		Short: "Cyber Resilience Act evidence for a release",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usagef("cra needs a subcommand: vouch cra report DIR")
		},
	}
	cmd.AddCommand(e.craReportCommand())
	return cmd
}

func (e *env) craReportCommand() *cobra.Command {
	var f craFlags
	cmd := &cobra.Command{
		Use:   "report --config cra.yaml [--db DIR] [--out DIR] [trust flags] DIR",
		Short: "A CRA Annex I evidence report of a release directory: HTML, Markdown and JSON",
		Long: `Write the evidence a conformity assessment reads for a release: the Cyber
Resilience Act's (Regulation (EU) 2024/2847) essential requirements of
Annex I, part I (1), (2)(a)-(m) and part II (1)-(8), item by item, each with
a status and the evidence behind it, and a list of what is missing.

DIR is a release directory as vouch release writes it: checksums.txt names
its artifacts (and its signature, checksums.txt.sigstore.json, is verified),
and each artifact A is verified with its bundles as vouch verify does
(A.sigstore.json, A.sbom.sigstore.json, provenance.sigstore.json), with the
same trust flags (--key, --trusted-root, --offline, the keyless identity
flags). The SBOM checked is the one the verified attestation carries, not
a file beside it; it is checked against BSI TR-03183-2. --db DIR (an offline
OSV database) matches it; without --db the vulnerability items are "missing
evidence". VEX documents decide which matches are open: the signed VEX
attestations of the release (*` + release.SuffixVEXBundle + `, vouch release --vex),
applied only where they verify against the artifact with the same trust,
and plain files in DIR (*.openvex.json, *.vex.json, *.vex.cdx.json),
reported as unsigned: an advisory only they resolve leaves the vulnerability
items missing evidence, never met.

--config cra.yaml states what only the manufacturer knows:

  product: {name: app, version: 1.2.3, purl: pkg:generic/app@1.2.3}
  manufacturer: {name: Example GmbH, address: "1 Main St, Berlin", email: security@example.com}
  supportPeriodEnd: 2031-12-31
  securityContact: https://example.com/.well-known/security.txt
  cvdPolicy: https://example.com/security/disclosure
  notes: optional free text

Statuses: "met" (the verified evidence shows it), "not met", "missing
evidence" (never a pass), "manufacturer's declaration" (what no tool can
judge). The report's date is --now (YYYY-MM-DD), else $SOURCE_DATE_EPOCH,
else today; it counts the support period.

Writes ` + craHTML + ` (one self-contained page: no script, no external
resource, printable), ` + craMarkdown + ` and ` + craJSON + ` (schema
` + cra.Schema + `) to --out DIR, default DIR, all or nothing.

Exit codes: 0 the report is written and no requirement is "not met" or
"missing evidence"; 3 it is written and some are; 1 an operational error,
2 a usage error (nothing written on either).`,
		Example: `  vouch cra report --config cra.yaml --key vouch.pub --db osv/ dist/`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("cra report needs one release DIR (got %d arguments)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.runCRAReport(cmd.Context(), &f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.config, "config", "", "the manufacturer's facts in `FILE` (cra.yaml)")
	fl.StringVar(&f.out, "out", "", "write the report files to `DIR` (default: the release directory)")
	fl.StringVar(&f.db, "db", "", "match the SBOMs against the offline OSV database in `DIR`")
	fl.StringVar(&f.now, "now", "", "the report's `DATE`, YYYY-MM-DD (default $SOURCE_DATE_EPOCH, else today)")
	addTrustFlags(fl, &f.verify)
	return cmd
}

func (e *env) runCRAReport(ctx context.Context, f *craFlags, dir string) error {
	if f.config == "" {
		return usagef("--config: required: the manufacturer's cra.yaml (see vouch cra report --help)")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usagef("DIR %s: want a release directory", dir)
	}
	now, err := e.reportDate(f.now)
	if err != nil {
		return err
	}
	cfg, err := cra.LoadConfig(f.config)
	if err != nil {
		if errors.Is(err, cra.ErrConfig) {
			return usageError{fmt.Errorf("--config: %w", err)}
		}
		return &exitError{code: ExitError, err: fmt.Errorf("--config: %w", err)}
	}
	s, err := e.verifySetup(ctx, &f.verify, 1)
	if err != nil {
		return err
	}
	opts := cra.Options{Dir: dir, Config: cfg, Now: now, Tool: "vouch " + Version(), DB: f.db,
		Verify: func(ctx context.Context, artifact string, bundles []string) (*engine.Result, error) {
			return e.verifyOne(ctx, s, artifact, bundles, "")
		}}
	if err := craVulnOptions(&opts, f.db); err != nil {
		return err
	}
	rep, err := cra.Gather(ctx, opts)
	if err != nil {
		return craError(err)
	}
	if err := e.writeCRAReport(rep, dir, f.out); err != nil {
		return err
	}
	sum := rep.Summary
	fmt.Fprintf(e.stdout, "CRA report of %s %s: %d met, %d not met, %d missing evidence, %d manufacturer's declaration\n",
		output.Visible(cfg.Product.Name), output.Visible(cfg.Product.Version), sum.Met, sum.NotMet, sum.MissingEvidence, sum.Declaration)
	if sum.NotMet > 0 || sum.MissingEvidence > 0 {
		return &exitError{code: ExitFailure, err: fmt.Errorf("CRA requirements not shown met: %d not met, %d missing evidence (see the report)", sum.NotMet, sum.MissingEvidence)}
	}
	return nil
}

// craError sorts a gathering error as vouch verify does (an invalid
// request is a usage error, the rest operational); nothing is written.
func craError(err error) error {
	err = fmt.Errorf("%w; nothing written", err)
	if errors.Is(err, bundle.ErrPolicy) {
		return usageError{err}
	}
	return &exitError{code: ExitError, err: err}
}

// reportDate is --now (YYYY-MM-DD), else $SOURCE_DATE_EPOCH, else now.
func (e *env) reportDate(flag string) (time.Time, error) {
	if flag == "" {
		return e.timestamp("")
	}
	t, err := cra.ParseDate(flag)
	if err != nil {
		return time.Time{}, usagef("--now %q: want a date YYYY-MM-DD", flag)
	}
	return t, nil
}

// writeCRAReport renders the three files and writes them all or nothing.
func (e *env) writeCRAReport(rep *cra.Report, dir, out string) error {
	if out == "" {
		out = dir
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("--out: %w", err)}
	}
	var files output.Files
	for _, r := range []struct {
		name   string
		render func() ([]byte, error)
	}{{craHTML, rep.HTML}, {craMarkdown, rep.Markdown}, {craJSON, rep.JSON}} {
		data, err := r.render()
		if err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("render %s: %w", r.name, err)}
		}
		files.Add(filepath.Join(out, r.name), data)
	}
	if err := files.Write(); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	for _, f := range files {
		fmt.Fprintf(e.stderr, "Wrote %s\n", filepath.ToSlash(f.Path))
	}
	return nil
}
