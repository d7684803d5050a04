package spdx3

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
)

const (
	// contextURL is the JSON-LD context every SPDX 3.0.1 document names.
	contextURL = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
	// specVersion is the SPDX version vouch writes.
	specVersion = "3.0.1"
	// namespaceBase prefixes the content-derived namespace of vouch's
	// element ids. Nothing is served there: SPDX ids only need to be unique IRIs.
	namespaceBase = "https://vouch.dev/spdx/"
	// creationInfoID is the blank node of the one CreationInfo all elements share.
	creationInfoID = "_:creationinfo"
	// idPrefix starts the fragment of every element id vouch makes up itself;
	// component fragments that would start with it are changed (see fragment).
	idPrefix = "SPDXRef-"
	// dataLicense is the licence of the SBOM data itself.
	dataLicense = "CC0-1.0"
)

// Reserved property names: what the model holds and SPDX 3.0.1 has no field
// for travels as an extension_CdxPropertyEntry under these names, next to the
// component's own properties. The decoder turns them back into fields.
const (
	propPrefix = "vouch:spdx3:"
	// propID is the component's model ID, written only when the decoder could
	// not derive it from the purl or the element id.
	propID = propPrefix + "id"
	// propType is the component type, written only when no
	// software_primaryPurpose expresses it.
	propType = propPrefix + "type"
	// propScope is the component's scope (required, optional, excluded).
	propScope = propPrefix + "scope"
	// propSize is the shipped file's size in bytes, in decimal.
	propSize = propPrefix + "size"
	// propToolVendor and propToolVersion complete a Tool element, which has
	// only a name in SPDX 3.
	propToolVendor  = propPrefix + "vendor"
	propToolVersion = propPrefix + "version"
	// propLifecycle is the document's lifecycle when no software_sbomType
	// expresses it.
	propLifecycle = propPrefix + "lifecycle"
	// propCompleteness is the document-wide completeness of the component list.
	propCompleteness = propPrefix + "completeness"
)

// Lines of an ExternalRef's comment: ExternalRef is no Element, so it has no
// extension; what it cannot express goes into its comment, one line each.
const (
	refCommentType = "vouch:type=" // the model's reference type, when externalRefType is "other"
	refCommentHash = "vouch:hash " // "vouch:hash SHA-256=<hex>", a digest of the referenced bytes
)

// Encode writes d as an SPDX 3.0.1 JSON-LD document. It encodes a normalized
// copy and leaves d unchanged. The same content always gives the same bytes:
// element ids derive from [sbom.Document.Digest] and the component IDs, the
// graph is sorted, and the only time written is d.Created.
func (Encoder) Encode(w io.Writer, d *sbom.Document) error {
	doc := d.Clone()
	doc.Normalize()
	if err := doc.Validate(); err != nil {
		return fmt.Errorf("spdx3: encode: %w", err)
	}
	e, err := newEncoder(doc)
	if err != nil {
		return fmt.Errorf("spdx3: encode: %w", err)
	}
	graph := e.build()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct {
		Context string  `json:"@context"`
		Graph   []*node `json:"@graph"`
	}{contextURL, graph}); err != nil {
		return fmt.Errorf("spdx3: encode: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("spdx3: write: %w", err)
	}
	return nil
}

// encoder builds the graph of one normalized, valid document.
type encoder struct {
	d     *sbom.Document
	ns    string            // namespace of element ids, ending before "#"
	ids   map[string]string // component ID → spdxId
	purls map[string]int    // purl → number of components that have it
	nodes map[string]*node  // spdxId → node, every element made so far
	dev   map[string]bool   // IDs of the development-only components
}

// namespace returns the document's id namespace: the document name and a
// UUID derived from its content digest.
func namespace(d *sbom.Document) string {
	name := d.Name
	if name == "" {
		name = "sbom"
	}
	return namespaceBase + url.PathEscape(name) + "-" + sbom.UUIDFromDigest(d.Digest())
}

