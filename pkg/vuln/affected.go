package vuln

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/google/osv-scalibr/extractor"
	apkmeta "github.com/google/osv-scalibr/extractor/filesystem/os/apk/metadata"
	dpkgmeta "github.com/google/osv-scalibr/extractor/filesystem/os/dpkg/metadata"
	"github.com/google/osv-scalibr/inventory/osvecosystem"
	scalibrpurl "github.com/google/osv-scalibr/purl"
	"github.com/google/osv-scalibr/semantic"
	"github.com/ossf/osv-schema/bindings/go/osvconstants"
	osvpb "github.com/ossf/osv-schema/bindings/go/osvschema"
)

// This file is osv-scalibr v0.5.3's offline matcher
// (enricher/vulnmatch/osvlocal/internal/vulns: IsAffected and the range
// walk) with the same decisions, but with every version parsed once: an
// advisory's event versions when it is loaded, a component's version when
// it is read. osv-scalibr re-parses the purl and each event version (with
// math/big) on every check and sorts a range's events in place each time it
// reads one; here the events are sorted once, by the same sort and the same
// comparison, so that ties fall as osv-scalibr's fall, and an advisory is
// never written after it is loaded (matching runs on every core).
// TestScalibrParityGoDB holds the two to the same answers.

// advisory is one loaded OSV record, compiled for matching.
type advisory struct {
	id, summary string
	aliases     []string // sorted, without repeats
	severity    []osvSeverity
	dbSeverity  string // database_specific.severity
	affected    []affectedEntry
	// entrySeverity: some affected entry has its own severity, so a
	// match's severity depends on the component.
	entrySeverity bool
	sevOnce       sync.Once
	sev           severityResult
}

// affectedEntry is one "affected" item of an advisory.
type affectedEntry struct {
	hasPackage bool
	name       string
	loose      string // looseName(name), the index's key
	ecosystem  osvecosystem.Parsed
	ecoOK      bool // the ecosystem parses (osv-scalibr skips the entry otherwise)
	versions   []string
	ranges     []versionRange
	severity   []osvSeverity
}

// versionRange is one range with its events in osv-scalibr's order.
type versionRange struct {
	typ    osvpb.Range_Type
	events []event
	// sortFails: osv-scalibr's sort of these events would panic (an
	// event version its ecosystem cannot parse); it then reports the
	// component as an error, and so does vouch.
	sortFails bool
}

// comparable reports whether osv-scalibr compares versions in r
// (ECOSYSTEM and SEMVER ranges; GIT ranges are commits).
func (r *versionRange) comparable() bool {
	return r.typ == osvpb.Range_ECOSYSTEM || r.typ == osvpb.Range_SEMVER
}

// event is one range event, its versions parsed in the entry's ecosystem
// (nil: it does not parse, which osv-scalibr's comparisons read as equal).
type event struct {
	osvEvent
	introduced, fixed, lastAffected semantic.Version
	// key is the version osv-scalibr sorts the event by (its first
	// non-empty field of introduced, fixed, limit, last_affected).
	key semantic.Version
}

// compile turns a decoded record into an advisory.
func compile(r *osvRecord) *advisory {
	aliases := slices.Clone(r.Aliases)
	slices.Sort(aliases)
	adv := &advisory{
		id:         r.ID,
		summary:    r.Summary,
		aliases:    slices.Compact(aliases),
		severity:   r.Severity,
		dbSeverity: r.DBSeverity,
		affected:   make([]affectedEntry, len(r.Affected)),
	}
	for i, a := range r.Affected {
		e := &adv.affected[i]
		e.versions, e.severity = a.Versions, a.Severity
		adv.entrySeverity = adv.entrySeverity || len(a.Severity) > 0
		if a.Package != nil {
			e.hasPackage, e.name = true, a.Package.Name
			eco, err := osvecosystem.Parse(a.Package.Ecosystem)
			e.ecosystem, e.ecoOK = eco, err == nil
		}
		e.loose = looseName(e.name)
		e.ranges = make([]versionRange, len(a.Ranges))
		for j, r := range a.Ranges {
			e.ranges[j] = compileRange(r, string(e.ecosystem.Ecosystem))
		}
	}
	return adv
}

