package cyclonedx

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// Encoder writes CycloneDX documents.
type Encoder struct {
	// Version is the CycloneDX version to write, one of [Versions];
	// "" means [DefaultVersion].
	Version string
	// XML selects XML output; the default is JSON.
	XML bool
}

// Encode writes d to w as CycloneDX. It encodes a normalized copy, so d is
// not modified, and it writes nothing if encoding fails. JSON and XML are
// indented by two spaces and end with a newline.
func (e Encoder) Encode(w io.Writer, d *sbom.Document) error {
	sv, ver, err := writableVersion(e.Version)
	if err != nil {
		return err
	}
	if d == nil {
		return errors.New("cyclonedx: encode: nil document")
	}
	// Duplicate or empty IDs and dangling edges would give duplicate
	// bom-refs and a broken graph: refuse rather than write them.
	if err := d.Validate(); err != nil {
		return fmt.Errorf("cyclonedx: encode: %w", err)
	}
	doc := d.Clone()
	doc.Normalize()
	bom := buildBOM(doc, sv, ver)

	var buf bytes.Buffer
	if e.XML {
		err = cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatXML).SetPretty(true).Encode(bom)
		buf.WriteByte('\n') // the XML encoder leaves the last line open
	} else {
		// HTML escaping would only make URLs and names harder to read.
		err = cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false).Encode(bom)
	}
	if err != nil {
		return fmt.Errorf("cyclonedx: encode %s: %w", ver, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("cyclonedx: write: %w", err)
	}
	return nil
}

// buildBOM maps a normalized document onto a CycloneDX BOM of version sv. It
// writes only what sv's schema accepts, rather than relying on cyclonedx-go's
// conversion, which for example turns 1.6's cryptographic-asset type into
// "application".
func buildBOM(d *sbom.Document, sv cdx.SpecVersion, ver string) *cdx.BOM {
	bom := &cdx.BOM{
		XMLNS:        "http://cyclonedx.org/schema/bom/" + ver,
		JSONSchema:   "http://cyclonedx.org/schema/bom-" + ver + ".schema.json",
		BOMFormat:    cdx.BOMFormat,
		SpecVersion:  sv,
		SerialNumber: "urn:uuid:" + sbom.UUIDFromDigest(d.Digest()),
		Version:      1,
		Metadata:     encodeMetadata(d, sv),
	}

	var comps []cdx.Component
	for i := range d.Components {
		if d.Components[i].ID == d.Primary {
			continue // it is metadata.component
		}
		comps = append(comps, encodeComponent(&d.Components[i], sv))
	}
	if comps != nil {
		bom.Components = &comps
	}

	// BSI asks for the dependency graph of every component; CycloneDX says a
	// component without dependencies is an empty entry. Components are
	// sorted by ID, and so are the normalized dependencies.
	deps := make(map[string]sbom.Dependency, len(d.Dependencies))
	for _, dep := range d.Dependencies {
		deps[dep.Ref] = dep
	}
	if len(d.Components) > 0 {
		out := make([]cdx.Dependency, 0, len(d.Components))
		for _, c := range d.Components {
			entry := cdx.Dependency{Ref: c.ID}
			if on := deps[c.ID].DependsOn; len(on) > 0 {
				on := slices.Clone(on)
				entry.Dependencies = &on
			}
			out = append(out, entry)
		}
		bom.Dependencies = &out
	}
	bom.Compositions = encodeCompositions(d)
	return bom
}

// encodeCompositions states completeness: first of the document as a whole
// (an aggregate over the primary component's assembly), then of each
// dependency list, grouped by aggregate. Only components with a Dependency
// entry are listed: a component the model says nothing about stays out of
// the unknown group, so that decoding gives back the same model.
func encodeCompositions(d *sbom.Document) *[]cdx.Composition {
	docComp := cdx.Composition{Aggregate: aggregate(d.Completeness)}
	if d.Primary != "" {
		docComp.Assemblies = &[]cdx.BOMReference{cdx.BOMReference(d.Primary)}
	}
	out := []cdx.Composition{docComp}
	for _, c := range []sbom.Completeness{sbom.CompletenessComplete, sbom.CompletenessIncomplete, sbom.CompletenessUnknown} {
		var refs []cdx.BOMReference
		for _, dep := range d.Dependencies {
			if dep.Completeness == c {
				refs = append(refs, cdx.BOMReference(dep.Ref))
			}
		}
		if len(refs) > 0 {
			out = append(out, cdx.Composition{Aggregate: aggregate(c), Dependencies: &refs})
		}
	}
	return &out
}

