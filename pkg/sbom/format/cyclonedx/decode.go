package cyclonedx

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/sbom"
)

// DefaultMaxBytes is the largest document [Decoder] reads when MaxBytes is 0.
const DefaultMaxBytes = 256 << 20

// ErrTooLarge is wrapped by the error Decode returns for input larger than
// the decoder's limit.
var ErrTooLarge = errors.New("cyclonedx: document too large")

// Decoder reads CycloneDX documents, JSON or XML, versions 1.2 to 1.7.
type Decoder struct {
	// MaxBytes limits how much Decode reads; 0 means [DefaultMaxBytes].
	MaxBytes int64
}

const xmlNamespacePrefix = "http://cyclonedx.org/schema/bom/"

var (
	jsonFormatRE  = regexp.MustCompile(`"bomFormat"\s*:\s*"CycloneDX"`)
	jsonVersionRE = regexp.MustCompile(`"specVersion"\s*:\s*"([0-9]+\.[0-9]+)"`)
	xmlNSRE       = regexp.MustCompile(`xmlns(?::[A-Za-z_][\w.-]*)?\s*=\s*["']http://cyclonedx\.org/schema/bom/([0-9]+\.[0-9]+)["']`)
)

// Identify reports whether head, the first bytes of a file, looks like a
// CycloneDX document: JSON with "bomFormat": "CycloneDX", or XML in a
// http://cyclonedx.org/schema/bom/1.x namespace. version is the declared
// specVersion, "" if head does not contain it.
func (Decoder) Identify(head []byte) (ok bool, version string) {
	switch sniff(head) {
	case '{':
		if !jsonFormatRE.Match(head) {
			return false, ""
		}
		if m := jsonVersionRE.FindSubmatch(head); m != nil {
			return true, string(m[1])
		}
		return true, ""
	case '<':
		if m := xmlNSRE.FindSubmatch(head); m != nil {
			return true, string(m[1])
		}
	}
	return false, ""
}

