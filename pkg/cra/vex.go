package cra

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/vex"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// VEXSuffixes name the VEX documents of a release directory that are read
// as plain files (OpenVEX or CycloneDX VEX).
var VEXSuffixes = []string{".openvex.json", ".vex.json", ".vex.cdx.json"}

// maxVEXBytes bounds one VEX document.
const maxVEXBytes = 16 << 20

// vexDoc is one VEX document before parsing.
type vexDoc struct {
	name   string
	signed bool
	data   []byte
	err    error // reading it
	// artifacts are those a signed attestation verified for (its
	// subjects): its statements are about them alone. nil for a plain
	// file, which is about the release.
	artifacts []string
}

// about reports whether the document's statements apply to artifact.
func (d *vexDoc) about(artifact string) bool {
	return !d.signed || slices.Contains(d.artifacts, artifact)
}

// vexFiles reads the VEX documents directly in dir.
func vexFiles(dir string) ([]vexDoc, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("release directory: %w", err)
	}
	var out []vexDoc
	for _, e := range entries {
		if !isVEXName(e.Name()) {
			continue
		}
		name := filepath.Join(dir, e.Name())
		data, err := safefile.Read("VEX document", name, maxVEXBytes)
		out = append(out, vexDoc{name: name, data: data, err: err})
	}
	return out, nil
}

func isVEXName(n string) bool {
	if strings.HasPrefix(n, ".") {
		return false
	}
	for _, s := range VEXSuffixes {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

// applyVEX parses the VEX documents, applies their statements to the
// matches and sorts them into open and resolved. A document that cannot be
// read or parsed is an error: a VEX statement the manufacturer wrote
// must not silently be dropped.
func (r *Report) applyVEX(o Options, docs []vexDoc) error {
	var stmts []docStatements
	for i := range docs {
		d := &docs[i]
		if d.err != nil {
			return fmt.Errorf("VEX %s: %w", d.name, d.err)
		}
		if o.ParseVEX == nil {
			return fmt.Errorf("VEX %s: this build of vouch cannot read VEX documents", d.name)
		}
		s, err := o.ParseVEX(d.name, d.data)
		if err != nil {
			return err
		}
		r.Release.VEX = append(r.Release.VEX, VEXDocument{Name: d.name, Signed: d.signed, Statements: len(s)})
		stmts = append(stmts, docStatements{d, s})
	}
	all := r.Vulnerabilities.Open
	r.Vulnerabilities.Open = []Vuln{}
	if len(stmts) > 0 && o.ApplyVEX != nil {
		all = r.applyByArtifact(o, all, stmts)
	}
	for _, v := range all {
		if v.Suppressed() {
			r.Vulnerabilities.Resolved = append(r.Vulnerabilities.Resolved, v)
		} else {
			r.Vulnerabilities.Open = append(r.Vulnerabilities.Open, v)
		}
	}
	sortVulns(r.Vulnerabilities.Open)
	sortVulns(r.Vulnerabilities.Resolved)
	return nil
}

// docStatements are the statements of one VEX document, in order.
type docStatements struct {
	doc   *vexDoc
	stmts []vex.Statement
}

// applyByArtifact applies to each artifact's matches the statements about
// it (a signed attestation's only to the artifacts it verified for, as
// vouch verify counts them), the product being the one cra.yaml names.
func (r *Report) applyByArtifact(o Options, all []Vuln, docs []docStatements) []Vuln {
	var out []Vuln
	for _, a := range r.Release.Artifacts {
		var ms []vuln.Match
		for _, v := range all {
			if v.Artifact == a.Name {
				ms = append(ms, v.Match)
			}
		}
		var stmts []vex.Statement
		for _, d := range docs {
			if d.doc.about(a.Name) {
				stmts = append(stmts, d.stmts...)
			}
		}
		if len(ms) == 0 {
			continue
		}
		for _, m := range o.ApplyVEX(ms, stmts, o.Config.Product.PURL) {
			out = append(out, Vuln{Artifact: a.Name, Match: m})
		}
	}
	return out
}

func sortVulns(vs []Vuln) {
	slices.SortStableFunc(vs, func(a, b Vuln) int {
		return cmp.Or(cmp.Compare(a.Artifact, b.Artifact), cmp.Compare(a.Component.PURL, b.Component.PURL),
			cmp.Compare(a.Vulnerability.ID, b.Vulnerability.ID))
	})
}

// signedVEXBundles lists the signed VEX attestations directly in the
// release directory.
func signedVEXBundles(o Options) ([]string, error) {
	if o.SignedVEXSuffix == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("release directory: %w", err)
	}
	var out []string
	for _, e := range entries {
		if n := e.Name(); !strings.HasPrefix(n, ".") && strings.HasSuffix(n, o.SignedVEXSuffix) {
			out = append(out, filepath.Join(o.Dir, n))
		}
	}
	return out, nil
}

// verifyVEX verifies each signed VEX attestation against one artifact, as
// vouch verify would with --bundle, and returns those that verify: a
// bundle no trusted signer made about the artifact says nothing about it.
func verifyVEX(ctx context.Context, o Options, artifact string, bundles []string) ([]vexDoc, error) {
	var out []vexDoc
	for _, b := range bundles {
		res, err := o.Verify(ctx, filepath.Join(o.Dir, artifact), []string{b})
		if err != nil {
			return nil, err
		}
		for _, d := range signedVEX(res) {
			d.artifacts = []string{artifact}
			out = append(out, d)
		}
	}
	return out, nil
}

// unique keeps one of each document verified for several artifacts,
// naming them all.
func unique(docs []vexDoc) []vexDoc {
	at := map[string]int{}
	var out []vexDoc
	for _, d := range docs {
		if i, ok := at[d.name]; ok {
			out[i].artifacts = append(out[i].artifacts, d.artifacts...)
			continue
		}
		at[d.name] = len(out)
		out = append(out, d)
	}
	return out
}

// ignoredVEX lists the signed VEX attestations that verified against no
// artifact: shown, their statements not applied.
func (r *Report) ignoredVEX(bundles []string) {
	for _, b := range bundles {
		if !slices.ContainsFunc(r.Release.VEX, func(d VEXDocument) bool { return d.Name == b }) {
			r.Release.VEX = append(r.Release.VEX, VEXDocument{Name: b, Signed: true,
				Ignored: "verifies against no artifact of the release (not signed by a trusted signer, or about other artifacts): its statements are not applied"})
		}
	}
}
