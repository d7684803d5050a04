package spdx2

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spdx/tools-golang/convert"
	spdxjson "github.com/spdx/tools-golang/json"
	anydoc "github.com/spdx/tools-golang/spdx/common"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_1"
	tv21 "github.com/spdx/tools-golang/spdx/v2/v2_1/tagvalue/reader"
	"github.com/spdx/tools-golang/spdx/v2/v2_2"
	tv22 "github.com/spdx/tools-golang/spdx/v2/v2_2/tagvalue/reader"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
	tv23 "github.com/spdx/tools-golang/spdx/v2/v2_3/tagvalue/reader"
	tvreader "github.com/spdx/tools-golang/tagvalue/reader"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/sbom"
)

// DefaultMaxBytes is the largest document [Decoder.Decode] reads when
// [Decoder.MaxBytes] is 0. SPDX documents of large container images run to
// tens of megabytes; 256 MiB leaves room while bounding memory.
const DefaultMaxBytes = 256 << 20

// ErrTooLarge is wrapped by the error Decode returns for a document over the
// size limit.
var ErrTooLarge = errors.New("spdx2: document too large")

// Decoder reads SPDX 2.1, 2.2 and 2.3 documents, JSON or tag-value.
type Decoder struct {
	// MaxBytes bounds the document size; 0 means [DefaultMaxBytes].
	MaxBytes int64
}

var (
	jsonVersionRE = regexp.MustCompile(`"spdxVersion"\s*:\s*"SPDX-(2\.\d+)"`)
	tvVersionRE   = regexp.MustCompile(`(?m)^[ \t]*SPDXVersion:[ \t]*SPDX-(2\.\d+)[ \t]*\r?$`)
)

// Identify reports whether head (the first bytes of a file) is an SPDX 2
// document, JSON or tag-value, and which version it declares.
func (Decoder) Identify(head []byte) (ok bool, version string) {
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	re := tvVersionRE
	if len(trimmed) > 0 && trimmed[0] == '{' {
		re = jsonVersionRE
	}
	m := re.FindSubmatch(head)
	if m == nil {
		return false, ""
	}
	return true, string(m[1])
}

// Decode reads one SPDX 2 document (JSON or tag-value, told apart by the
// first non-blank byte) into the model. It fails on documents over the size
// limit, on malformed input, and on relationships naming elements the
// document does not define (other than NONE, NOASSERTION and DocumentRef-
// references to other documents).
func (dec Decoder) Decode(ctx context.Context, r io.Reader) (*sbom.Document, error) {
	limit := dec.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("spdx2: read: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	doc, snippets, err := parse(data)
	if err != nil {
		return nil, err
	}
	d, err := fromSPDX(doc, snippets)
	if err != nil {
		return nil, fmt.Errorf("spdx2: %w", err)
	}
	return d, nil
}

// parse reads data with tools-golang, converting older versions to 2.3. It
// also returns the ids of tag-value snippets, which it drops (see
// [parseTagValue]).
func parse(data []byte) (doc *v2_3.Document, snippets []string, err error) {
	// tools-golang's readers are not hardened against hostile input; a panic
	// in them is a parse error here, never a crash of the caller.
	defer func() {
		if p := recover(); p != nil {
			doc, snippets, err = nil, nil, fmt.Errorf("spdx2: malformed document: %v", p)
		}
	}()
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) == 0 {
		return nil, nil, fmt.Errorf("spdx2: empty document")
	}
	if trimmed[0] != '{' {
		doc, snippets, err = parseTagValue(data)
		if err != nil {
			return nil, nil, fmt.Errorf("spdx2: decode tag-value: %w", err)
		}
		return doc, snippets, nil
	}
	if err := sbom.CheckJSON(trimmed); err != nil {
		return nil, nil, fmt.Errorf("spdx2: %w", err)
	}
	doc = new(v2_3.Document)
	if err := spdxjson.ReadInto(bytes.NewReader(trimmed), doc); err != nil {
		return nil, nil, fmt.Errorf("spdx2: decode json: %w", strictjson.Explain(trimmed, err))
	}
	return doc, nil, nil
}