func newEncoder(d *sbom.Document) (*encoder, error) {
	e := &encoder{d: d, ns: namespace(d), ids: map[string]string{}, purls: map[string]int{}, nodes: map[string]*node{}}
	taken := map[string]string{}
	for _, c := range d.Components {
		if c.PURL != "" {
			e.purls[c.PURL]++
		}
		id := e.ns + "#" + fragment(c.ID)
		if other, ok := taken[id]; ok {
			// Only a SHA-256 prefix collision can get here.
			return nil, fmt.Errorf("components %q and %q map to the same spdxId %q", other, c.ID, id)
		}
		taken[id] = c.ID
		e.ids[c.ID] = id
	}
	return e, nil
}

// shortHash returns the first n hex digits of the SHA-256 of the parts,
// each terminated by a NUL so that ("ab","c") and ("a","bc") differ.
func shortHash(n int, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:n]
}

// fragment turns a component ID into the fragment of its spdxId. Characters
// other than letters, digits and -._~:@/+ (all legal unescaped in an IRI
// fragment, and what purls use) become "-". When that changed the ID, or the
// ID starts with the prefix reserved for vouch's own elements, a hash of the
// original ID is appended so that distinct IDs stay distinct.
func fragment(id string) string {
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			strings.ContainsRune("-._~:@/+", r):
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := b.String()
	if s == id && s != "" && !strings.HasPrefix(s, idPrefix) {
		return s
	}
	return s + "-" + shortHash(8, id)
}

func (e *encoder) add(n *node) *node {
	if old, ok := e.nodes[n.SpdxID]; ok {
		return old
	}
	e.nodes[n.SpdxID] = n
	return n
}

// element returns a new element node of the given class and id.
func element(class, id string) *node {
	return &node{Type: class, SpdxID: id, CreationInfo: ref{ID: creationInfoID}}
}

func (e *encoder) build() []*node {
	d := e.d
	info := &node{Type: classCreationInfo, BlankID: creationInfoID, SpecVersion: specVersion,
		Created: d.Created.UTC().Format(time.RFC3339)}
	for _, a := range d.Authors {
		info.CreatedBy = appendRef(info.CreatedBy, e.agent(classOrganization, a))
	}
	if len(info.CreatedBy) == 0 {
		// createdBy needs at least one Agent. Without a known author, the
		// truthful one is the program writing this document.
		n := e.add(element(classSoftwareAgent, e.ns+"#"+idPrefix+"SoftwareAgent-vouch"))
		n.Name = "vouch"
		info.CreatedBy = append(info.CreatedBy, ref{ID: n.SpdxID})
	}
	for _, t := range d.Tools {
		info.CreatedUsing = appendRef(info.CreatedUsing, e.tool(t))
	}

	for i := range d.Components {
		e.component(&d.Components[i])
	}
	e.dev = map[string]bool{}
	for i := range d.Components {
		if d.Components[i].Development() {
			e.dev[d.Components[i].ID] = true
		}
	}
	for _, dep := range d.Dependencies {
		e.dependency(dep)
	}

	sbomNode := element(classSbom, e.ns+"#"+idPrefix+"Sbom")
	sbomNode.Name = d.Name
	if t, ok := spdxSbomType(d.Lifecycle); ok {
		sbomNode.SbomType = []string{t}
	}
	if d.Primary != "" {
		sbomNode.RootElement = []ref{{ID: e.ids[d.Primary]}}
	}
	docNode := element(classSpdxDocument, e.ns+"#"+idPrefix+"Document")
	docNode.Name = d.Name
	docNode.RootElement = []ref{{ID: sbomNode.SpdxID}}
	props := slices.Clone(d.Properties)
	if d.Lifecycle != "" && sbomNode.SbomType == nil {
		props = append(props, sbom.Property{Name: propLifecycle, Value: d.Lifecycle})
	}
	if d.Completeness != sbom.CompletenessUnknown {
		props = append(props, sbom.Property{Name: propCompleteness, Value: string(d.Completeness)})
	}
	docNode.Extension = extensions(props)
	// SPDX metadata is licensed CC0-1.0 (SPDX 3.0.1, SpdxDocument.dataLicense).
	docNode.DataLicense = ref{ID: e.license(dataLicense)}

	members := slices.Sorted(maps.Keys(e.nodes))
	for _, id := range members {
		sbomNode.Element = append(sbomNode.Element, ref{ID: id})
	}
	e.add(sbomNode)
	docNode.Element = append([]ref{{ID: sbomNode.SpdxID}}, sbomNode.Element...)
	docNode.ProfileConformance = e.profiles(docNode)
	e.add(docNode)

	graph := []*node{info}
	for _, n := range e.nodes {
		graph = append(graph, n)
	}
	slices.SortFunc(graph, func(a, b *node) int {
		// Relationships read best grouped by their source; the id (a content
		// hash) breaks ties.
		return cmp.Or(cmp.Compare(rank(a.Type), rank(b.Type)),
			cmp.Compare(a.From.ID, b.From.ID), cmp.Compare(a.RelationshipType, b.RelationshipType),
			cmp.Compare(a.id(), b.id()))
	})
	return graph
}

