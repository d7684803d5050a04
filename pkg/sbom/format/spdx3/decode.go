package spdx3

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/licexpr"
)

// listedLicensePrefix is where SPDX listed licences live; a document may
// refer to them without defining them in its graph.
const listedLicensePrefix = "https://spdx.org/licenses/"

// Decode reads an SPDX 3.0.x JSON-LD document (compact form, with a top-level
// "@graph") into the model. See the package documentation for what maps
// where. A reference to an element that is neither in the graph, nor
// imported, nor an SPDX individual is an error naming both ends.
func (dec Decoder) Decode(ctx context.Context, r io.Reader) (*sbom.Document, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	limit := dec.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("spdx3: read: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("spdx3: document is larger than the %d-byte limit", limit)
	}
	return decode(ctx, b)
}

// graph indexes a document's nodes.
type graph struct {
	order    []*node          // top-level elements, in document order
	all      []*node          // every node, inline ones included, for reference checks
	byID     map[string]*node // spdxId or @id → node
	imported map[string]bool  // ids of elements imported from other documents
}

func decode(ctx context.Context, b []byte) (*sbom.Document, error) {
	if err := sbom.CheckJSON(b); err != nil {
		return nil, fmt.Errorf("spdx3: %w", err)
	}
	var top struct {
		Context json.RawMessage    `json:"@context"`
		Graph   *[]json.RawMessage `json:"@graph"`
	}
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("spdx3: parse json: %w", strictjson.Explain(b, err))
	}
	if err := checkContext(top.Context); err != nil {
		return nil, err
	}
	if top.Graph == nil {
		return nil, fmt.Errorf("spdx3: no \"@graph\": expected a JSON-LD document whose elements are in a top-level @graph array")
	}
	g := &graph{byID: map[string]*node{}, imported: map[string]bool{}}
	for i, raw := range *top.Graph {
		n := new(node)
		if err := json.Unmarshal(raw, n); err != nil {
			return nil, fmt.Errorf("spdx3: @graph[%d]: %w", i, err)
		}
		if id := n.id(); id != "" {
			if _, dup := g.byID[id]; dup {
				return nil, fmt.Errorf("spdx3: @graph[%d]: duplicate element id %q", i, id)
			}
		}
		g.add(n, true)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := g.checkRefs(); err != nil {
		return nil, err
	}
	doc, err := g.document(ctx)
	if err != nil {
		return nil, err
	}
	doc.Normalize()
	if err := doc.Validate(); err != nil {
		return nil, fmt.Errorf("spdx3: %w", err)
	}
	return doc, nil
}

// checkContext accepts a context naming an SPDX 3.0.x context, alone or in an array.
func checkContext(raw json.RawMessage) error {
	if len(raw) == 0 {
		return fmt.Errorf("spdx3: no \"@context\": expected %q", contextURL)
	}
	var one string
	var many []json.RawMessage
	if json.Unmarshal(raw, &one) == nil {
		many = []json.RawMessage{raw}
	} else if err := json.Unmarshal(raw, &many); err != nil {
		return fmt.Errorf("spdx3: \"@context\": expected %q, got %.40s", contextURL, raw)
	}
	for _, m := range many {
		if json.Unmarshal(m, &one) == nil && contextRE.MatchString(one) {
			return nil
		}
	}
	return fmt.Errorf("spdx3: \"@context\" names no SPDX 3.0 context (expected %q), got %.80s", contextURL, raw)
}

// add indexes n and the nodes written inline inside it, and compacts the
// vocabulary values a document may have written as full IRIs.
func (g *graph) add(n *node, top bool) {
	compactNode(n)
	if top {
		g.order = append(g.order, n)
	}
	g.all = append(g.all, n)
	if id := n.id(); id != "" {
		if _, ok := g.byID[id]; !ok {
			g.byID[id] = n
		}
	}
	for _, x := range n.Import {
		g.imported[x.ExternalSpdxID] = true
	}
	n.forEachRef(func(_ string, r *ref) {
		if r.Node != nil {
			g.add(r.Node, false)
		}
	})
}

