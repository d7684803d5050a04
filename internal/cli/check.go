package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/sbom/check"
)

// defaultProfiles are checked when no --profile is given.
var defaultProfiles = []string{check.SchemaProfile, "bsi-tr-03183-2"}

type checkFlags struct {
	profiles  []string
	outputs   []string
	maxSize   int64
	listRules bool
}

// sbomSubcommands are the subcommands of `vouch sbom`; sbom.go attaches
// them with cmd.AddCommand(e.sbomSubcommands()...).
func (e *env) sbomSubcommands() []*cobra.Command {
	return []*cobra.Command{e.sbomCheckCommand(), e.sbomConvertCommand()}
}

func (e *env) sbomCheckCommand() *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check [flags] SBOM...",
		Short: "Check SBOMs against BSI TR-03183-2, NTIA, CISA and their official schema",
		Long: `Check whether SBOMs are good enough.

An SBOM is any CycloneDX 1.4–1.7 (JSON, XML) or SPDX 2.2/2.3 (JSON, tag-value)
or SPDX 3.0.1 (JSON-LD) document, from vouch or any other tool; its format is
detected from its content. "-" reads standard input.

Each --profile is a documented rule set; every rule has a stable id and cites
the clause it implements (--list-rules prints them). Profiles: ` + strings.Join(check.Profiles(), ", ") + `.
The default is ` + strings.Join(defaultProfiles, " and ") + `.

A finding names the rule, the clause, the component (bom-ref or SPDX id and
purl), the field, what was expected and what was found. Each profile gets a
summary: pass or fail (any finding at level error fails it; a SHOULD is a
warning, a MAY a note), counts, and a 0–10 score. Rule ids are those of
'vouch rules', which explains each.

Output (-o FORMAT[=FILE], repeatable; default text on stdout):
  text   per SBOM and profile, a summary line and one line per finding
  json   a versioned document (schemaVersion "` + output.CheckSchemaVersion + `")
  sarif  SARIF 2.1.0, for code scanning dashboards

Exit codes: 0 every profile passed, 3 a profile failed, 1 an SBOM could not
be read or decoded (its schema report is still written), 2 usage error.`,
		Example: `  # BSI TR-03183-2 and the official schema (the defaults)
  vouch sbom check sbom.cdx.json

  # several profiles, SARIF for code scanning and JSON for a pipeline
  vouch sbom check --profile ntia --profile cisa-2025 -o sarif=check.sarif -o json=check.json app.spdx.json

  # what the BSI profile checks
  vouch sbom check --profile bsi-tr-03183-2 --list-rules`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !f.listRules {
				return usagef("sbom check needs at least one SBOM file (or - for standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return e.runCheck(cmd, args, &f) },
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.profiles, "profile", nil, "check against `PROFILE` (repeatable or comma-separated; default "+strings.Join(defaultProfiles, ",")+")")
	fl.StringArrayVarP(&f.outputs, "output", "o", nil, "write `FORMAT[=FILE]`: text, json or sarif (repeatable; FILE \"-\" or none is stdout)")
	fl.Int64Var(&f.maxSize, "max-sbom-size", check.DefaultMaxBytes, fmt.Sprintf("largest SBOM to read, in `BYTES` (at most %d)", int64(check.MaxMaxBytes)))
	fl.BoolVar(&f.listRules, "list-rules", false, "print the rules of the selected profiles and exit")
	return cmd
}

// checkTarget is one parsed -o of sbom check.
type checkTarget struct {
	format string // text, json, sarif
	file   string // "" or "-" = stdout
}

func parseCheckTargets(outs []string) ([]checkTarget, error) {
	if len(outs) == 0 {
		return []checkTarget{{format: "text"}}, nil
	}
	var ts []checkTarget
	stdout := 0
	for _, o := range outs {
		name, file, _ := strings.Cut(o, "=")
		switch name {
		case "text", "json", "sarif":
		default:
			return nil, usagef("-o %s: unknown output format %q (formats: text, json, sarif)", o, name)
		}
		if file == "" || file == "-" {
			stdout++
		}
		ts = append(ts, checkTarget{name, file})
	}
	if stdout > 1 {
		return nil, usagef("-o: only one output can go to stdout; give the others =FILE")
	}
	return ts, nil
}

