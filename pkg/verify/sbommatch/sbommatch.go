// Package sbommatch compares what an SBOM says an artifact consists of with
// what the artifact itself shows: the components vouch's catalog re-derives
// from the artifact's own bytes (the build info of a Go binary, the
// binaries and lockfiles inside a release archive, and whatever else the
// catalog registry reads).
//
// # What counts as a difference
//
// The artifact is the truth about what it contains; the SBOM is a claim.
// [Compare] reports, for every component the artifact shows:
//
//   - [Omitted]: the SBOM does not list it at all (no component with the
//     same package: purl type, namespace and name);
//   - [Version]: the SBOM lists the package, but not at the version the
//     artifact shows;
//   - [Qualifier]: the SBOM's purl states a qualifier at another value
//     than the artifact's (an rpm's epoch, which is part of its version,
//     an arch, a Maven classifier); one it leaves out is not a difference;
//   - [Hash]: the SBOM lists the package at that version with a digest
//     (SHA-256, SHA-512, …, or a Go module's h1: checksum) that differs
//     from the artifact's for the same algorithm.
//
// A hash the SBOM does not state is not a difference: an SBOM may omit
// digests, it may not state wrong ones — in any listing: a component
// listed twice is compared twice.
//
// Components the SBOM lists and the artifact does not show are reported
// apart, as [Unshown], and callers treat them as softer: an SBOM may
// legitimately list more than its artifact reveals — source-level
// dependencies that are not linked (test and tool requirements of go.mod),
// development dependencies of a lockfile, the source module next to its
// binaries — so listing more is not a misstatement, while omitting or
// misstating what ships is.
//
// # Versions vouch cannot see
//
// A version is compared only where the artifact itself records it: every
// dependency's version (Go build info, lockfiles), and a Go main module's
// version only when the toolchain stamped a release version into its build
// info. A main module version that came from -ldflags, a git tag or
// nowhere is not what the bytes show, and a stamped pseudo-version names
// a commit that a release tag may name as well (tagged after the build),
// so in those cases the SBOM's version is accepted.
//
// # Development dependencies
//
// A component the artifact shows only as a development dependency (scope
// excluded: a lockfile's dev packages, which do not ship) is not reported
// as omitted when the SBOM leaves it out, as `--exclude-dev` SBOMs do; if
// the SBOM lists it, its version and digests are compared like any other.
//
// The artifact as a whole (the release archive, or a bare file known only
// by its bytes) is already bound to the SBOM by the attestation's subject
// digest; its own component is compared by digest only ([Compare]'s
// digests), whatever its name.
package sbommatch

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// Kind is a kind of difference.
type Kind string

// Kinds of difference.
const (
	Omitted Kind = "omitted" // the artifact shows a component the SBOM does not list
	Version Kind = "version" // the SBOM lists the component at another version
	Hash    Kind = "hash"    // the SBOM states a digest that differs from the artifact's
	// Qualifier: the SBOM's purl states a qualifier (an rpm's epoch or
	// arch, a Maven classifier) at another value than the artifact's.
	Qualifier Kind = "qualifier"
	Unshown   Kind = "unshown" // the SBOM lists a component the artifact does not show (softer)
)

// Diff is one difference between the SBOM and the artifact.
type Diff struct {
	Kind Kind
	// Component names the package: its purl without version, qualifiers
	// and subpath ("pkg:golang/golang.org/x/mod"), or "name NAME" for a
	// component without a purl.
	Component string
	// File is the file name the artifact shows the component as (an
	// executable's), or "".
	File string
	// Field is what differs: "component", "version", "hash SHA-256",
	// "vouch:golang:h1".
	Field string
	// SBOM is the SBOM's value ("" when it lists none); Artifact the
	// artifact's ("" when it shows none).
	SBOM, Artifact string
}

// Result is the outcome of a comparison.
type Result struct {
	// Diffs are the omitted, misstated and mis-hashed components, sorted.
	Diffs []Diff
	// Unshown are the components the SBOM lists that the artifact does not
	// show, sorted.
	Unshown []Diff
	// Compared counts the components of the artifact compared.
	Compared int
}

