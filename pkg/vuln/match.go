package vuln

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

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
// affected is decided by osv-scalibr's rules (its osvlocal matcher, in
// affected.go with each version parsed once) and its semantic version
// comparison, on the records of the ecosystems doc names, read streaming.
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
		if out == nil {
			out = ms // one ecosystem (the usual case): no copy
		} else {
			out = append(out, ms...)
		}
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

// matchAll matches pkgs on every core (advisories are only read once
// loaded), keeping pkgs' order.
func matchAll(ctx context.Context, idx index, pkgs []pkg) ([]Match, error) {
	workers := runtime.GOMAXPROCS(0)
	per := make([][]Match, len(pkgs))
	err := parallel.Each(ctx, len(pkgs), workers, func(ctx context.Context, i int) error {
		ms, err := matchPackage(idx, pkgs[i])
		per[i] = ms
		return err
	})
	if err != nil {
		return nil, err
	}
	return slices.Concat(per...), nil
}

// index holds the loaded records by the loose name of each package they
// list as affected, in database order.
type index map[string][]*advisory

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
		if d.withdrawn {
			continue
		}
		v := d.adv
		if prev, dup := seen[v.id]; dup {
			return nil, fmt.Errorf("OSV record %s: field id: %s is also the id of %s", d.where, v.id, prev)
		}
		seen[v.id] = d.where
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
	adv   *advisory
	// withdrawn records are decoded (and so checked) but not matched.
	withdrawn bool
	err       error
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
				c.adv, c.withdrawn, c.err = loadRecord(c.where, c.data)
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

// loadRecord decodes and compiles one record. osv-scalibr's version parsers
// are not ours: a panic in one (at load, where vouch parses an event
// version) is the record's error, not the process's.
func loadRecord(where string, data []byte) (adv *advisory, withdrawn bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			adv, err = nil, fmt.Errorf("OSV record %s: a version does not parse: %v", where, r)
		}
	}()
	r, err := decodeRecord(where, data)
	if err != nil {
		return nil, false, err
	}
	return compile(r), r.Withdrawn, nil
}

// add files v under each wanted name it lists, once per name.
func (idx index) add(v *advisory, wanted *nameSet) {
	var added []string
	for _, a := range v.affected {
		k := a.loose
		if !wanted.names[k] || slices.Contains(added, k) {
			continue
		}
		added = append(added, k)
		idx[k] = append(idx[k], v)
	}
}

// matchPackage finds which of the advisories listing p's names affect it,
// by osv-scalibr's rules (see affected.go), in database order.
func matchPackage(idx index, p pkg) ([]Match, error) {
	var cands []*advisory
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
	t := &p.target
	if t.version != "" && t.parseErr != nil {
		return nil, fmt.Errorf("component %s: version %q is not a %s version: %w", p.comp.PURL, t.version, t.ecosystem, t.parseErr)
	}
	var ms []Match
	for _, v := range cands {
		// Candidates are distinct advisories and load refuses two with
		// one id, so osv-scalibr's check for an id already reported is
		// not needed here.
		ok, err := v.affects(t)
		if err == nil && ok {
			var m Match
			m, err = newMatch(p, v)
			ms = append(ms, m)
		}
		if err != nil {
			return nil, fmt.Errorf("component %s: advisory %s: %w", p.comp.PURL, v.id, err)
		}
	}
	return ms, nil
}
