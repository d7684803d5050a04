package cra

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/attest/release"
	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/check"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/vex"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// BSIProfile is the compliance profile every attested SBOM is checked
// against: Germany's technical guideline for CRA SBOMs.
const BSIProfile = "bsi-tr-03183-2"

// maxManifestBytes bounds checksums.txt: one line per artifact.
const maxManifestBytes = 4 << 20

// ErrManifest marks a release directory whose checksums.txt is missing or
// malformed: without it the report cannot say what the release is.
var ErrManifest = errors.New("release manifest")

// Verifier verifies one artifact of the release as vouch verify does,
// with the bundles given, or those of the release layout next to it when
// bundles is nil.
type Verifier func(ctx context.Context, artifact string, bundles []string) (*engine.Result, error)

// Matcher matches an SBOM's components against a vulnerability database
// (*vuln.DB).
type Matcher interface {
	Match(ctx context.Context, doc *sbom.Document) ([]vuln.Match, error)
}

// Options are what [Gather] reads.
type Options struct {
	// Dir is the release directory.
	Dir    string
	Config *Config
	// Now is the report's date.
	Now time.Time
	// Tool names the tool and its version in the report.
	Tool   string
	Verify Verifier
	// DB names the vulnerability database and Matcher reads it; a nil
	// Matcher leaves the vulnerability requirements without evidence.
	DB      string
	Matcher Matcher
	// ParseVEX reads a VEX document (vex.Parse) and ApplyVEX decides which
	// statement covers which match (vex.Apply). Without them, VEX
	// documents found are reported as not read.
	ParseVEX func(name string, data []byte) ([]vex.Statement, error)
	ApplyVEX func(matches []vuln.Match, stmts []vex.Statement, product string) []vuln.Match
	// SignedVEXSuffix ends the names of the signed VEX attestations of the
	// release (vouch release --vex: app.openvex.vex.sigstore.json); each
	// is verified against every artifact, and counts only where it
	// verifies.
	SignedVEXSuffix string
}

// Gather verifies every artifact the release manifest names, checks its
// attested SBOM, matches it against the vulnerability database and
// assesses CRA Annex I. An error is operational (an unreadable manifest,
// a database that fails); what the evidence lacks is in the report.
func Gather(ctx context.Context, o Options) (*Report, error) {
	r := newReport(o)
	names, err := readManifest(o.Dir)
	if err != nil {
		return nil, err
	}
	manifest := filepath.Join(o.Dir, release.ChecksumsName)
	res, err := o.Verify(ctx, manifest, []string{manifest + release.SuffixSignature})
	if err != nil {
		return nil, err
	}
	r.Release.Manifest = signatureCheck(res)
	vexBundles, err := signedVEXBundles(o)
	if err != nil {
		return nil, err
	}
	var docs []vexDoc
	for _, n := range names {
		a, doc, err := gatherArtifact(ctx, o, n)
		if err != nil {
			return nil, err
		}
		vexes, err := verifyVEX(ctx, o, n, vexBundles)
		if err != nil {
			return nil, err
		}
		docs = append(docs, vexes...)
		if a.Matched, err = r.match(ctx, o, a.Name, doc); err != nil {
			return nil, err
		}
		r.Release.Artifacts = append(r.Release.Artifacts, a)
	}
	files, err := vexFiles(o.Dir)
	if err != nil {
		return nil, err
	}
	if err := r.applyVEX(o, append(unique(docs), files...)); err != nil {
		return nil, err
	}
	r.ignoredVEX(vexBundles)
	r.assess()
	return r, nil
}