func aggregate(c sbom.Completeness) cdx.CompositionAggregate {
	switch c {
	case sbom.CompletenessComplete:
		return cdx.CompositionAggregateComplete
	case sbom.CompletenessIncomplete:
		return cdx.CompositionAggregateIncomplete
	}
	return cdx.CompositionAggregateUnknown
}

var lifecyclePhases = map[string]bool{
	"design": true, "pre-build": true, "build": true, "post-build": true,
	"operations": true, "discovery": true, "decommission": true,
}

func encodeMetadata(d *sbom.Document, sv cdx.SpecVersion) *cdx.Metadata {
	m := &cdx.Metadata{}
	if !d.Created.IsZero() {
		m.Timestamp = d.Created.UTC().Format(time.RFC3339)
	}
	if d.Lifecycle != "" && sv >= cdx.SpecVersion1_5 {
		lc := cdx.Lifecycle{Phase: cdx.LifecyclePhase(d.Lifecycle)}
		if !lifecyclePhases[d.Lifecycle] {
			lc = cdx.Lifecycle{Name: d.Lifecycle} // a custom phase
		}
		m.Lifecycles = &[]cdx.Lifecycle{lc}
	}
	if len(d.Tools) > 0 {
		tools := make([]cdx.Component, 0, len(d.Tools))
		for _, t := range d.Tools {
			tc := cdx.Component{Type: cdx.ComponentTypeApplication, Name: t.Name, Version: t.Version}
			if t.Vendor != "" {
				// cyclonedx-go maps a legacy tool's vendor to the supplier too.
				tc.Supplier = &cdx.OrganizationalEntity{Name: t.Vendor}
			}
			tools = append(tools, tc)
		}
		m.Tools = &cdx.ToolsChoice{Components: &tools}
	}
	var authors []cdx.OrganizationalContact
	for _, a := range d.Authors {
		if a.Name != "" || a.Email != "" {
			authors = append(authors, cdx.OrganizationalContact{Name: a.Name, Email: a.Email})
		}
	}
	if authors != nil {
		m.Authors = &authors
	}
	if len(d.Authors) > 0 {
		// BSI's "creator of the SBOM" is metadata.manufacturer (url or contact
		// email); 1.5 has none, its nearest field is metadata.supplier.
		// One organisation fits there: the first author with a URL, which
		// BSI accepts in place of an email, else the first author.
		first := d.Authors[0]
		for _, a := range d.Authors {
			if a.URL != "" {
				first = a
				break
			}
		}
		creator := entity(first)
		if sv >= cdx.SpecVersion1_6 {
			m.Manufacturer = creator
		} else {
			m.Supplier = creator
		}
	}
	if c := d.Component(d.Primary); c != nil {
		pc := encodeComponent(c, sv)
		m.Component = &pc
	}
	props := encodeProperties(d.Properties)
	if p := d.Component(d.Primary); d.Name != "" && (p == nil || p.Name != d.Name) {
		props = append(props, cdx.Property{Name: propDocumentName, Value: d.Name})
		sortCDXProperties(props)
	}
	if len(props) > 0 {
		m.Properties = &props
	}
	return m
}

func entity(c sbom.Contact) *cdx.OrganizationalEntity {
	e := &cdx.OrganizationalEntity{Name: c.Name}
	if c.URL != "" {
		e.URL = &[]string{c.URL}
	}
	if c.Email != "" {
		e.Contact = &[]cdx.OrganizationalContact{{Email: c.Email}}
	}
	return e
}

func encodeProperties(ps []sbom.Property) []cdx.Property {
	out := make([]cdx.Property, 0, len(ps))
	for _, p := range ps {
		out = append(out, cdx.Property{Name: p.Name, Value: p.Value})
	}
	sortCDXProperties(out)
	return out
}

func sortCDXProperties(ps []cdx.Property) {
	slices.SortStableFunc(ps, func(a, b cdx.Property) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Value, b.Value))
	})
}

// refTypes15 are the model's reference types that 1.5 lacks.
var refTypes15 = map[sbom.ExternalRefType]bool{
	sbom.RefSourceDistribution: true, sbom.RefSecurityContact: true,
	"electronic-signature": true, "digital-signature": true,
	"patent": true, "patent-family": true, "patent-assertion": true, "citation": true,
}

