package vex

import (
	"bytes"
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
// order). product names the
// artifact the matches were found in (a purl, or a digest "sha256:HEX");
// each statement then names the component as its subcomponent. Without a
// product, the component is the statement's product.
//
// The output depends only on its inputs: every timestamp is now, and the
// document's @id is derived from its content (go-vex's canonical hash).
func OpenVEX(matches []vuln.Match, product, author string, now time.Time) ([]byte, error) {
	doc := openvex.New()
	now = now.UTC()
	doc.Timestamp = &now
	doc.Author = author
	if doc.Author == "" {
		doc.Author = "vouch"
	}
	doc.Context = PredicateType
	for i := range matches {
		s, err := openVEXStatement(&matches[i], product, now)
		if err != nil {
			return nil, err
		}
		doc.Statements = append(doc.Statements, s)
	}
	if _, err := doc.GenerateCanonicalID(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := doc.ToJSON(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// openVEXStatement is m's decision as an OpenVEX statement.
func openVEXStatement(m *vuln.Match, product string, now time.Time) (openvex.Statement, error) {
	d := Decision(m)
	comp := m.Component.PURL
	if comp == "" {
		return openvex.Statement{}, fmt.Errorf("component %s %s has no purl: a VEX statement cannot name it", m.Component.Name, m.Component.Version)
	}
	p := openvex.Product{Component: openvex.Component{ID: comp}}
	if product != "" {
		p = openvex.Product{Component: productComponent(product),
			Subcomponents: []openvex.Subcomponent{{Component: openvex.Component{ID: comp}}}}
	}
	s := openvex.Statement{
		Vulnerability:   openvex.Vulnerability{Name: openvex.VulnerabilityID(d.Vulnerability)},
		Timestamp:       &now,
		Products:        []openvex.Product{p},
		Status:          openvex.Status(d.Status),
		Justification:   openvex.Justification(d.Justification),
		ImpactStatement: d.Impact,
		ActionStatement: d.ActionStatement,
	}
	for _, a := range d.Aliases {
		s.Vulnerability.Aliases = append(s.Vulnerability.Aliases, openvex.VulnerabilityID(a))
	}
	if err := s.Validate(); err != nil {
		return openvex.Statement{}, fmt.Errorf("%s in %s: %w", d.Vulnerability, comp, err)
	}
	return s, nil
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
