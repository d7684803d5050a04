package spdx2

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/spdx/tools-golang/convert"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_2"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// Versions are the SPDX 2 versions the encoder writes.
var Versions = []string{"2.2", "2.3"}

// DefaultVersion is the version written when [Encoder.Version] is empty.
const DefaultVersion = "2.3"

// Encoder writes SPDX 2 JSON, or tag-value when TagValue is set.
type Encoder struct {
	// Version is "2.2" or "2.3"; "" means [DefaultVersion].
	Version string
	// TagValue selects the tag-value format instead of JSON.
	TagValue bool
}

// Encode writes d to w. It encodes a normalized copy of d, so d is not
// modified and equal content gives equal bytes.
func (e Encoder) Encode(w io.Writer, d *sbom.Document) error {
	version := cmp.Or(e.Version, DefaultVersion)
	if !slices.Contains(Versions, version) {
		return fmt.Errorf("spdx2: encode: unsupported version %q (want one of %s)", version, strings.Join(Versions, ", "))
	}
	if d == nil {
		return fmt.Errorf("spdx2: encode: nil document")
	}
	doc, err := build(normalizedCopy(d), version)
	if err != nil {
		return fmt.Errorf("spdx2: encode %s: %w", version, err)
	}
	var buf bytes.Buffer
	switch {
	case version == "2.3" && e.TagValue:
		err = tagvalue.Write(doc, &buf)
	case version == "2.3":
		for _, p := range doc.Packages {
			// The 2.3 JSON schema spells this purpose with "_", tag-value with "-".
			p.PrimaryPackagePurpose = strings.ReplaceAll(p.PrimaryPackagePurpose, "-", "_")
		}
		err = spdxjson.Write(doc, &buf, spdxjson.Indent("  "), spdxjson.EscapeHTML(false))
	default:
		var old v2_2.Document
		if err = convert.Document(doc, &old); err != nil {
			break
		}
		old.SPDXVersion = v2_2.Version
		if e.TagValue {
			err = tagvalue.Write(&old, &buf)
		} else {
			err = spdxjson.Write(&old, &buf, spdxjson.Indent("  "), spdxjson.EscapeHTML(false))
		}
	}
	if err != nil {
		return fmt.Errorf("spdx2: encode %s: %w", version, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// normalizedCopy deep-copies the parts of d that Normalize reorders.
func normalizedCopy(d *sbom.Document) *sbom.Document {
	c := *d
	c.Authors = slices.Clone(d.Authors)
	c.Tools = slices.Clone(d.Tools)
	c.Properties = slices.Clone(d.Properties)
	c.Components = make([]sbom.Component, len(d.Components))
	for i, x := range d.Components {
		x.Hashes = slices.Clone(x.Hashes)
		x.Properties = slices.Clone(x.Properties)
		x.References = slices.Clone(x.References)
		for j := range x.References {
			x.References[j].Hashes = slices.Clone(x.References[j].Hashes)
		}
		c.Components[i] = x
	}
	c.Dependencies = make([]sbom.Dependency, len(d.Dependencies))
	for i, x := range d.Dependencies {
		x.DependsOn = slices.Clone(x.DependsOn)
		c.Dependencies[i] = x
	}
	c.Normalize()
	return &c
}

// build maps a normalized document onto an SPDX 2.3 document; version "2.2"
// moves what 2.2 cannot hold into notes before the caller converts it.
func build(d *sbom.Document, version string) (*v2_3.Document, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if d.Name == "" {
		return nil, fmt.Errorf("document name is empty (SPDX requires one)")
	}
	if d.Created.IsZero() {
		return nil, fmt.Errorf("document has no creation time (SPDX requires one)")
	}
	ids := make(map[string]string, len(d.Components))
	owner := make(map[string]string, len(d.Components))
	for _, c := range d.Components {
		id := elementID(c.ID)
		if prev, ok := owner[id]; ok {
			return nil, fmt.Errorf("components %q and %q map to the same SPDX id %q", prev, c.ID, spdxRef+id)
		}
		owner[id] = c.ID
		ids[c.ID] = id
	}

	doc := &v2_3.Document{
		SPDXVersion:       v2_3.Version,
		DataLicense:       v2_3.DataLicense,
		SPDXIdentifier:    documentID,
		DocumentName:      d.Name,
		DocumentNamespace: namespacePrefix + url.PathEscape(d.Name) + "-" + sbom.UUIDFromDigest(d.Digest()),
		CreationInfo: &v2_3.CreationInfo{
			Created: d.Created.UTC().Format(createdLayout),
		},
	}
	creators, docNotes := creatorsOf(d)
	doc.CreationInfo.Creators = creators
	doc.DocumentComment = renderNotes(docNotes)

	licenseRefs := map[string]bool{}
	for i := range d.Components {
		c := &d.Components[i]
		p, err := buildPackage(c, ids[c.ID], version)
		if err != nil {
			return nil, err
		}
		doc.Packages = append(doc.Packages, p)
		for _, expr := range []string{c.Licenses.Declared, c.Licenses.Concluded} {
			for _, m := range licenseRefRE.FindAllStringSubmatch(expr, -1) {
				licenseRefs[m[2]] = true
			}
		}
	}
	// Clause 10: every LicenseRef- used must be declared in the document.
	// vouch knows the identifier, not the text, so it says so.
	for _, ref := range slices.Sorted(maps.Keys(licenseRefs)) {
		doc.OtherLicenses = append(doc.OtherLicenses, &v2_3.OtherLicense{
			LicenseIdentifier: ref,
			ExtractedText:     noAssertion,
			LicenseComment:    "vouch recorded this identifier without the licence text",
		})
	}
	doc.Relationships = relationships(d, ids)
	return doc, nil
}

// creatorsOf returns the creators (clause 6.8) and the document notes.
func creatorsOf(d *sbom.Document) ([]common.Creator, []note) {
	var creators []common.Creator
	var notes []note
	exact := true
	for _, a := range d.Authors {
		s := contactString(a)
		creators = append(creators, common.Creator{CreatorType: "Organization", Creator: s})
		exact = exact && parseContact(s) == a
	}
	if !exact {
		for _, a := range d.Authors {
			notes = append(notes, note{noteAuthor, []string{a.Name, a.Email, a.URL}})
		}
	}
	exact = true
	for _, t := range d.Tools {
		s := toolString(t)
		if s != "" {
			creators = append(creators, common.Creator{CreatorType: "Tool", Creator: s})
		}
		exact = exact && s != "" && parseTool(s) == t
	}
	if !exact {
		for _, t := range d.Tools {
			notes = append(notes, note{noteTool, []string{t.Vendor, t.Name, t.Version}})
		}
	}
	if len(creators) == 0 {
		// Clause 6.8 requires a creator and allows "anonymous".
		creators = append(creators, common.Creator{CreatorType: "Organization", Creator: "anonymous"})
	}
	if d.Primary == "" && len(d.Components) > 0 {
		notes = append(notes, note{noteNoPrimary, nil})
	}
	if d.Lifecycle != "" {
		notes = append(notes, note{noteLifecycle, []string{d.Lifecycle}})
	}
	if d.Completeness != sbom.CompletenessUnknown {
		notes = append(notes, note{noteCompleteness, []string{string(d.Completeness)}})
	}
	for _, p := range d.Properties {
		notes = append(notes, note{noteProperty, []string{p.Name, p.Value}})
	}
	return creators, notes
}

// buildPackage maps one component to a package (clause 7).
func buildPackage(c *sbom.Component, id, version string) (*v2_3.Package, error) {
	if c.Name == "" {
		return nil, fmt.Errorf("component %q: empty name (SPDX requires one)", c.ID)
	}
	p := &v2_3.Package{
		PackageName:               c.Name,
		PackageSPDXIdentifier:     common.ElementID(id),
		PackageVersion:            c.Version,
		PackageFileName:           c.FileName,
		PackageDownloadLocation:   noAssertion,
		FilesAnalyzed:             false,
		IsFilesAnalyzedTagPresent: true,
		PackageLicenseConcluded:   cmp.Or(c.Licenses.Concluded, noAssertion),
		PackageLicenseDeclared:    cmp.Or(c.Licenses.Declared, noAssertion),
		PackageCopyrightText:      noAssertion,
	}
	var notes []note
	if id != c.ID && c.ID != c.PURL {
		notes = append(notes, note{noteID, []string{c.ID}})
	}
	if version == "2.3" {
		p.PrimaryPackagePurpose = purposeOf(c.Type)
		if p.PrimaryPackagePurpose == "" && c.Type != "" {
			p.PrimaryPackagePurpose = "OTHER"
		}
		if c.Type != "" && typeOf(p.PrimaryPackagePurpose) != c.Type {
			notes = append(notes, note{noteType, []string{string(c.Type)}})
		}
	} else if c.Type != "" {
		notes = append(notes, note{noteType, []string{string(c.Type)}})
	}
	if c.Scope != "" {
		notes = append(notes, note{noteScope, []string{string(c.Scope)}})
	}
	if c.Size != 0 {
		notes = append(notes, note{noteSize, []string{strconv.FormatInt(c.Size, 10)}})
	}

	if c.Supplier.IsZero() {
		p.PackageSupplier = &common.Supplier{Supplier: noAssertion}
	} else {
		s := contactString(c.Supplier)
		p.PackageSupplier = &common.Supplier{SupplierType: "Organization", Supplier: s}
		if parseContact(s) != c.Supplier {
			notes = append(notes, note{noteSupplier, []string{c.Supplier.Name, c.Supplier.Email, c.Supplier.URL}})
		}
	}
	if strings.TrimSpace(c.Author) != "" {
		p.PackageOriginator = &common.Originator{OriginatorType: "Organization", Originator: c.Author}
	}

	allowed := checksums23
	if version == "2.2" {
		allowed = checksums22
	}
	for _, h := range c.Hashes {
		alg := toChecksumAlg(h.Algorithm)
		if allowed[alg] {
			p.PackageChecksums = append(p.PackageChecksums, common.Checksum{Algorithm: alg, Value: h.Value})
		} else {
			notes = append(notes, note{noteHash, []string{string(h.Algorithm), h.Value}})
		}
	}

	if c.PURL != "" {
		p.PackageExternalReferences = append(p.PackageExternalReferences, &v2_3.PackageExternalReference{
			Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: locator(c.PURL),
		})
	}
	var download, vcs string
	for _, r := range c.References {
		p.PackageExternalReferences = append(p.PackageExternalReferences, &v2_3.PackageExternalReference{
			Category: categoryOther, RefType: refTypeString(r.Type), Locator: locator(r.URL),
		})
		for _, h := range r.Hashes {
			notes = append(notes, note{noteRefHash, []string{string(r.Type), r.URL, string(h.Algorithm), h.Value}})
		}
		switch {
		case r.Type == sbom.RefDistribution && download == "":
			download = r.URL
		case r.Type == sbom.RefVCS && vcs == "":
			vcs = r.URL
		case r.Type == sbom.RefWebsite && p.PackageHomePage == "":
			p.PackageHomePage = r.URL
		}
	}
	p.PackageDownloadLocation = cmp.Or(download, vcs, noAssertion)

	for _, prop := range c.Properties {
		if prop.Name == PropExternalRef {
			if f := strings.Fields(prop.Value); len(f) == 3 {
				p.PackageExternalReferences = append(p.PackageExternalReferences, &v2_3.PackageExternalReference{
					Category: f[0], RefType: f[1], Locator: f[2],
				})
				continue
			}
		}
		notes = append(notes, note{noteProperty, []string{prop.Name, prop.Value}})
	}
	p.PackageComment = renderNotes(notes)
	return p, nil
}

// locator makes s a valid external reference locator: it must not contain
// whitespace (clause 7.21), which tag-value would split on.
func locator(s string) string {
	return strings.Join(strings.Fields(s), "%20")
}

// refTypeString makes a reference type an idstring (Annex F: [A-Za-z0-9.-]+).
func refTypeString(t sbom.ExternalRefType) string {
	if validIDString(string(t)) {
		return string(t)
	}
	return elementID(string(t))
}

// relationships returns DESCRIBES for the primary component and DEPENDS_ON
// for every edge, with one NONE or NOASSERTION marker per dependency entry
// for its completeness (clause 11.1: NONE says there are no other related
// elements; NOASSERTION that there may be).
func relationships(d *sbom.Document, ids map[string]string) []*v2_3.Relationship {
	ref := func(id string) common.DocElementID { return common.MakeDocElementID("", ids[id]) }
	var rels []*v2_3.Relationship
	describes := []string{d.Primary}
	if d.Primary == "" {
		describes = roots(d)
	}
	for _, id := range describes {
		rels = append(rels, &v2_3.Relationship{
			RefA: common.MakeDocElementID("", documentID), RefB: ref(id), Relationship: common.TypeRelationshipDescribe,
		})
	}
	dev := map[string]bool{}
	for i := range d.Components {
		if d.Components[i].Development() {
			dev[d.Components[i].ID] = true
		}
	}
	for _, dep := range d.Dependencies {
		for _, to := range dep.DependsOn {
			rels = append(rels, dependsOn(dev, ref, dep.Ref, to))
		}
		marker := &v2_3.Relationship{RefA: ref(dep.Ref), Relationship: common.TypeRelationshipDependsOn}
		switch dep.Completeness {
		case sbom.CompletenessComplete:
			marker.RefB = common.MakeDocElementSpecial(noneValue)
			if len(dep.DependsOn) > 0 {
				marker.RelationshipComment = completeComment
			}
		case sbom.CompletenessIncomplete:
			marker.RefB = common.MakeDocElementSpecial(noAssertion)
			marker.RelationshipComment = incompleteComment
		default:
			marker.RefB = common.MakeDocElementSpecial(noAssertion)
		}
		rels = append(rels, marker)
	}
	slices.SortStableFunc(rels, func(a, b *v2_3.Relationship) int {
		return cmp.Or(
			cmp.Compare(common.RenderDocElementID(a.RefA), common.RenderDocElementID(b.RefA)),
			cmp.Compare(a.Relationship, b.Relationship),
			cmp.Compare(common.RenderDocElementID(a.RefB), common.RenderDocElementID(b.RefB)),
		)
	})
	return rels
}

// dependsOn is the relationship of one edge: "to DEV_DEPENDENCY_OF from"
// when a lockfile marks to as needed only for development or tests (dev
// holds those IDs; clause 11.1's way of saying it), else "from DEPENDS_ON to".
func dependsOn(dev map[string]bool, ref func(string) common.DocElementID, from, to string) *v2_3.Relationship {
	if dev[to] {
		return &v2_3.Relationship{RefA: ref(to), RefB: ref(from), Relationship: common.TypeRelationshipDevDependencyOf}
	}
	return &v2_3.Relationship{RefA: ref(from), RefB: ref(to), Relationship: common.TypeRelationshipDependsOn}
}

// roots returns the components no other component depends on: what a
// document without a primary component describes. If every component is on
// a cycle, it describes them all.
func roots(d *sbom.Document) []string {
	target := map[string]bool{}
	for _, dep := range d.Dependencies {
		for _, to := range dep.DependsOn {
			if to != dep.Ref {
				target[to] = true
			}
		}
	}
	var out, all []string
	for _, c := range d.Components {
		all = append(all, c.ID)
		if !target[c.ID] {
			out = append(out, c.ID)
		}
	}
	if len(out) == 0 {
		return all
	}
	return out
}