// Compare compares the components an SBOM claims with those derived from
// the artifact. digests are the artifact's own (algorithm "sha256",
// "sha512" → hex): the SBOM's components that are the artifact itself are
// checked against them. Neither document is modified.
func Compare(claimed, derived *sbom.Document, digests map[string]string) Result {
	var res Result
	byKey := map[string][]*sbom.Component{}
	for i := range claimed.Components {
		c := &claimed.Components[i]
		byKey[Key(c)] = append(byKey[Key(c)], c)
	}
	shown := map[*sbom.Component]bool{}
	derivedByKey := map[string][]*sbom.Component{}
	for i := range derived.Components {
		d := &derived.Components[i]
		if isWhole(derived, d) {
			continue
		}
		derivedByKey[Key(d)] = append(derivedByKey[Key(d)], d)
		res.Compared++
		if diff, ok := compareOne(d, byKey[Key(d)], shown); !ok {
			diff.File = d.FileName
			res.Diffs = append(res.Diffs, diff)
		}
	}
	for i := range claimed.Components {
		c := &claimed.Components[i]
		switch {
		case shown[c]:
		case isArtifact(claimed, c, digests):
			res.Diffs = append(res.Diffs, wholeDiffs(c, digests)...)
		case relisted(c, derivedByKey[Key(c)], &res):
			// Another listing of a shown component: compared by relisted.
		case c.PURL != "" || len(c.Hashes) > 0:
			// A component without purl or digest (a synthetic root)
			// names nothing the artifact could show.
			res.Unshown = append(res.Unshown, Diff{Kind: Unshown, Component: Key(c), Field: "component", SBOM: orNone(c.Version)})
		}
	}
	sortDiffs(res.Diffs)
	sortDiffs(res.Unshown)
	return res
}

// relisted reports whether the claimed component c, matched by no derived
// component, is another listing of one the artifact shows (same package,
// version and qualifiers): a duplicate is not an extra component, and its
// digests must agree with one of those components' — or the difference is
// added to res.
func relisted(c *sbom.Component, derived []*sbom.Component, res *Result) bool {
	same := slices.DeleteFunc(slices.Clone(derived), func(d *sbom.Component) bool {
		return (versionShown(d) && d.Version != c.Version) || qualifierDiff(c, d) != nil
	})
	if len(same) == 0 {
		return false
	}
	if byName := slices.DeleteFunc(slices.Clone(same), func(d *sbom.Component) bool { return d.FileName != c.FileName }); len(byName) > 0 {
		same = byName
	}
	var first Diff
	for _, d := range same {
		diff, ok := hashDiff(Key(c), c, d)
		if ok {
			return true
		}
		if first.Kind == "" {
			first, first.File = diff, d.FileName
		}
	}
	res.Diffs = append(res.Diffs, first)
	return true
}

// compareOne finds the SBOM's listing of the derived component d among the
// candidates with its key, marks what it matched as shown, and returns the
// difference, with ok false, if there is one.
func compareOne(d *sbom.Component, cands []*sbom.Component, shown map[*sbom.Component]bool) (Diff, bool) {
	key := Key(d)
	if len(cands) == 0 && d.Scope == sbom.ScopeExcluded {
		return Diff{}, true // development only: it need not be listed
	}
	if len(cands) == 0 {
		return Diff{Kind: Omitted, Component: key, Field: "component", Artifact: orNone(d.Version)}, false
	}
	same := cands
	if versionShown(d) {
		same = slices.DeleteFunc(slices.Clone(cands), func(c *sbom.Component) bool { return c.Version != d.Version })
		if len(same) == 0 {
			for _, c := range cands {
				shown[c] = true // listed, at the wrong version: not also "unshown"
			}
			return Diff{Kind: Version, Component: key, Field: "version", SBOM: versions(cands), Artifact: d.Version}, false
		}
	}
	agree := slices.DeleteFunc(slices.Clone(same), func(c *sbom.Component) bool { return qualifierDiff(c, d) != nil })
	if len(agree) == 0 {
		for _, c := range same {
			shown[c] = true // listed, with a wrong qualifier: not also "unshown"
		}
		q := qualifierDiff(same[0], d)
		return Diff{Kind: Qualifier, Component: key, Field: "purl qualifier " + q[0], SBOM: q[1], Artifact: q[2]}, false
	}
	same = agree
	// Prefer the listing of the same file (two binaries of one module).
	if byName := slices.DeleteFunc(slices.Clone(same), func(c *sbom.Component) bool { return c.FileName != d.FileName }); len(byName) > 0 {
		same = byName
	}
	var first Diff
	for _, c := range same {
		diff, ok := hashDiff(key, c, d)
		if ok {
			shown[c] = true
			return Diff{}, true
		}
		if first.Kind == "" {
			first = diff
		}
	}
	for _, c := range same {
		shown[c] = true
	}
	return first, false
}

