package policy

import (
	"fmt"
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/licexpr"
)

// licenceKey validates an allow/deny entry — a licence id or reference,
// optionally with "+" or "WITH exception" — and returns the key it is
// matched by: its canonical spelling (licexpr.Canonical), lower-cased, so
// that "GPL-2.0" and "GPL-2.0-only" are one entry.
func licenceKey(s string) (string, error) {
	e, err := licexpr.Parse(s)
	if err != nil {
		return "", err
	}
	t, ok := e.Single()
	if !ok {
		return "", fmt.Errorf("%q is an expression; list single licence ids", s)
	}
	c, ok := licexpr.Canonical(t)
	if !ok {
		return "", fmt.Errorf("%q: %s already includes an exception", s, t.ID)
	}
	return strings.ToLower(c.String()), nil
}

// licencePolicy is a compiled allow/deny list, keyed by licenceKey. A nil
// allow set allows every licence that is not denied.
type licencePolicy struct {
	allow, deny map[string]bool
}

// newLicencePolicy keys the entries of allow and deny canonically; an
// entry that is not a single licence is kept as written (Compile has
// already refused it).
func newLicencePolicy(allow, deny map[string]bool) licencePolicy {
	canon := func(m map[string]bool) map[string]bool {
		if m == nil {
			return nil
		}
		out := make(map[string]bool, len(m))
		for k, v := range m {
			if key, err := licenceKey(k); err == nil {
				k = key
			}
			out[strings.ToLower(k)] = v
		}
		return out
	}
	return licencePolicy{allow: canon(allow), deny: canon(deny)}
}

// accept decides one licence term, in its canonical spelling. It is
// accepted when it is allowed — its full form ("GPL-2.0-only WITH
// Classpath-exception-2.0", "GPL-2.0-or-later", "Apache-2.0+") or, for a
// term with an exception, its licence alone — and neither its full form,
// its licence nor the licence its "or later" range starts from is denied:
// denying GPL-2.0-only denies it with any exception and denies
// GPL-2.0-or-later (GPL-2.0+); denying MIT denies MIT+.
func (p licencePolicy) accept(t licexpr.Term) bool {
	c, ok := licexpr.Canonical(t)
	if !ok {
		return false // two exceptions: not one licence, never accepted
	}
	full := strings.ToLower(c.String())
	lic := strings.ToLower(c.ID)
	withPlus := lic
	if c.OrLater {
		withPlus += "+"
	}
	if p.deny[full] || p.deny[lic] || p.deny[withPlus] || p.deny[strings.ToLower(c.Base())] {
		return false
	}
	if p.allow == nil {
		return true
	}
	return p.allow[full] || p.allow[withPlus]
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

// licenseVerdict evaluates one component against allow and deny sets of
// lower-cased entries; "" means acceptable.
func licenseVerdict(c *sbom.Component, allow, deny map[string]bool) string {
	return newLicencePolicy(allow, deny).verdict(c)
}

// verdict evaluates one component; "" means acceptable.
func (p licencePolicy) verdict(c *sbom.Component) string {
	allow := p.allow
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
	if _, ok := e.Satisfiable(p.accept); ok {
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
