package sbom

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
)

// Normalize puts d into canonical order: components by ID, dependency lists by
// Ref with sorted, de-duplicated targets, properties by name then value,
// hashes by algorithm. Encoders call it so that equal content gives equal bytes.
func (d *Document) Normalize() {
	for i := range d.Components {
		normalizeComponent(&d.Components[i])
	}
	slices.SortStableFunc(d.Components, func(a, b Component) int { return cmp.Compare(a.ID, b.ID) })
	d.Components = slices.CompactFunc(d.Components, func(a, b Component) bool { return a.ID == b.ID })
	d.Dependencies = mergeDependencies(d.Dependencies)
	sortProperties(d.Properties)
	d.Created = d.Created.UTC().Truncate(1e9)
}

func normalizeComponent(c *Component) {
	sortProperties(c.Properties)
	c.Properties = slices.Compact(c.Properties)
	sortHashes(c.Hashes)
	slices.SortStableFunc(c.References, func(a, b ExternalRef) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.URL, b.URL))
	})
	for i := range c.References {
		sortHashes(c.References[i].Hashes)
	}
}

func sortHashes(h []Hash) {
	slices.SortFunc(h, func(a, b Hash) int { return cmp.Compare(a.Algorithm, b.Algorithm) })
}

func sortProperties(p []Property) {
	slices.SortStableFunc(p, func(a, b Property) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Value, b.Value))
	})
}

// mergeDependencies joins entries with the same Ref, sorts and de-duplicates
// their targets, and sorts the entries. Where two entries for one Ref disagree
// on completeness, the weaker claim wins: incomplete over unknown over complete.
func mergeDependencies(deps []Dependency) []Dependency {
	byRef := make(map[string]int, len(deps))
	var out []Dependency
	for _, d := range deps {
		if i, ok := byRef[d.Ref]; ok {
			out[i].DependsOn = append(out[i].DependsOn, d.DependsOn...)
			out[i].Completeness = weaker(out[i].Completeness, d.Completeness)
			continue
		}
		byRef[d.Ref] = len(out)
		out = append(out, Dependency{Ref: d.Ref, DependsOn: slices.Clone(d.DependsOn), Completeness: d.Completeness})
	}
	for i := range out {
		slices.Sort(out[i].DependsOn)
		out[i].DependsOn = slices.Compact(out[i].DependsOn)
	}
	slices.SortFunc(out, func(a, b Dependency) int { return cmp.Compare(a.Ref, b.Ref) })
	return out
}

func weaker(a, b Completeness) Completeness {
	rank := func(c Completeness) int {
		switch c {
		case CompletenessIncomplete:
			return 0
		case CompletenessUnknown:
			return 1
		}
		return 2
	}
	if rank(a) <= rank(b) {
		return a
	}
	return b
}

// Digest returns a hex SHA-256 over the canonical content of d, excluding the
// timestamp. Encoders derive serial numbers and namespaces from it, so that the
// same content always yields the same identifiers.
func (d *Document) Digest() string {
	c := *d
	c.Components = slices.Clone(d.Components)
	c.Dependencies = slices.Clone(d.Dependencies)
	c.Properties = slices.Clone(d.Properties)
	c.Normalize()
	// The timestamp is deliberately left out: two runs over the same input at
	// different times describe the same content.
	type canon struct {
		Name         string
		Primary      string
		Components   []Component
		Dependencies []Dependency
		Completeness Completeness
		Properties   []Property
	}
	b, err := json.Marshal(canon{c.Name, c.Primary, c.Components, c.Dependencies, c.Completeness, c.Properties})
	if err != nil {
		// Every field is a plain string, number or slice of them: Marshal cannot fail.
		panic("sbom: digest: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// UUIDFromDigest formats the first 16 bytes of a hex digest as an RFC 9562
// version 8 (custom) UUID: deterministic, and marked as not random.
func UUIDFromDigest(hexDigest string) string {
	b, err := hex.DecodeString(hexDigest)
	if err != nil || len(b) < 16 {
		sum := sha256.Sum256([]byte(hexDigest))
		b = sum[:]
	}
	b = slices.Clone(b[:16])
	b[6] = (b[6] & 0x0f) | 0x80 // version 8
	b[8] = (b[8] & 0x3f) | 0x80 // RFC 9562 variant
	h := hex.EncodeToString(b)
	return strings.Join([]string{h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]}, "-")
}