// hashDiff compares the digests both components state, algorithm by
// algorithm; ok is true when none differs.
func hashDiff(key string, claimed, derived *sbom.Component) (Diff, bool) {
	for _, h := range derived.Hashes {
		if v, ok := misstated(claimed, h.Algorithm, derived.Hashes); !ok {
			return Diff{Kind: Hash, Component: key, Field: "hash " + string(h.Algorithm), SBOM: v, Artifact: h.Value}, false
		}
	}
	want, ok1 := derived.Property(sbom.PropGoH1)
	got, ok2 := claimed.Property(sbom.PropGoH1)
	if ok1 && ok2 && want != got {
		return Diff{Kind: Hash, Component: key, Field: sbom.PropGoH1, SBOM: got, Artifact: want}, false
	}
	return Diff{}, true
}

// qualifierDiff returns the first purl qualifier, in name order, that the
// claimed component states at another value than the derived one, as
// {name, claimed value, derived value}, or nil. A qualifier the claim
// leaves out is not a difference, except an epoch (rpm, alpm), which is
// part of the version: none means 0. The checksum qualifier is compared
// as a digest, not here.
func qualifierDiff(claimed, derived *sbom.Component) []string {
	cq, dq := qualifiers(claimed.PURL), qualifiers(derived.PURL)
	if cq["epoch"] != "" || dq["epoch"] != "" {
		cq["epoch"], dq["epoch"] = cmp.Or(cq["epoch"], "0"), cmp.Or(dq["epoch"], "0")
	}
	for _, name := range slices.Sorted(maps.Keys(dq)) {
		if v, ok := cq[name]; ok && name != "checksum" && v != dq[name] {
			return []string{name, v, dq[name]}
		}
	}
	return nil
}

// qualifiers are a purl's qualifiers by name (empty for none or a purl
// that does not parse).
func qualifiers(purl string) map[string]string {
	p, err := packageurl.FromString(purl)
	if err != nil {
		return map[string]string{}
	}
	return p.Qualifiers.Map()
}

// versionShown reports whether the artifact itself records d's version
// (see the package documentation).
func versionShown(d *sbom.Component) bool {
	if d.Version == "" {
		return false
	}
	src, ok := d.Property(sbom.PropVersionSource)
	return !ok || src == sbom.VersionFromBuild
}

// isWhole reports whether d is the derived document's component for the
// artifact as a whole: an archive or a bare file, known by its bytes,
// which the attestation's subject digest already binds.
func isWhole(doc *sbom.Document, d *sbom.Component) bool {
	return d.ID == doc.Primary && (d.Type == sbom.TypeArchive || d.Type == sbom.TypeFile)
}

// isArtifact reports whether the SBOM's component c stands for the
// artifact itself: the SBOM's primary archive or file, or any component
// stating one of the artifact's digests.
func isArtifact(doc *sbom.Document, c *sbom.Component, digests map[string]string) bool {
	if c.ID == doc.Primary && (c.Type == sbom.TypeArchive || c.Type == sbom.TypeFile) {
		return true
	}
	for alg, v := range digests {
		if slices.ContainsFunc(c.Hashes, func(h sbom.Hash) bool { return sameAlg(h.Algorithm, hashAlg(alg)) && strings.EqualFold(h.Value, v) }) {
			return true
		}
	}
	return false
}