func compactNode(n *node) {
	n.Type = compactTerm(n.Type)
	n.RelationshipType = compactVocab(n.RelationshipType)
	n.Completeness = compactVocab(n.Completeness)
	n.Scope = compactVocab(n.Scope)
	n.PrimaryPurpose = compactVocab(n.PrimaryPurpose)
	for i := range n.AdditionalPurpose {
		n.AdditionalPurpose[i] = compactVocab(n.AdditionalPurpose[i])
	}
	for i := range n.SbomType {
		n.SbomType[i] = compactVocab(n.SbomType[i])
	}
	for i := range n.VerifiedUsing {
		n.VerifiedUsing[i].Type = compactTerm(n.VerifiedUsing[i].Type)
		n.VerifiedUsing[i].Algorithm = compactVocab(n.VerifiedUsing[i].Algorithm)
	}
	for i := range n.ExternalIdentifier {
		n.ExternalIdentifier[i].ExternalIdentifierType = compactVocab(n.ExternalIdentifier[i].ExternalIdentifierType)
	}
	for i := range n.ExternalRef {
		n.ExternalRef[i].ExternalRefType = compactVocab(n.ExternalRef[i].ExternalRefType)
	}
	for i := range n.Extension {
		n.Extension[i].Type = compactTerm(n.Extension[i].Type)
	}
	n.forEachRef(func(_ string, r *ref) { r.ID = compactTerm(r.ID) })
}

// forEachRef calls f for every reference n makes to another node, with the
// property's name.
func (n *node) forEachRef(f func(field string, r *ref)) {
	one := func(field string, r *ref) {
		if r.ID != "" || r.Node != nil {
			f(field, r)
		}
	}
	many := func(field string, rs []ref) {
		for i := range rs {
			f(field, &rs[i])
		}
	}
	one("creationInfo", &n.CreationInfo)
	many("createdBy", n.CreatedBy)
	many("createdUsing", n.CreatedUsing)
	many("rootElement", n.RootElement)
	many("element", n.Element)
	one("dataLicense", &n.DataLicense)
	one("suppliedBy", &n.SuppliedBy)
	many("originatedBy", n.OriginatedBy)
	one("from", &n.From)
	many("to", n.To)
}

func isIndividual(id string) bool {
	switch id {
	case noneElement, noAssertionElement, spdxOrganization, noneLicense, noAssertionLicense:
		return true
	}
	return false
}

// checkRefs rejects dangling references: every id a node names must be in
// the graph, imported, an SPDX individual, or an SPDX listed licence.
func (g *graph) checkRefs() error {
	for _, n := range g.all {
		var err error
		n.forEachRef(func(field string, r *ref) {
			if err != nil || r.Node != nil {
				return
			}
			id := r.ID
			if _, ok := g.byID[id]; ok || g.imported[id] || isIndividual(id) || strings.HasPrefix(id, listedLicensePrefix) {
				return
			}
			err = fmt.Errorf("spdx3: %s %q: %s %q names no element in the document", n.Type, n.id(), field, id)
		})
		if err != nil {
			return err
		}
		if isRelationship(n.Type) {
			if n.From.ID == "" {
				return fmt.Errorf("spdx3: Relationship %q: no \"from\" element", n.id())
			}
			if n.RelationshipType == "" {
				return fmt.Errorf("spdx3: Relationship %q: no \"relationshipType\"", n.id())
			}
		}
	}
	return nil
}

// resolve returns the node a reference names, or nil for individuals,
// imported elements and undefined listed licences.
func (g *graph) resolve(r ref) *node {
	if r.Node != nil {
		return r.Node
	}
	return g.byID[r.ID]
}

func isPackage(class string) bool {
	return class == classPackage || class == "ai_AIPackage" || class == "dataset_DatasetPackage"
}

func isAgent(class string) bool {
	return class == classOrganization || class == classPerson || class == classAgent
}

