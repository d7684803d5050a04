package vuln

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/google/osv-scalibr/enricher/vulnmatch/osvlocal"
	"github.com/google/osv-scalibr/semantic"
	osvpb "github.com/ossf/osv-schema/bindings/go/osvschema"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// TestScalibrParityGoDB holds vouch's matcher (affected.go: versions
// parsed once, events sorted once) to osv-scalibr's own: on the same
// records, decoded by protojson for osv-scalibr, the set of (component,
// advisory, fixed version) is the same, for the benchmark's 10,000 Go
// components against the whole Go database and for every other
// ecosystem's real advisories and cases. The reference's fixed version is
// the fix of the ranges osvlocal.VulnerabilitiesAffectingPackage finds
// affecting the component one range at a time. Every difference is
// printed. Both sides must find components affected and not affected.
func TestScalibrParityGoDB(t *testing.T) {
	cases := map[string]*sbom.Document{"Go": goDoc(t, 10_000)}
	for eco, purls := range ecosystemCases {
		if eco != "Go" {
			cases[eco] = doc(purls...)
		}
	}
	cases["Go"].Components = append(cases["Go"].Components, doc(ecosystemCases["Go"]...).Components...)
	db, err := Open(goDB)
	if err != nil {
		t.Fatal(err)
	}
	for _, eco := range slices.Sorted(maps.Keys(cases)) {
		t.Run(eco, func(t *testing.T) {
			d := cases[eco]
			ms, err := db.Match(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, m := range ms {
				got[fmt.Sprintf("%s %s fixed=%q", m.Component.PURL, m.Vulnerability.ID, m.Vulnerability.FixedVersion)] = true
			}
			want := scalibrTriples(t, referenceRecords(t, db, eco), d)
			for _, k := range slices.Sorted(maps.Keys(want)) {
				if !got[k] {
					t.Errorf("osv-scalibr only: %s", k)
				}
			}
			for _, k := range slices.Sorted(maps.Keys(got)) {
				if !want[k] {
					t.Errorf("vouch only: %s", k)
				}
			}
			affected := map[string]bool{}
			for _, m := range ms {
				affected[m.Component.PURL] = true
			}
			t.Logf("%d components, %d affected, %d (component, advisory, fix) triples", len(d.Components), len(affected), len(want))
			if len(want) == 0 || len(affected) == len(d.Components) {
				t.Errorf("the case needs components affected and components not")
			}
		})
	}
}

// referenceRecords decodes every record of one ecosystem with protojson
// (ParseRecord), as osv-scalibr reads them.
func referenceRecords(t *testing.T, db *DB, eco string) []*osvpb.Vulnerability {
	t.Helper()
	var out []*osvpb.Vulnerability
	for e, err := range records(context.Background(), db.filesFor(eco), nil) {
		if err != nil {
			t.Fatal(err)
		}
		v, err := ParseRecord(e.where, e.data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no records", eco)
	}
	return out
}

// scalibrTriples asks osv-scalibr, component by component, which records
// affect it (records listing its names, loosely compared: osv-scalibr
// compares exactly), and the fix of each.
func scalibrTriples(t *testing.T, recs []*osvpb.Vulnerability, d *sbom.Document) map[string]bool {
	t.Helper()
	byName := map[string][]*osvpb.Vulnerability{}
	for _, v := range recs {
		for _, a := range v.GetAffected() {
			k := looseName(a.GetPackage().GetName())
			if !slices.Contains(byName[k], v) {
				byName[k] = append(byName[k], v)
			}
		}
	}
	out := map[string]bool{}
	for i := range d.Components {
		p, ok := packageOf(&d.Components[i])
		if !ok {
			t.Fatalf("%s: not a package vouch matches", d.Components[i].PURL)
		}
		var cands []*osvpb.Vulnerability
		for _, n := range p.loose {
			for _, v := range byName[n] {
				if !slices.Contains(cands, v) {
					cands = append(cands, v)
				}
			}
		}
		for _, v := range osvlocal.VulnerabilitiesAffectingPackage(cands, p.x) {
			fixed := displayFixed(p.comp, scalibrFixed(p, v))
			out[fmt.Sprintf("%s %s fixed=%q", p.comp.PURL, v.GetId(), fixed)] = true
		}
	}
	return out
}

// scalibrFixed is the reference fixed version: among the fixed events of
// each range of an entry naming p that osv-scalibr finds affecting p on
// its own, the lowest above p's version.
func scalibrFixed(p pkg, v *osvpb.Vulnerability) string {
	eco := p.x.Ecosystem().String()
	cur, err := semantic.Parse(p.x.Version, eco)
	if p.x.Version == "" || err != nil {
		return ""
	}
	best := ""
	var bestV semantic.Version
	for _, a := range v.GetAffected() {
		if !p.named(a.GetPackage().GetName()) {
			continue
		}
		for _, r := range a.GetRanges() {
			one := &osvpb.Vulnerability{Id: v.GetId(), Affected: []*osvpb.Affected{{Package: a.GetPackage(), Ranges: []*osvpb.Range{r}}}}
			if len(osvlocal.VulnerabilitiesAffectingPackage([]*osvpb.Vulnerability{one}, p.x)) == 0 {
				continue
			}
			for _, e := range r.GetEvents() {
				fv, err := semantic.Parse(e.GetFixed(), eco)
				if e.GetFixed() == "" || err != nil {
					continue
				}
				if c, err := cur.Compare(fv); err != nil || c >= 0 {
					continue
				}
				if best == "" {
					best, bestV = e.GetFixed(), fv
				} else if c, err := bestV.Compare(fv); err == nil && c > 0 {
					best, bestV = e.GetFixed(), fv
				}
			}
		}
	}
	return best
}

// TestEveryEcosystemRecordDecodes: the encoding/json reader takes every
// real record protojson takes (the Go database's 4,789 and the other
// ecosystems' files), with the same id and withdrawn state.
func TestEveryEcosystemRecordDecodes(t *testing.T) {
	db, err := Open(goDB)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, eco := range db.Ecosystems() {
		for e, err := range records(context.Background(), db.filesFor(eco), nil) {
			if err != nil {
				t.Fatal(err)
			}
			ref, err := ParseRecord(e.where, e.data)
			if err != nil {
				t.Fatal(err)
			}
			r, err := decodeRecord(e.where, e.data)
			if err != nil {
				t.Fatalf("protojson takes it, encoding/json does not: %v", err)
			}
			if r.ID != ref.GetId() || r.Withdrawn != (ref.GetWithdrawn() != nil) {
				t.Errorf("%s: id %q withdrawn %v, protojson %q %v", e.where, r.ID, r.Withdrawn, ref.GetId(), ref.GetWithdrawn() != nil)
			}
			n++
		}
	}
	if n < 4789 {
		t.Errorf("%d records read, the Go database alone has 4,789", n)
	}
}
