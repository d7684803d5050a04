package format

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// Losses lists what of d the format s cannot carry: d is encoded in s,
// decoded again, and every fact of the model (a component, one of its
// fields, hashes, licences, properties, references; a dependency edge; a
// document field) that does not come back is reported as
// "<component id>: <field>" or "document: <field>". The check is generic:
// it does not know the formats' limits, it observes them, so whatever a
// round trip through s drops is named, and nothing else. The list is sorted
// and free of duplicates; nil means nothing is lost.
//
// If d cannot be encoded in s or the result not decoded, the single entry
// says so: then everything is lost.
func Losses(d *sbom.Document, s Spec) []string {
	enc, err := NewEncoder(s)
	if err != nil {
		return []string{"document: everything (" + err.Error() + ")"}
	}
	var buf bytes.Buffer
	if err := enc.Encode(&buf, d); err != nil {
		return []string{"document: everything (encode: " + err.Error() + ")"}
	}
	back, _, err := Decode(context.Background(), &buf)
	if err != nil {
		return []string{"document: everything (the encoded document does not decode: " + err.Error() + ")"}
	}
	return diff(d, back)
}

// diff lists the facts of a that b lacks.
func diff(a, b *sbom.Document) []string {
	var out []string
	lost := func(subject string, have, got []string) {
		for _, f := range have {
			if !slices.Contains(got, f) {
				out = append(out, subject+": "+key(f))
			}
		}
	}
	match := matcher(b)
	ids := map[string]string{} // a's component ID → b's
	for i := range a.Components {
		c := &a.Components[i]
		m := match(c)
		if m == nil {
			out = append(out, name(c)+": component")
			continue
		}
		ids[c.ID] = m.ID
		lost(name(c), componentFacts(c), componentFacts(m))
	}
	mapped := func(id string) string {
		if m, ok := ids[id]; ok {
			return m
		}
		return "\x00" + id // unmatched: can never be found in b
	}
	lost("document", documentFacts(a, mapped), documentFacts(b, func(id string) string { return id }))
	// Dependency edges are reported on the depending component.
	bEdges := map[string]bool{}
	for _, e := range edges(b, func(id string) string { return id }) {
		bEdges[e.fact] = true
	}
	for _, e := range edges(a, mapped) {
		if !bEdges[e.fact] {
			out = append(out, e.subject+": "+key(e.fact))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// key is the field part of a fact "field=value".
func key(fact string) string {
	for i := 0; i < len(fact); i++ {
		if fact[i] == '=' {
			return fact[:i]
		}
	}
	return fact
}

func name(c *sbom.Component) string {
	if c.ID != "" {
		return c.ID
	}
	if c.Version != "" {
		return c.Name + "@" + c.Version
	}
	return c.Name
}

// matcher finds a's components in b: by ID, else by purl, else by name and
// version (identifiers may be rewritten by a format, e.g. SPDX ids).
func matcher(b *sbom.Document) func(*sbom.Component) *sbom.Component {
	byID := map[string]*sbom.Component{}
	byPURL := map[string][]*sbom.Component{}
	byName := map[string][]*sbom.Component{}
	for i := range b.Components {
		c := &b.Components[i]
		byID[c.ID] = c
		if c.PURL != "" {
			byPURL[c.PURL] = append(byPURL[c.PURL], c)
		}
		byName[c.Name+"\x00"+c.Version] = append(byName[c.Name+"\x00"+c.Version], c)
	}
	return func(c *sbom.Component) *sbom.Component {
		if m, ok := byID[c.ID]; ok && c.ID != "" {
			return m
		}
		if ms := byPURL[c.PURL]; c.PURL != "" && len(ms) == 1 {
			return ms[0]
		}
		if ms := byName[c.Name+"\x00"+c.Version]; len(ms) == 1 {
			return ms[0]
		}
		return nil
	}
}

func componentFacts(c *sbom.Component) []string {
	var fs []string
	add := func(field, v string) {
		if v != "" {
			fs = append(fs, field+"="+v)
		}
	}
	add("type", string(c.Type))
	add("name", c.Name)
	add("version", c.Version)
	add("purl", c.PURL)
	add("supplier.name", c.Supplier.Name)
	add("supplier.email", c.Supplier.Email)
	add("supplier.url", c.Supplier.URL)
	add("author", c.Author)
	add("scope", string(c.Scope))
	add("licenses.declared", c.Licenses.Declared)
	add("licenses.concluded", c.Licenses.Concluded)
	for _, h := range c.Hashes {
		add("hashes["+string(h.Algorithm)+"]", h.Value)
	}
	add("fileName", c.FileName)
	if c.Size != 0 {
		add("size", strconv.FormatInt(c.Size, 10))
	}
	for _, p := range c.Properties {
		fs = append(fs, "properties["+p.Name+"]="+p.Value)
	}
	for _, r := range c.References {
		add("externalReferences["+string(r.Type)+"]", r.URL)
		for _, h := range r.Hashes {
			add("externalReferences["+string(r.Type)+"].hashes["+string(h.Algorithm)+"]", r.URL+" "+h.Value)
		}
	}
	return fs
}

func documentFacts(d *sbom.Document, id func(string) string) []string {
	var fs []string
	add := func(field, v string) {
		if v != "" {
			fs = append(fs, field+"="+v)
		}
	}
	add("name", d.Name)
	if !d.Created.IsZero() {
		add("created", d.Created.UTC().Format("2006-01-02T15:04:05Z"))
	}
	for _, a := range d.Authors {
		add("authors", fmt.Sprintf("%q %q %q", a.Name, a.Email, a.URL))
	}
	for _, t := range d.Tools {
		add("tools", fmt.Sprintf("%q %q %q", t.Vendor, t.Name, t.Version))
	}
	add("lifecycle", d.Lifecycle)
	if d.Primary != "" {
		add("primary", id(d.Primary))
	}
	add("completeness", string(d.Completeness))
	for _, p := range d.Properties {
		fs = append(fs, "properties["+p.Name+"]="+p.Value)
	}
	return fs
}

type edge struct{ subject, fact string }

// edges lists dependency facts: one per edge, and each stated completeness.
func edges(d *sbom.Document, id func(string) string) []edge {
	var es []edge
	for _, dep := range d.Dependencies {
		for _, t := range dep.DependsOn {
			es = append(es, edge{dep.Ref, "dependsOn " + t + "=" + id(dep.Ref) + " " + id(t)})
		}
		if dep.Completeness != sbom.CompletenessUnknown {
			es = append(es, edge{dep.Ref, "dependencies.completeness=" + id(dep.Ref) + " " + string(dep.Completeness)})
		}
	}
	return es
}

// Complete fills the document fields some formats require and d lacks, and
// says what it filled: SPDX needs a document name (the primary component's
// name, else fallback) and a creation time (created). A CycloneDX document
// without metadata is valid, so converting one must supply these, visibly.
func Complete(d *sbom.Document, fallback string, created time.Time) []string {
	var notes []string
	if d.Name == "" {
		d.Name = fallback
		if p := d.Component(d.Primary); p != nil && p.Name != "" {
			d.Name = p.Name
		}
		notes = append(notes, fmt.Sprintf("document: name is empty; using %q", d.Name))
	}
	if d.Created.IsZero() {
		d.Created = created.UTC().Truncate(time.Second)
		notes = append(notes, "document: no creation time; using "+d.Created.Format(time.RFC3339))
	}
	return notes
}