// relationships returns the top-level relationships of the given types.
func (g *graph) relationships(types ...string) []*node {
	var out []*node
	for _, n := range g.order {
		if isRelationship(n.Type) && slices.Contains(types, n.RelationshipType) {
			out = append(out, n)
		}
	}
	return out
}

// decoded is one component being built, with the element it came from.
type decoded struct {
	n       *node
	c       sbom.Component
	idProp  string // propID, if the element has it
	hasType bool   // the type came from propType or a primary purpose
}

func (g *graph) document(ctx context.Context) (*sbom.Document, error) {
	var spdxDoc, bom *node
	for _, n := range g.order {
		if n.Type == classSpdxDocument && spdxDoc == nil {
			spdxDoc = n
		}
	}
	if spdxDoc != nil {
		for _, r := range spdxDoc.RootElement {
			if n := g.resolve(r); n != nil && n.Type == classSbom {
				bom = n
				break
			}
		}
	}
	if bom == nil {
		for _, n := range g.order {
			if n.Type == classSbom {
				bom = n
				break
			}
		}
	}

	folded := g.foldedFiles()
	var comps []*decoded
	byElement := map[string]*decoded{} // spdxId → component, folded files included
	for _, n := range g.order {
		if !isPackage(n.Type) && !(n.Type == classFile && folded[n.id()] == "") {
			continue
		}
		dc, err := g.component(n)
		if err != nil {
			return nil, err
		}
		comps = append(comps, dc)
		byElement[n.id()] = dc
	}
	for file, pkg := range folded {
		if dc := byElement[pkg]; dc != nil {
			foldFile(dc, g.byID[file])
			byElement[file] = dc
		}
	}
	for _, dc := range comps {
		if !dc.hasType {
			// A package with no stated purpose: read it as the commonest
			// kind of dependency.
			dc.c.Type = sbom.TypeLibrary
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	assignIDs(comps, spdxDoc)

	d := &sbom.Document{}
	g.licenses(byElement)
	for _, rel := range g.relationships("dependsOn", "contains") {
		from := byElement[rel.From.ID]
		if from == nil {
			continue
		}
		dep := sbom.Dependency{Ref: from.c.ID, Completeness: modelCompleteness(rel.Completeness)}
		for _, t := range rel.To {
			if to := byElement[t.ID]; to != nil && to != from {
				dep.DependsOn = append(dep.DependsOn, to.c.ID)
			}
		}
		d.Dependencies = append(d.Dependencies, dep)
	}
	for _, dc := range comps {
		d.Components = append(d.Components, dc.c)
	}

	meta := spdxDoc
	if meta == nil {
		meta = bom
	}
	if meta == nil && len(g.order) > 0 {
		meta = g.order[0]
	}
	if meta != nil {
		if err := g.creationInfo(d, meta); err != nil {
			return nil, err
		}
	}
	var props []sbom.Property
	for _, n := range []*node{spdxDoc, bom} {
		if n == nil {
			continue
		}
		if d.Name == "" {
			d.Name = n.Name
		}
		props = append(props, properties(n)...)
		for _, r := range n.RootElement {
			if dc := byElement[r.ID]; dc != nil && d.Primary == "" {
				d.Primary = dc.c.ID
			}
		}
	}
	if bom != nil {
		for _, t := range bom.SbomType {
			if l, ok := modelLifecycle(t); ok {
				d.Lifecycle = l
				break
			}
		}
	}
	for _, p := range props {
		switch p.Name {
		case propLifecycle:
			d.Lifecycle = p.Value
		case propCompleteness:
			d.Completeness = sbom.Completeness(p.Value)
		default:
			d.Properties = append(d.Properties, p)
		}
	}
	return d, nil
}

// foldedFiles finds the Files that are the single distribution artifact of a
// single Package: vouch writes a component's shipped file that way, and they
// fold back into that component's FileName and hashes. It maps file id →
// package id.
func (g *graph) foldedFiles() map[string]string {
	owners := map[string]map[string]bool{} // file → packages
	files := map[string]map[string]bool{}  // package → files
	for _, rel := range g.relationships("hasDistributionArtifact") {
		from := g.resolve(rel.From)
		if from == nil || !isPackage(from.Type) {
			continue
		}
		for _, t := range rel.To {
			if to := g.resolve(t); to != nil && to.Type == classFile && to.id() != "" {
				addTo(owners, to.id(), from.id())
				addTo(files, from.id(), to.id())
			}
		}
	}
	out := map[string]string{}
	for f, pkgs := range owners {
		if len(pkgs) != 1 {
			continue
		}
		for p := range pkgs {
			if len(files[p]) == 1 {
				out[f] = p
			}
		}
	}
	return out
}

func addTo(m map[string]map[string]bool, k, v string) {
	if m[k] == nil {
		m[k] = map[string]bool{}
	}
	m[k][v] = true
}

// component maps a Package, or a File that is no package's distribution
// artifact, onto a component (its ID is assigned later).
func (g *graph) component(n *node) (*decoded, error) {
	dc := &decoded{n: n}
	c := &dc.c
	c.Name = n.Name
	c.Version = n.PackageVersion
	c.PURL = n.PackageURL
	for _, x := range n.ExternalIdentifier {
		if x.ExternalIdentifierType == "packageUrl" && c.PURL == "" {
			c.PURL = x.Identifier
		}
	}
	if isPackage(n.Type) {
		if t, ok := modelType(n.PrimaryPurpose); ok {
			c.Type, dc.hasType = t, true
		}
	} else {
		c.Type, dc.hasType = sbom.TypeFile, true
	}
	if a := g.resolve(n.SuppliedBy); a != nil && isAgent(a.Type) {
		c.Supplier = contact(a)
	}
	var authors []string
	for _, r := range n.OriginatedBy {
		if a := g.resolve(r); a != nil && isAgent(a.Type) {
			if ct := contact(a); ct.Name != "" {
				authors = append(authors, ct.Name)
			} else if ct.Email != "" {
				authors = append(authors, ct.Email)
			}
		}
	}
	c.Author = strings.Join(authors, ", ")
	c.Hashes = modelHashes(n.VerifiedUsing)
	if n.HomePage != "" {
		c.References = append(c.References, sbom.ExternalRef{Type: sbom.RefWebsite, URL: n.HomePage})
	}
	if l := n.DownloadLocation; l != "" && l != "NOASSERTION" && l != "NONE" {
		c.References = append(c.References, sbom.ExternalRef{Type: sbom.RefDistribution, URL: l})
	}
	for _, x := range n.ExternalRef {
		c.References = append(c.References, modelRefs(x)...)
	}
	for _, p := range properties(n) {
		switch p.Name {
		case propID:
			dc.idProp = p.Value
		case propType:
			c.Type, dc.hasType = sbom.ComponentType(p.Value), true
		case propScope:
			c.Scope = sbom.Scope(p.Value)
		case propSize:
			size, err := strconv.ParseInt(p.Value, 10, 64)
			if err != nil || size < 0 {
				return nil, fmt.Errorf("spdx3: %s %q: property %s: %q is not a size in bytes", n.Type, n.id(), propSize, p.Value)
			}
			c.Size = size
		default:
			c.Properties = append(c.Properties, p)
		}
	}
	return dc, nil
}

// foldFile moves a package's distribution File into its component: the
// file's name and any digest the package does not already carry.
func foldFile(dc *decoded, f *node) {
	dc.c.FileName = f.Name
	for _, h := range modelHashes(f.VerifiedUsing) {
		if !slices.Contains(dc.c.Hashes, h) {
			dc.c.Hashes = append(dc.c.Hashes, h)
		}
	}
	if !dc.hasType {
		switch {
		case slices.Contains(f.AdditionalPurpose, "executable") || f.PrimaryPurpose == "executable":
			dc.c.Type = sbom.TypeApplication
		case slices.Contains(f.AdditionalPurpose, "archive") || f.PrimaryPurpose == "archive":
			dc.c.Type = sbom.TypeArchive
		}
		dc.hasType = dc.c.Type != ""
	}
}

// assignIDs gives every component its model ID: the propID vouch wrote;
// else the purl, when no other package has it; else the fragment of the
// element id under the document's namespace; else the whole element id.
// A derived ID that two components would share falls back to the element id.
func assignIDs(comps []*decoded, spdxDoc *node) {
	ns := ""
	if spdxDoc != nil {
		if i := strings.IndexByte(spdxDoc.id(), '#'); i >= 0 {
			ns = spdxDoc.id()[:i+1]
		}
	}
	purls := map[string]int{}
	for _, dc := range comps {
		if dc.c.PURL != "" && isPackage(dc.n.Type) {
			purls[dc.c.PURL]++
		}
	}
	count := map[string]int{}
	for _, dc := range comps {
		id := dc.n.id()
		switch {
		case dc.idProp != "":
			id = dc.idProp
		case dc.c.PURL != "" && isPackage(dc.n.Type) && purls[dc.c.PURL] == 1:
			id = dc.c.PURL
		case ns != "" && strings.HasPrefix(id, ns) && len(id) > len(ns):
			id = id[len(ns):]
		}
		dc.c.ID = id
		count[id]++
	}
	for _, dc := range comps {
		if count[dc.c.ID] > 1 && dc.idProp == "" {
			dc.c.ID = dc.n.id()
		}
	}
}

// licenses sets the declared and concluded licences of the components
// from their licence relationships. Every licence a component's
// relationships point at applies: licexpr.JoinAND joins them all at once,
// each parsed on its own.
func (g *graph) licenses(byElement map[string]*decoded) {
	type entries struct{ declared, concluded []string }
	var order []*decoded
	per := map[*decoded]*entries{}
	for _, rel := range g.relationships("hasDeclaredLicense", "hasConcludedLicense") {
		dc := byElement[rel.From.ID]
		if dc == nil {
			continue
		}
		e := per[dc]
		if e == nil {
			e = &entries{}
			per[dc] = e
			order = append(order, dc)
		}
		if rel.RelationshipType == "hasDeclaredLicense" {
			e.declared = g.licenseEntries(e.declared, rel.To)
		} else {
			e.concluded = g.licenseEntries(e.concluded, rel.To)
		}
	}
	for _, dc := range order {
		e := per[dc]
		dc.c.Licenses.Declared = licexpr.JoinAND(e.declared)
		dc.c.Licenses.Concluded = licexpr.JoinAND(e.concluded)
	}
}

// licenseEntries appends the licences a relationship points at to out.
func (g *graph) licenseEntries(out []string, to []ref) []string {
	for _, t := range to {
		switch n := g.resolve(t); {
		case t.ID == noneLicense:
			out = append(out, "NONE")
		case n != nil && n.Type == classLicenseExpr:
			out = append(out, strings.TrimSpace(n.LicenseExpression))
		case n != nil && n.Type == "expandedlicensing_ListedLicense",
			n == nil && strings.HasPrefix(t.ID, listedLicensePrefix):
			s := strings.TrimPrefix(t.ID, listedLicensePrefix)
			if i := strings.LastIndexByte(s, '/'); i >= 0 {
				s = s[i+1:]
			}
			out = append(out, strings.TrimSuffix(s, ".html"))
		}
	}
	return out
}

// creationInfo reads Created, Authors and Tools from the CreationInfo of meta.
func (g *graph) creationInfo(d *sbom.Document, meta *node) error {
	info := g.resolve(meta.CreationInfo)
	if info == nil {
		return nil
	}
	if info.Created != "" {
		t, err := time.Parse(time.RFC3339, info.Created)
		if err != nil {
			return fmt.Errorf("spdx3: CreationInfo %q: created %q is not an RFC 3339 date-time", info.id(), info.Created)
		}
		d.Created = t.UTC()
	}
	for _, r := range info.CreatedBy {
		// SoftwareAgents are programs, which the model lists as tools via
		// createdUsing; Authors are people and organisations.
		if a := g.resolve(r); a != nil && isAgent(a.Type) {
			if ct := contact(a); !ct.IsZero() && !slices.Contains(d.Authors, ct) {
				d.Authors = append(d.Authors, ct)
			}
		}
	}
	for _, r := range info.CreatedUsing {
		n := g.resolve(r)
		if n == nil || n.Type != classTool {
			continue
		}
		t := sbom.Tool{Name: n.Name}
		for _, p := range properties(n) {
			switch p.Name {
			case propToolVendor:
				t.Vendor = p.Value
			case propToolVersion:
				t.Version = p.Value
			}
		}
		if t != (sbom.Tool{}) && !slices.Contains(d.Tools, t) {
			d.Tools = append(d.Tools, t)
		}
	}
	return nil
}

// contact reads an agent: its name, its first email identifier and its URL
// (a urlScheme identifier, or failing that a web page reference).
func contact(a *node) sbom.Contact {
	c := sbom.Contact{Name: a.Name}
	for _, x := range a.ExternalIdentifier {
		switch x.ExternalIdentifierType {
		case "email":
			if c.Email == "" {
				c.Email = x.Identifier
			}
		case "urlScheme":
			if c.URL == "" {
				c.URL = x.Identifier
			}
		}
	}
	for _, x := range a.ExternalRef {
		if c.URL == "" && (x.ExternalRefType == "altWebPage" || x.ExternalRefType == "other") && len(x.Locator) > 0 {
			c.URL = x.Locator[0]
		}
	}
	return c
}

// properties reads the CycloneDX-style properties of an element's
// CdxPropertiesExtensions.
func properties(n *node) []sbom.Property {
	var out []sbom.Property
	for _, x := range n.Extension {
		if x.Type != classCdxExtension {
			continue
		}
		for _, p := range x.CdxProperty {
			out = append(out, sbom.Property{Name: p.Name, Value: p.Value})
		}
	}
	return out
}

func modelHashes(hs []hash) []sbom.Hash {
	var out []sbom.Hash
	for _, h := range hs {
		if h.Type != classHash || h.HashValue == "" {
			continue
		}
		alg, ok := modelHashAlgorithm(h.Algorithm)
		if !ok {
			if h.Algorithm != algorithmOther || strings.TrimSpace(h.Comment) == "" {
				continue
			}
			alg = sbom.HashAlgorithm(strings.TrimSpace(h.Comment))
		}
		out = append(out, sbom.Hash{Algorithm: alg, Value: strings.ToLower(h.HashValue)})
	}
	return out
}

// modelRefs maps an ExternalRef, one model reference per locator. The
// comment lines vouch writes (refCommentType, refCommentHash) restore the
// reference type and digests SPDX has no field for.
func modelRefs(x externalRef) []sbom.ExternalRef {
	t := modelRefType(x.ExternalRefType)
	var hs []sbom.Hash
	for _, line := range strings.Split(x.Comment, "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, refCommentType); ok && x.ExternalRefType == "other" && v != "" {
			t = sbom.ExternalRefType(v)
		}
		if v, ok := strings.CutPrefix(line, refCommentHash); ok {
			if alg, val, ok := strings.Cut(v, "="); ok && alg != "" && val != "" {
				hs = append(hs, sbom.Hash{Algorithm: sbom.HashAlgorithm(alg), Value: strings.ToLower(val)})
			}
		}
	}
	var out []sbom.ExternalRef
	for _, l := range x.Locator {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, sbom.ExternalRef{Type: t, URL: l, Hashes: slices.Clone(hs)})
		}
	}
	return out
}

// Identify reports whether head, the start of a file, is SPDX 3 JSON-LD: a
// JSON object whose "@context" names https://spdx.org/rdf/3.0.x/. The version
// is the one in the context IRI ("3.0.1").
func (Decoder) Identify(head []byte) (bool, string) {
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return false, ""
	}
	i := bytes.Index(t, []byte(`"@context"`))
	if i < 0 {
		return false, ""
	}
	m := contextRE.FindSubmatch(t[i:])
	if m == nil {
		return false, ""
	}
	return true, string(m[1])
}