// compileRange parses a range's event versions once and sorts the events
// as osv-scalibr's rangeContainsVersion does (sort.Slice, an introduced
// "0" first, then by version).
func compileRange(r osvRange, eco string) versionRange {
	vr := versionRange{typ: r.Type, events: make([]event, len(r.Events))}
	if !vr.comparable() {
		for i, e := range r.Events {
			vr.events[i].osvEvent = e
		}
		return vr
	}
	for i, e := range r.Events {
		ev := &vr.events[i]
		ev.osvEvent = e
		ev.introduced = parseIfSet(e.Introduced, eco)
		ev.fixed = parseIfSet(e.Fixed, eco)
		ev.lastAffected = parseIfSet(e.LastAffected, eco)
		ev.key = parseIfSet(eventVersion(e), eco)
		if eventVersion(e) == "" {
			ev.key, _ = semantic.Parse("", eco)
		}
	}
	sort.Slice(vr.events, func(i, j int) bool {
		a, b := &vr.events[i], &vr.events[j]
		if a.Introduced == "0" {
			return true
		}
		if b.Introduced == "0" {
			return false
		}
		if a.key == nil {
			vr.sortFails = true // semantic.MustParse panics here
			return false
		}
		return compare(a.key, b.key) < 0
	})
	return vr
}

// eventVersion is osv-scalibr's sort key of an event.
func eventVersion(e osvEvent) string {
	return cmpOr(e.Introduced, e.Fixed, e.Limit, e.LastAffected)
}

