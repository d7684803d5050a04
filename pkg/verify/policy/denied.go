package policy

import (
	"fmt"
	"strings"

	"github.com/package-url/packageurl-go"
	"golang.org/x/mod/semver"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// deniedMatcher is a compiled [DeniedComponent].
type deniedMatcher struct {
	src    DeniedComponent
	purl   packageurl.PackageURL
	ranges [][]constraint // OR of ANDs; nil: every version
}

type constraint struct {
	op      string // "=", "!=", "<", "<=", ">", ">="
	version string // canonical semver with "v"
}

func compileDenied(d DeniedComponent) (deniedMatcher, error) {
	m := deniedMatcher{src: d}
	p, err := packageurl.FromString(d.PURL)
	if err != nil {
		return m, fmt.Errorf("purl %q: %w", d.PURL, err)
	}
	if p.Name == "" {
		return m, fmt.Errorf("purl %q: no name", d.PURL)
	}
	m.purl = p
	if p.Version != "" && d.Versions != "" {
		return m, fmt.Errorf("purl %q has a version and versions is %q: give one", d.PURL, d.Versions)
	}
	if p.Version != "" {
		v, ok := semverOf(p.Version)
		if !ok {
			return m, fmt.Errorf("purl %q: version %q is not semantic (vMAJOR.MINOR.PATCH)", d.PURL, p.Version)
		}
		m.ranges = [][]constraint{{{op: "=", version: v}}}
		return m, nil
	}
	m.ranges, err = parseRange(d.Versions)
	if err != nil {
		return m, fmt.Errorf("versions %q: %w", d.Versions, err)
	}
	return m, nil
}

// parseRange reads a version range: alternatives separated by "||", each a
// comma-separated list of constraints that must all hold, each an operator
// (=, !=, <, <=, >, >=; none means =) and a semantic version with or without
// its "v". "" or "*" is every version.
func parseRange(s string) ([][]constraint, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "*" {
		return nil, nil
	}
	var out [][]constraint
	for _, alt := range strings.Split(s, "||") {
		var and []constraint
		for _, c := range strings.Split(alt, ",") {
			c = strings.TrimSpace(c)
			if c == "" {
				return nil, fmt.Errorf("empty constraint")
			}
			op := "="
			for _, o := range []string{">=", "<=", "!=", ">", "<", "="} {
				if strings.HasPrefix(c, o) {
					op, c = o, strings.TrimSpace(c[len(o):])
					break
				}
			}
			v, ok := semverOf(c)
			if !ok {
				return nil, fmt.Errorf("%q is not a semantic version", c)
			}
			and = append(and, constraint{op: op, version: v})
		}
		out = append(out, and)
	}
	return out, nil
}

// semverOf prepares a version for golang.org/x/mod/semver: a "v" is added
// when missing; "v1.2" means v1.2.0; build metadata ("+incompatible") is
// ignored in comparisons.
func semverOf(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	if !semver.IsValid(v) {
		return "", false
	}
	return v, true
}

// matches reports whether a component is denied, and why ("" if not).
func (m *deniedMatcher) matches(c *sbom.Component) (string, bool) {
	if c.PURL == "" {
		return "", false
	}
	p, err := packageurl.FromString(c.PURL)
	if err != nil {
		return "", false
	}
	if !strings.EqualFold(p.Type, m.purl.Type) || p.Namespace != m.purl.Namespace || p.Name != m.purl.Name {
		return "", false
	}
	if m.ranges == nil {
		return "every version is denied", true
	}
	version := p.Version
	if version == "" {
		version = c.Version
	}
	v, ok := semverOf(version)
	if !ok {
		// Fail closed: a denied package whose version cannot be compared
		// might be in the range.
		return fmt.Sprintf("version %q cannot be compared with the range %s", version, m.rangeText()), true
	}
	for _, and := range m.ranges {
		all := true
		for _, k := range and {
			if !k.holds(v) {
				all = false
				break
			}
		}
		if all {
			return "version " + version + " is in " + m.rangeText(), true
		}
	}
	return "", false
}

func (m *deniedMatcher) rangeText() string {
	if m.src.Versions != "" {
		return m.src.Versions
	}
	return "=" + m.purl.Version
}

func (k constraint) holds(v string) bool {
	c := semver.Compare(v, k.version)
	switch k.op {
	case "=":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}