// sniff returns the first significant byte of b, after white space and a
// UTF-8 byte order mark, or 0.
func sniff(b []byte) byte {
	b = bytes.TrimPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// Decode reads a CycloneDX document from r into the model. It rejects input
// over the size limit, documents that are not CycloneDX 1.2–1.7, duplicate
// bom-refs and dependencies on unknown components. A *bytes.Buffer is read
// without copying its contents (they must not change until Decode returns).
func (dec Decoder) Decode(ctx context.Context, r io.Reader) (*sbom.Document, error) {
	limit := dec.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	data, err := readAll(r, limit)
	if err != nil {
		return nil, fmt.Errorf("cyclonedx: read: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes (raise the limit with Decoder.MaxBytes, --max-sbom-size on the command line)", ErrTooLarge, limit)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var bom wireBOM
	var sv cdx.SpecVersion
	switch c := sniff(data); c {
	case '{':
		sv, err = decodeJSON(data, &bom)
	case '<':
		sv, err = decodeXML(data, &bom)
	case 0:
		return nil, errors.New("cyclonedx: empty input, want a CycloneDX JSON or XML document")
	default:
		return nil, fmt.Errorf("cyclonedx: input starts with %q, want a CycloneDX JSON object or XML document", c)
	}
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return fromBOM(&bom, sv)
}

// readAll reads r to its end, but no more than limit+1 bytes. A
// bytes.Buffer's contents are used as they are. A reader that
// knows how much it holds (a bytes.Reader, strings.Reader or bytes.Buffer)
// is read into a buffer of that size at once, instead of one that
// io.ReadAll grows and copies again and again.
func readAll(r io.Reader, limit int64) ([]byte, error) {
	if b, ok := r.(*bytes.Buffer); ok && int64(b.Len()) <= limit {
		// Its contents, without copying them: Decode only reads them, and
		// keeps no reference once it returns.
		return b.Next(b.Len()), nil
	}
	lr, ok := r.(interface{ Len() int })
	if !ok || int64(lr.Len()) > limit {
		return io.ReadAll(io.LimitReader(r, limit+1))
	}
	data := make([]byte, lr.Len())
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, err
	}
	// Len was exact for the readers that have one; should one have
	// understated it, read the rest under the limit as well.
	rest, err := io.ReadAll(io.LimitReader(r, limit+1-int64(len(data))))
	if err != nil {
		return nil, err
	}
	return append(data, rest...), nil
}

func decodeJSON(data []byte, bom *wireBOM) (cdx.SpecVersion, error) {
	if err := sbom.CheckJSON(data); err != nil {
		return 0, fmt.Errorf("cyclonedx: %w", err)
	}
	var probe jsonProbe
	split := decodeSplit(data, &probe, bom)
	if !split {
		// Read it the plain way, for encoding/json's own errors.
		probe, *bom = jsonProbe{}, wireBOM{}
		if err := json.Unmarshal(data, &probe); err != nil {
			return 0, fmt.Errorf("cyclonedx: parse JSON: %w", strictjson.Explain(data, err))
		}
	}
	switch {
	case probe.BOMFormat != nil && *probe.BOMFormat == cdx.BOMFormat:
	case probe.SPDXVersion != "":
		return 0, fmt.Errorf("cyclonedx: input is an SPDX document (spdxVersion %q), not CycloneDX", probe.SPDXVersion)
	case probe.Context != nil:
		return 0, errors.New("cyclonedx: input is a JSON-LD document (it has @context, as SPDX 3 does), not CycloneDX")
	case probe.BOMFormat == nil:
		return 0, errors.New(`cyclonedx: JSON object has no "bomFormat", want "bomFormat": "CycloneDX"`)
	default:
		return 0, fmt.Errorf(`cyclonedx: bomFormat is %q, want "CycloneDX"`, *probe.BOMFormat)
	}
	var v string
	if err := json.Unmarshal(probe.SpecVersion, &v); err != nil {
		return 0, fmt.Errorf("cyclonedx: specVersion %s is not a string like \"1.6\"", probe.SpecVersion)
	}
	sv, ok := specVersions[v]
	if !ok {
		return 0, fmt.Errorf("cyclonedx: unsupported specVersion %q, want 1.2 to 1.7", v)
	}
	if !split {
		if err := json.Unmarshal(data, bom); err != nil {
			return 0, fmt.Errorf("cyclonedx: parse %s JSON: %w", v, strictjson.Explain(data, err))
		}
	}
	return sv, nil
}

func decodeXML(data []byte, bom *wireBOM) (cdx.SpecVersion, error) {
	d := sbom.NewXMLDecoder(bytes.NewReader(data)) // nesting capped at sbom.MaxDepth
	for {
		tok, err := d.Token()
		if err != nil {
			return 0, fmt.Errorf("cyclonedx: parse XML: no root element: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue // prolog: declaration, comments, white space
		}
		ns := se.Name.Space
		v, isCDX := strings.CutPrefix(ns, xmlNamespacePrefix)
		if se.Name.Local != "bom" || !isCDX {
			return 0, fmt.Errorf("cyclonedx: XML root element is <%s> in namespace %q, want <bom> in %s1.x", se.Name.Local, ns, xmlNamespacePrefix)
		}
		sv, ok := specVersions[v]
		if !ok {
			return 0, fmt.Errorf("cyclonedx: unsupported XML namespace %q, want CycloneDX 1.2 to 1.7", ns)
		}
		if err := d.DecodeElement(bom, &se); err != nil {
			return 0, fmt.Errorf("cyclonedx: parse %s XML: %w", v, err)
		}
		return sv, nil
	}
}

// decodeState carries what fromBOM learns while walking the component tree.
type decodeState struct {
	doc *sbom.Document
	// where maps each bom-ref to the element that has it (generated for
	// the IDs fromBOM makes up).
	where map[string]*elemPath
	// services holds bom-refs of services: dependency edges to them are
	// dropped, the model having no services.
	services map[string]bool
	// edges are parent→child edges of nested components.
	edges map[string][]string
	// count is the number of components, for sizing the model's list.
	count int
}

func fromBOM(bom *wireBOM, sv cdx.SpecVersion) (*sbom.Document, error) {
	st := &decodeState{
		doc:      &sbom.Document{},
		where:    make(map[string]*elemPath, len(bom.Components)+1),
		services: map[string]bool{},
		edges:    map[string][]string{},
	}
	// Collect explicit bom-refs first, so that generated IDs never collide with them.
	var meta *wireComponent
	if bom.Metadata != nil {
		meta = bom.Metadata.Component
	}
	if meta != nil {
		if err := st.collectRefs(meta, &elemPath{name: "metadata.component", index: -1}); err != nil {
			return nil, err
		}
	}
	for i := range bom.Components {
		if err := st.collectRefs(&bom.Components[i], &elemPath{name: "components", index: i}); err != nil {
			return nil, err
		}
	}
	for i, s := range bom.Services {
		if err := st.collectServiceRefs(s, &elemPath{name: "services", index: i}); err != nil {
			return nil, err
		}
	}

	d := st.doc
	d.Components = make([]sbom.Component, 0, st.count)
	if meta != nil {
		d.Primary = st.addComponent(meta, "metadata", "")
	}
	for i := range bom.Components {
		st.addComponent(&bom.Components[i], strconv.Itoa(i), "")
	}
	if err := decodeMetadata(bom.Metadata, sv, d); err != nil {
		return nil, err
	}
	if err := st.decodeGraph(bom); err != nil {
		return nil, err
	}
	d.Normalize()
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("cyclonedx: %w", err)
	}
	return d, nil
}

// elemPath is where an element is in the document ("components[0].components[2]"),
// spelt out only for an error: spelling out every nested component's path
// would take time and memory quadratic in the nesting depth.
type elemPath struct {
	parent *elemPath
	name   string
	index  int // -1 for a member that is no array item
}

// generated marks the IDs fromBOM makes up for components without a bom-ref.
var generated = &elemPath{name: "generated", index: -1}

func (p *elemPath) String() string {
	var segs []string
	for q := p; q != nil; q = q.parent {
		seg := q.name
		if q.index >= 0 {
			seg += "[" + strconv.Itoa(q.index) + "]"
		}
		segs = append(segs, seg)
	}
	slices.Reverse(segs)
	return strings.Join(segs, ".")
}

func (st *decodeState) collectRefs(c *wireComponent, path *elemPath) error {
	st.count++
	if c.BOMRef != "" {
		if prev, dup := st.where[c.BOMRef]; dup {
			return fmt.Errorf("cyclonedx: %w: duplicate bom-ref %q (%s and %s)", sbom.ErrInvalid, c.BOMRef, prev, path)
		}
		st.where[c.BOMRef] = path
	}
	for i := range c.Components {
		if err := st.collectRefs(&c.Components[i], &elemPath{parent: path, name: "components", index: i}); err != nil {
			return err
		}
	}
	return nil
}

func (st *decodeState) collectServiceRefs(s wireService, path *elemPath) error {
	if s.BOMRef != "" {
		if prev, dup := st.where[s.BOMRef]; dup {
			return fmt.Errorf("cyclonedx: %w: duplicate bom-ref %q (%s and %s)", sbom.ErrInvalid, s.BOMRef, prev, path)
		}
		st.where[s.BOMRef] = path
		st.services[s.BOMRef] = true
	}
	for i, sub := range s.Services {
		if err := st.collectServiceRefs(sub, &elemPath{parent: path, name: "services", index: i}); err != nil {
			return err
		}
	}
	return nil
}

// addComponent converts c and its nested components, returning c's ID.
// A component without a bom-ref is named after its purl if that is free,
// else after its position ("component-3", "component-3.0", "component-metadata").
func (st *decodeState) addComponent(c *wireComponent, indexPath, parent string) string {
	id := c.BOMRef
	if id == "" {
		id = "component-" + indexPath
		if p := c.PURL; p != "" {
			if _, taken := st.where[p]; !taken {
				id = p
			}
		}
		for {
			if _, taken := st.where[id]; !taken {
				break
			}
			id += "_" // only a document that uses these names itself gets here
		}
		st.where[id] = generated
	}
	st.doc.Components = append(st.doc.Components, decodeComponent(c, id))
	if parent != "" {
		st.edges[parent] = append(st.edges[parent], id)
	}
	for i := range c.Components {
		st.addComponent(&c.Components[i], indexPath+"."+strconv.Itoa(i), id)
	}
	return id
}

func decodeComponent(c *wireComponent, id string) sbom.Component {
	out := sbom.Component{
		ID:         id,
		Type:       sbom.ComponentType(c.Type),
		Name:       c.Name,
		Version:    c.Version,
		PURL:       c.PURL,
		Scope:      sbom.Scope(c.Scope),
		Licenses:   decodeLicenses(c),
		Hashes:     decodeHashes(c.Hashes),
		Properties: decodeProperties(c.Properties),
	}
	switch {
	case c.Supplier != nil:
		out.Supplier = contact(c.Supplier)
	case c.Manufacturer != nil:
		out.Supplier = contact(c.Manufacturer)
	}
	out.Author = c.Author
	if out.Author == "" {
		var names []string
		for _, a := range c.Authors {
			if n := cmpOr(a.Name, a.Email); n != "" {
				names = append(names, n)
			}
		}
		out.Author = strings.Join(names, ", ")
	}

	if t, ok := out.Property(propComponentType); ok && t != "" && out.Type == sbom.TypeApplication {
		out.Type = sbom.ComponentType(t)
		out.Properties = slices.DeleteFunc(out.Properties, func(q sbom.Property) bool { return q.Name == propComponentType })
	}
	// The inverse of bsiProperties: a file typed "file" and marked as an
	// archive is the model's archive; derived properties that agree with
	// the model's fields are dropped, others are kept as they are.
	if v, _ := out.Property(sbom.BSIArchive); out.Type == sbom.TypeFile && v == "archive" {
		out.Type = sbom.TypeArchive
	}
	if fn, ok := out.Property(sbom.BSIFilename); ok && fn != "" {
		out.FileName = fn
	}
	for _, p := range bsiProperties(&out) {
		if v, ok := out.Property(p.Name); ok && v == p.Value {
			out.Properties = slices.DeleteFunc(out.Properties, func(q sbom.Property) bool { return q == p })
		}
	}
	if v, ok := out.Property(propFileSize); ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			out.Size = n
			out.Properties = slices.DeleteFunc(out.Properties, func(q sbom.Property) bool { return q.Name == propFileSize })
		}
	}

	for _, r := range c.ExternalReferences {
		ref := sbom.ExternalRef{Type: sbom.ExternalRefType(r.Type), URL: r.URL, Hashes: decodeHashes(r.Hashes)}
		if ref.Type == sbom.RefDistribution && out.FileName != "" && ref.URL == out.FileName && sameHashes(ref.Hashes, out.Hashes) {
			continue // the reference the encoder derives from FileName and Hashes
		}
		out.References = append(out.References, ref)
	}
	if len(out.Properties) == 0 {
		out.Properties = nil // not an empty list left by the deletions above
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func sameHashes(a, b []sbom.Hash) bool {
	if len(a) == 0 || len(a) != len(b) {
		return false
	}
	sorted := func(h []sbom.Hash) []sbom.Hash {
		h = slices.Clone(h)
		slices.SortFunc(h, func(x, y sbom.Hash) int { return strings.Compare(string(x.Algorithm), string(y.Algorithm)) })
		return h
	}
	return slices.Equal(sorted(a), sorted(b))
}

func decodeHashes(hs []cdx.Hash) []sbom.Hash {
	var out []sbom.Hash
	for _, h := range hs {
		out = append(out, sbom.Hash{Algorithm: sbom.HashAlgorithm(h.Algorithm), Value: strings.ToLower(strings.TrimSpace(h.Value))})
	}
	return out
}

func decodeProperties(ps []cdx.Property) []sbom.Property {
	var out []sbom.Property
	for _, p := range ps {
		out = append(out, sbom.Property{Name: p.Name, Value: p.Value})
	}
	return out
}

func contact(e *cdx.OrganizationalEntity) sbom.Contact {
	c := sbom.Contact{Name: e.Name}
	if e.URL != nil {
		for _, u := range *e.URL {
			if u != "" {
				c.URL = u
				break
			}
		}
	}
	if e.Contact != nil {
		for _, p := range *e.Contact {
			if p.Email != "" {
				c.Email = p.Email
				break
			}
		}
	}
	return c
}

func decodeMetadata(m *wireMetadata, sv cdx.SpecVersion, d *sbom.Document) error {
	if m == nil {
		return nil
	}
	if m.Timestamp != "" {
		t, err := time.Parse(time.RFC3339, m.Timestamp)
		if err != nil {
			return fmt.Errorf("cyclonedx: metadata.timestamp %q is not an RFC 3339 date-time: %w", m.Timestamp, err)
		}
		d.Created = t
	}
	for _, lc := range m.Lifecycles {
		if l := cmpOr(string(lc.Phase), lc.Name); l != "" {
			d.Lifecycle = l
			break
		}
	}
	if m.Tools != nil {
		d.Tools = decodeTools(m.Tools)
	}
	for _, a := range m.Authors {
		if a.Name != "" || a.Email != "" {
			d.Authors = append(d.Authors, sbom.Contact{Name: a.Name, Email: a.Email})
		}
	}
	creator := m.Manufacturer
	if creator == nil && sv < cdx.SpecVersion1_6 {
		creator = m.Supplier // where the encoder writes the creator for 1.5
	}
	if creator != nil {
		mergeCreator(d, contact(creator))
	}
	d.Properties = decodeProperties(m.Properties)
	if v, ok := propValue(d.Properties, propDocumentName); ok {
		d.Name = v
		d.Properties = slices.DeleteFunc(d.Properties, func(p sbom.Property) bool { return p.Name == propDocumentName })
		if len(d.Properties) == 0 {
			d.Properties = nil
		}
	} else if p := d.Component(d.Primary); p != nil {
		d.Name = p.Name
	}
	return nil
}

// mergeCreator folds the creator organisation into the author of the same
// name (the encoder writes both from the first author), or adds it.
func mergeCreator(d *sbom.Document, c sbom.Contact) {
	if c.IsZero() {
		return
	}
	for i := range d.Authors {
		a := &d.Authors[i]
		if c.Name != "" && a.Name == c.Name || c.Name == "" && c.Email != "" && a.Email == c.Email {
			a.URL = cmpOr(a.URL, c.URL)
			a.Email = cmpOr(a.Email, c.Email)
			return
		}
	}
	d.Authors = append(d.Authors, c)
}

func propValue(ps []sbom.Property, name string) (string, bool) {
	for _, p := range ps {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

func decodeTools(tc *wireTools) []sbom.Tool {
	var out []sbom.Tool
	for _, t := range tc.Tools {
		out = append(out, sbom.Tool{Vendor: t.Vendor, Name: t.Name, Version: t.Version})
	}
	for _, c := range tc.Components {
		t := sbom.Tool{Name: c.Name, Version: c.Version, Vendor: cmpOr(c.Author, c.Group)}
		if c.Manufacturer != nil && c.Manufacturer.Name != "" {
			t.Vendor = c.Manufacturer.Name
		}
		if c.Supplier != nil && c.Supplier.Name != "" {
			t.Vendor = c.Supplier.Name
		}
		out = append(out, t)
	}
	for _, s := range tc.Services {
		t := sbom.Tool{Name: s.Name, Version: s.Version, Vendor: s.Group}
		if s.Provider != nil && s.Provider.Name != "" {
			t.Vendor = s.Provider.Name
		}
		out = append(out, t)
	}
	return out
}

func completeness(a cdx.CompositionAggregate) sbom.Completeness {
	switch a {
	case cdx.CompositionAggregateComplete:
		return sbom.CompletenessComplete
	case cdx.CompositionAggregateUnknown, cdx.CompositionAggregateNotSpecified, "":
		return sbom.CompletenessUnknown
	}
	return sbom.CompletenessIncomplete // every incomplete_* flavour
}

// decodeGraph reads dependencies, nested-component edges and compositions.
func (st *decodeState) decodeGraph(bom *wireBOM) error {
	isComponent := func(ref string) bool {
		w, ok := st.where[ref]
		return ok && w != nil && !st.services[ref]
	}
	check := func(i int, ref string) (keep bool, err error) {
		if st.services[ref] {
			return false, nil
		}
		if !isComponent(ref) {
			return false, fmt.Errorf("cyclonedx: %w: dependencies[%d]: %q names no component or service", sbom.ErrInvalid, i, ref)
		}
		return true, nil
	}

	byRef := make(map[string]*sbom.Dependency, len(bom.Dependencies))
	order := make([]string, 0, len(bom.Dependencies))
	entry := func(ref string) *sbom.Dependency {
		if e, ok := byRef[ref]; ok {
			return e
		}
		e := &sbom.Dependency{Ref: ref}
		byRef[ref] = e
		order = append(order, ref)
		return e
	}
	for i, dep := range bom.Dependencies {
		keep, err := check(i, dep.Ref)
		if err != nil {
			return err
		}
		var on []string
		if dep.Dependencies != nil {
			for _, to := range *dep.Dependencies {
				ok, err := check(i, to)
				if err != nil {
					return err
				}
				if ok {
					on = append(on, to)
				}
			}
		}
		if keep {
			e := entry(dep.Ref)
			e.DependsOn = append(e.DependsOn, on...)
		}
	}
	for _, parent := range slices.Sorted(maps.Keys(st.edges)) {
		e := entry(parent)
		e.DependsOn = append(e.DependsOn, st.edges[parent]...)
	}

	// Completeness. A ref in several compositions gets the weakest claim;
	// compositions naming things that are not components (services,
	// vulnerabilities) say nothing about the model.
	stated := map[string]bool{}
	docStated := false
	for _, comp := range bom.Compositions {
		c := completeness(comp.Aggregate)
		if comp.Dependencies == nil || len(*comp.Dependencies) == 0 || comp.Assemblies != nil {
			if docStated {
				c = weaker(st.doc.Completeness, c)
			}
			st.doc.Completeness, docStated = c, true
		}
		if comp.Dependencies == nil {
			continue
		}
		for _, r := range *comp.Dependencies {
			ref := string(r)
			if !isComponent(ref) {
				continue
			}
			e := entry(ref)
			if stated[ref] {
				c = weaker(e.Completeness, completeness(comp.Aggregate))
			} else {
				c = completeness(comp.Aggregate)
			}
			e.Completeness, stated[ref] = c, true
		}
	}

	for _, ref := range order {
		e := byRef[ref]
		// An empty entry that no composition mentions carries no claim: the
		// encoder writes one for every component.
		if len(e.DependsOn) == 0 && e.Completeness == sbom.CompletenessUnknown && !stated[ref] {
			continue
		}
		st.doc.Dependencies = append(st.doc.Dependencies, *e)
	}
	return nil
}

// weaker is the model's merge rule: incomplete over unknown over complete.
func weaker(a, b sbom.Completeness) sbom.Completeness {
	rank := map[sbom.Completeness]int{sbom.CompletenessIncomplete: 0, sbom.CompletenessUnknown: 1, sbom.CompletenessComplete: 2}
	if rank[a] <= rank[b] {
		return a
	}
	return b
}
