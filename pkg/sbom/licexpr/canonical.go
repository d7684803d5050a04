package licexpr

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

// deprecatedText maps SPDX's deprecated licence ids to their current
// equivalents; its header gives the origin.
//
//go:embed deprecated.txt
var deprecatedText string

// deprecated is deprecatedText keyed by the lower-cased id, without the
// "+" lines (the "+" rule of Canonical covers them).
var deprecated = sync.OnceValue(func() map[string]Term {
	m := map[string]Term{}
	for _, line := range strings.Split(deprecatedText, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, repl, ok := strings.Cut(line, "\t")
		if !ok {
			panic(fmt.Sprintf("licexpr: deprecated.txt: line %q has no tab", line))
		}
		if repl == "-" || strings.HasSuffix(id, "+") {
			continue
		}
		lic, exc, _ := strings.Cut(repl, " WITH ")
		m[strings.ToLower(id)] = Term{ID: lic, Exception: exc}
	}
	return m
})

// Canonical returns the current SPDX spelling of a licence, so that a
// licence compares equal however it is written: a deprecated id becomes
// its replacement ("GPL-2.0" is "GPL-2.0-only",
// "GPL-2.0-with-classpath-exception" is "GPL-2.0-only WITH
// Classpath-exception-2.0"), and "+" on a licence that has an -only and an
// -or-later id becomes the -or-later id ("GPL-2.0+" and "GPL-2.0-only+"
// are "GPL-2.0-or-later"). Ids keep their case otherwise (they compare
// case-insensitively). ok is false when the term cannot be one licence: a
// deprecated "-with-...-exception" id given a second exception with WITH.
func Canonical(t Term) (c Term, ok bool) {
	c = t
	if r, dep := deprecated()[strings.ToLower(t.ID)]; dep {
		if r.Exception != "" && t.Exception != "" {
			return t, false
		}
		c.ID = r.ID
		if r.Exception != "" {
			c.Exception = r.Exception
		}
	}
	lower := strings.ToLower(c.ID)
	switch {
	case c.OrLater && strings.HasSuffix(lower, "-only"):
		c.ID, c.OrLater = c.ID[:len(c.ID)-len("-only")]+"-or-later", false
	case c.OrLater && strings.HasSuffix(lower, "-or-later"):
		c.OrLater = false
	}
	return c, true
}

// Base returns the licence a canonical term is a range of versions from:
// GPL-2.0-only for GPL-2.0-or-later, MIT for MIT+, the id itself
// otherwise; a policy that denies the base denies the range.
func (t Term) Base() string {
	if l := strings.ToLower(t.ID); strings.HasSuffix(l, "-or-later") {
		return t.ID[:len(t.ID)-len("-or-later")] + "-only"
	}
	return t.ID
}

// EntrySeparator joins licence entries in the expression JoinAND returns
// when one of them is not a valid expression. No expression contains it,
// so such a join never parses: the licence is unusable, never a weaker one.
const EntrySeparator = "; "

// JoinAND joins licence entries that all apply (a component's several
// licence fields) into one expression meaning "every entry". Each entry is
// parsed on its own: a single licence is written as it is, a compound
// entry in parentheses. When an entry does not parse, no parenthesising
// can be trusted ("(GPL-3.0-only" and "MIT)OR(MIT)" would balance each
// other into an OR that MIT alone satisfies), so the entries are joined
// with EntrySeparator and the result is invalid, as the entry is. Empty
// and repeated entries are dropped; one entry is returned as given.
func JoinAND(entries []string) string {
	var parts []string
	seen := map[string]bool{}
	for _, e := range entries {
		if e = strings.Trim(e, spaces); e != "" && !seen[e] {
			seen[e] = true
			parts = append(parts, e)
		}
	}
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	wrapped := make([]string, len(parts))
	for i, e := range parts {
		x, err := Parse(e)
		if err != nil {
			return strings.Join(parts, EntrySeparator)
		}
		if _, single := x.Single(); !single {
			e = "(" + e + ")"
		}
		wrapped[i] = e
	}
	return strings.Join(wrapped, " AND ")
}
