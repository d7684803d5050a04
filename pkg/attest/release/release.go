// Package release makes everything a release needs to be provable, in one
// pass over its artifacts: SBOMs, signatures, SBOM attestations, SLSA
// provenance and a signed checksum file. It is the library behind
// `vouch release`.
//
// # Which entry point
//
// [Expand] turns command-line arguments (files and directories) into the
// artifact list; [Plan] reads the artifacts and computes every output in
// memory; [Release.Write] writes them all or none. [Run] is Plan then Write.
//
// # Layout
//
// For each artifact A (named by its base name), in the output directory:
//
//	A.cdx.json            CycloneDX 1.6 JSON SBOM of A
//	A.spdx.json           SPDX 2.3 JSON SBOM of A
//	A.sbom.sigstore.json  Sigstore bundle: DSSE envelope of an in-toto Statement v1,
//	                      predicateType https://cyclonedx.org/bom, predicate A.cdx.json, subject A
//	A.sigstore.json       Sigstore bundle: message signature over A (cosign sign-blob --bundle)
//
// and once per release:
//
//	provenance.sigstore.json     Sigstore bundle: SLSA Provenance v1 statement, every artifact a subject
//	checksums.txt                "SHA256  NAME" lines, sorted by name (sha256sum -c reads it)
//	checksums.txt.sigstore.json  Sigstore bundle: message signature over checksums.txt
//	D.vex.sigstore.json          Sigstore bundle: OpenVEX attestation of VEX document D
//	                             (Options.Attestations), every artifact a subject
//
// Bundles are v0.3 JSON (application/vnd.dev.sigstore.bundle.v0.3+json),
// the format `cosign verify-blob --new-bundle-format` and
// `cosign verify-blob-attestation --new-bundle-format` read. These names and
// formats are stable: release tooling (goreleaser, scripts) may rely on them.
//
// # One read per artifact
//
// Each artifact is read once for its SHA-256, its SHA-512 and its SBOM.
// Go binaries and release archives are catalogued by package
// [github.com/vouchdev/vouch/pkg/sbom/catalog], which computes both digests
// in the same pass that reads build info or decompresses the archive; the
// release takes the artifact's digests from the SBOM's own component, so the
// signature, the subjects, the checksums and the SBOM all describe the same
// bytes by construction. Any other file is digested here
// ([github.com/vouchdev/vouch/pkg/sbom/digest]: both hashes concurrently
// over the same buffers) and described as a single file component. The
// signature is made from the digest already computed
// ([sign.Signer.SignDigest]); only a key whose digest is neither SHA-256 nor
// SHA-512 (ECDSA P-384) costs a Go binary or archive a second read.
// Artifacts are processed in parallel, at most GOMAXPROCS at a time.
//
// # Reproducibility
//
// With the same artifacts, the same SBOM and provenance times
// (SOURCE_DATE_EPOCH), the same environment and an Ed25519 key, every output
// is byte-for-byte the same on every run. ECDSA signatures are randomised:
// the bundles then differ, while the SBOMs, statements and checksums do not.
package release

import (
	"bytes"
	"context"
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	ita "github.com/in-toto/attestation/go/v1"

	"github.com/vouchdev/vouch/internal/parallel"
	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/attest/provenance"
	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
	"github.com/vouchdev/vouch/pkg/sbom/format"
)

// Output names; see the package documentation.
const (
	SuffixCycloneDX     = ".cdx.json"
	SuffixSPDX          = ".spdx.json"
	SuffixSBOMBundle    = ".sbom.sigstore.json"
	SuffixSignature     = ".sigstore.json"
	ProvenanceName      = "provenance.sigstore.json"
	ChecksumsName       = "checksums.txt"
	ChecksumsBundleName = ChecksumsName + SuffixSignature
	// SuffixVEXBundle ends the name of a signed VEX document of the
	// release (vouch release --vex D.json writes D.vex.sigstore.json).
	SuffixVEXBundle = ".vex" + SuffixSignature
)

// SBOM formats of the release, pinned so that a new default in package
// format does not change a release's layout.
const (
	CycloneDXSpec = "cyclonedx-json@1.6"
	SPDXSpec      = "spdx-json@2.3"
)