// profiles lists the SPDX profiles the document's classes come from.
func (e *encoder) profiles(doc *node) []string {
	has := map[string]bool{"core": true, "software": true}
	for _, n := range e.nodes {
		if n.Type == classLicenseExpr {
			has["simpleLicensing"] = true
		}
		if len(n.Extension) > 0 {
			has["extension"] = true
		}
	}
	if len(doc.Extension) > 0 {
		has["extension"] = true
	}
	var out []string
	for _, p := range []string{"core", "software", "simpleLicensing", "extension"} {
		if has[p] {
			out = append(out, p)
		}
	}
	return out
}

// rank orders the graph for readers: metadata first, then agents and tools,
// the software, licences, and relationships last.
func rank(class string) int {
	switch class {
	case classCreationInfo:
		return 0
	case classSpdxDocument:
		return 1
	case classSbom:
		return 2
	case classOrganization, classPerson, classAgent, classSoftwareAgent:
		return 3
	case classTool:
		return 4
	case classPackage:
		return 5
	case classFile:
		return 6
	case classLicenseExpr:
		return 7
	}
	return 8
}

func appendRef(refs []ref, id string) []ref {
	for _, r := range refs {
		if r.ID == id {
			return refs
		}
	}
	return append(refs, ref{ID: id})
}

// agent returns the id of the agent element for a contact, adding it once.
// Email becomes an "email" external identifier and the URL a "urlScheme"
// one, so that the BSI's "email or URL of the creator" is machine-readable.
func (e *encoder) agent(class string, c sbom.Contact) string {
	id := e.ns + "#" + idPrefix + class + "-" + shortHash(16, class, c.Name, c.Email, c.URL)
	if _, ok := e.nodes[id]; ok {
		return id
	}
	n := element(class, id)
	n.Name = c.Name
	if c.Email != "" {
		n.ExternalIdentifier = append(n.ExternalIdentifier, externalIdentifier{
			Type: classExtIdentifier, ExternalIdentifierType: "email", Identifier: c.Email})
	}
	if c.URL != "" {
		n.ExternalIdentifier = append(n.ExternalIdentifier, externalIdentifier{
			Type: classExtIdentifier, ExternalIdentifierType: "urlScheme", Identifier: c.URL,
			IdentifierLocator: []string{c.URL}})
	}
	e.add(n)
	return id
}

