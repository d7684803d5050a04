package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/internal/atomicfile"
	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/archive"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image"
	"github.com/vouchdev/vouch/pkg/sbom/check"
	"github.com/vouchdev/vouch/pkg/sbom/format"
	"github.com/vouchdev/vouch/pkg/vuln"
	"github.com/vouchdev/vouch/pkg/vuln/govuln"
)

type vulnFlags struct {
	sbomFlags
	db      string
	format  string
	failOn  string
	outFile string
	vex     vexVulnFlags
	signed  signedVEXFlags
	scan    string
}

func init() { register((*env).vulnCommand) }

func (e *env) vulnCommand() *cobra.Command {
	f := vulnFlags{format: "text"}
	f.scope = string(image.Squashed)
	f.maxEntry, f.maxTotal = archive.DefaultLimits().MaxEntrySize, archive.DefaultLimits().MaxTotalSize
	cmd := &cobra.Command{
		Use:   "vuln [flags] TARGET",
		Short: "Match an SBOM, artifact, directory or image against an offline OSV vulnerability database",
		Long: `Report the known vulnerabilities of what TARGET contains, from an offline OSV
database: no request leaves the machine.

TARGET is an SBOM (CycloneDX or SPDX, any version vouch reads) or anything
'vouch sbom' reads: a directory, a lockfile, a binary, an archive, an image
(docker-archive:, oci-dir:, registry:). Components are matched by their purl:
golang (Go, the standard library from the toolchain's "stdlib" component),
npm, pypi (PyPI), maven, cargo (crates.io), gem (RubyGems), nuget, composer
(Packagist), deb (Debian, release from the purl's distro qualifier) and apk
(Alpine). Whether a version is affected is decided by osv-scalibr's offline
matcher and its version ordering for each ecosystem.

The database (--db DIR, or $` + vuln.DBEnv + `) is a directory in the OSV export
layout: one folder per ecosystem, named as OSV names it (Go, npm, PyPI,
Maven, crates.io, RubyGems, NuGet, Packagist, Debian, Alpine), holding its
all.zip as https://osv-vulnerabilities.storage.googleapis.com/<Ecosystem>/all.zip
serves it, or its OSV JSON files; or a folder of OSV JSON files. Only the
ecosystems TARGET has are read, streaming; a record that is not strict OSV
JSON (duplicate keys, unknown fields, over 4 MiB) is an error naming it.

Go gets govulncheck's answer (golang.org/x/vuln v1.9.0, in process and
offline, on the Go records of the same database). A Go binary TARGET: each
Go match says whether the binary calls the vulnerable code ("called", with
the vulnerable symbols it contains), links the vulnerable package without
calling it ("imported"), or only has the module ("required"), exactly as
govulncheck -mode binary reports them. A directory TARGET holding a go.mod:
by default the module level (--scan module), every requirement of the
go.mod "required", nothing loaded, so neither network nor module cache is
needed; --scan package ("imported") and --scan symbol ("called") load the
module's packages with the go command, offline, so their dependencies must
be in vendor/ or the module cache (go mod vendor or go mod download first).
The Go records are laid out as govulncheck reads them once, in vouch's
cache directory ($VOUCH_CACHE_DIR, else the user's cache directory), under
their digest. Go components of other targets (an SBOM, an archive) are
matched by version alone.

Severity is the highest CVSS v3.x/v4 base score of the advisory, else the
GitHub advisory database's rating, else "unknown" (the Go database gives
none: --fail-on unknown counts every match). The fixed version is the fix
of the range that matched the component's version.

Output (-o): text, one line per match (severity and score, advisory id and
aliases, component, fix, summary; for a Go match its level, and the
vulnerable symbols called on an indented line) and a total, in colour on a
terminal; json (the findings envelope,
schemas/findings.schema.json); sarif (SARIF 2.1.0); openvex (OpenVEX
v0.2.0) or cyclonedx-vex (CycloneDX 1.6 VEX), a statement per match.

--vex FILE (repeatable; OpenVEX or CycloneDX VEX) decides the matches its
statements cover: a statement applies when its vulnerability or an alias
is the advisory's id or alias, and it names the product (--product, by
default the SBOM's primary component's purl) with the component as a
subcomponent, or names the component's purl itself (without a version it
covers every version). Of several, the latest wins. A not_affected or
fixed match is shown as such (VEX in text, a suppression in SARIF, its
status in JSON) and no longer counts for --fail-on.

Signed VEX: when TARGET is an artifact file and you say whom to trust with
the trust flags of 'vouch verify' (--key FILE; keyless: --certificate-identity
and --certificate-oidc-issuer, --repo, ...; --trusted-root, --offline), the
OpenVEX attestations beside it — A.vex.sigstore.json (vouch attest) and the
release's FILE.vex.sigstore.json (vouch release --vex) — and each
--vex-bundle FILE are verified one by one as vouch verify verifies them: a
signer the flags trust, a statement whose subject is the artifact's digest.
The statements of those that verify decide the matches with the --vex
ones (the latest wins; of two at the same time, --vex's), naming the
product by the artifact's digest (sha256:HEX), --product or the SBOM's
primary purl, or the component's purl; the report names the bundle as
each decision's source. One that does not verify, or is not OpenVEX, is
not applied, and a warning on stderr names it and why (the report itself
has only the matches: stderr is the place for what was left out; -q
silences it). Without trust flags the attestations found are not read: a
note names them and the flag that reads them. A verified attestation that
is not valid OpenVEX is an error (exit 1); --vex-bundle without a signer to
trust, or trust flags for a TARGET that is not an artifact file (a
directory, an image, an SBOM), a usage error (exit 2).

--output FILE writes the report to FILE, atomically, instead of stdout. On a
terminal, stderr shows how far the database read is (-q: not at all).

Exit codes: 0 done (matches or not, unless --fail-on says otherwise), 1 an
error (a TARGET, database, key or VEX document that cannot be read: a
report without it would pass for a clean one), 2 a usage error (no
database, an unknown -o, --fail-on or --scan), 3 a match at least as severe as
--fail-on that no VEX statement suppresses.`,
		Example: `  # an SBOM (CycloneDX or SPDX): its components matched by purl and version
  vouch vuln sbom.cdx.json --db ~/osv

  # a source tree: its lockfiles, go.mod and binaries, as vouch sbom finds
  # them; the go.mod's requirements as govulncheck reads the module
  vouch vuln . --db ~/osv

  # a Go module down to the vulnerable functions its code calls (its
  # packages are loaded offline: go mod download or go mod vendor first)
  vouch vuln . --db ~/osv --scan symbol

  # a Go binary: called, imported or required, with the symbols it calls
  vouch vuln ./bin/app --db ~/osv

  # a lockfile, a release archive, a container image
  vouch vuln package-lock.json --db ~/osv
  vouch vuln app_1.2.3_linux_amd64.tar.gz --db ~/osv
  vouch vuln docker-archive:app.tar --db ~/osv

  # CI: SARIF for code scanning, exit 3 on a high or critical match
  vouch vuln sbom.cdx.json --db ~/osv -o sarif --output vuln.sarif --fail-on high

  # Go advisories have no severity: exit 3 on any match at all
  VOUCH_VULN_DB=~/osv vouch vuln ./bin/app --fail-on unknown

  # the findings as JSON (schemas/findings.schema.json), for scripts
  vouch vuln . --db ~/osv -o json

  # your VEX statements decide what they cover (see 'vouch vex create')
  vouch vuln ./bin/app --db ~/osv --vex app.openvex.json --fail-on unknown

  # signed VEX: the release's attestations beside the artifact, applied
  # once verified against the release key (as vouch verify does)
  vouch vuln dist/app --db ~/osv --key vouch.pub --fail-on high

  # VEX out: an OpenVEX statement per match, to triage and sign
  vouch vuln ./bin/app --db ~/osv -o openvex --product pkg:golang/example.com/app@v1.2.0 --output app.openvex.json

  # keep the database current (the export of one ecosystem)
  mkdir -p ~/osv/npm && curl -fsSLo ~/osv/npm/all.zip \
    https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("vuln needs one TARGET (an SBOM, a directory, an artifact or an image), found %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return e.runVuln(cmd.Context(), args[0], &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "", "offline OSV database `DIR` (default $"+vuln.DBEnv+")")
	fl.StringVarP(&f.format, "output-format", "o", "text", "output `FORMAT`: text, json, sarif, openvex or cyclonedx-vex")
	fl.StringVar(&f.failOn, "fail-on", "", "exit 3 on a match at least this `SEVERITY` (critical, high, medium, low, unknown = any); default never")
	fl.StringVar(&f.outFile, "output", "", "write the report to `FILE` (atomically) instead of stdout")
	fl.StringVar(&f.scan, "scan", "", "how deep a Go module `LEVEL` (a directory with a go.mod) is analysed: module (default: its go.mod's requirements), package (what its packages import) or symbol (what they call); package and symbol load the packages offline, from vendor/ or the module cache")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "do not print warnings or progress")
	addCatalogFlags(fl, &f.sbomFlags)
	addVEXFlags(fl, &f.vex)
	addSignedVEXFlags(fl, &f.signed)
	return cmd
}

func (e *env) runVuln(ctx context.Context, target string, f *vulnFlags) error {
	// Colour as vouch verify gives it: only when the report goes to a
	// terminal, never into a file or a pipe.
	color := (f.outFile == "" || f.outFile == "-") && e.isTTY(e.stdout)
	failOn, newHandler, err := f.check(color)
	if err != nil {
		return err
	}
	if err := vulnTargetExists(target); err != nil {
		return err
	}
	if err := f.signed.check(target); err != nil {
		return err
	}
	if f.scan != "" && !isGoModule(target) {
		return usagef("--scan %s: TARGET %s is not a directory holding a go.mod (a Go binary is always analysed to the symbol)", f.scan, target)
	}
	dir := f.db
	if dir == "" {
		dir = e.getenv(vuln.DBEnv)
	}
	if dir == "" {
		return usagef("--db: no vulnerability database given (--db DIR or $%s)", vuln.DBEnv)
	}
	db, err := vuln.Open(dir)
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("--db: %w", err),
			hint: "--db names a directory of <Ecosystem>/all.zip files as osv.dev exports them ('vouch vuln --help')"}
	}
	doc, isSBOM, err := e.vulnDocument(ctx, target, f)
	if err != nil {
		return err
	}
	signed, productNames, err := e.signedStatements(ctx, target, isSBOM, f)
	if err != nil {
		return err
	}
	e.noteUnmatched(doc, f.quiet)
	// The records stream from large archives (npm's all.zip is hundreds
	// of MiB): say how far the read is, on a terminal only, as vouch sbom
	// does for a catalogue.
	progress := output.NewByteProgress(e.stderr, !f.quiet && e.isTTY(e.stderr), "reading the vulnerability database")
	defer progress.Done()
	db.SetProgress(progress.Update)
	ms, err := db.Match(ctx, doc)
	if errors.Is(err, vuln.ErrNoEcosystem) {
		return &exitError{code: ExitError, err: err,
			hint: "add the ecosystem's all.zip from https://osv-vulnerabilities.storage.googleapis.com/<Ecosystem>/all.zip to --db"}
	}
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("--db %s: %w", dir, err),
			hint: "--db names a directory of <Ecosystem>/all.zip files as osv.dev exports them, or of OSV JSON records ('vouch vuln --help')"}
	}
	if ms, err = goMatches(ctx, db, target, f.scanLevel(), doc, ms); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if ms, err = f.vex.apply(ms, doc, signed, productNames); err != nil {
		return err
	}
	var buf bytes.Buffer
	if newHandler == nil { // -o openvex, -o cyclonedx-vex
		err = e.writeVulnVEX(&buf, f.format, &f.vex, ms, doc)
	} else {
		err = renderMatches(newHandler(&buf), target, ms)
	}
	if err != nil {
		return err
	}
	if err := e.writeReport(f.outFile, buf.Bytes()); err != nil {
		return err
	}
	return e.vulnVerdict(ms, failOn, f)
}

// noteUnmatched says how many components have no purl of an ecosystem
// vouch vuln matches: they are in no report, and a reader should know.
func (e *env) noteUnmatched(doc *sbom.Document, quiet bool) {
	n := 0
	for i := range doc.Components {
		if !vuln.Supported(&doc.Components[i]) {
			n++
		}
	}
	if n > 0 && !quiet {
		fmt.Fprintf(e.stderr, "vouch: note: %d of %d component(s) have no purl of an ecosystem vouch vuln matches and are not matched\n", n, len(doc.Components))
	}
}

// check validates the flags that need no input: the severity threshold
// ("" = never fail) and the handler of -o (text in colour when color).
func (f *vulnFlags) check(color bool) (*vuln.Severity, func(io.Writer) finding.Handler, error) {
	var failOn *vuln.Severity
	if f.failOn != "" {
		s, ok := vuln.ParseSeverity(f.failOn)
		if !ok {
			return nil, nil, usagef("--fail-on %q: want critical, high, medium, low or unknown", f.failOn)
		}
		failOn = &s
	}
	if f.scope != string(image.Squashed) && f.scope != string(image.AllLayers) {
		return nil, nil, usagef("--scope %q: want %s or %s", f.scope, image.Squashed, image.AllLayers)
	}
	switch govuln.Level(f.scan) {
	case "", govuln.Module, govuln.Package, govuln.Symbol:
	default:
		return nil, nil, usagef("--scan %q: want module, package or symbol", f.scan)
	}
	var h func(io.Writer) finding.Handler
	switch f.format {
	case "text":
		h = func(w io.Writer) finding.Handler { return output.NewTextHandler(w, color) }
	case "json":
		h = output.NewJSONHandler
	case "sarif":
		h = func(w io.Writer) finding.Handler { return output.NewSARIFHandler(w, output.VouchTool(Version())) }
	case formatOpenVEX, formatCycloneDXVEX: // written from the matches, not a finding stream
	default:
		return nil, nil, usagef("-o %q: want text, json, sarif, openvex or cyclonedx-vex", f.format)
	}
	return failOn, h, nil
}

// scanLevel is the --scan level of a Go module TARGET; module unless the
// user asks for more, as the deeper levels need its packages offline.
func (f *vulnFlags) scanLevel() govuln.Level {
	if f.scan == "" {
		return govuln.Module
	}
	return govuln.Level(f.scan)
}

// vulnDocument is the SBOM of target: decoded when target is an SBOM
// file (isSBOM), else catalogued as vouch sbom catalogues it.
func (e *env) vulnDocument(ctx context.Context, target string, f *vulnFlags) (*sbom.Document, bool, error) {
	if in, ok, err := loadSBOMFile(ctx, target); ok || err != nil {
		if err != nil {
			return nil, false, &exitError{code: ExitError, err: err}
		}
		return in, true, nil
	}
	if err := vulnTargetExists(target); err != nil {
		return nil, false, err
	}
	created, err := e.timestamp("")
	if err != nil {
		return nil, false, err
	}
	res, err := e.catalogue(ctx, []string{target}, &f.sbomFlags, created, nil)
	if err != nil {
		return nil, false, &exitError{code: ExitError, err: err}
	}
	// Fail closed: what could not be read cannot be matched, and a report
	// without it would pass for a clean one.
	if len(res.Errors) > 0 {
		return nil, false, unreadableTarget(ctx, target, res.Errors)
	}
	if len(res.Document.Components) == 0 {
		return nil, false, &exitError{code: ExitError, err: fmt.Errorf("no component found in %s", target),
			hint: "name an SBOM, a directory or a file of a kind 'vouch sbom' reads ('vouch sbom --help' lists them)"}
	}
	return res.Document, false, nil
}

// loadSBOMFile decodes path if it is a regular file holding an SBOM (its
// first bytes say CycloneDX or SPDX); ok is false for anything else, which
// is then catalogued.
func loadSBOMFile(ctx context.Context, path string) (*sbom.Document, bool, error) {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return nil, false, nil
	}
	fh, _, err := safefile.Open("TARGET", path)
	if err != nil {
		return nil, false, err
	}
	defer fh.Close()
	head := make([]byte, 4096)
	n, err := io.ReadFull(fh, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, false, fmt.Errorf("TARGET %s: %w", path, err)
	}
	if _, _, err := format.Detect(head[:n]); err != nil {
		return nil, false, nil
	}
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return nil, false, fmt.Errorf("TARGET %s: %w", path, err)
	}
	in, err := check.Load(ctx, path, fh, check.DefaultMaxBytes)
	if err != nil {
		return nil, true, err
	}
	if in.DecodeErr != nil {
		return nil, true, fmt.Errorf("TARGET %s: %w", path, in.DecodeErr)
	}
	return in.Doc, true, nil
}

// renderMatches emits each match as a finding of subject through h: the
// advisory's rule before its first finding, then the findings in the
// matcher's order, then Flush.
func renderMatches(h finding.Handler, subject string, ms []vuln.Match) error {
	announced := map[string]bool{}
	for _, m := range ms {
		f := m.Finding(subject)
		if !announced[f.ID] {
			announced[f.ID] = true
			if err := h.Rule(finding.VulnerabilityRule(f.Vulnerability)); err != nil {
				return err
			}
		}
		if err := h.Finding(f); err != nil {
			return err
		}
	}
	return h.Flush()
}

// writeReport writes the report to stdout, or atomically to file.
func (e *env) writeReport(file string, data []byte) error {
	if file == "" || file == "-" {
		_, err := e.stdout.Write(data)
		return err
	}
	if err := atomicfile.Write(file, data, 0o644); err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("--output %s: %w", file, err)}
	}
	return nil
}

// vulnVerdict is exit 3 when a match no VEX statement suppresses is at
// least as severe as --fail-on. Matches of unknown severity only count for
// --fail-on unknown: a warning says how many did not.
func (e *env) vulnVerdict(ms []vuln.Match, failOn *vuln.Severity, f *vulnFlags) error {
	if failOn == nil {
		return nil
	}
	var failing, unscored []string
	for i := range ms {
		m := &ms[i]
		if m.Suppressed() {
			continue
		}
		sev, _ := vuln.ParseSeverity(m.Vulnerability.Severity)
		switch {
		case sev.AtLeast(*failOn):
			failing = append(failing, m.Vulnerability.ID+" in "+m.Component.Name+"@"+m.Component.Version)
		case sev == vuln.SeverityUnknown:
			unscored = append(unscored, m.Vulnerability.ID)
		}
	}
	if len(unscored) > 0 && !f.quiet {
		slices.Sort(unscored)
		fmt.Fprintf(e.stderr, "vouch: warning: %d match(es) have no severity and do not count for --fail-on %s (%s); --fail-on unknown counts every match\n",
			len(unscored), *failOn, output.Visible(unscored[0])+moreSuffix(len(slices.Compact(unscored))))
	}
	if len(failing) == 0 {
		return nil
	}
	return &exitError{code: ExitFailure,
		err:  fmt.Errorf("%d match(es) at least %s: %s%s", len(failing), *failOn, output.Visible(failing[0]), moreSuffix(len(failing))),
		hint: "upgrade to the fixed versions the report names, or state with VEX why a component is not affected"}
}

// moreSuffix is ", …" when a list of n shows only its first.
func moreSuffix(n int) string {
	if n > 1 {
		return fmt.Sprintf(" and %d more", n-1)
	}
	return ""
}