// Errors callers branch on.
var (
	// ErrNoArtifacts means the arguments named no artifact.
	ErrNoArtifacts = errors.New("no artifacts")
	// ErrConflict means two artifacts, or an artifact and an output, would
	// share a name.
	ErrConflict = errors.New("conflicting names")
)

// Options configure [Plan]. Signer is required.
type Options struct {
	// Signer signs every bundle; see package sign.
	Signer *sign.Signer
	// OutDir receives every output. "" means the one directory all the
	// artifacts are in; artifacts in several directories then need OutDir.
	OutDir string
	// SBOM configures cataloguing (Version, Created, Authors, Tool,
	// ModCache, Limits, TempDir). Workers and Progress are set by Plan. A
	// zero Created is resolved to the current time once, so every SBOM of a
	// release carries the same timestamp.
	SBOM catalog.Options
	// Provenance configures the provenance statement; Artifacts is set by
	// Plan to the artifact paths, and a zero FinishedOn to the moment the
	// last artifact was read.
	Provenance provenance.Options
	// Workers is how many artifacts are processed at once; 0 means
	// GOMAXPROCS.
	Workers int
	// Progress, if set, is called with the bytes of artifacts read so far
	// and the total, never from two goroutines at once.
	Progress func(done, total int64)
	// Attestations are more predicates about the whole release (VEX
	// documents): each is signed, with every artifact a subject, into the
	// bundle Name in the output directory.
	Attestations []Attestation
}

// Attestation is a predicate to sign about every artifact of a release.
type Attestation struct {
	// Name is the bundle's file name, which must end in .sigstore.json so
	// that a later release over the directory skips it ([IsOutput]).
	Name          string
	PredicateType string
	Predicate     []byte
}

// Artifact is one release artifact.
type Artifact struct {
	// Path is the file as given, cleaned.
	Path string
	// Name is its base name: its subject name and the prefix of its outputs.
	Name string
	// Digests are its SHA-256, SHA-512 and size, from the one read.
	Digests digest.Digests
}

// File is one output.
type File struct {
	Path string
	Data []byte
}

// Release is a planned release: every output, computed and signed, not yet
// written.
type Release struct {
	// Artifacts, sorted by name.
	Artifacts []Artifact
	// Files are the outputs, sorted by path.
	Files []File
	// Warnings are things the SBOMs or the provenance could not establish,
	// sorted; the release is still valid.
	Warnings []string
}

// IsOutput reports whether a file name is one [Plan] writes, so that a
// directory holding a previous release's outputs is not signed again.
func IsOutput(name string) bool {
	return name == ChecksumsName ||
		strings.HasSuffix(name, SuffixSignature) || // also .sbom.sigstore.json and provenance
		strings.HasSuffix(name, SuffixCycloneDX) ||
		strings.HasSuffix(name, SuffixSPDX)
}

// Expand resolves arguments to artifact paths: a file is itself; a
// directory means every regular file directly in it (not in
// subdirectories, not symbolic links) that is neither hidden (".name",
// which includes interrupted writes' temporary files) nor a release output
// ([IsOutput]). The result keeps argument order, directory entries sorted.
func Expand(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, err // *PathError names the argument
		}
		if !fi.IsDir() {
			out = append(out, filepath.Clean(a))
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, e := range entries { // ReadDir sorts by name
			if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") || IsOutput(e.Name()) {
				continue
			}
			out = append(out, filepath.Join(a, e.Name()))
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("%w: directory %s holds no artifact (regular files other than release outputs)", ErrNoArtifacts, a)
		}
	}
	if len(out) == 0 {
		return nil, ErrNoArtifacts
	}
	return out, nil
}

// Run plans the release and writes it; see [Plan] and [Release.Write].
func Run(ctx context.Context, artifacts []string, opts Options) (*Release, error) {
	r, err := Plan(ctx, artifacts, opts)
	if err != nil {
		return nil, err
	}
	return r, r.Write()
}