func (e *encoder) tool(t sbom.Tool) string {
	id := e.ns + "#" + idPrefix + "Tool-" + shortHash(16, t.Vendor, t.Name, t.Version)
	if _, ok := e.nodes[id]; ok {
		return id
	}
	n := element(classTool, id)
	n.Name = t.Name
	var props []sbom.Property
	if t.Vendor != "" {
		props = append(props, sbom.Property{Name: propToolVendor, Value: t.Vendor})
	}
	if t.Version != "" {
		props = append(props, sbom.Property{Name: propToolVersion, Value: t.Version})
	}
	n.Extension = extensions(props)
	e.add(n)
	return id
}

// extensions carries properties as one CdxPropertiesExtension, or nothing.
func extensions(props []sbom.Property) list[extension] {
	if len(props) == 0 {
		return nil
	}
	x := extension{Type: classCdxExtension}
	for _, p := range props {
		x.CdxProperty = append(x.CdxProperty, cdxProperty{Type: classCdxEntry, Name: p.Name, Value: p.Value})
	}
	return list[extension]{x}
}

func hashes(hs []sbom.Hash) list[hash] {
	var out list[hash]
	for _, h := range hs {
		alg, known := spdxHashAlgorithm(h.Algorithm)
		x := hash{Type: classHash, Algorithm: alg, HashValue: h.Value}
		if !known {
			x.Comment = string(h.Algorithm)
		}
		out = append(out, x)
	}
	return out
}

// decodedID predicts the ID the decoder derives for a package: the purl when
// it is unique in the document, otherwise the spdxId's fragment.
func (e *encoder) decodedID(c *sbom.Component) string {
	if c.PURL != "" && e.purls[c.PURL] == 1 {
		return c.PURL
	}
	_, frag, _ := strings.Cut(e.ids[c.ID], "#")
	return frag
}

func (e *encoder) component(c *sbom.Component) {
	n := element(classPackage, e.ids[c.ID])
	n.Name = c.Name
	n.PackageVersion = c.Version
	n.PackageURL = c.PURL
	var props []sbom.Property
	if p, ok := spdxPurpose(c.Type); ok {
		n.PrimaryPurpose = p
	} else {
		props = append(props, sbom.Property{Name: propType, Value: string(c.Type)})
	}
	if !c.Supplier.IsZero() {
		n.SuppliedBy = ref{ID: e.agent(classOrganization, c.Supplier)}
	}
	if c.Author != "" {
		// The model keeps only the author's name, not whether it is a person
		// or an organisation: the generic Agent class says no more than that.
		n.OriginatedBy = []ref{{ID: e.agent(classAgent, sbom.Contact{Name: c.Author})}}
	}
	n.VerifiedUsing = hashes(c.Hashes)
	if c.PURL != "" {
		n.ExternalIdentifier = append(n.ExternalIdentifier, externalIdentifier{
			Type: classExtIdentifier, ExternalIdentifierType: "packageUrl", Identifier: c.PURL})
	}
	for _, r := range c.References {
		if r.Type == sbom.RefWebsite && n.HomePage == "" && len(r.Hashes) == 0 {
			n.HomePage = r.URL
			continue
		}
		n.ExternalRef = append(n.ExternalRef, externalReference(r))
	}
	if e.decodedID(c) != c.ID {
		props = append(props, sbom.Property{Name: propID, Value: c.ID})
	}
	if c.Scope != "" {
		props = append(props, sbom.Property{Name: propScope, Value: string(c.Scope)})
	}
	if c.Size != 0 {
		props = append(props, sbom.Property{Name: propSize, Value: strconv.FormatInt(c.Size, 10)})
	}
	props = append(props, c.Properties...)
	n.Extension = extensions(props)
	e.add(n)

	if c.Licenses.Declared != "" {
		e.relationship(n.SpdxID, "hasDeclaredLicense", []string{e.license(c.Licenses.Declared)}, "")
	}
	if c.Licenses.Concluded != "" {
		e.relationship(n.SpdxID, "hasConcludedLicense", []string{e.license(c.Licenses.Concluded)}, "")
	}
	if c.FileName != "" {
		// BSI TR-03183-2 reads the shipped file's name, SHA-512 and
		// executable/archive/structured nature from a File, not a Package.
		f := element(classFile, e.ns+"#"+idPrefix+"File-"+shortHash(16, c.ID))
		f.Name = c.FileName
		f.PrimaryPurpose = "file"
		if p := bsiFilePurpose(c.Type); p != "" {
			f.AdditionalPurpose = []string{p}
		}
		f.VerifiedUsing = hashes(c.Hashes)
		e.add(f)
		e.relationship(n.SpdxID, "hasDistributionArtifact", []string{f.SpdxID}, "")
	}
}