func encodeComponent(c *sbom.Component, sv cdx.SpecVersion) cdx.Component {
	out := cdx.Component{
		BOMRef:     c.ID,
		Type:       cdx.ComponentType(c.Type),
		Name:       c.Name,
		Version:    c.Version,
		PackageURL: c.PURL,
		Scope:      cdx.Scope(c.Scope),
	}
	extra := c.Properties
	switch {
	case c.Type == sbom.TypeArchive:
		out.Type = cdx.ComponentTypeFile // CycloneDX has no archive type; bsi:component:archive says it
	case !knownType(string(c.Type), sv):
		// Stay schema-valid, and keep the real type for a decoder to restore.
		out.Type = cdx.ComponentTypeApplication
		extra = append(slices.Clone(extra), sbom.Property{Name: propComponentType, Value: string(c.Type)})
	}
	if !c.Supplier.IsZero() {
		out.Supplier = entity(c.Supplier)
		if sv >= cdx.SpecVersion1_6 {
			out.Manufacturer = entity(c.Supplier) // BSI's "component creator"
		}
	}
	if c.Author != "" {
		if sv >= cdx.SpecVersion1_6 {
			out.Authors = &[]cdx.OrganizationalContact{{Name: c.Author}} // author is deprecated in 1.6
		} else {
			out.Author = c.Author
		}
	}
	var evidence *cdx.Licenses
	out.Licenses, evidence = encodeLicenses(c.Licenses, sv)
	if evidence != nil {
		out.Evidence = &cdx.Evidence{Licenses: evidence}
	}
	if hs := encodeHashes(c.Hashes, sv); len(hs) > 0 {
		out.Hashes = &hs
	}
	if ps := componentProperties(c, extra); len(ps) > 0 {
		out.Properties = &ps
	}

	refs := make([]cdx.ExternalReference, 0, len(c.References)+1)
	for _, r := range c.References {
		t := cdx.ExternalReferenceType(r.Type)
		if sv < cdx.SpecVersion1_6 && refTypes15[r.Type] {
			t = cdx.ERTypeOther
		}
		ref := cdx.ExternalReference{Type: t, URL: r.URL}
		if hs := encodeHashes(r.Hashes, sv); len(hs) > 0 {
			ref.Hashes = &hs
		}
		refs = append(refs, ref)
	}
	if c.FileName != "" && len(c.Hashes) > 0 {
		// BSI wants the deployable file's hash (SHA-512) on its distribution
		// reference; the file name is the reference's relative URL.
		hs := encodeHashes(c.Hashes, sv)
		refs = append(refs, cdx.ExternalReference{Type: cdx.ERTypeDistribution, URL: c.FileName, Hashes: &hs})
	}
	slices.SortStableFunc(refs, func(a, b cdx.ExternalReference) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.URL, b.URL))
	})
	if len(refs) > 0 {
		out.ExternalReferences = &refs
	}
	return out
}

func encodeHashes(hs []sbom.Hash, sv cdx.SpecVersion) []cdx.Hash {
	out := make([]cdx.Hash, 0, len(hs))
	for _, h := range hs {
		if sv < cdx.SpecVersion1_7 && (h.Algorithm == "Streebog-256" || h.Algorithm == "Streebog-512") {
			continue // not in the schema's enumeration before 1.7
		}
		out = append(out, cdx.Hash{Algorithm: cdx.HashAlgorithm(h.Algorithm), Value: h.Value})
	}
	return out
}

// bsiProperties returns the BSI taxonomy properties the model's fields imply.
// Executable, archive and structured are written only for shipped files (a
// FileName); an archive says so even without one, since its CycloneDX type
// is just "file".
func bsiProperties(c *sbom.Component) []sbom.Property {
	var ps []sbom.Property
	if c.FileName == "" {
		if c.Type == sbom.TypeArchive {
			ps = append(ps, sbom.Property{Name: sbom.BSIArchive, Value: "archive"})
		}
		return ps
	}
	exe, arc := "non-executable", "no archive"
	if c.Type == sbom.TypeApplication {
		exe = "executable"
	}
	if c.Type == sbom.TypeArchive {
		arc = "archive"
	}
	return append(ps,
		sbom.Property{Name: sbom.BSIFilename, Value: c.FileName},
		sbom.Property{Name: sbom.BSIExecutable, Value: exe},
		sbom.Property{Name: sbom.BSIArchive, Value: arc},
		// vouch does not look inside files for metadata about their contents.
		sbom.Property{Name: sbom.BSIStructured, Value: "unstructured"},
	)
}

// componentProperties merges the component's own properties with the derived
// ones. A property the component already has (say, from a decoded
// third-party document) wins over the derived value.
func componentProperties(c *sbom.Component, own []sbom.Property) []cdx.Property {
	ps := slices.Clone(own)
	has := func(name string) bool { _, ok := c.Property(name); return ok }
	for _, p := range bsiProperties(c) {
		if !has(p.Name) {
			ps = append(ps, p)
		}
	}
	if c.Size > 0 && !has(propFileSize) {
		ps = append(ps, sbom.Property{Name: propFileSize, Value: strconv.FormatInt(c.Size, 10)})
	}
	return encodeProperties(ps)
}
