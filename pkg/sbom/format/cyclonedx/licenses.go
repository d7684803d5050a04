package cyclonedx

import (
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/licexpr"
)

// isSPDXID reports whether expr is a single identifier the schema accepts as
// license.id. Anything else (compound expressions, LicenseRef-…, "+"
// suffixes, unknown ids) must be written as an expression.
func isSPDXID(expr string) bool {
	id, ok := licexpr.Listed(expr)
	return ok && id == expr
}

func licenseChoice(expr string, ack cdx.LicenseAcknowledgement, sv cdx.SpecVersion) cdx.LicenseChoice {
	if sv < cdx.SpecVersion1_6 {
		ack = "" // acknowledgement is new in 1.6
	}
	if isSPDXID(expr) {
		return cdx.LicenseChoice{License: &cdx.License{ID: expr, Acknowledgement: ack}}
	}
	ch := cdx.LicenseChoice{Expression: expr}
	if ack != "" {
		ch.Acknowledgement = &ack
	}
	return ch
}

// encodeLicenses returns the component's licenses and, where the target
// version cannot hold both in one list, evidence licenses.
//
// 1.7 lets licence entries and expressions mix freely. 1.6 allows either a
// list of license entries or exactly one expression (see the specification's
// invalid-license-declared-concluded-mix example), so when both licences
// are set and one needs an expression, the concluded licence (what applies to
// the component as distributed) stays in licenses and the declared one moves
// to evidence.licenses, still acknowledged as "declared". 1.5 has no
// acknowledgement; only the declared licence is written.
func encodeLicenses(l sbom.Licenses, sv cdx.SpecVersion) (main, evidence *cdx.Licenses) {
	list := func(ch ...cdx.LicenseChoice) *cdx.Licenses {
		ls := cdx.Licenses(ch)
		return &ls
	}
	concluded := func() cdx.LicenseChoice {
		return licenseChoice(l.Concluded, cdx.LicenseAcknowledgementConcluded, sv)
	}
	declared := func() cdx.LicenseChoice {
		return licenseChoice(l.Declared, cdx.LicenseAcknowledgementDeclared, sv)
	}
	switch {
	case sv < cdx.SpecVersion1_6:
		if l.Declared == "" {
			return nil, nil
		}
		return list(declared()), nil
	case l.Declared == "" && l.Concluded == "":
		return nil, nil
	case l.Declared == "":
		return list(concluded()), nil
	case l.Concluded == "":
		return list(declared()), nil
	case sv >= cdx.SpecVersion1_7 || (isSPDXID(l.Concluded) && isSPDXID(l.Declared)):
		return list(concluded(), declared()), nil
	default:
		return list(concluded()), list(declared())
	}
}

// decodeLicenses reads a component's licences. Entries without an
// acknowledgement count as declared: before 1.6 that is what a component's
// licenses usually held. Several entries with the same acknowledgement all
// apply: licexpr.JoinAND joins them with AND, each entry parsed on its own
// (one that does not parse leaves the licence invalid, never weaker).
// Evidence licences count only when acknowledged, and only where licenses
// left the field empty.
func decodeLicenses(c *wireComponent) sbom.Licenses {
	var out sbom.Licenses
	if c.Licenses != nil {
		decl, conc := splitLicenses(*c.Licenses, true)
		out.Declared, out.Concluded = licexpr.JoinAND(decl), licexpr.JoinAND(conc)
	}
	if c.Evidence != nil && c.Evidence.Licenses != nil {
		decl, conc := splitLicenses(*c.Evidence.Licenses, false)
		if out.Declared == "" {
			out.Declared = licexpr.JoinAND(decl)
		}
		if out.Concluded == "" {
			out.Concluded = licexpr.JoinAND(conc)
		}
	}
	return out
}

func splitLicenses(ls cdx.Licenses, unacknowledgedIsDeclared bool) (declared, concluded []string) {
	for _, ch := range ls {
		var expr string
		var ack cdx.LicenseAcknowledgement
		switch {
		case ch.License != nil:
			ack = ch.License.Acknowledgement
			switch {
			case ch.License.ID != "":
				expr = ch.License.ID
			case ch.License.Name != "":
				expr = licenseRef(ch.License.Name)
			}
		case ch.Expression != "":
			expr = strings.TrimSpace(ch.Expression)
			if ch.Acknowledgement != nil {
				ack = *ch.Acknowledgement
			}
		}
		if expr == "" {
			continue
		}
		switch ack {
		case cdx.LicenseAcknowledgementConcluded:
			concluded = append(concluded, expr)
		case cdx.LicenseAcknowledgementDeclared:
			declared = append(declared, expr)
		default:
			if unacknowledgedIsDeclared {
				declared = append(declared, expr)
			}
		}
	}
	return declared, concluded
}

// licenseRef turns a free-text licence name into an SPDX LicenseRef, the
// model holding only SPDX expressions: characters outside SPDX's idstring
// alphabet become "-".
func licenseRef(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.TrimSpace(name) {
		ok := r == '.' || r == '-' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
		if !ok {
			r = '-'
		}
		if r == '-' && dash {
			continue
		}
		dash = r == '-'
		b.WriteRune(r)
	}
	id := strings.Trim(b.String(), "-")
	if id == "" {
		id = "unnamed"
	}
	return "LicenseRef-" + id
}
