package cli

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"sync"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// maxMemoComponents bounds the components a memoMatcher remembers: a
// registry's distinct dependencies, a few hundred bytes each.
const maxMemoComponents = 200_000

// memoMatcher remembers, per component (its package URL and version), the
// advisories the database reports for it, so that vouch serve (and vouch
// verify --batch) reads its database once per distinct component rather
// than once per request: a
// streamed read of a whole ecosystem's all.zip costs a fraction of a second
// (the Go database) to seconds (npm's), and a request must not be able to
// buy that much of the service's time. A memoMatcher is made for one
// opened database (vouch serve makes a new one when it reloads
// --vuln-db), so a remembered answer stays true of it.
type memoMatcher struct {
	db  vuln.Matcher
	max int

	mu   sync.Mutex
	seen map[string][]vuln.Match // memoKey → its matches, component identity cleared
}

func newMemoMatcher(db vuln.Matcher) *memoMatcher {
	return &memoMatcher{db: db, max: maxMemoComponents, seen: map[string][]vuln.Match{}}
}

// memoKey is everything of a component the database matches on: the
// package URL (type, namespace, name, version, qualifiers such as a
// distribution) and the version, which stands in for a purl without one.
func memoKey(c *sbom.Component) string { return c.PURL + "\x00" + c.Version }

// Match answers remembered components from memory and asks the database,
// in one call, about the others.
func (m *memoMatcher) Match(ctx context.Context, doc *sbom.Document) ([]vuln.Match, error) {
	var out []vuln.Match
	miss := &sbom.Document{}
	var missed []*sbom.Component
	m.mu.Lock()
	for i := range doc.Components {
		c := &doc.Components[i]
		if ms, ok := m.seen[memoKey(c)]; ok {
			out = append(out, bind(ms, c)...)
			continue
		}
		// Ids of their own: the answers are sorted back to components
		// by them, whatever ids (or repeats) the document uses.
		cc := *c
		cc.ID = strconv.Itoa(len(missed))
		miss.Components = append(miss.Components, cc)
		missed = append(missed, c)
	}
	m.mu.Unlock()
	if len(missed) > 0 {
		ms, err := m.db.Match(ctx, miss)
		if err != nil {
			return nil, err
		}
		per := make([][]vuln.Match, len(missed))
		for _, x := range ms {
			i, err := strconv.Atoi(x.Component.Ref)
			if err != nil || i < 0 || i >= len(missed) {
				continue // not a component asked about: never reported
			}
			per[i] = append(per[i], x)
		}
		m.remember(missed, per)
		for i, c := range missed {
			out = append(out, bind(per[i], c)...)
		}
	}
	slices.SortStableFunc(out, func(a, b vuln.Match) int {
		return cmp.Or(cmp.Compare(a.Component.PURL, b.Component.PURL),
			cmp.Compare(a.Vulnerability.ID, b.Vulnerability.ID),
			cmp.Compare(a.Component.Ref, b.Component.Ref))
	})
	return out, nil
}

// remember stores the answers for components; past the bound it starts
// over rather than grow.
func (m *memoMatcher) remember(comps []*sbom.Component, per [][]vuln.Match) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.seen)+len(comps) > m.max {
		clear(m.seen)
	}
	for i, c := range comps {
		ms := make([]vuln.Match, len(per[i]))
		copy(ms, per[i])
		m.seen[memoKey(c)] = ms
	}
}

// bind returns copies of matches about component c, named as c is. The
// version stays the one matched (the key holds both of c's versions).
func bind(ms []vuln.Match, c *sbom.Component) []vuln.Match {
	out := make([]vuln.Match, len(ms))
	for i, x := range ms {
		x.Component.Ref, x.Component.Name, x.Component.PURL = c.ID, c.Name, c.PURL
		x.Vulnerability.Aliases = slices.Clone(x.Vulnerability.Aliases)
		x.Vulnerability.Symbols = slices.Clone(x.Vulnerability.Symbols)
		out[i] = x
	}
	return out
}