// newReport fills in what cra.yaml says.
func newReport(o Options) *Report {
	c := o.Config
	end, _ := ParseDate(c.SupportPeriodEnd) // validated by ParseConfig
	today := dayOf(o.Now)
	sp := SupportPeriod{End: c.SupportPeriodEnd, Ended: today.After(end)}
	if !sp.Ended {
		sp.DaysLeft = int(end.Sub(today).Hours() / 24)
	}
	return &Report{
		Schema: Schema, Date: today.Format(time.DateOnly), Tool: o.Tool,
		Product: c.Product, Manufacturer: c.Manufacturer, SupportPeriod: sp,
		SecurityContact: Contact{URI: c.SecurityContact, SecurityTxt: IsSecurityTxt(c.SecurityContact)},
		CVDPolicy:       c.CVDPolicy, Notes: c.Notes,
		Release:         Release{Dir: o.Dir, Artifacts: []Artifact{}, VEX: []VEXDocument{}},
		Vulnerabilities: Vulns{Database: o.DB, Open: []Vuln{}, Resolved: []Vuln{}, Unmatched: []string{}},
	}
}

// readManifest returns the artifact names of DIR/checksums.txt
// (sha256sum format, as vouch release writes it), checking each is a
// plain file name in DIR.
func readManifest(dir string) ([]string, error) {
	name := filepath.Join(dir, release.ChecksumsName)
	data, err := safefile.Read("release manifest", name, maxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w (a release directory as vouch release writes it has one)", ErrManifest, err)
	}
	return parseManifest(name, data)
}

