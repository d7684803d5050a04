package licexpr

import (
	_ "embed"
	"strings"
	"sync"
)

// spdxIDsText is the SPDX licence and exception list (identifiers only, one
// per line): the enumeration CycloneDX's spdx.schema.json allows in
// license.id. A test in pkg/sbom/format/cyclonedx keeps it equal to the
// schema's enum.
//
//go:embed spdx-ids.txt
var spdxIDsText string

// listed maps each id, lower-cased, to its spelling on the list.
var listed = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, 1024)
	for _, id := range strings.Fields(spdxIDsText) {
		m[strings.ToLower(id)] = id
	}
	return m
})

// Listed reports whether id is on the SPDX licence or exception list, and
// returns its listed spelling. SPDX ids match case-insensitively
// ("mit" is MIT); schemas that enumerate them (CycloneDX's license.id)
// need the listed spelling. A "+" suffix or a LicenseRef- is not listed.
func Listed(id string) (spelling string, ok bool) {
	spelling, ok = listed()[strings.ToLower(id)]
	return spelling, ok
}

// IDs returns the listed ids, in the list's order.
func IDs() []string { return strings.Fields(spdxIDsText) }

// Unlisted returns the ids and exceptions of e that are neither on the SPDX
// list nor a LicenseRef-, DocumentRef- or AdditionRef- reference, in the
// order they appear: an expression that parses may still name licences no
// one can look up ("BSD", "GPL").
func (e *Expr) Unlisted() []string {
	var out []string
	for _, t := range e.Terms() {
		if !isRef(t.ID) {
			if _, ok := Listed(t.ID); !ok {
				out = append(out, t.ID)
			}
		}
		if x := t.Exception; x != "" && !isRef(x) {
			if _, ok := Listed(x); !ok {
				out = append(out, x)
			}
		}
	}
	return out
}

func isRef(id string) bool {
	return strings.HasPrefix(id, "LicenseRef-") || strings.HasPrefix(id, "DocumentRef-") || strings.HasPrefix(id, "AdditionRef-")
}