// wholeDiffs compares the digests the SBOM states for the artifact itself
// with the artifact's.
func wholeDiffs(c *sbom.Component, digests map[string]string) []Diff {
	var out []Diff
	for alg, v := range digests {
		own := []sbom.Hash{{Algorithm: hashAlg(alg), Value: v}}
		if h, ok := misstated(c, hashAlg(alg), own); !ok {
			out = append(out, Diff{Kind: Hash, Component: Key(c), Field: "hash " + string(hashAlg(alg)), SBOM: h, Artifact: v})
		}
	}
	return out
}

// misstated checks every digest of algorithm alg that the claimed
// component states — all of them, not the first: a component may list an
// algorithm twice — against the artifact's digests of that algorithm. It
// returns the first claimed value the artifact does not show, with ok
// false.
func misstated(claimed *sbom.Component, alg sbom.HashAlgorithm, shown []sbom.Hash) (string, bool) {
	for _, h := range claimed.Hashes {
		if !sameAlg(h.Algorithm, alg) {
			continue
		}
		if !slices.ContainsFunc(shown, func(s sbom.Hash) bool { return sameAlg(s.Algorithm, alg) && strings.EqualFold(s.Value, h.Value) }) {
			return h.Value, false
		}
	}
	return "", true
}

// sameAlg reports whether two spellings name one digest algorithm
// ("SHA-256", "sha256", "SHA_256"): a decoder keeps what the SBOM wrote,
// and a digest must not escape comparison by its algorithm's spelling.
func sameAlg(a, b sbom.HashAlgorithm) bool {
	norm := func(h sbom.HashAlgorithm) string {
		return strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToUpper(string(h)))
	}
	return norm(a) == norm(b)
}

// hashAlg is the model's name of a digest algorithm ("sha256" → SHA-256).
func hashAlg(alg string) sbom.HashAlgorithm {
	switch alg {
	case "sha256":
		return sbom.SHA256
	case "sha512":
		return sbom.SHA512
	}
	return sbom.HashAlgorithm(alg)
}

// Key names the package a component is: its purl's type (lower case),
// namespace and name; for a generic purl, whose name is a file name, the
// name alone (its checksum qualifier is compared as a hash, not a name).
// A component without a parsable purl is "name NAME".
func Key(c *sbom.Component) string {
	if c.PURL != "" {
		if p, err := packageurl.FromString(c.PURL); err == nil {
			p.Type, p.Version, p.Qualifiers, p.Subpath = strings.ToLower(p.Type), "", nil, ""
			return p.ToString()
		}
	}
	return "name " + c.Name
}

// versions lists the distinct versions of components, sorted.
func versions(cs []*sbom.Component) string {
	var vs []string
	for _, c := range cs {
		vs = append(vs, orNone(c.Version))
	}
	slices.Sort(vs)
	return strings.Join(slices.Compact(vs), ", ")
}

func orNone(v string) string {
	if v == "" {
		return "(no version)"
	}
	return v
}

func sortDiffs(ds []Diff) {
	slices.SortFunc(ds, func(a, b Diff) int {
		return cmp.Or(cmp.Compare(a.Component, b.Component), cmp.Compare(a.File, b.File), cmp.Compare(a.Field, b.Field),
			cmp.Compare(a.Artifact, b.Artifact), cmp.Compare(a.SBOM, b.SBOM))
	})
}

// Name is the component with the file the artifact shows it as, if any:
// "pkg:golang/example.com/app (file app)".
func (d Diff) Name() string {
	if d.File == "" {
		return d.Component
	}
	return d.Component + " (file " + d.File + ")"
}

// String describes the difference in one line: the component, the field,
// and both values.
func (d Diff) String() string {
	switch d.Kind {
	case Omitted:
		return d.Name() + ": omitted from the SBOM (the artifact shows version " + d.Artifact + ")"
	case Unshown:
		return d.Name() + ": listed in the SBOM (" + d.SBOM + "), not shown by the artifact"
	}
	return d.Name() + ": " + d.Field + ": SBOM " + d.SBOM + ", artifact " + d.Artifact
}