// parseManifest reads checksums.txt (named name in messages).
func parseManifest(name string, data []byte) ([]string, error) {
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		sum, file, ok := strings.Cut(sc.Text(), "  ")
		if b, err := hex.DecodeString(sum); !ok || err != nil || len(b) != 32 {
			return nil, fmt.Errorf("%w: %s:%d: want \"<sha256 hex>  <file name>\", found %q", ErrManifest, name, line, sc.Text())
		}
		if !plainName(file) {
			return nil, fmt.Errorf("%w: %s:%d: want a file name in the release directory, found %q", ErrManifest, name, line, file)
		}
		names = append(names, file)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: %s: names no artifact", ErrManifest, name)
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// plainName reports whether a manifest names a file directly in the
// release directory: not hidden, no separator, no control character (a
// NUL or a carriage return is no file vouch release wrote), valid UTF-8.
func plainName(f string) bool {
	if f == "" || f != filepath.Base(f) || strings.HasPrefix(f, ".") || strings.ContainsAny(f, "/\\") || !utf8.ValidString(f) {
		return false
	}
	return !strings.ContainsFunc(f, func(r rune) bool { return r < ' ' || r == 0x7f })
}

// gatherArtifact verifies one artifact and reads its evidence: the
// signature, the provenance and the SBOM (decoded, for matching).
func gatherArtifact(ctx context.Context, o Options, name string) (Artifact, *sbom.Document, error) {
	res, err := o.Verify(ctx, filepath.Join(o.Dir, name), nil)
	if err != nil {
		return Artifact{}, nil, fmt.Errorf("artifact %s named by %s: %w", name, filepath.Join(o.Dir, release.ChecksumsName), err)
	}
	a := Artifact{Name: name, Digest: res.Digest, Verified: res.Verified, Failures: []verify.Finding{}}
	for _, f := range res.Findings {
		if f.Status != verify.StatusPass {
			a.Failures = append(a.Failures, f)
		}
	}
	a.Signature = signatureCheck(res)
	a.Provenance = provenanceCheck(res)
	sb, doc := sbomCheck(ctx, res)
	a.SBOM = sb
	return a, doc, nil
}

// verifiedEvidence is the evidence of a verified result; nothing when any
// finding failed (fail closed: a bundle beside one that failed is not
// evidence of anything).
func verifiedEvidence(res *engine.Result) []verify.Evidence {
	if !res.Verified {
		return nil
	}
	return res.Evidence
}

// failed describes why a result did not verify.
func failed(res *engine.Result) string {
	for _, f := range res.Findings {
		if f.Status != verify.StatusPass {
			return fmt.Sprintf("verification failed: %s: %s", f.ID, f.Message)
		}
	}
	return "verification failed: no finding passed"
}

// signatureCheck: a verified signature over the artifact itself.
func signatureCheck(res *engine.Result) Check {
	if !res.Verified {
		return Check{Status: StatusNotMet, Detail: failed(res)}
	}
	for _, ev := range res.Evidence {
		if ev.Kind == bundle.KindMessageSignature {
			return Check{Status: StatusMet, Detail: "signature verified, signed by " + signerName(ev.Signer), Evidence: []string{ev.Bundle}}
		}
	}
	return Check{Status: StatusMissingEvidence, Detail: "no signature over the artifact (" + release.SuffixSignature + ")"}
}

// provenanceCheck: a verified SLSA provenance attestation naming it.
func provenanceCheck(res *engine.Result) Check {
	if !res.Verified {
		return Check{Status: StatusNotMet, Detail: failed(res)}
	}
	for _, ev := range verifiedEvidence(res) {
		if strings.HasPrefix(ev.PredicateType, "https://slsa.dev/provenance/") {
			detail := "SLSA provenance verified, signed by " + signerName(ev.Signer)
			if b := builderID(ev); b != "" {
				detail += "; builder " + b
			}
			return Check{Status: StatusMet, Detail: detail, Evidence: []string{ev.Bundle}}
		}
	}
	return Check{Status: StatusMissingEvidence, Detail: "no SLSA provenance attestation names the artifact (" + release.ProvenanceName + ")"}
}

// builderID is the builder a SLSA v1 (runDetails.builder.id) or v0.2
// (builder.id) provenance names.
func builderID(ev verify.Evidence) string {
	if ev.Statement == nil || ev.Statement.GetPredicate() == nil {
		return ""
	}
	p := ev.Statement.GetPredicate().AsMap()
	if rd, ok := p["runDetails"].(map[string]any); ok {
		p = rd
	}
	if b, ok := p["builder"].(map[string]any); ok {
		id, _ := b["id"].(string)
		return id
	}
	return ""
}

func signerName(s verify.Signer) string {
	switch {
	case s.Identity != "":
		return s.Identity + " (" + s.Issuer + ")"
	case s.KeyID != "":
		return "key " + s.KeyID
	}
	return "an unnamed signer"
}

// sbomCheck reads the SBOM attested about the artifact — the signed
// statement, not a file beside it that nothing binds — and checks it
// against BSI TR-03183-2.
func sbomCheck(ctx context.Context, res *engine.Result) (SBOM, *sbom.Document) {
	if !res.Verified {
		return SBOM{Check: Check{Status: StatusNotMet, Detail: failed(res)}}, nil
	}
	for _, ev := range verifiedEvidence(res) {
		if !isSBOM(ev.PredicateType) || ev.Statement == nil {
			continue
		}
		s := SBOM{Check: Check{Evidence: []string{ev.Bundle}}}
		in, err := loadPredicate(ctx, ev)
		if err != nil {
			s.Status, s.Detail = StatusNotMet, "the attested SBOM cannot be read: "+err.Error()
			return s, nil
		}
		s.Format = in.Family + " " + in.SpecVersion
		if in.Doc == nil {
			s.Status, s.Detail = StatusNotMet, fmt.Sprintf("the attested SBOM does not decode: %v", in.DecodeErr)
			return s, nil
		}
		s.Components = len(in.Doc.Components)
		s.BSI, err = bsi(ctx, in)
		switch {
		case err != nil:
			s.Status, s.Detail = StatusNotMet, "the BSI TR-03183-2 check could not run: "+err.Error()
		case !s.BSI.Pass:
			s.Status, s.Detail = StatusNotMet, fmt.Sprintf("SBOM attested (%s, %d component(s)); fails BSI TR-03183-2 with %d error(s)", s.Format, s.Components, s.BSI.Errors)
		default:
			s.Status, s.Detail = StatusMet, fmt.Sprintf("SBOM attested (%s, %d component(s)); meets BSI TR-03183-2", s.Format, s.Components)
		}
		return s, in.Doc
	}
	return SBOM{Check: Check{Status: StatusMissingEvidence, Detail: "no SBOM attestation names the artifact (" + release.SuffixSBOMBundle + ")"}}, nil
}

// isSBOM: a CycloneDX or SPDX predicate type, with or without a version.
func isSBOM(t string) bool {
	for _, p := range []string{policy.PredicateCycloneDX, policy.PredicateSPDX} {
		if t == p || strings.HasPrefix(t, p+"/") {
			return true
		}
	}
	return false
}

// loadPredicate re-encodes a statement's predicate and loads it as an SBOM.
func loadPredicate(ctx context.Context, ev verify.Evidence) (*check.Input, error) {
	raw, err := json.Marshal(ev.Statement.GetPredicate().AsMap())
	if err != nil {
		return nil, err
	}
	return check.Load(ctx, ev.Bundle, bytes.NewReader(raw), 0)
}

// bsi runs the BSI profile and keeps its error-severity failures by rule.
func bsi(ctx context.Context, in *check.Input) (*Profile, error) {
	reports, err := check.Run(ctx, in, BSIProfile)
	if err != nil {
		return nil, err
	}
	rep := reports[0]
	p := &Profile{ID: rep.Profile, Pass: rep.Pass, Score: rep.Score, Errors: rep.Counts.Error, Warnings: rep.Counts.Warning, Failures: []RuleFailure{}}
	for _, f := range rep.Findings { // sorted by rule
		if f.Level != finding.LevelError {
			continue
		}
		if n := len(p.Failures); n > 0 && p.Failures[n-1].Rule == f.ID {
			p.Failures[n-1].Count++
			continue
		}
		rule, _ := finding.Lookup(f.ID) // the clause is the catalogue's
		p.Failures = append(p.Failures, RuleFailure{Rule: f.ID, Clause: rule.Clause, Count: 1, Message: f.Message})
	}
	return p, nil
}

// signedVEX returns the OpenVEX attestations that verified about the
// artifact, re-encoded for the VEX parser.
func signedVEX(res *engine.Result) []vexDoc {
	var out []vexDoc
	for _, ev := range verifiedEvidence(res) {
		if !policy.IsVEXType(ev.PredicateType) || ev.Statement == nil {
			continue
		}
		raw, err := json.Marshal(ev.Statement.GetPredicate().AsMap())
		out = append(out, vexDoc{name: ev.Bundle, signed: true, data: raw, err: err})
	}
	return out
}

// match records the vulnerabilities of an artifact's SBOM, and whether
// it could be matched at all.
func (r *Report) match(ctx context.Context, o Options, artifact string, doc *sbom.Document) (bool, error) {
	if o.Matcher == nil || doc == nil {
		return false, nil
	}
	ms, err := o.Matcher.Match(ctx, doc)
	if err != nil {
		return false, fmt.Errorf("vulnerabilities of %s: %w", artifact, err)
	}
	for _, m := range ms {
		r.Vulnerabilities.Open = append(r.Vulnerabilities.Open, Vuln{Artifact: artifact, Match: m})
	}
	r.Vulnerabilities.Unmatched = append(r.Vulnerabilities.Unmatched, unmatched(artifact, doc)...)
	return true, nil
}

// unmatched names the components no advisory can name: without a purl of
// an ecosystem the database reads, they were not matched, and the report
// says so rather than count them as clean.
func unmatched(artifact string, doc *sbom.Document) []string {
	var out []string
	for i := range doc.Components {
		c := &doc.Components[i]
		if vuln.Supported(c) || c.ID == doc.Primary {
			continue // the primary component is the artifact itself
		}
		id := c.PURL
		if id == "" {
			id = c.Name + "@" + c.Version + " (no purl)"
		}
		out = append(out, artifact+": "+id)
	}
	return out
}
