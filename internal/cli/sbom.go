package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/archive"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image"
	"github.com/vouchdev/vouch/pkg/sbom/format"
)

type sbomFlags struct {
	outputs     []string
	exclude     []string
	vendor      bool
	testdata    bool
	excludeDev  bool
	nested      bool
	version     string
	epoch       string
	failOnError bool
	authors     []string
	modCache    string
	quiet       bool
	noCache     bool
	maxEntry    int64
	maxTotal    int64
	scope       string
}

func init() { register((*env).sbomCommand) }

func (e *env) sbomCommand() *cobra.Command {
	var f sbomFlags
	cmd := &cobra.Command{
		Use:   "sbom [flags] SOURCE...",
		Short: "Generate an SBOM of source trees, lockfiles, binaries, archives, installed systems and container images",
		Long: `Generate a software bill of materials.

A SOURCE is a directory or one file of a kind listed below: a go.mod, a Go or
Rust binary (ELF, Mach-O, PE), a release archive (.tar.gz, .tgz, .zip), a Java
archive, a lockfile or a package database. It can also be a container image:
` + imageHelp + `

A directory is walked once and every file of those kinds in it is catalogued,
inside archives too; .git, vendor/ and testdata/ are skipped unless asked for. Archives and executables in test or
example folders (fixtures/, test/, tests/, examples/, ...) of a source tree are
its tests' inputs, and Gradle's and Maven's wrapper jars
(gradle/wrapper/*.jar, .mvn/wrapper/*.jar) bootstrap its build: neither is
what the tree ships, so they are left out, with a warning, unless named as a
SOURCE.

Files vouch reads, by KIND (the name the summary uses):
` + readsHelp() + `
Lockfiles mark the packages only development or test dependencies pull in
(CycloneDX scope "excluded", SPDX 2.3 DEV_DEPENDENCY_OF, SPDX 3 a
development-scoped relationship); --exclude-dev leaves them out. Nothing but
a registry: image is fetched from the network: Go dependency graphs and
licences come from the local module cache and vendor/, other ecosystems' from
their lockfiles, archives and installed files. Licence texts are scanned once and the result
kept in a cache on disk ($VOUCH_CACHE_DIR, default the user cache directory);
--no-cache scans every text afresh.

Where a directory holds both a module's source and binaries built from it, the
binaries' build info is taken as the truth for what ships, and differences from
go.mod are reported.

The main module's version comes from, in order: --version; a git tag on the
built commit; a release version in build info; a semver -X ...version= in
-ldflags; the pseudo-version. It is never guessed: when unknown, the field is
empty and a warning says so.

The table of components ends with a summary: per KIND, the files read, the
components they gave and the files not read, then each file not read and why.
A file of a known kind that vouch cannot read (corrupt, of an unsupported
version, too large, a link), a manifest (package.json, pyproject.toml,
Cargo.toml, ...) without its lockfile, a file read only in part
("not fully read": a Maven pom.xml names direct dependencies only, a
requirements file with ranges names no versions) and an archive entry that
a later entry shadows are each named in a warning, in that summary, and in
a vouch:not-catalogued property of the SBOM, which is then marked
incomplete.

Output formats (-o FORMAT[@VERSION][=FILE], repeatable; default a table on stdout):
` + format.Help() + `
Output is reproducible: the same input gives the same bytes. The timestamp is
taken from --source-date-epoch or $SOURCE_DATE_EPOCH when set.`,
		Example: `  # a table of what vouch finds in this tree (any ecosystem), then what it
  # read per KIND and what it could not read
  vouch sbom .

  # the production dependencies of a source tree only, as CycloneDX 1.6 JSON
  vouch sbom . --exclude-dev -o cyclonedx-json=sbom.cdx.json

  # CycloneDX 1.6 JSON and SPDX 2.3 JSON of a release directory
  vouch sbom dist/ -o cyclonedx-json=sbom.cdx.json -o spdx-json=sbom.spdx.json

  # SPDX 3.0.1 (the SPDX version BSI TR-03183-2 v2.1 accepts) to stdout
  vouch sbom ./bin/app -o spdx-json@3.0

  # a reproducible SBOM of a release archive, with the release version
  SOURCE_DATE_EPOCH=1700000000 vouch sbom app_1.2.3_linux_amd64.tar.gz --version v1.2.3 -o cyclonedx-xml

  # container images: a docker save archive, an OCI layout, a registry image
  vouch sbom docker-archive:app.tar -o cyclonedx-json=app.cdx.json
  vouch sbom oci-dir:./app-oci --scope all-layers
  vouch sbom registry:ghcr.io/acme/app@sha256:<digest> -o spdx-json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("sbom needs at least one SOURCE (a directory, or a file of a kind listed in --help)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return e.runSBOM(cmd, args, &f) },
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.outputs, "output", "o", nil, "write `FORMAT[@VERSION][=FILE]` (repeatable; FILE \"-\" or none is stdout)")
	addCatalogFlags(fl, &f)
	fl.StringVar(&f.version, "version", "", "release `VERSION` of the main module(s), e.g. v1.2.3")
	fl.StringVar(&f.epoch, "source-date-epoch", "", "timestamp as Unix `SECONDS` (default $SOURCE_DATE_EPOCH, else now)")
	fl.BoolVar(&f.failOnError, "fail-on-error", false, "exit 1 and write nothing if any source cannot be read")
	fl.StringArrayVar(&f.authors, "author", nil, "SBOM creator as `\"Name <email>\"` or a URL (repeatable; default the main module's supplier)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "do not print warnings or progress")
	cmd.AddCommand(e.sbomSubcommands()...)
	return cmd
}

// addCatalogFlags registers the flags that choose what the catalog reads
// (shared by every command that reads what vouch sbom reads).
func addCatalogFlags(fl *pflag.FlagSet, f *sbomFlags) {
	fl.StringArrayVar(&f.exclude, "exclude", nil, "skip paths matching `GLOB` (relative path or base name; repeatable)")
	fl.BoolVar(&f.vendor, "vendor", false, "also walk vendor/ directories for binaries and modules")
	fl.BoolVar(&f.testdata, "testdata", false, "also walk testdata/ directories")
	fl.BoolVar(&f.excludeDev, "exclude-dev", false, "leave out packages a lockfile marks as development or test only (default: kept, scope excluded)")
	fl.BoolVar(&f.nested, "nested-modules", false, "below a module root, also catalog nested modules (directories with their own go.mod)")
	fl.StringVar(&f.modCache, "mod-cache", "", "Go module cache `DIR` to read (default $GOMODCACHE or $GOPATH/pkg/mod)")
	fl.BoolVar(&f.noCache, "no-cache", false, "scan every licence text afresh, without the licence cache ($VOUCH_CACHE_DIR, default the user cache directory)")
	fl.Int64Var(&f.maxEntry, "max-archive-entry-size", archive.DefaultLimits().MaxEntrySize, "largest archive entry to read, in `BYTES`")
	fl.Int64Var(&f.maxTotal, "max-archive-size", archive.DefaultLimits().MaxTotalSize, "most `BYTES` to decompress from one archive (or all layers of one image)")
	fl.StringVar(&f.scope, "scope", string(image.Squashed), "of an image, the `SCOPE`: squashed (what a container starts with) or all-layers (every layer's files, deleted ones too)")
}

// target is one parsed -o.
type target struct {
	spec format.Spec
	file string // "" or "-" = stdout
}

func parseTargets(outs []string) ([]target, error) {
	var ts []target
	stdout := 0
	for _, o := range outs {
		name, file, _ := strings.Cut(o, "=")
		if name == "table" {
			continue
		}
		spec, err := format.ParseSpec(name)
		if err != nil {
			return nil, usageError{fmt.Errorf("-o %s: %w", o, err)}
		}
		if file == "" || file == "-" {
			stdout++
		}
		ts = append(ts, target{spec, file})
	}
	if stdout > 1 {
		return nil, usagef("-o: only one output can go to stdout; give the others =FILE")
	}
	return ts, nil
}

func (e *env) runSBOM(cmd *cobra.Command, args []string, f *sbomFlags) error {
	targets, err := parseTargets(f.outputs)
	if err != nil {
		return err
	}
	if f.scope != string(image.Squashed) && f.scope != string(image.AllLayers) {
		return usagef("--scope %q: want %s or %s", f.scope, image.Squashed, image.AllLayers)
	}
	created, err := e.timestamp(f.epoch)
	if err != nil {
		return err
	}
	authors, err := parseAuthors(f.authors)
	if err != nil {
		return err
	}
	res, err := e.catalogue(cmd.Context(), args, f, created, authors)
	if err != nil {
		return err
	}
	if !f.quiet {
		if n := notReadBeyondErrors(res); n > 0 && len(targets) > 0 {
			// Written to files, the SBOM comes with no summary: say here
			// that it is incomplete, as the summary would.
			fmt.Fprintf(e.stderr, "vouch: warning: %d file(s) found are not (fully) in the SBOM: it is marked incomplete\n", n)
		}
	}
	if len(res.Errors) > 0 && f.failOnError {
		return &exitError{code: ExitError, err: fmt.Errorf("%d source(s) could not be read; nothing written", len(res.Errors)),
			hint: "drop --fail-on-error to write an SBOM marked incomplete"}
	}
	if len(res.Document.Components) == 0 {
		return &exitError{code: ExitError, err: fmt.Errorf("no component found in %s", strings.Join(args, ", ")),
			hint: "name a directory or a file of a kind vouch reads ('vouch sbom --help' lists them)"}
	}
	return e.writeOutputs(res, targets, f.quiet)
}

// catalogue runs the catalog on args with the sbom command's flags,
// printing its progress, problems and limit hints unless quiet: what vouch
// sbom reads, for every command that reads what vouch sbom reads.
func (e *env) catalogue(ctx context.Context, args []string, f *sbomFlags, created time.Time, authors []sbom.Contact) (*catalog.Result, error) {
	limits := archive.DefaultLimits()
	limits.MaxEntrySize, limits.MaxTotalSize = f.maxEntry, f.maxTotal
	opts := catalog.Options{
		Exclude: f.exclude, Vendor: f.vendor, Testdata: f.testdata, NestedModules: f.nested, Version: f.version,
		ExcludeDev: f.excludeDev, ModCache: f.modCache, Limits: limits, Created: created, Authors: authors,
		ImageScope: image.Scope(f.scope),
		Tool:       sbom.Tool{Vendor: "vouchdev", Name: "vouch", Version: Version()},
	}
	progress := output.NewProgress(e.stderr, !f.quiet && e.isTTY(e.stderr), "cataloguing")
	opts.Progress = progress.Update
	cache := e.openLicenseCache(f.noCache, f.quiet)
	if cache != nil {
		opts.LicenseCache = cache
	}
	res, err := catalog.Run(ctx, args, opts)
	progress.Done()
	if err == nil {
		e.flushLicenseCache(cache, f.quiet)
	}
	if err != nil {
		return nil, err
	}
	if !f.quiet {
		output.Problems(e.stderr, res.Warnings, res.Errors)
		limitHints(e.stderr, res.Errors)
	}
	return res, nil
}

// writeOutputs writes the formats asked for or, with none, the table and,
// unless quiet, what was read per kind of file.
func (e *env) writeOutputs(res *catalog.Result, targets []target, quiet bool) error {
	if len(targets) == 0 {
		if err := output.SBOMTable(e.stdout, res.Document); err != nil || quiet {
			return err
		}
		return writeReadSummary(e.stdout, res.Files, res.DevExcluded)
	}
	var files output.Files
	for _, t := range targets {
		enc, err := format.NewEncoder(t.spec)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := enc.Encode(&buf, res.Document); err != nil {
			return fmt.Errorf("encode %s: %w", t.spec, err)
		}
		if t.file == "" || t.file == "-" {
			if _, err := e.stdout.Write(buf.Bytes()); err != nil {
				return err
			}
			continue
		}
		files.Add(t.file, buf.Bytes())
	}
	return files.Write()
}

// timestamp resolves the document time: the flag, then $SOURCE_DATE_EPOCH, then now.
func (e *env) timestamp(flag string) (time.Time, error) {
	src, v := "--source-date-epoch", flag
	if v == "" {
		src, v = "SOURCE_DATE_EPOCH", e.getenv("SOURCE_DATE_EPOCH")
	}
	if v == "" {
		return time.Now().UTC().Truncate(time.Second), nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, usagef("%s: want Unix seconds (a non-negative integer), got %q", src, v)
	}
	return time.Unix(n, 0).UTC(), nil
}

// parseAuthors reads "Name <email>" or a URL.
func parseAuthors(in []string) ([]sbom.Contact, error) {
	var out []sbom.Contact
	for _, a := range in {
		if strings.HasPrefix(a, "https://") || strings.HasPrefix(a, "http://") {
			out = append(out, sbom.Contact{URL: a})
			continue
		}
		addr, err := mail.ParseAddress(a)
		if err != nil {
			return nil, usagef("--author %q: want \"Name <email>\" or an http(s) URL", a)
		}
		out = append(out, sbom.Contact{Name: addr.Name, Email: addr.Address})
	}
	return out, nil
}

// limitFlags name the flag that raises each archive limit.
var limitFlags = map[string]string{
	"MaxEntrySize": "--max-archive-entry-size",
	"MaxTotalSize": "--max-archive-size",
}

// limitHints tells how to raise an archive limit that stopped a source, when
// the archive is trusted and really that large.
func limitHints(w io.Writer, errs []*catalog.SourceError) {
	for _, se := range errs {
		var le *archive.LimitError
		if !errors.As(se, &le) {
			continue
		}
		if flag, ok := limitFlags[le.Limit]; ok {
			fmt.Fprintf(w, "hint: if %s is trusted and really that large, raise %s\n", le.Archive, flag)
		}
	}
}