// cmpOr is the first non-empty string.
func cmpOr(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// parseIfSet parses a non-empty version; nil when empty or unparsable.
func parseIfSet(s, eco string) semantic.Version {
	if s == "" {
		return nil
	}
	v, err := semantic.Parse(s, eco)
	if err != nil {
		return nil
	}
	return v
}

// compare is semantic's CompareStr with the argument already parsed: an
// argument that did not parse compares equal (osv-scalibr ignores the
// error, which comes with 0).
func compare(v, w semantic.Version) int {
	if v == nil || w == nil {
		return 0
	}
	c, err := v.Compare(w)
	if err != nil {
		return 0
	}
	return c
}

// target is a component as osv-scalibr's matcher normalises it
// (osvutil.ParsePackage), its version parsed once.
type target struct {
	name      string
	ecosystem osvecosystem.Parsed
	version   string
	parsed    semantic.Version
	parseErr  error
}

var pythonSeparators = regexp.MustCompile(`[-_.]+`)
var goMajorSuffix = regexp.MustCompile(`(v[0-9]+)`)

// newTarget normalises x as osvutil.ParsePackage does for the purl types
// vouch matches (no git sources, no RPM epochs, no Maven archive
// metadata: vouch builds none).
func newTarget(x *extractor.Package) target {
	eco := x.Ecosystem()
	t := target{name: x.Name, ecosystem: eco, version: x.Version}
	pu := x.PURL()
	if pu != nil && pu.Namespace != "" && !osPURLTypes[pu.Type] {
		sep := "/"
		if eco.Ecosystem == osvconstants.EcosystemMaven {
			sep = ":"
		}
		if !strings.HasPrefix(t.name, pu.Namespace+sep) {
			t.name = pu.Namespace + sep + t.name
		}
	}
	switch m := x.Metadata.(type) {
	case *dpkgmeta.Metadata:
		if m.SourceName != "" {
			t.name = m.SourceName
		}
	case *apkmeta.Metadata:
		if m.OriginName != "" {
			t.name = m.OriginName
		}
	}
	switch eco.Ecosystem {
	case osvconstants.EcosystemGo:
		if t.name == "go" {
			t.name = stdlib
		} else if pu != nil && pu.Subpath != "" {
			if m := goMajorSuffix.FindStringSubmatch(pu.Subpath); m != nil {
				t.name += "/" + m[1]
			}
		}
	case osvconstants.EcosystemPyPI:
		t.name = strings.ToLower(pythonSeparators.ReplaceAllLiteralString(t.name, "-"))
	}
	t.parsed, t.parseErr = semantic.Parse(t.version, string(eco.Ecosystem))
	return t
}

// osPURLTypes are the purl types whose namespace is a distribution, not
// part of the name (osvutil's isOSPURLType).
var osPURLTypes = map[string]bool{
	scalibrpurl.TypeDebian: true, scalibrpurl.TypeApk: true, scalibrpurl.TypeRPM: true,
	scalibrpurl.TypeAlpm: true, scalibrpurl.TypeOpkg: true, scalibrpurl.TypeFlatpak: true,
	scalibrpurl.TypeCOS: true, scalibrpurl.TypeSnap: true, scalibrpurl.TypePacman: true,
	scalibrpurl.TypePortage: true, scalibrpurl.TypeNix: true, scalibrpurl.TypeDHI: true,
}

// affects is osv-scalibr's IsAffected: whether advisory a applies to t.
// The error is where osv-scalibr would panic (a version that does not
// parse, compared).
func (a *advisory) affects(t *target) (bool, error) {
	for i := range a.affected {
		e := &a.affected[i]
		if ok, err := e.affects(t, e.versions, e.ranges); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// affects is one iteration of IsAffected's loop over affected entries,
// with the entry's versions and ranges given (fixedVersion asks about one
// range at a time, without the versions list, as osv-scalibr would be
// asked about an entry holding only that range).
func (e *affectedEntry) affects(t *target, versions []string, ranges []versionRange) (bool, error) {
	if !e.hasPackage || !e.ecoOK || !e.ecosystem.Equal(t.ecosystem) || e.name != t.name {
		return false, nil
	}
	if len(ranges) == 0 && len(versions) == 0 {
		return false, nil
	}
	if matchVersionOrTag(versions, t.version) {
		return true, nil
	}
	if ok, err := rangesAffect(ranges, t); ok || err != nil {
		return ok, err
	}
	// No version: affected, as osv-scalibr assumes.
	return t.version == "" && t.ecosystem.Ecosystem != "GIT", nil
}

// matchVersionOrTag is osv-scalibr's: target is listed, "v" prefix or
// not.
func matchVersionOrTag(versions []string, target string) bool {
	if target == "" {
		return false
	}
	bare := strings.TrimPrefix(target, "v")
	for _, v := range versions {
		if v == target || strings.TrimPrefix(v, "v") == bare {
			return true
		}
	}
	return false
}

// rangesAffect is osv-scalibr's rangeAffectsVersion, including its stop
// at the first range that is neither ECOSYSTEM nor SEMVER.
func rangesAffect(ranges []versionRange, t *target) (bool, error) {
	for i := range ranges {
		r := &ranges[i]
		if !r.comparable() {
			return false, nil
		}
		if ok, err := r.contains(t); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// contains is osv-scalibr's rangeContainsVersion on the sorted events.
func (r *versionRange) contains(t *target) (bool, error) {
	if len(r.events) == 0 {
		return false, nil
	}
	if t.parseErr != nil {
		return false, fmt.Errorf("version %q is not a %s version: %w", t.version, t.ecosystem.Ecosystem, t.parseErr)
	}
	if r.sortFails {
		return false, fmt.Errorf("an event version of a range does not parse as a %s version", t.ecosystem.Ecosystem)
	}
	affected := false
	for i := range r.events {
		e := &r.events[i]
		switch {
		case affected && e.Fixed != "":
			affected = compare(t.parsed, e.fixed) < 0
		case affected && e.LastAffected != "":
			affected = e.LastAffected == t.version || compare(t.parsed, e.lastAffected) <= 0
		case !affected && e.Introduced != "":
			affected = e.Introduced == "0" || compare(t.parsed, e.introduced) >= 0
		}
	}
	return affected, nil
}
