package vuln

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/google/osv-scalibr/enricher/vulnmatch/osvlocal"
	"github.com/google/osv-scalibr/semantic"
	osvpb "github.com/ossf/osv-schema/bindings/go/osvschema"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// Matcher finds the advisories affecting an SBOM's components.
type Matcher interface {
	Match(ctx context.Context, doc *sbom.Document) ([]Match, error)
}

var _ Matcher = (*DB)(nil)

// Match reports every advisory of the database that affects a component
// of doc, sorted by component purl then advisory id. Components without a
// purl of a supported ecosystem are not matched. Whether a version is
// affected is osv-scalibr's decision (osvlocal, package semantic), on the
// records of the ecosystems doc names, read streaming.
func (db *DB) Match(ctx context.Context, doc *sbom.Document) ([]Match, error) {
	byEco := map[string][]pkg{}
	for i := range doc.Components {
		if p, ok := packageOf(&doc.Components[i]); ok {
			byEco[p.comp.Ecosystem] = append(byEco[p.comp.Ecosystem], p)
		}
	}
	var out []Match
	for _, eco := range slices.Sorted(maps.Keys(byEco)) {
		ms, err := db.matchEcosystem(ctx, eco, byEco[eco])
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	slices.SortStableFunc(out, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.Component.PURL, b.Component.PURL),
			cmp.Compare(a.Vulnerability.ID, b.Vulnerability.ID),
			cmp.Compare(a.Component.Ref, b.Component.Ref))
	})
	return out, nil
}

// matchEcosystem loads the records naming pkgs and matches each package.
func (db *DB) matchEcosystem(ctx context.Context, eco string, pkgs []pkg) ([]Match, error) {
	var wanted nameSet
	for _, p := range pkgs {
		for _, n := range p.names {
			wanted.add(n)
		}
	}
	index, err := db.load(ctx, eco, &wanted)
	if err != nil {
		return nil, err
	}
	var out []Match
	for _, p := range pkgs {
		ms, err := matchPackage(index, p)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}

// index holds the loaded records by the loose name of each package they
// list as affected, in database order.
type index map[string][]*osvpb.Vulnerability

// load reads the records of one ecosystem that may name a wanted package:
// the cheap filter first, then a strict decode of the candidates.
// Withdrawn records are dropped.
func (db *DB) load(ctx context.Context, eco string, wanted *nameSet) (index, error) {
	idx := index{}
	seen := map[string]string{}
	for e, err := range records(ctx, db.filesFor(eco)) {
		if err != nil {
			return nil, err
		}
		if !mayName(e.data, wanted) {
			continue
		}
		v, err := ParseRecord(e.where, e.data)
		if err != nil {
			return nil, err
		}
		if v.GetWithdrawn() != nil {
			continue
		}
		if prev, dup := seen[v.GetId()]; dup {
			return nil, fmt.Errorf("OSV record %s: field id: %s is also the id of %s", e.where, v.GetId(), prev)
		}
		seen[v.GetId()] = e.where
		idx.add(v, wanted)
	}
	return idx, nil
}

// add files v under each wanted name it lists, once per name.
func (idx index) add(v *osvpb.Vulnerability, wanted *nameSet) {
	var added []string
	for _, a := range v.GetAffected() {
		k := looseName(a.GetPackage().GetName())
		if !wanted.names[k] || slices.Contains(added, k) {
			continue
		}
		added = append(added, k)
		idx[k] = append(idx[k], v)
	}
}

// matchPackage asks osv-scalibr which of the records listing p's names
// affect it.
func matchPackage(idx index, p pkg) (ms []Match, err error) {
	var cands []*osvpb.Vulnerability
	for _, n := range p.names {
		for _, v := range idx[looseName(n)] {
			if !slices.Contains(cands, v) {
				cands = append(cands, v)
			}
		}
	}
	if len(cands) == 0 {
		return nil, nil
	}
	eco := p.x.Ecosystem().String()
	if p.x.Version != "" {
		// osv-scalibr panics on a version its ecosystem cannot parse.
		if _, err := semantic.Parse(p.x.Version, eco); err != nil {
			return nil, fmt.Errorf("component %s: version %q is not a %s version: %w", p.comp.PURL, p.x.Version, eco, err)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			ms, err = nil, fmt.Errorf("component %s: osv-scalibr could not compare version %q: %v", p.comp.PURL, p.x.Version, r)
		}
	}()
	for _, v := range osvlocal.VulnerabilitiesAffectingPackage(cands, p.x) {
		ms = append(ms, newMatch(p, v))
	}
	return ms, nil
}
