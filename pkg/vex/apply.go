package vex

import (
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/pkg/vuln"
)

// Apply decides each match by the statements that cover it and returns
// the matches, with Vulnerability.VEX, Justification, Impact and
// VEXSource set on those a statement covers; the others are left as they
// are. Give all the statements in one call: the latest-wins rule below
// only ranks the statements of one call.
//
// A statement covers a match when
//   - its vulnerability or one of its aliases is the advisory's id or
//     one of the advisory's aliases, and
//   - one of its products is product (the artifact's purl, or its digest
//     "sha256:HEX") and it has no subcomponents or one of them is the
//     component's purl; or one of its products is the component's purl.
//
// purls compare by type, namespace and name; a statement's purl without a
// version covers every version, with one only that version; qualifiers
// and subpath are ignored unless the statement's purl gives them, and
// then must be equal. Of several statements that cover a match, the one
// with the latest timestamp wins (OpenVEX's rule), and of those with the
// same timestamp the one later in stmts (the later document).
func Apply(matches []vuln.Match, stmts []Statement, product string) []vuln.Match {
	return ApplyNames(matches, stmts, []string{product})
}

// ApplyNames is [Apply] for a product known by several names (its
// digests, the purl its SBOM gives it): a statement naming any of them
// covers its matches, and the latest of all the statements that cover a
// match wins, whichever name they use. (Applying each name in turn would
// let an older statement under one name beat a newer one under another.)
func ApplyNames(matches []vuln.Match, stmts []Statement, products []string) []vuln.Match {
	for i := range matches {
		m := &matches[i]
		var best *Statement
		for j := range stmts {
			s := &stmts[j]
			if !s.coversAny(m, products) {
				continue
			}
			if best == nil || !s.Timestamp.Before(best.Timestamp) {
				best = s
			}
		}
		if best != nil {
			decide(m, best)
		}
	}
	return matches
}

// decide records the statement's decision on m.
func decide(m *vuln.Match, s *Statement) {
	v := &m.Vulnerability
	v.VEX = string(s.Status)
	v.Justification = s.Justification
	v.Impact = s.Impact
	if v.Impact == "" {
		v.Impact = s.ActionStatement
	}
	v.VEXSource = s.Source
}

// coversAny reports whether s applies to m in a product of those names.
func (s *Statement) coversAny(m *vuln.Match, products []string) bool {
	if len(products) == 0 {
		return s.covers(m, "")
	}
	for _, p := range products {
		if s.covers(m, p) {
			return true
		}
	}
	return false
}

// covers reports whether s applies to m in product.
func (s *Statement) covers(m *vuln.Match, product string) bool {
	if !s.about(m) {
		return false
	}
	comp := m.Component.PURL
	for _, p := range s.Products {
		if comp != "" && purlCovers(p, comp) {
			return true
		}
		if product == "" || !idCovers(p, product) {
			continue
		}
		if len(s.Subcomponents) == 0 {
			return true
		}
		for _, sub := range s.Subcomponents {
			if comp != "" && purlCovers(sub, comp) {
				return true
			}
		}
	}
	return false
}

// about reports whether s is about m's advisory: the ids and aliases of
// each side share one (compared ignoring case, as GHSA ids are written
// both ways).
func (s *Statement) about(m *vuln.Match) bool {
	ids := append([]string{m.Vulnerability.ID}, m.Vulnerability.Aliases...)
	for _, a := range append([]string{s.Vulnerability}, s.Aliases...) {
		for _, b := range ids {
			if a != "" && strings.EqualFold(a, b) {
				return true
			}
		}
	}
	return false
}

// idCovers reports whether the statement's product identifier names id:
// as a purl (see purlCovers), as the same digest, or as the same other
// identifier. A digest and an OCI-style purl whose version is that digest
// ("pkg:oci/app@sha256:HEX") name the same content, and match.
func idCovers(stmtID, id string) bool {
	if d := digestOf(stmtID); d != "" && d == digestOf(id) {
		return true
	}
	if strings.HasPrefix(stmtID, "pkg:") {
		return purlCovers(stmtID, id)
	}
	return stmtID == id
}

// digestOf is id's content digest, "alg:hex" in lower case: id itself if
// it is a digest, else the version of a purl that is one; "" otherwise.
func digestOf(id string) string {
	if strings.HasPrefix(id, "pkg:") {
		p, err := packageurl.FromString(id)
		if err != nil {
			return ""
		}
		id = p.Version
	}
	alg, hex, ok := strings.Cut(id, ":")
	if !ok || !isDigestAlg(alg) || hex == "" {
		return ""
	}
	return strings.ToLower(id)
}

func isDigestAlg(a string) bool {
	switch strings.ToLower(a) {
	case "sha256", "sha384", "sha512":
		return true
	}
	return false
}

// PURLCovers reports whether the package URL pattern covers the package
// URL id as a VEX statement's product does (see purlCovers): for rules
// that name components the same way, such as a policy's allow entries.
func PURLCovers(pattern, id string) bool { return purlCovers(pattern, id) }

// purlCovers reports whether the statement's purl stmt covers the purl
// id: same type (case-insensitively, as the purl specification says),
// namespace and name; the same version if stmt gives one; the same value
// for every qualifier and the subpath stmt gives.
func purlCovers(stmt, id string) bool {
	s, err := packageurl.FromString(stmt)
	if err != nil {
		return false
	}
	c, err := packageurl.FromString(id)
	if err != nil {
		return false
	}
	if !strings.EqualFold(s.Type, c.Type) || s.Namespace != c.Namespace || s.Name != c.Name {
		return false
	}
	if s.Version != "" && s.Version != c.Version {
		return false
	}
	if s.Subpath != "" && s.Subpath != c.Subpath {
		return false
	}
	have := c.Qualifiers.Map()
	for k, v := range s.Qualifiers.Map() {
		if w, ok := have[k]; !ok || w != v {
			return false
		}
	}
	return true
}
