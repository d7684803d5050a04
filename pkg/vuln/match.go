package vuln

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/google/osv-scalibr/enricher/vulnmatch/osvlocal"
	"github.com/google/osv-scalibr/semantic"
	osvpb "github.com/ossf/osv-schema/bindings/go/osvschema"

	"github.com/vouchdev/vouch/internal/parallel"
	"github.com/vouchdev/vouch/pkg/sbom"
)

// ErrNoEcosystem marks a database without the records of an ecosystem
// the SBOM has.
var ErrNoEcosystem = errors.New("no records for an ecosystem being matched")

// Supported reports whether c has a purl of an ecosystem Match matches.
func Supported(c *sbom.Component) bool {
	_, ok := packageOf(c)
	return ok
}

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
		for _, p := range packagesOf(&doc.Components[i]) {
			byEco[p.comp.Ecosystem] = append(byEco[p.comp.Ecosystem], p)
		}
	}
	var out []Match
	for _, eco := range slices.Sorted(maps.Keys(byEco)) {
		if db.flat == nil && len(db.filesFor(eco)) == 0 {
			// Fail closed: no records is not no vulnerabilities.
			return nil, fmt.Errorf("vulnerability database %s: %w: %d component(s) are %s packages (%s, ...); expected %s, found no %s folder",
				db.dir, ErrNoEcosystem, len(byEco[eco]), eco, byEco[eco][0].comp.PURL, filepath.Join(db.dir, eco, allZip), eco)
		}
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
	// A component matched at both of its versions (packagesOf) is
	// reported once per advisory: the first, its purl's version.
	return slices.CompactFunc(out, func(a, b Match) bool {
		return a.Component.Ref == b.Component.Ref && a.Component.PURL == b.Component.PURL && a.Vulnerability.ID == b.Vulnerability.ID
	}), nil
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
	return matchAll(ctx, index, pkgs)
}

// matchAll matches pkgs on every core. osv-scalibr sorts the events of a
// range in place when it reads it, so two goroutines must never read the
// same range: packages are dealt to workers by the name osv-scalibr
// compares (a range is only read for packages of its affected entry's
// name), and each worker's matches are put back in pkgs' order.
func matchAll(ctx context.Context, idx index, pkgs []pkg) ([]Match, error) {
	workers := runtime.GOMAXPROCS(0)
	buckets := make([][]int, workers)
	for i, p := range pkgs {
		h := fnv.New32a()
		h.Write([]byte(p.loose[len(p.loose)-1]))
		b := int(h.Sum32() % uint32(workers))
		buckets[b] = append(buckets[b], i)
	}
	per := make([][]Match, len(pkgs))
	err := parallel.Each(ctx, workers, workers, func(ctx context.Context, b int) error {
		for _, i := range buckets[b] {
			if err := ctx.Err(); err != nil {
				return err
			}
			ms, err := matchPackage(idx, pkgs[i])
			if err != nil {
				return err
			}
			per[i] = ms
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return slices.Concat(per...), nil
}

// index holds the loaded records by the loose name of each package they
// list as affected, in database order.
type index map[string][]*osvpb.Vulnerability

// load reads the records of one ecosystem that may name a wanted package:
// the cheap filter first, then a strict decode of the candidates, on
// every core while the archive is read on. Withdrawn records are dropped.
func (db *DB) load(ctx context.Context, eco string, wanted *nameSet) (index, error) {
	// Whether the files hold any record of eco is seen while reading: a
	// flat folder has no ecosystem folder to check, and an ecosystem
	// folder may hold an empty all.zip or another ecosystem's records.
	found := false
	saw := func(data []byte) {
		found = found || namesEcosystem(data, eco)
	}
	files := db.filesFor(eco)
	decoded, err := decodeCandidates(ctx, records(ctx, files, db.newMeter(files)), wanted, saw)
	if err != nil {
		return nil, err
	}
	if !found {
		// Fail closed: no records is not no vulnerabilities.
		where := fmt.Sprintf("its %d OSV files", len(files))
		if len(files) == 1 {
			where = files[0]
		}
		return nil, fmt.Errorf("vulnerability database %s: %w: expected records of ecosystem %s in %s, found none", db.dir, ErrNoEcosystem, eco, where)
	}
	idx := index{}
	seen := map[string]string{}
	for _, d := range decoded {
		v := d.v
		if v.GetWithdrawn() != nil {
			continue
		}
		if prev, dup := seen[v.GetId()]; dup {
			return nil, fmt.Errorf("OSV record %s: field id: %s is also the id of %s", d.where, v.GetId(), prev)
		}
		seen[v.GetId()] = d.where
		idx.add(v, wanted)
	}
	return idx, nil
}

// namesEcosystem reports whether a raw record names ecosystem eco (or one
// of its releases, "Debian:12") as a whole JSON string, as OSV's
// affected[].package.ecosystem does.
func namesEcosystem(data []byte, eco string) bool {
	return bytes.Contains(data, []byte(`"`+eco+`"`)) || bytes.Contains(data, []byte(`"`+eco+`:`))
}

// candidate is one record that passed the filter, numbered in database
// order.
type candidate struct {
	seq   int
	where string
	data  []byte
	v     *osvpb.Vulnerability
	err   error
}

// decodeCandidates streams the records, filters each record, and decodes the
// candidates on GOMAXPROCS goroutines; it returns them in database order,
// or the first error in that order. At most a few dozen raw records are
// in flight.
func decodeCandidates(ctx context.Context, recs iter.Seq2[entry, error], wanted *nameSet, saw func([]byte)) ([]candidate, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan candidate, 4*workers)
	results := make(chan candidate, 4*workers)
	var readErr error
	go func() {
		defer close(jobs)
		seq := 0
		for e, err := range recs {
			if err != nil {
				readErr = err
				return
			}
			saw(e.data)
			if !mayName(e.data, wanted) {
				continue
			}
			select {
			case jobs <- candidate{seq: seq, where: e.where, data: bytes.Clone(e.data)}:
				seq++
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range jobs {
				c.v, c.err = ParseRecord(c.where, c.data)
				c.data = nil
				results <- c
			}
		})
	}
	go func() { wg.Wait(); close(results) }()
	var out []candidate
	for c := range results {
		if c.err != nil {
			cancel() // the rest is not needed; the first error in order is reported
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b candidate) int { return cmp.Compare(a.seq, b.seq) })
	for _, c := range out {
		if c.err != nil {
			return nil, c.err
		}
	}
	if readErr != nil {
		return nil, readErr
	}
	return out, ctx.Err()
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
	for _, n := range p.loose {
		for _, v := range idx[n] {
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
