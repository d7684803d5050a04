package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/internal/atomicfile"
	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/vex"
)

// vexStatementFlags are the flags that describe one VEX statement.
type vexStatementFlags struct {
	product       string
	vuln          string
	status        string
	justification string
	impact        string
	action        string
	subcomponents []string
	epoch         string
	output        string
}

func init() { register((*env).vexCommand) }

func (e *env) vexCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vex",
		Short: "Write OpenVEX statements: whether a vulnerability affects a product",
		Long: `Author OpenVEX (v0.2.0) documents: statements that a vulnerability does or
does not affect a product, to read back with 'vouch vuln --vex FILE' and to
sign with 'vouch release --vex FILE'.

A statement names the product (the artifact, by purl or digest), optionally
the components inside it (--subcomponent), the vulnerability (an OSV, CVE or
GHSA id; aliases match each other) and its status:

  not_affected         needs --justification or --impact
  affected             needs --action (what users should do)
  fixed                the product's version has the fix
  under_investigation  not known yet

Justifications (not_affected): ` + strings.Join(vex.Justifications(), ", ") + `.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return usagef("vex needs a subcommand: create or add") },
	}
	cmd.AddCommand(e.vexCreateCommand(), e.vexAddCommand())
	return cmd
}

func (e *env) vexCreateCommand() *cobra.Command {
	var f vexStatementFlags
	var author string
	cmd := &cobra.Command{
		Use:   "create --product PURL --vuln ID --status STATUS [flags]",
		Short: "Write a new OpenVEX document with one statement",
		Long: `Write a new OpenVEX document holding one statement, to standard output or
-o FILE. The document's @id is derived from its content and its time is now,
or $SOURCE_DATE_EPOCH / --source-date-epoch for a reproducible document.`,
		Example: `  # the vulnerable function is never called by app v1.2.0
  vouch vex create --product pkg:golang/example.com/app@v1.2.0 \
    --subcomponent pkg:golang/golang.org/x/net@v0.7.0 --vuln GO-2023-2102 \
    --status not_affected --justification vulnerable_code_not_in_execute_path \
    --author "Example Security <security@example.com>" -o app.openvex.json

  # affected: say what to do
  vouch vex create --product sha256:4c2b... --vuln CVE-2023-45288 \
    --status affected --action "Update to app v1.2.1" -o app.openvex.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := e.vexStatement(&f)
			if err != nil {
				return err
			}
			doc, err := vex.Create([]vex.Statement{s}, author, s.Timestamp)
			if err != nil {
				return usageError{vexFlagError(err)}
			}
			return e.writeVEX(f.output, doc)
		},
	}
	vexStatementFlagSet(cmd, &f)
	cmd.Flags().StringVar(&author, "author", "", "the document's `AUTHOR`, who makes the statement (default \"Unknown Author\")")
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "write the document to `FILE` (atomically) instead of standard output")
	return cmd
}

func (e *env) vexAddCommand() *cobra.Command {
	var f vexStatementFlags
	cmd := &cobra.Command{
		Use:   "add FILE --product PURL --vuln ID --status STATUS [flags]",
		Short: "Append a statement to an OpenVEX document",
		Long: `Append one statement to the OpenVEX document FILE, which is rewritten
atomically (or written to -o FILE). The document keeps its @id and its
statements; its version goes up by one and last_updated is now. Of two
statements about the same product and vulnerability the later one counts,
so a new status supersedes the old one without deleting it.`,
		Example: `  # the fix shipped in v1.2.1
  vouch vex add app.openvex.json --product pkg:golang/example.com/app@v1.2.1 \
    --vuln GO-2023-2102 --status fixed`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("vex add needs one FILE, the OpenVEX document to add to (got %d arguments)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := e.vexStatement(&f)
			if err != nil {
				return err
			}
			data, err := safefile.Read("VEX document", args[0], vex.MaxSize)
			if err != nil {
				return err
			}
			doc, err := vex.Add(args[0], data, s, s.Timestamp)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			out := f.output
			if out == "" {
				out = args[0]
			}
			return e.writeVEX(out, doc)
		},
	}
	vexStatementFlagSet(cmd, &f)
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "write the document to `FILE` instead of rewriting the one read")
	return cmd
}

func vexStatementFlagSet(cmd *cobra.Command, f *vexStatementFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.product, "product", "", "the `PRODUCT` the statement is about: a purl (pkg:TYPE/NAME@VERSION) or a digest (sha256:HEX) (required)")
	fl.StringVar(&f.vuln, "vuln", "", "the vulnerability `ID` (GO-…, GHSA-…, CVE-…) (required)")
	fl.StringVar(&f.status, "status", "", "the `STATUS`: not_affected, affected, fixed or under_investigation (required)")
	fl.StringVar(&f.justification, "justification", "", "`WHY` it is not_affected: one of "+strings.Join(vex.Justifications(), ", "))
	fl.StringVar(&f.impact, "impact", "", "impact statement: why it is not_affected, in `WORDS`")
	fl.StringVar(&f.action, "action", "", "action statement: what users of an affected product should do, in `WORDS`")
	fl.StringArrayVar(&f.subcomponents, "subcomponent", nil, "the component `PURL` inside the product that carries the vulnerability (repeatable)")
	fl.StringVar(&f.epoch, "source-date-epoch", "", "statement time as Unix `SECONDS` (default $SOURCE_DATE_EPOCH, else now)")
}

// vexStatement builds the statement the flags describe; a missing or
// invalid flag is a usage error naming it.
func (e *env) vexStatement(f *vexStatementFlags) (vex.Statement, error) {
	for _, r := range []struct{ flag, v string }{{"--product", f.product}, {"--vuln", f.vuln}, {"--status", f.status}} {
		if strings.TrimSpace(r.v) == "" {
			return vex.Statement{}, usagef("%s is required", r.flag)
		}
	}
	switch vex.Status(f.status) {
	case vex.NotAffected, vex.Affected, vex.Fixed, vex.UnderInvestigation:
	default:
		return vex.Statement{}, usagef("--status %q: want not_affected, affected, fixed or under_investigation", f.status)
	}
	ts, err := e.timestamp(f.epoch)
	if err != nil {
		return vex.Statement{}, err
	}
	s := vex.Statement{
		Vulnerability: f.vuln, Products: []string{f.product}, Subcomponents: f.subcomponents,
		Status: vex.Status(f.status), Justification: f.justification, Impact: f.impact,
		ActionStatement: f.action, Timestamp: ts,
	}
	if err := vex.Check(&s); err != nil {
		return vex.Statement{}, usageError{vexFlagError(err)}
	}
	return s, nil
}

// vexFlagError renames the statement fields an error names to the flags
// that set them.
func vexFlagError(err error) error {
	r := strings.NewReplacer(
		"products:", "--product", "subcomponents:", "--subcomponent", "vulnerability:", "--vuln",
		"justification value", "--justification", "impact statement", "--impact",
		"action statement", "--action", "justification should", "--justification should",
		"either justification", "either --justification")
	return fmt.Errorf("%s", r.Replace(err.Error()))
}

// writeVEX writes a document to path atomically, or to standard output.
func (e *env) writeVEX(path string, doc []byte) error {
	if path == "" || path == "-" {
		_, err := e.stdout.Write(doc)
		return err
	}
	if err := atomicfile.Write(path, doc, atomicfile.Public); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	return nil
}
