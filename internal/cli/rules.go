package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/pkg/finding"
)

func init() { register((*env).rulesCommand) }

func (e *env) rulesCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "rules [ID|PREFIX...]",
		Short: "List the rules findings name, or look one up",
		Long: `List the rules of vouch's catalogue: every finding of vouch verify, vouch
serve and vouch sbom check names one by its id. Rule ids are stable; a
SARIF log, a JSON report and a policy key on them.

Without arguments, every rule: id, level, clause and title. With an id
("signer", "provenance.builder", "bsi-tr-03183-2.component.hash-sha512",
"rule.my-rule"), that rule in full: title, level, the clause it comes from,
what it checks and how to meet it, and where it is documented. An id of a
family ("predicate.<name>", "sbom.profile.<id>", "rule.<name>") is found
through its pattern ("predicate.*"). Any other argument is a prefix: the
rules whose id starts with it ("bsi-tr-03183-2.", "provenance.").

Levels: error fails the run, warning is reported and passes, note is for
information. Vulnerability findings name the advisory (GO-2024-2687,
GHSA-…): those are the vulnerability database's, described at
` + finding.OSVURI + `ID, not here.

Output (-o): text (default) or json (the rules as in a findings report).`,
		Example: `  vouch rules
  vouch rules provenance.builder
  vouch rules bsi-tr-03183-2. -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usagef("-o: unknown format %q (formats: text, json)", format)
			}
			rules, detail, err := selectRules(args)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeRulesJSON(e.stdout, rules)
			}
			if detail {
				return describeRules(e.stdout, rules)
			}
			return tableRules(e.stdout, rules)
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "text", "`FORMAT`: text or json")
	return cmd
}

// selectRules are the rules args name: all without args; detail is true
// when every arg is an id (looked up, families included) rather than a
// prefix. An arg that names nothing is an error naming it.
func selectRules(args []string) (rules []finding.Rule, detail bool, err error) {
	all := finding.Default.Rules()
	if len(args) == 0 {
		return all, false, nil
	}
	detail = true
	for _, a := range args {
		if r, ok := finding.Lookup(a); ok {
			rules = append(rules, r)
			continue
		}
		detail = false
		n := len(rules)
		for _, r := range all {
			if strings.HasPrefix(r.ID, a) {
				rules = append(rules, r)
			}
		}
		if len(rules) == n {
			return nil, false, fmt.Errorf("rule %q: expected a rule id or prefix of vouch's catalogue (%d rules: vouch rules lists them), found none; "+
				"a vulnerability finding names an advisory, described at %s%s", output.Visible(a), len(all), finding.OSVURI, output.Visible(a))
		}
	}
	return rules, detail, nil
}

func tableRules(w io.Writer, rules []finding.Rule) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tLEVEL\tCLAUSE\tTITLE")
	for _, r := range rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Level, orDash(r.Clause), r.Title)
	}
	return tw.Flush()
}

func describeRules(w io.Writer, rules []finding.Rule) error {
	var b strings.Builder
	for i, r := range rules {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s\n  %s\n  level: %s\n", r.ID, r.Title, r.Level)
		if r.Clause != "" {
			fmt.Fprintf(&b, "  clause: %s\n", r.Clause)
		}
		if r.Help != "" {
			fmt.Fprintf(&b, "  %s\n", r.Help)
		}
		if r.HelpURI != "" {
			fmt.Fprintf(&b, "  more: %s\n", r.HelpURI)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeRulesJSON writes the rules as a JSON array, each as the "rules"
// of a findings report (schemas/findings.schema.json#/$defs/rule).
func writeRulesJSON(w io.Writer, rules []finding.Rule) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rules)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// RulesMarkdown renders the catalogue as docs/rules.md: a section per
// rule, titled by its id so that a link (and a SARIF helpUri) can point
// at it. A test keeps docs/rules.md equal to it.
func RulesMarkdown(rules []finding.Rule) string {
	var b strings.Builder
	b.WriteString(`# Rules

Every finding vouch reports — ` + "`vouch verify`" + `, ` + "`vouch serve`" + `, ` + "`vouch sbom check`" + ` —
names a rule of this catalogue by its id, in text, JSON (` + "`id`" + `) and SARIF (` + "`ruleId`" + `)
alike. Ids are stable. ` + "`vouch rules ID`" + ` prints one; ` + "`vouch rules PREFIX`" + ` lists some.

Levels: **error** fails the run, **warning** is reported and passes, **note** is information.
An id ending in ` + "`.*`" + ` stands for a family: ` + "`predicate.<name>`" + `, ` + "`sbom.profile.<id>`" + `,
` + "`rule.<name>`" + ` take their last part from the policy (` + "`vulnerability.<advisory id>`" + ` from the
database); ` + "`{name}`" + ` in a family's link is that last part.

Vulnerability findings name the advisory itself (` + "`GO-2024-2687`" + `, ` + "`GHSA-…`" + `): their rule is
made from the advisory (its summary, ` + finding.OSVURI + `ID), not listed here.

This file is generated from the catalogue (internal/cli TestRulesDoc).
`)
	for _, r := range rules {
		fmt.Fprintf(&b, "\n## `%s`\n\n%s. Level: %s.", r.ID, strings.TrimSuffix(r.Title, "."), r.Level)
		if r.Clause != "" {
			fmt.Fprintf(&b, " Clause: %s.", r.Clause)
		}
		b.WriteByte('\n')
		if r.Help != "" {
			fmt.Fprintf(&b, "\n%s\n", r.Help)
		}
		if r.HelpURI != "" {
			fmt.Fprintf(&b, "\nMore: <%s>\n", r.HelpURI)
		}
	}
	return b.String()
}