// Plan reads every artifact (files, not directories: see [Expand]) and
// returns all outputs, signed, without writing anything. Any failure —
// an unreadable artifact, a source vouch cannot catalogue, a signature or a
// service that fails — fails the whole release.
func Plan(ctx context.Context, artifacts []string, opts Options) (*Release, error) {
	if opts.Signer == nil {
		return nil, fmt.Errorf("%w: no signer", sign.ErrInvalidOptions)
	}
	if len(artifacts) == 0 {
		return nil, ErrNoArtifacts
	}
	paths, sizes, err := check(artifacts)
	if err != nil {
		return nil, err
	}
	outDir := opts.OutDir
	if outDir == "" {
		if outDir, err = commonDir(paths); err != nil {
			return nil, err
		}
	}
	if err := overwrites(paths, outDir); err != nil {
		return nil, err
	}
	if opts.SBOM.Created.IsZero() {
		opts.SBOM.Created = time.Now().UTC().Truncate(time.Second)
	}
	opts.SBOM.Workers, opts.SBOM.Progress = 1, nil
	cdxSpec, err := format.ParseSpec(CycloneDXSpec)
	if err != nil {
		return nil, err
	}
	spdxSpec, err := format.ParseSpec(SPDXSpec)
	if err != nil {
		return nil, err
	}
	p := &planner{opts: opts, outDir: outDir, cdx: cdxSpec, spdx: spdxSpec}
	for _, s := range sizes {
		p.total += s
	}

	results, err := p.all(ctx, paths)
	if err != nil {
		return nil, err
	}
	rel := &Release{}
	for _, res := range results {
		rel.Artifacts = append(rel.Artifacts, res.artifact)
		rel.Files = append(rel.Files, res.files...)
		rel.Warnings = append(rel.Warnings, res.warnings...)
	}
	slices.SortFunc(rel.Artifacts, func(a, b Artifact) int { return strings.Compare(a.Name, b.Name) })

	once, warns, err := p.releaseFiles(ctx, rel.Artifacts)
	rel.Warnings = append(rel.Warnings, warns...)
	if err != nil {
		return nil, err
	}
	rel.Files = append(rel.Files, once...)
	slices.SortFunc(rel.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	for i := 1; i < len(rel.Files); i++ {
		if rel.Files[i].Path == rel.Files[i-1].Path {
			return nil, fmt.Errorf("%w: two outputs would be written to %s", ErrConflict, rel.Files[i].Path)
		}
	}
	slices.Sort(rel.Warnings)
	rel.Warnings = slices.Compact(rel.Warnings)
	return rel, nil
}

// check cleans the paths, refuses directories, non-regular files and two
// artifacts sharing a base name, and returns their sizes.
func check(artifacts []string) ([]string, []int64, error) {
	byName := map[string]string{}
	var paths []string
	var sizes []int64
	for _, a := range artifacts {
		c := filepath.Clean(a)
		fi, err := os.Stat(c)
		if err != nil {
			return nil, nil, err
		}
		if fi.IsDir() {
			return nil, nil, fmt.Errorf("%s: is a directory; name the artifact files in it (see Expand)", a)
		}
		if !fi.Mode().IsRegular() {
			return nil, nil, fmt.Errorf("%s: not a regular file (%s)", a, fi.Mode().Type())
		}
		name := filepath.Base(c)
		if prev, ok := byName[name]; ok {
			if prev == c {
				continue
			}
			return nil, nil, fmt.Errorf("%w: %s and %s are both named %q; artifacts are named by base name, which must be unique", ErrConflict, prev, a, name)
		}
		byName[name] = c
		paths = append(paths, c)
		sizes = append(sizes, fi.Size())
	}
	return paths, sizes, nil
}

// overwrites refuses a release one of whose outputs would replace one of
// its artifacts (an artifact named checksums.txt, both "x" and "x.cdx.json"
// given explicitly, or --out naming the artifacts' directory through a
// symbolic link). Paths are not compared as strings: an output that already
// exists and is the same file as an artifact (os.SameFile, through any
// link, mount or spelling) is refused; one that does not exist cannot be an
// artifact.
func overwrites(paths []string, outDir string) error {
	arts := make([]os.FileInfo, len(paths))
	for i, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		arts[i] = fi
	}
	outs := []string{ProvenanceName, ChecksumsName, ChecksumsBundleName}
	for _, p := range paths {
		for _, s := range []string{SuffixCycloneDX, SuffixSPDX, SuffixSBOMBundle, SuffixSignature} {
			outs = append(outs, filepath.Base(p)+s)
		}
	}
	for _, o := range outs {
		out := filepath.Join(outDir, o)
		fi, err := os.Stat(out)
		if errors.Is(err, fs.ErrNotExist) {
			continue // nothing there to overwrite
		}
		if err != nil {
			return fmt.Errorf("output %s: %w", out, err)
		}
		for i, a := range arts {
			if os.SameFile(fi, a) {
				return fmt.Errorf("%w: artifact %s would be overwritten by the output %s", ErrConflict, paths[i], out)
			}
		}
	}
	return nil
}

