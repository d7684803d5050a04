package vex

import (
	"fmt"
	"strings"
	"time"

	openvex "github.com/openvex/go-vex/pkg/vex"

	"github.com/vouchdev/vouch/pkg/vuln"
)

// Decision is what vouch states about one match when it writes VEX: the
// VEX statement already applied to it, else what the analysis shows.
//
// A Go vulnerability that govulncheck finds imported or required but not
// called is not_affected with vulnerable_code_not_in_execute_path, as
// govulncheck's own OpenVEX output states it; any other match without a
// statement is affected, with the update that fixes it as the action.
func Decision(m *vuln.Match) Statement {
	v := &m.Vulnerability
	st := Statement{Vulnerability: v.ID, Aliases: v.Aliases, Source: v.VEXSource}
	switch {
	case v.VEX != "":
		st.Status = Status(v.VEX)
		switch st.Status {
		case NotAffected:
			st.Justification, st.Impact = v.Justification, v.Impact
		case Affected:
			st.ActionStatement = v.Impact
			if st.ActionStatement == "" {
				st.ActionStatement = action(m)
			}
		}
	case v.Reachability == vuln.Imported || v.Reachability == vuln.Required:
		st.Status = NotAffected
		st.Justification = string(openvex.VulnerableCodeNotInExecutePath)
	default:
		st.Status = Affected
		st.ActionStatement = action(m)
	}
	return st
}

// action says what to do about an affected component.
func action(m *vuln.Match) string {
	if f := m.Vulnerability.FixedVersion; f != "" {
		return fmt.Sprintf("Update %s to %s or later.", m.Component.Name, f)
	}
	return fmt.Sprintf("No fixed version of %s is known: remove it or mitigate %s.", m.Component.Name, m.Vulnerability.ID)
}

// OpenVEX writes an OpenVEX v0.2.0 document with one statement per
// match (see [Decision]), sorted by vulnerability (go-vex's canonical
// order). product names the artifact the matches were found in (a purl,
// or a digest "sha256:HEX"); each statement then names the component as
// its subcomponent. Without a product, the component is the statement's
// product.
//
// The output depends only on its inputs: every timestamp is now, and the
// document's @id is derived from its content (go-vex's canonical hash).
func OpenVEX(matches []vuln.Match, product, author string, now time.Time) ([]byte, error) {
	stmts := make([]Statement, 0, len(matches))
	for i := range matches {
		m := &matches[i]
		if m.Component.PURL == "" {
			return nil, fmt.Errorf("component %s %s has no purl: a VEX statement cannot name it", m.Component.Name, m.Component.Version)
		}
		d := Decision(m)
		d.Products, d.Timestamp = []string{m.Component.PURL}, now
		if product != "" {
			d.Products, d.Subcomponents = []string{product}, []string{m.Component.PURL}
		}
		stmts = append(stmts, d)
	}
	if author == "" {
		author = "vouch"
	}
	return Create(stmts, author, now)
}

// productComponent names a product by its purl or, for a digest, by the
// digest as its @id (the OpenVEX schema wants an @id or identifiers) and
// its hash.
func productComponent(product string) openvex.Component {
	if alg, hex, ok := strings.Cut(product, ":"); ok && isDigestAlg(alg) {
		return openvex.Component{ID: strings.ToLower(product), Hashes: map[openvex.Algorithm]openvex.Hash{
			openvex.Algorithm("sha-" + strings.TrimPrefix(strings.ToLower(alg), "sha")): openvex.Hash(strings.ToLower(hex)),
		}}
	}
	return openvex.Component{ID: product}
}