// parseTagValue parses a tag-value document. tools-golang's parsers accept a
// snippet only right after a file, but the spec (and its own 2.3 example)
// places snippets anywhere, naming their file by SnippetFromFileSPDXID. vouch
// has no use for snippets, so their tags are dropped before parsing; their ids
// are returned so that relationships naming them still resolve.
func parseTagValue(data []byte) (*v2_3.Document, []string, error) {
	pairs, err := tvreader.ReadTagValues(bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	var version string
	var snippets []string
	kept := pairs[:0]
	for _, p := range pairs {
		switch {
		case p.Tag == "SPDXVersion" && version == "":
			version = strings.TrimSpace(p.Value)
		case p.Tag == "SnippetSPDXID":
			snippets = append(snippets, strings.TrimPrefix(strings.TrimSpace(p.Value), spdxRef))
			continue
		case strings.HasPrefix(p.Tag, "Snippet"), p.Tag == "LicenseInfoInSnippet":
			continue
		}
		kept = append(kept, p)
	}
	var parsed anydoc.AnyDocument
	switch version {
	case v2_1.Version:
		parsed, err = tv21.ParseTagValues(kept)
	case v2_2.Version:
		parsed, err = tv22.ParseTagValues(kept)
	case v2_3.Version:
		parsed, err = tv23.ParseTagValues(kept)
	case "":
		return nil, nil, fmt.Errorf("no SPDXVersion tag")
	default:
		return nil, nil, fmt.Errorf("SPDXVersion %q: want SPDX-2.1, SPDX-2.2 or SPDX-2.3", version)
	}
	if err != nil {
		return nil, nil, err
	}
	doc := new(v2_3.Document)
	if err := convert.Document(parsed, doc); err != nil {
		return nil, nil, fmt.Errorf("convert %s to SPDX-2.3: %w", version, err)
	}
	return doc, snippets, nil
}

// decoder holds the state of one fromSPDX call.
type decoder struct {
	d        *sbom.Document
	elements map[string]bool   // every element id the document defines, without "SPDXRef-"
	ids      map[string]string // package and file SPDX ids to component IDs
	edges    map[string][]string
	// noPrimary is set by the note vouch writes when the document had no
	// primary component: its DESCRIBES relationships then name the roots.
	noPrimary bool
}

func fromSPDX(doc *v2_3.Document, snippets []string) (*sbom.Document, error) {
	if doc.DocumentName == "" {
		return nil, fmt.Errorf("document name is empty")
	}
	if doc.CreationInfo == nil {
		return nil, fmt.Errorf("document has no creation info")
	}
	created, err := time.Parse(time.RFC3339, strings.TrimSpace(doc.CreationInfo.Created))
	if err != nil {
		return nil, fmt.Errorf("creationInfo.created %q: want an RFC 3339 timestamp such as 2006-01-02T15:04:05Z", doc.CreationInfo.Created)
	}
	x := &decoder{
		d:        &sbom.Document{Name: doc.DocumentName, Created: created.UTC()},
		elements: map[string]bool{documentID: true},
		ids:      map[string]string{},
		edges:    map[string][]string{},
	}
	if err := x.creation(doc); err != nil {
		return nil, err
	}

	var contains [][2]string // implicit CONTAINS from a package to the files listed under it
	for i, p := range doc.Packages {
		if p == nil {
			continue
		}
		if err := x.pkg(i, p); err != nil {
			return nil, err
		}
		for _, f := range p.Files {
			if f == nil {
				continue
			}
			if err := x.file(f); err != nil {
				return nil, err
			}
			contains = append(contains, [2]string{string(p.PackageSPDXIdentifier), string(f.FileSPDXIdentifier)})
		}
	}
	for _, f := range doc.Files {
		if f == nil {
			continue
		}
		if err := x.file(f); err != nil {
			return nil, err
		}
	}
	for _, s := range doc.Snippets {
		x.elements[string(s.SnippetSPDXIdentifier)] = true
	}
	for _, c := range contains {
		x.edge(c[0], c[1])
	}
	if err := x.relationships(doc.Relationships); err != nil {
		return nil, err
	}
	x.d.Normalize()
	if err := x.d.Validate(); err != nil {
		return nil, err
	}
	return x.d, nil
}

// creation reads creators and the document comment.
func (x *decoder) creation(doc *v2_3.Document) error {
	for _, c := range doc.CreationInfo.Creators {
		switch strings.TrimSpace(c.CreatorType) {
		case "Tool":
			x.d.Tools = append(x.d.Tools, parseTool(c.Creator))
		case "Organization", "Person":
			x.d.Authors = append(x.d.Authors, parseContact(c.Creator))
		}
	}
	if !isNoteComment(doc.DocumentComment) {
		if s := strings.TrimSpace(doc.DocumentComment); s != "" {
			x.d.Properties = append(x.d.Properties, sbom.Property{Name: PropComment, Value: s})
		}
		return nil
	}
	notes, err := parseNotes(doc.DocumentComment)
	if err != nil {
		return fmt.Errorf("document comment: %w", err)
	}
	var authors []sbom.Contact
	var tools []sbom.Tool
	for _, n := range notes {
		switch n.key {
		case noteAuthor:
			if err := n.want(3); err != nil {
				return fmt.Errorf("document comment: %w", err)
			}
			authors = append(authors, sbom.Contact{Name: n.args[0], Email: n.args[1], URL: n.args[2]})
		case noteTool:
			if err := n.want(3); err != nil {
				return fmt.Errorf("document comment: %w", err)
			}
			tools = append(tools, sbom.Tool{Vendor: n.args[0], Name: n.args[1], Version: n.args[2]})
		case noteLifecycle:
			if err := n.want(1); err != nil {
				return fmt.Errorf("document comment: %w", err)
			}
			x.d.Lifecycle = n.args[0]
		case noteCompleteness:
			if err := n.want(1); err != nil {
				return fmt.Errorf("document comment: %w", err)
			}
			x.d.Completeness = sbom.Completeness(n.args[0])
		case noteNoPrimary:
			if err := n.want(0); err != nil {
				return fmt.Errorf("document comment: %w", err)
			}
			x.noPrimary = true
		case noteProperty:
			if err := n.want(2); err != nil {
				return fmt.Errorf("document comment: %w", err)
			}
			x.d.Properties = append(x.d.Properties, sbom.Property{Name: n.args[0], Value: n.args[1]})
		default:
			return fmt.Errorf("document comment: unknown note %q", n.key)
		}
	}
	// The notes are exact where the creator strings are lossy.
	if authors != nil {
		x.d.Authors = authors
	}
	if tools != nil {
		x.d.Tools = tools
	}
	return nil
}

// componentID returns the model ID for a package: the ID in its vouch:id
// note, else its first purl when vouch derived the SPDX id from it, else the
// SPDX id without "SPDXRef-". Each candidate must map back to the SPDX id, so
// a stale note cannot misname a package.
func componentID(spdxID, noteID, purl string) string {
	if noteID != "" && elementID(noteID) == spdxID {
		return noteID
	}
	if purl != "" && elementID(purl) == spdxID {
		return purl
	}
	return spdxID
}

func (x *decoder) pkg(i int, p *v2_3.Package) error {
	sid := string(p.PackageSPDXIdentifier)
	where := fmt.Sprintf("packages[%d] (%s%s)", i, spdxRef, sid)
	if sid == "" {
		return fmt.Errorf("packages[%d] (%q): empty SPDXID", i, p.PackageName)
	}
	if p.PackageName == "" {
		return fmt.Errorf("%s: empty name", where)
	}
	c := sbom.Component{
		Name:     p.PackageName,
		Version:  p.PackageVersion,
		FileName: p.PackageFileName,
		Type:     typeOf(p.PrimaryPackagePurpose),
		Licenses: sbom.Licenses{Declared: licence(p.PackageLicenseDeclared), Concluded: licence(p.PackageLicenseConcluded)},
	}
	if s := p.PackageSupplier; s != nil && s.Supplier != noAssertion && s.Supplier != "" {
		c.Supplier = parseContact(s.Supplier)
	}
	if o := p.PackageOriginator; o != nil && o.Originator != noAssertion {
		c.Author = strings.TrimSpace(o.Originator)
	}
	for _, h := range p.PackageChecksums {
		c.Hashes = append(c.Hashes, sbom.Hash{Algorithm: fromChecksumAlg(h.Algorithm), Value: strings.ToLower(h.Value)})
	}
	for _, r := range p.PackageExternalReferences {
		if r == nil {
			continue
		}
		cat := strings.ReplaceAll(r.Category, "_", "-")
		switch {
		case cat == common.CategoryPackageManager && r.RefType == common.TypePackageManagerPURL && c.PURL == "":
			c.PURL = r.Locator
		case cat == categoryOther && refTypes[r.RefType]:
			c.References = append(c.References, sbom.ExternalRef{Type: sbom.ExternalRefType(r.RefType), URL: r.Locator})
		default:
			c.Properties = append(c.Properties, sbom.Property{Name: PropExternalRef, Value: cat + " " + r.RefType + " " + r.Locator})
		}
	}
	// Home page and download location become references unless an external
	// reference already names the same URL (vouch writes both).
	if u := p.PackageHomePage; isLocation(u) && !hasRefURL(c.References, u) {
		c.References = append(c.References, sbom.ExternalRef{Type: sbom.RefWebsite, URL: u})
	}
	if u := p.PackageDownloadLocation; isLocation(u) && !hasRefURL(c.References, u) {
		t := sbom.RefDistribution
		for _, pre := range vcsPrefixes {
			if strings.HasPrefix(u, pre) {
				t = sbom.RefVCS
			}
		}
		c.References = append(c.References, sbom.ExternalRef{Type: t, URL: u})
	}

	var noteIDValue string
	if isNoteComment(p.PackageComment) {
		notes, err := parseNotes(p.PackageComment)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if noteIDValue, err = applyPackageNotes(&c, notes); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	} else if s := strings.TrimSpace(p.PackageComment); s != "" {
		c.Properties = append(c.Properties, sbom.Property{Name: PropComment, Value: s})
	}
	c.ID = componentID(sid, noteIDValue, c.PURL)
	return x.add(sid, c, where)
}

func (x *decoder) add(sid string, c sbom.Component, where string) error {
	if x.elements[sid] {
		return fmt.Errorf("%s: duplicate SPDX id", where)
	}
	x.elements[sid] = true
	x.ids[sid] = c.ID
	x.d.Components = append(x.d.Components, c)
	return nil
}

// applyPackageNotes applies a package's vouch notes to c and returns the ID
// note's value.
func applyPackageNotes(c *sbom.Component, notes []note) (string, error) {
	var id string
	for _, n := range notes {
		var err error
		switch n.key {
		case noteID:
			if err = n.want(1); err == nil {
				id = n.args[0]
			}
		case noteType:
			if err = n.want(1); err == nil {
				c.Type = sbom.ComponentType(n.args[0])
			}
		case noteScope:
			if err = n.want(1); err == nil {
				c.Scope = sbom.Scope(n.args[0])
			}
		case noteSize:
			if err = n.want(1); err == nil {
				c.Size, err = strconv.ParseInt(n.args[0], 10, 64)
			}
		case noteSupplier:
			if err = n.want(3); err == nil {
				c.Supplier = sbom.Contact{Name: n.args[0], Email: n.args[1], URL: n.args[2]}
			}
		case noteHash:
			if err = n.want(2); err == nil {
				c.Hashes = append(c.Hashes, sbom.Hash{Algorithm: sbom.HashAlgorithm(n.args[0]), Value: n.args[1]})
			}
		case noteRefHash:
			if err = n.want(4); err == nil {
				err = addRefHash(c, n.args)
			}
		case noteProperty:
			if err = n.want(2); err == nil {
				c.Properties = append(c.Properties, sbom.Property{Name: n.args[0], Value: n.args[1]})
			}
		default:
			err = fmt.Errorf("unknown note %q", n.key)
		}
		if err != nil {
			return "", fmt.Errorf("comment: %s: %w", n.key, err)
		}
	}
	return id, nil
}

func addRefHash(c *sbom.Component, args []string) error {
	for i := range c.References {
		r := &c.References[i]
		if string(r.Type) == args[0] && r.URL == args[1] {
			r.Hashes = append(r.Hashes, sbom.Hash{Algorithm: sbom.HashAlgorithm(args[2]), Value: args[3]})
			return nil
		}
	}
	return fmt.Errorf("no %s reference %q to attach the hash to", args[0], args[1])
}

// file maps an SPDX file to a component of type file (clause 8).
func (x *decoder) file(f *v2_3.File) error {
	sid := string(f.FileSPDXIdentifier)
	where := fmt.Sprintf("file %s%s", spdxRef, sid)
	if sid == "" {
		return fmt.Errorf("file %q: empty SPDXID", f.FileName)
	}
	if x.elements[sid] {
		if _, isFile := x.ids[sid]; isFile && x.d.Component(x.ids[sid]).Type == sbom.TypeFile {
			return nil // listed both under a package and in the document
		}
	}
	if f.FileName == "" {
		return fmt.Errorf("%s: empty file name", where)
	}
	c := sbom.Component{
		ID:       sid,
		Type:     sbom.TypeFile,
		Name:     f.FileName,
		FileName: path.Base(f.FileName),
		Licenses: sbom.Licenses{Concluded: licence(f.LicenseConcluded)},
	}
	for _, h := range f.Checksums {
		c.Hashes = append(c.Hashes, sbom.Hash{Algorithm: fromChecksumAlg(h.Algorithm), Value: strings.ToLower(h.Value)})
	}
	return x.add(sid, c, where)
}

// Relationship types read as dependency edges: forward ones as A→B, reverse
// ones as B→A.
var (
	forwardDeps = map[string]bool{
		common.TypeRelationshipDependsOn: true, common.TypeRelationshipContains: true,
		common.TypeRelationshipStaticLink: true, common.TypeRelationshipDynamicLink: true,
	}
	reverseDeps = map[string]bool{
		common.TypeRelationshipDependencyOf: true, common.TypeRelationshipContainedBy: true,
		common.TypeRelationshipBuildDependencyOf: true, common.TypeRelationshipDevDependencyOf: true,
		common.TypeRelationshipOptionalDependencyOf: true, common.TypeRelationshipProvidedDependencyOf: true,
		common.TypeRelationshipTestDependencyOf: true, common.TypeRelationshipRuntimeDependencyOf: true,
	}
)

// markers records the NONE/NOASSERTION relationships of one component.
type markers struct{ none, noAssertion, incomplete bool }

func (x *decoder) relationships(rels []*v2_3.Relationship) error {
	var describes []string
	mark := map[string]*markers{}
	for i, r := range rels {
		if r == nil {
			continue
		}
		typ := strings.ToUpper(strings.TrimSpace(r.Relationship))
		desc := fmt.Sprintf("relationships[%d] (%s %s %s)", i, common.RenderDocElementID(r.RefA), r.Relationship, common.RenderDocElementID(r.RefB))
		for _, e := range []common.DocElementID{r.RefA, r.RefB} {
			if e.DocumentRefID != "" || e.SpecialID == noneValue || e.SpecialID == noAssertion {
				continue
			}
			if e.SpecialID != "" || !x.elements[string(e.ElementRefID)] {
				return fmt.Errorf("%s: %s is not an element of the document", desc, common.RenderDocElementID(e))
			}
		}
		if r.RefA.DocumentRefID != "" || r.RefB.DocumentRefID != "" || r.RefA.SpecialID != "" {
			continue // an element of another document: not a component here
		}
		a, b := string(r.RefA.ElementRefID), string(r.RefB.ElementRefID)
		switch {
		case typ == common.TypeRelationshipDescribe && a == documentID && r.RefB.SpecialID == "":
			describes = append(describes, b)
		case typ == common.TypeRelationshipDescribeBy && b == documentID:
			describes = append(describes, a)
		case a == documentID || b == documentID:
			// The document is not a component.
		case forwardDeps[typ] && r.RefB.SpecialID != "":
			m := mark[a]
			if m == nil {
				m = &markers{}
				mark[a] = m
			}
			switch {
			case r.RefB.SpecialID == noneValue:
				m.none = true
			case strings.HasPrefix(strings.TrimSpace(r.RelationshipComment), "incomplete"):
				m.incomplete = true
			default:
				m.noAssertion = true
			}
		case forwardDeps[typ]:
			x.edge(a, b)
		case reverseDeps[typ] && r.RefB.SpecialID == "":
			x.edge(b, a)
		}
	}
	// One entry per component with edges or markers. Listing edges asserts
	// nothing about completeness (clause 11.1): only a NONE marker makes the
	// list complete, and any NOASSERTION marker makes it unknown again.
	for sid, m := range mark {
		if id, ok := x.ids[sid]; ok {
			c := sbom.CompletenessComplete
			switch {
			case m.incomplete:
				c = sbom.CompletenessIncomplete
			case m.noAssertion:
				c = sbom.CompletenessUnknown
			}
			x.d.Dependencies = append(x.d.Dependencies, sbom.Dependency{Ref: id, DependsOn: x.edges[id], Completeness: c})
			delete(x.edges, id)
		}
	}
	for id, to := range x.edges {
		x.d.Dependencies = append(x.d.Dependencies, sbom.Dependency{Ref: id, DependsOn: to})
	}
	var primaries []string
	for _, sid := range describes {
		if id, ok := x.ids[sid]; ok && !slices.Contains(primaries, id) {
			primaries = append(primaries, id)
		}
	}
	if len(primaries) == 1 && !x.noPrimary {
		x.d.Primary = primaries[0]
	}
	return nil
}

// edge records a dependency edge between two elements that are components;
// edges touching snippets are dropped.
func (x *decoder) edge(fromSID, toSID string) {
	from, ok1 := x.ids[fromSID]
	to, ok2 := x.ids[toSID]
	if ok1 && ok2 {
		x.edges[from] = append(x.edges[from], to)
	}
}

func licence(s string) string {
	s = strings.TrimSpace(s)
	if s == noAssertion {
		return ""
	}
	return s
}

func isLocation(u string) bool {
	u = strings.TrimSpace(u)
	return u != "" && u != noAssertion && u != noneValue
}

func hasRefURL(refs []sbom.ExternalRef, u string) bool {
	for _, r := range refs {
		if r.URL == u {
			return true
		}
	}
	return false
}