func externalReference(r sbom.ExternalRef) externalRef {
	t, known := spdxRefType(r.Type)
	x := externalRef{Type: classExtRef, ExternalRefType: t, Locator: []string{r.URL}}
	var lines []string
	if !known && r.Type != "" {
		lines = append(lines, refCommentType+string(r.Type))
	}
	for _, h := range r.Hashes {
		lines = append(lines, refCommentHash+string(h.Algorithm)+"="+h.Value)
	}
	x.Comment = strings.Join(lines, "\n")
	return x
}

// license returns the id of the LicenseExpression element for expr.
func (e *encoder) license(expr string) string {
	id := e.ns + "#" + idPrefix + "LicenseExpression-" + shortHash(16, expr)
	if _, ok := e.nodes[id]; !ok {
		n := element(classLicenseExpr, id)
		n.LicenseExpression = expr
		e.add(n)
	}
	return id
}

// relationship adds a Relationship whose id hashes its content, so that
// the same edge always has the same id.
func (e *encoder) relationship(from, typ string, to []string, completeness string) {
	e.add(relationshipNode(e.ns, classRelationship, from, typ, to, completeness, nil))
}

// scopedRelationship adds a LifecycleScopedRelationship of the given scope;
// the scope is part of what its id hashes.
func (e *encoder) scopedRelationship(from, typ string, to []string, completeness, scope string) {
	n := relationshipNode(e.ns, classScopedRel, from, typ, to, completeness, []string{scope})
	n.Scope = scope
	e.add(n)
}

// relationshipNode builds a relationship of class; extra joins what its id
// hashes.
func relationshipNode(ns, class, from, typ string, to []string, completeness string, extra []string) *node {
	id := ns + "#" + idPrefix + "Relationship-" + shortHash(16, slices.Concat([]string{from, typ, completeness}, extra, to)...)
	n := element(class, id)
	n.From = ref{ID: from}
	n.RelationshipType = typ
	for _, t := range to {
		n.To = append(n.To, ref{ID: t})
	}
	n.Completeness = completeness
	return n
}

// dependency writes one "dependsOn" relationship per depending component,
// and the edges to development-only components (a lockfile's dev or test
// dependencies) as a LifecycleScopedRelationship of scope development.
// SPDX needs at least one "to": an empty list known to be complete points at
// NoneElement (a set of zero elements), an empty list that is not points at
// NoAssertionElement (elements of unknown number).
func (e *encoder) dependency(dep sbom.Dependency) {
	var to, dev []string
	for _, t := range dep.DependsOn {
		if e.dev[t] {
			dev = append(dev, e.ids[t])
		} else {
			to = append(to, e.ids[t])
		}
	}
	completeness := spdxCompleteness(dep.Completeness)
	if len(dev) > 0 {
		e.scopedRelationship(e.ids[dep.Ref], "dependsOn", dev, completeness, "development")
		if len(to) == 0 {
			return
		}
	}
	if len(to) == 0 {
		if dep.Completeness == sbom.CompletenessComplete {
			to = []string{noneElement}
		} else {
			to = []string{noAssertionElement}
		}
	}
	e.relationship(e.ids[dep.Ref], "dependsOn", to, completeness)
}
