package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/sbom/check"
	"github.com/vouchdev/vouch/pkg/sbom/format"
)

type convertFlags struct {
	output  string
	maxSize int64
	epoch   string
	quiet   bool
}

func (e *env) sbomConvertCommand() *cobra.Command {
	var f convertFlags
	cmd := &cobra.Command{
		Use:   "convert -o FORMAT[@VERSION][=FILE] SBOM",
		Short: "Convert an SBOM between CycloneDX and SPDX",
		Long: `Convert an SBOM between CycloneDX and SPDX, any supported versions.

The input is any CycloneDX 1.4–1.7 (JSON, XML) or SPDX 2.2/2.3 (JSON,
tag-value) or SPDX 3.0.1 (JSON-LD) document, detected from its content; "-"
reads standard input. It is decoded into vouch's neutral model and encoded in
the target format.

Nothing is dropped silently: every field of the model the target cannot
express is listed on standard error as
  vouch: warning: convert: <component>: <field> cannot be expressed in <format>@<version>
found by encoding, decoding again and comparing. Parts of the input vouch's
model does not carry (CycloneDX services, vulnerabilities, ...) are listed too.
Where the target requires what the input lacks (SPDX needs a document name
and creation time), the value used is reported.

Output formats (-o FORMAT[@VERSION][=FILE]; FILE "-" or none is stdout):
` + format.Help(),
		Example: `  # CycloneDX from syft to SPDX 2.3 JSON
  vouch sbom convert -o spdx-json@2.3=app.spdx.json app.cdx.json

  # SPDX tag-value to CycloneDX 1.6 XML on stdout
  vouch sbom convert -o cyclonedx-xml@1.6 app.spdx`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("sbom convert needs exactly one SBOM (or - for standard input), got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return e.runConvert(cmd, args[0], &f) },
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "", "write `FORMAT[@VERSION][=FILE]` (required)")
	fl.Int64Var(&f.maxSize, "max-sbom-size", check.DefaultMaxBytes, fmt.Sprintf("largest SBOM to read, in `BYTES` (at most %d)", int64(check.MaxMaxBytes)))
	fl.StringVar(&f.epoch, "source-date-epoch", "", "creation time as Unix `SECONDS` if the input has none (default $SOURCE_DATE_EPOCH, else now)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "do not print warnings")
	return cmd
}

func (e *env) runConvert(cmd *cobra.Command, name string, f *convertFlags) error {
	if f.output == "" {
		return usagef("sbom convert needs -o FORMAT[@VERSION][=FILE]")
	}
	targets, err := parseTargets([]string{f.output})
	if err != nil {
		return err
	}
	if len(targets) != 1 {
		return usagef("-o %s: not an SBOM format (formats: %s)", f.output, strings.Join(format.Names(), "; "))
	}
	t := targets[0]
	if f.maxSize <= 0 || f.maxSize > check.MaxMaxBytes {
		return usagef("--max-sbom-size %d: want 1 to %d bytes", f.maxSize, int64(check.MaxMaxBytes))
	}
	created, err := e.timestamp(f.epoch)
	if err != nil {
		return err
	}
	var r io.Reader = e.stdin
	if name != "-" {
		fh, _, err := safefile.Open("SBOM", name)
		if err != nil {
			return &exitError{code: ExitError, err: err}
		}
		defer fh.Close()
		r = fh
	}
	in, err := check.Load(cmd.Context(), name, r, f.maxSize)
	if err != nil {
		return &exitError{code: ExitError, err: err, hint: hintFor(err)}
	}
	if in.DecodeErr != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("%s: %w", name, in.DecodeErr),
			hint: "run 'vouch sbom check --profile schema " + name + "' for what is wrong"}
	}
	d := in.Doc
	var warnings []string
	for _, k := range unmodelled(in) {
		warnings = append(warnings, fmt.Sprintf("document: %s cannot be expressed in vouch's model and is dropped", k))
	}
	fallback := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	if name == "-" {
		fallback = "sbom"
	}
	warnings = append(warnings, format.Complete(d, fallback, created)...)
	for _, l := range format.Losses(d, t.spec) {
		warnings = append(warnings, l+" cannot be expressed in "+t.spec.String())
	}
	if !f.quiet {
		for _, w := range warnings {
			fmt.Fprintf(e.stderr, "vouch: warning: convert: %s\n", output.VisibleLines(w))
		}
	}
	enc, err := format.NewEncoder(t.spec)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := enc.Encode(&buf, d); err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("%s: encode %s: %w", name, t.spec, err)}
	}
	if t.file == "" || t.file == "-" {
		_, err := e.stdout.Write(buf.Bytes())
		return err
	}
	return output.WriteFileAtomic(t.file, buf.Bytes())
}

// modelled are the top-level members of each JSON format that vouch's model
// carries (or that only identify the document), so that anything else in an
// input is reported as dropped rather than lost without a word.
var modelled = map[string][]string{
	"cyclonedx": {"$schema", "bomFormat", "specVersion", "serialNumber", "version", "metadata", "components",
		"dependencies", "compositions", "properties"},
	"spdx-2": {"$schema", "spdxVersion", "dataLicense", "SPDXID", "name", "documentNamespace", "creationInfo",
		"packages", "files", "relationships", "documentDescribes", "hasExtractedLicensingInfos", "comment"},
	"spdx-3": {"@context", "@graph"},
}

// unmodelled lists the non-empty top-level members of a JSON input that
// vouch's model does not carry, sorted. Other encodings are not inspected.
func unmodelled(in *check.Input) []string {
	keep, ok := modelled[in.Family]
	if !ok || in.Encoding != "json" {
		return nil
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(in.Raw, &top) != nil {
		return nil
	}
	var out []string
	for k, v := range top {
		s := strings.TrimSpace(string(v))
		if slices.Contains(keep, k) || s == "null" || s == "[]" || s == "{}" || s == `""` {
			continue
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