// commonDir is the one directory every artifact is in.
func commonDir(paths []string) (string, error) {
	dir := filepath.Dir(paths[0])
	for _, p := range paths[1:] {
		if filepath.Dir(p) != dir {
			return "", fmt.Errorf("%w: artifacts are in several directories (%s, %s): name an output directory", ErrConflict, dir, filepath.Dir(p))
		}
	}
	return dir, nil
}

type planner struct {
	opts      Options
	outDir    string
	cdx, spdx format.Spec

	mu    sync.Mutex // guards done and calls to opts.Progress
	done  int64
	total int64
}

func (p *planner) progress(n int64) {
	if p.opts.Progress == nil || n == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.opts.Progress(p.done, p.total)
}

type artifactResult struct {
	artifact Artifact
	files    []File
	warnings []string
}

// all processes the artifacts with a bounded pool; the first failure in
// argument order is reported, not the cancellations it caused.
func (p *planner) all(ctx context.Context, paths []string) ([]artifactResult, error) {
	results := make([]artifactResult, len(paths))
	err := parallel.Each(ctx, len(paths), p.opts.Workers, func(ctx context.Context, i int) error {
		var err error
		results[i], err = p.one(ctx, paths[i])
		return err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// one makes an artifact's SBOMs, SBOM attestation and signature.
func (p *planner) one(ctx context.Context, path string) (artifactResult, error) {
	name := filepath.Base(path)
	sc, err := p.sbomOf(ctx, path)
	if err != nil {
		return artifactResult{}, err
	}
	doc, d := sc.doc, sc.digests
	res := artifactResult{artifact: Artifact{Path: path, Name: name, Digests: d}, warnings: sc.warnings}
	var cdx, spdx bytes.Buffer
	if err := encode(&cdx, p.cdx, doc); err != nil {
		return res, fmt.Errorf("%s: %w", path, err)
	}
	if err := encode(&spdx, p.spdx, doc); err != nil {
		return res, fmt.Errorf("%s: %w", path, err)
	}

	st, err := attest.NewStatement([]*ita.ResourceDescriptor{attest.NewSubject(name, d)}, attest.PredicateCycloneDX, cdx.Bytes())
	if err != nil {
		return res, fmt.Errorf("%s: SBOM statement: %w", path, err)
	}
	payload, err := attest.MarshalStatement(st)
	if err != nil {
		return res, fmt.Errorf("%s: SBOM statement: %w", path, err)
	}
	sbomBundle, err := p.opts.Signer.Attest(ctx, payload)
	if err != nil {
		return res, fmt.Errorf("sign the SBOM attestation of %s: %w", path, err)
	}

	sum, err := p.signedDigest(ctx, path, d, sc.extra)
	if err != nil {
		return res, err
	}
	sig, err := p.opts.Signer.SignDigest(ctx, p.opts.Signer.Hash(), sum)
	if err != nil {
		return res, fmt.Errorf("sign %s: %w", path, err)
	}
	out := func(suffix string) string { return filepath.Join(p.outDir, name+suffix) }
	res.files = []File{
		{out(SuffixCycloneDX), cdx.Bytes()},
		{out(SuffixSPDX), spdx.Bytes()},
		{out(SuffixSBOMBundle), sbomBundle},
		{out(SuffixSignature), sig},
	}
	return res, nil
}

func encode(w io.Writer, s format.Spec, doc *sbom.Document) error {
	enc, err := format.NewEncoder(s)
	if err != nil {
		return err
	}
	if err := enc.Encode(w, doc); err != nil {
		return fmt.Errorf("encode %s: %w", s, err)
	}
	return nil
}

// signedDigest returns the digest the signer signs: from the digests already
// computed, or extra (a SHA-384 taken in the same read of a plain file), or,
// for a catalogued file and a key with another hash, one more read.
func (p *planner) signedDigest(ctx context.Context, path string, d digest.Digests, extra []byte) ([]byte, error) {
	h := p.opts.Signer.Hash()
	var hexSum string
	switch h {
	case crypto.SHA256:
		hexSum = d.SHA256
	case crypto.SHA512:
		hexSum = d.SHA512
	default:
		if extra != nil {
			return extra, nil
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		hh := h.New()
		if _, err := io.Copy(hh, ctxReader{ctx, f}); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		return hh.Sum(nil), nil
	}
	sum, err := hex.DecodeString(hexSum)
	if err != nil || len(sum) != h.Size() {
		return nil, fmt.Errorf("%s: malformed %v digest %q", path, h, hexSum)
	}
	return sum, nil
}

// scanned is what one read of an artifact yields.
type scanned struct {
	doc      *sbom.Document
	digests  digest.Digests
	extra    []byte // the signer's digest, when neither SHA-256 nor SHA-512 and taken in the same read
	warnings []string
}

// sbomOf returns the SBOM of the artifact at path and its digests, from one
// read. Which artifacts are catalogued is the catalog's own decision: those
// a cataloger registered as reading built artifacts claims (Go binaries,
// release archives); anything else is a single file.
func (p *planner) sbomOf(ctx context.Context, path string) (scanned, error) {
	reg, err := catalog.Identify(path, p.opts.SBOM)
	if err != nil {
		return scanned{}, err // names the path
	}
	if reg != nil && reg.Artifact {
		return p.catalogued(ctx, path)
	}
	return p.plainFile(ctx, path)
}

// catalogued runs package catalog on one Go binary or archive and takes the
// artifact's digests from its SBOM component, computed in catalog's read.
func (p *planner) catalogued(ctx context.Context, path string) (scanned, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return scanned{}, err
	}
	// An absolute root makes catalog name the component by its base name,
	// whatever the working directory or the argument's spelling.
	res, err := catalog.Run(ctx, []string{abs}, p.opts.SBOM)
	if err != nil {
		return scanned{}, fmt.Errorf("catalog %s: %w", path, err)
	}
	if len(res.Errors) > 0 {
		return scanned{}, fmt.Errorf("%s: %w", path, res.Errors[0])
	}
	p.progress(sizeOf(path))
	doc := res.Document
	name := filepath.Base(path)
	c := doc.Component("file:" + name)
	if c == nil {
		c = doc.Component(doc.Primary)
	}
	if c == nil {
		return scanned{}, fmt.Errorf("catalog %s: the SBOM has no component for the file itself", path)
	}
	d := digest.Digests{SHA256: c.Hash(sbom.SHA256), SHA512: c.Hash(sbom.SHA512), Size: c.Size}
	if len(d.SHA256) != 64 || len(d.SHA512) != 128 {
		return scanned{}, fmt.Errorf("catalog %s: the SBOM component %s lacks the file's SHA-256 and SHA-512", path, c.ID)
	}
	var warns []string
	for _, w := range res.Warnings {
		warns = append(warns, w.Path+": "+w.Message)
	}
	return scanned{doc: doc, digests: d, warnings: warns}, nil
}

// plainFile digests a file that is neither a Go binary nor an archive and
// describes it as a single file component, as vouch sbom describes an
// executable without build info.
func (p *planner) plainFile(ctx context.Context, path string) (scanned, error) {
	f, err := os.Open(path)
	if err != nil {
		return scanned{}, err
	}
	defer f.Close()
	var r io.Reader = &countingReader{ctx: ctx, r: f, p: p}
	h := p.opts.Signer.Hash()
	var extra crypto.Hash
	if h != crypto.SHA256 && h != crypto.SHA512 && h.Available() {
		extra = h
	}
	var extraHash interface {
		io.Writer
		Sum([]byte) []byte
	}
	if extra != 0 {
		extraHash = extra.New()
		r = io.TeeReader(r, extraHash)
	}
	d, err := digest.Reader(r)
	if err != nil {
		return scanned{}, fmt.Errorf("read %s: %w", path, err)
	}
	var extraSum []byte
	if extraHash != nil {
		extraSum = extraHash.Sum(nil)
	}
	name := filepath.Base(path)
	c := sbom.Component{
		ID:       "file:" + name,
		Type:     sbom.TypeFile,
		Name:     name,
		FileName: name,
		Size:     d.Size,
		Hashes:   d.Hashes(),
		PURL:     filePURL(name, d.SHA256),
	}
	c.SetProperty(sbom.PropSourcePath, name)
	c.SetProperty(sbom.PropVersionSource, sbom.VersionUnknown)
	o := p.opts.SBOM
	doc := &sbom.Document{
		Name:       name,
		Created:    o.Created,
		Lifecycle:  "post-build",
		Primary:    c.ID,
		Components: []sbom.Component{c},
		// Nothing is known about what the file contains.
		Completeness: sbom.CompletenessUnknown,
		Authors:      slices.Clone(o.Authors),
	}
	if o.Tool.Name != "" {
		doc.Tools = []sbom.Tool{o.Tool}
	}
	doc.Normalize()
	if err := doc.Validate(); err != nil {
		return scanned{}, fmt.Errorf("SBOM of %s: %w", path, err)
	}
	warn := name + ": not a Go binary or a .tar.gz/.zip archive: its SBOM lists the file alone"
	return scanned{doc: doc, digests: d, extra: extraSum, warnings: []string{warn}}, nil
}

// releaseFiles makes the provenance and the signed checksums.
func (p *planner) releaseFiles(ctx context.Context, arts []Artifact) ([]File, []string, error) {
	var sums bytes.Buffer
	subjects := make([]*ita.ResourceDescriptor, len(arts))
	paths := make([]string, len(arts))
	for i, a := range arts {
		fmt.Fprintf(&sums, "%s  %s\n", a.Digests.SHA256, a.Name)
		subjects[i] = attest.NewSubject(a.Name, a.Digests)
		paths[i] = a.Path
	}
	po := p.opts.Provenance
	po.Artifacts = paths
	if po.FinishedOn.IsZero() {
		po.FinishedOn = time.Now().UTC().Truncate(time.Second)
	}
	st, pw, err := provenance.Generate(ctx, subjects, po)
	var warns []string
	for _, w := range pw {
		warns = append(warns, "provenance: "+w.Message)
	}
	if err != nil {
		return nil, warns, err
	}
	payload, err := attest.MarshalStatement(st)
	if err != nil {
		return nil, warns, err
	}
	prov, err := p.opts.Signer.Attest(ctx, payload)
	if err != nil {
		return nil, warns, fmt.Errorf("sign the provenance: %w", err)
	}
	sumsSig, err := p.opts.Signer.SignBlob(ctx, bytes.NewReader(sums.Bytes()))
	if err != nil {
		return nil, warns, fmt.Errorf("sign %s: %w", ChecksumsName, err)
	}
	extra, err := p.attestations(ctx, subjects)
	if err != nil {
		return nil, warns, err
	}
	return append([]File{
		{filepath.Join(p.outDir, ProvenanceName), prov},
		{filepath.Join(p.outDir, ChecksumsName), sums.Bytes()},
		{filepath.Join(p.outDir, ChecksumsBundleName), sumsSig},
	}, extra...), warns, nil
}

// attestations signs Options.Attestations about every artifact.
func (p *planner) attestations(ctx context.Context, subjects []*ita.ResourceDescriptor) ([]File, error) {
	var files []File
	for _, a := range p.opts.Attestations {
		if a.Name != filepath.Base(a.Name) || !strings.HasSuffix(a.Name, SuffixSignature) {
			return nil, fmt.Errorf("%w: attestation bundle name %q: want a file name ending in %s", ErrConflict, a.Name, SuffixSignature)
		}
		st, err := attest.NewStatement(subjects, a.PredicateType, a.Predicate)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Name, err)
		}
		payload, err := attest.MarshalStatement(st)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Name, err)
		}
		b, err := p.opts.Signer.Attest(ctx, payload)
		if err != nil {
			return nil, fmt.Errorf("sign %s: %w", a.Name, err)
		}
		files = append(files, File{filepath.Join(p.outDir, a.Name), b})
	}
	return files, nil
}

func sizeOf(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// countingReader reports progress and stops when ctx is cancelled.
type countingReader struct {
	ctx context.Context
	r   io.Reader
	p   *planner
}

func (c *countingReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(b)
	c.p.progress(int64(n))
	return n, err
}

// ctxReader stops a long read when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