func parseProfiles(flags []string) ([]string, error) {
	var ids []string
	for _, f := range flags {
		for _, id := range strings.Split(f, ",") {
			if id = strings.TrimSpace(id); id == "" {
				continue
			}
			if _, ok := check.Lookup(id); !ok {
				return nil, usagef("--profile %s: unknown profile (profiles: %s)", id, strings.Join(check.Profiles(), ", "))
			}
			if !contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		ids = defaultProfiles
	}
	return ids, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (e *env) runCheck(cmd *cobra.Command, args []string, f *checkFlags) error {
	profiles, err := parseProfiles(f.profiles)
	if err != nil {
		return err
	}
	if f.listRules {
		return listRules(e.stdout, profiles)
	}
	targets, err := parseCheckTargets(f.outputs)
	if err != nil {
		return err
	}
	if f.maxSize <= 0 || f.maxSize > check.MaxMaxBytes {
		return usagef("--max-sbom-size %d: want 1 to %d bytes", f.maxSize, int64(check.MaxMaxBytes))
	}
	var (
		results []output.CheckedSBOM
		errs    []error
		pass    = true
	)
	for _, name := range args {
		res, err := e.checkOne(cmd, name, profiles, f.maxSize)
		if res != nil {
			results = append(results, *res)
			pass = pass && res.Pass
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := e.writeCheckOutputs(results, targets); err != nil {
		return err
	}
	switch {
	case len(errs) == 1:
		return &exitError{code: ExitError, err: errs[0], hint: hintFor(errs[0])}
	case len(errs) > 1:
		for _, err := range errs {
			fmt.Fprintf(e.stderr, "vouch: error: %s\n", err)
		}
		return &exitError{code: ExitError, err: fmt.Errorf("%d of %d SBOMs could not be checked", len(errs), len(args))}
	case !pass:
		return &exitError{code: ExitFailure, err: errors.New(failedSummary(results))}
	}
	return nil
}

// checkOne loads one SBOM and runs the profiles. A document that is
// recognised but does not decode still gets its schema report, with the
// decode error; the other profiles need the decoded model and are skipped.
func (e *env) checkOne(cmd *cobra.Command, name string, profiles []string, maxSize int64) (*output.CheckedSBOM, error) {
	var r io.Reader
	if name == "-" {
		r = e.stdin
	} else {
		fh, _, err := safefile.Open("SBOM", name)
		if err != nil {
			return nil, err // names the file and what it is
		}
		defer fh.Close()
		r = fh
	}
	in, err := check.Load(cmd.Context(), name, r, maxSize)
	if err != nil {
		return nil, err
	}
	res := &output.CheckedSBOM{Name: name, Format: in.Family, SpecVersion: in.SpecVersion, Encoding: in.Encoding, Pass: true}
	run := profiles
	if in.Doc == nil {
		run = nil
		if contains(profiles, check.SchemaProfile) {
			run = []string{check.SchemaProfile}
		}
	}
	reports, err := check.Run(cmd.Context(), in, run...)
	if err != nil {
		return nil, err
	}
	res.Reports = reports
	for _, rep := range reports {
		res.Pass = res.Pass && rep.Pass
	}
	if in.DecodeErr != nil {
		res.Pass = false
		res.Error = "does not decode: " + in.DecodeErr.Error()
		if len(run) < len(profiles) {
			res.Error += " (profiles not run: " + strings.Join(without(profiles, run), ", ") + ")"
		}
		return res, fmt.Errorf("%s: %s", name, res.Error)
	}
	return res, nil
}

func without(all, some []string) []string {
	var out []string
	for _, s := range all {
		if !contains(some, s) {
			out = append(out, s)
		}
	}
	return out
}

func hintFor(err error) string {
	switch {
	case errors.Is(err, check.ErrTooLarge):
		return fmt.Sprintf("raise the limit with --max-sbom-size BYTES (at most %d)", int64(check.MaxMaxBytes))
	case errors.Is(err, check.ErrNotSBOM):
		return "vouch reads CycloneDX 1.4–1.7 (JSON, XML), SPDX 2.2/2.3 (JSON, tag-value) and SPDX 3.0.1 (JSON-LD)"
	}
	return ""
}

// failedSummary is the closing error line: which SBOMs failed which profiles.
func failedSummary(results []output.CheckedSBOM) string {
	var parts []string
	for _, r := range results {
		var failed []string
		for _, rep := range r.Reports {
			if !rep.Pass {
				failed = append(failed, rep.Profile)
			}
		}
		if len(failed) > 0 {
			parts = append(parts, r.Name+" fails "+strings.Join(failed, ", "))
		}
	}
	return "requirements not met: " + strings.Join(parts, "; ")
}

func (e *env) writeCheckOutputs(results []output.CheckedSBOM, targets []checkTarget) error {
	var files output.Files
	for _, t := range targets {
		var buf bytes.Buffer
		toStdout := t.file == "" || t.file == "-"
		var err error
		switch t.format {
		case "text":
			err = output.CheckText(&buf, results, toStdout && e.isTTY(e.stdout))
		case "json":
			err = output.CheckJSON(&buf, results)
		case "sarif":
			err = output.CheckSARIF(&buf, results, Version())
		}
		if err != nil {
			return fmt.Errorf("render %s: %w", t.format, err)
		}
		if toStdout {
			if _, err := e.stdout.Write(buf.Bytes()); err != nil {
				return err
			}
			continue
		}
		files.Add(t.file, buf.Bytes())
	}
	return files.Write()
}

// listRules prints the rule tables of the profiles, as vouch rules does.
func listRules(w io.Writer, profiles []string) error {
	var rules []finding.Rule
	for _, id := range profiles {
		p, _ := check.Lookup(id)
		for _, r := range p.Rules() {
			rules = append(rules, r.Catalogued())
		}
	}
	return tableRules(w, rules)
}
