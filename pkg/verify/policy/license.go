package policy

import (
	"fmt"
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/licexpr"
)

// checkLicenseTerm validates an allow/deny entry: a licence id or
// reference, optionally with "+" or "WITH exception".
func checkLicenseTerm(s string) error {
	e, err := licexpr.Parse(s)
	if err != nil {
		return err
	}
	if _, ok := e.Single(); !ok {
		return fmt.Errorf("%q is an expression; list single licence ids", s)
	}
	return nil
}

// acceptTerm decides one licence term against the allow and deny sets
// (lower-cased). A term is accepted when it is allowed — its full form
// ("GPL-2.0-only WITH Classpath-exception-2.0", "GPL-2.0+") or, for a term
// with an exception, its licence alone — and neither its full form nor its
// licence id is denied: denying GPL-2.0-only denies it with any exception
// too, and denying GPL-2.0 denies GPL-2.0+.
func acceptTerm(t licexpr.Term, allow, deny map[string]bool) bool {
	full := strings.ToLower(t.String())
	lic := strings.ToLower(t.ID)
	withPlus := lic
	if t.OrLater {
		withPlus += "+"
	}
	if deny[full] || deny[lic] || deny[withPlus] {
		return false
	}
	if allow == nil {
		return true
	}
	return allow[full] || allow[withPlus]
}

// componentLicense is the licence expression that applies to a component:
// the concluded one when known, else the declared one.
func componentLicense(c *sbom.Component) string {
	for _, l := range []string{c.Licenses.Concluded, c.Licenses.Declared} {
		if l = strings.TrimSpace(l); l != "" && l != "NOASSERTION" {
			return l
		}
	}
	return ""
}

// licenseVerdict evaluates one component; "" means acceptable.
func licenseVerdict(c *sbom.Component, allow, deny map[string]bool) string {
	expr := componentLicense(c)
	if expr == "" {
		if allow != nil {
			return "no licence known (an allow list needs one)"
		}
		return ""
	}
	if expr == "NONE" {
		if allow != nil && !allow["none"] {
			return "licence NONE is not in the allow list"
		}
		return ""
	}
	e, err := licexpr.Parse(expr)
	if err != nil {
		return fmt.Sprintf("licence %q: %v", expr, err)
	}
	if _, ok := e.Satisfiable(func(t licexpr.Term) bool { return acceptTerm(t, allow, deny) }); ok {
		return ""
	}
	return fmt.Sprintf("licence %q cannot be satisfied with the allowed licences", expr)
}

// componentName names a component in messages.
func componentName(c *sbom.Component) string {
	n := c.Name
	if c.Version != "" {
		n += "@" + c.Version
	}
	if c.PURL != "" {
		n += " (" + c.PURL + ")"
	}
	return n
}
