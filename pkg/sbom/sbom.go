// Package sbom holds vouch's neutral software bill of materials model.
//
// Every cataloger (see [github.com/vouchdev/vouch/pkg/sbom/catalog]) produces a
// [Document]; every format package (see [github.com/vouchdev/vouch/pkg/sbom/format])
// encodes a Document into CycloneDX or SPDX and decodes those formats back into one.
// The model is deliberately small: it carries what the BSI TR-03183-2, NTIA and
// CISA minimum elements ask for, and what vouch's verifier reads, nothing more.
//
// # Determinism
//
// A Document is canonical after [Document.Normalize]: components, dependencies,
// properties, hashes and licences are sorted and de-duplicated, so that encoders
// produce the same bytes for the same content. Identifiers that formats need
// (CycloneDX serial numbers, SPDX namespaces) are derived from [Document.Digest],
// a hash of the canonical content, never from random numbers or the clock.
package sbom

import (
	"slices"
	"time"
)

// ComponentType says what kind of thing a component is.
type ComponentType string

// Component types. They map onto CycloneDX component types and SPDX primary
// package purposes.
const (
	TypeApplication ComponentType = "application" // an executable program or the main module
	TypeLibrary     ComponentType = "library"     // a module or package linked into something else
	TypeFile        ComponentType = "file"        // a file known only by its bytes (no build info)
	TypeArchive     ComponentType = "archive"     // a release archive (.tar.gz, .zip)
)

// Other types found in third-party documents ("framework", "container",
// "firmware", ...) are kept as their CycloneDX spelling.

// Scope says whether a component is needed at run time.
type Scope string

// Scopes, as in CycloneDX.
const (
	ScopeRequired Scope = "required"
	ScopeOptional Scope = "optional"
	ScopeExcluded Scope = "excluded"
)

// Completeness says whether the list of a component's dependencies (or of the
// whole document) is known to be complete. It maps onto CycloneDX composition
// aggregates and SPDX relationship completeness.
type Completeness string

// Completeness values.
const (
	CompletenessUnknown    Completeness = ""           // not stated (SPDX NOASSERTION)
	CompletenessComplete   Completeness = "complete"   // every dependency is listed
	CompletenessIncomplete Completeness = "incomplete" // some dependencies are known to be missing
)

// HashAlgorithm names a digest algorithm with its CycloneDX spelling.
type HashAlgorithm string

// Hash algorithms vouch writes or reads.
const (
	SHA1   HashAlgorithm = "SHA-1"
	SHA256 HashAlgorithm = "SHA-256"
	SHA384 HashAlgorithm = "SHA-384"
	SHA512 HashAlgorithm = "SHA-512"
	MD5    HashAlgorithm = "MD5"
)

// Hash is one digest of a component's bytes, Value in lower-case hex.
type Hash struct {
	Algorithm HashAlgorithm
	Value     string
}

// Property is a name/value pair. vouch's own names start with "vouch:"; the
// BSI taxonomy's with "bsi:".
type Property struct {
	Name  string
	Value string
}

// Contact is an organisation or person: the SBOM's creator or a component's
// supplier or author. At least one field is set.
type Contact struct {
	Name  string
	Email string
	URL   string
}

// IsZero reports whether no field of c is set.
func (c Contact) IsZero() bool { return c == Contact{} }

// Tool is a program that helped produce the document.
type Tool struct {
	Vendor  string
	Name    string
	Version string
}

// ExternalRefType classifies an external reference, with CycloneDX's names.
type ExternalRefType string

// External reference types vouch writes.
const (
	RefVCS                ExternalRefType = "vcs"
	RefWebsite            ExternalRefType = "website"
	RefDistribution       ExternalRefType = "distribution"
	RefSourceDistribution ExternalRefType = "source-distribution"
	RefSecurityContact    ExternalRefType = "rfc-9116"
	RefOther              ExternalRefType = "other"
)

// ExternalRef points from a component to somewhere else.
type ExternalRef struct {
	Type   ExternalRefType
	URL    string
	Hashes []Hash
}

// Licenses holds a component's licences as SPDX license expressions
// ("MIT", "Apache-2.0 OR MIT", "LicenseRef-foo"). Declared is what the
// component's authors state (its licence files); Concluded is what applies to
// the component as distributed. An empty string means unknown (NOASSERTION).
type Licenses struct {
	Declared  string
	Concluded string
}

// Component is one package, module, program or file in the document.
type Component struct {
	// ID is the component's identifier inside the document (CycloneDX bom-ref,
	// SPDX id suffix). It is stable: catalogers derive it from the purl or
	// from the file's digest, never from a counter or random number.
	ID         string
	Type       ComponentType
	Name       string
	Version    string
	PURL       string
	Supplier   Contact
	Author     string
	Scope      Scope
	Licenses   Licenses
	Hashes     []Hash
	FileName   string // base name of the shipped file, for executables and archives
	Size       int64  // size in bytes of the shipped file, 0 if unknown
	Properties []Property
	References []ExternalRef
}

// Property returns the value of the named property and whether it is set.
func (c *Component) Property(name string) (string, bool) {
	for _, p := range c.Properties {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

// SetProperty sets the named property, replacing an earlier value.
func (c *Component) SetProperty(name, value string) {
	for i := range c.Properties {
		if c.Properties[i].Name == name {
			c.Properties[i].Value = value
			return
		}
	}
	c.Properties = append(c.Properties, Property{Name: name, Value: value})
}

// Hash returns the component's digest with the given algorithm, or "".
func (c *Component) Hash(alg HashAlgorithm) string {
	for _, h := range c.Hashes {
		if h.Algorithm == alg {
			return h.Value
		}
	}
	return ""
}

// Dependency lists what one component depends on directly.
type Dependency struct {
	Ref       string   // the depending component's ID
	DependsOn []string // IDs of its direct dependencies
	// Completeness says whether DependsOn is known to be the whole list.
	Completeness Completeness
}

// Document is an SBOM: metadata, the components, and how they depend on each other.
type Document struct {
	// Name of the document, usually the primary component's name.
	Name string
	// Created is the document's timestamp (UTC, second precision).
	Created time.Time
	// Authors are the creators of the SBOM (BSI: "creator of the SBOM").
	Authors []Contact
	// Tools are the programs that produced it (vouch itself, first).
	Tools []Tool
	// Lifecycle is the CycloneDX lifecycle phase the SBOM was made in
	// ("build", "post-build", "pre-build"), if known.
	Lifecycle string
	// Primary is the ID of the component the SBOM describes.
	Primary string
	// Components lists every component, including the primary one.
	Components []Component
	// Dependencies lists direct dependency edges per component.
	Dependencies []Dependency
	// Completeness is the document-wide completeness of the component list.
	Completeness Completeness
	// Properties are document-level properties.
	Properties []Property
}

// Component returns the component with the given ID, or nil.
func (d *Document) Component(id string) *Component {
	for i := range d.Components {
		if d.Components[i].ID == id {
			return &d.Components[i]
		}
	}
	return nil
}

// Clone returns a deep copy of d: every slice that [Document.Normalize]
// sorts in place is copied, so encoders can normalise without reordering
// the caller's document.
func (d *Document) Clone() *Document {
	c := *d
	c.Authors = slices.Clone(d.Authors)
	c.Tools = slices.Clone(d.Tools)
	c.Properties = slices.Clone(d.Properties)
	c.Components = slices.Clone(d.Components)
	for i := range c.Components {
		comp := &c.Components[i]
		comp.Hashes = slices.Clone(comp.Hashes)
		comp.Properties = slices.Clone(comp.Properties)
		comp.References = slices.Clone(comp.References)
		for j := range comp.References {
			comp.References[j].Hashes = slices.Clone(comp.References[j].Hashes)
		}
	}
	c.Dependencies = slices.Clone(d.Dependencies)
	for i := range c.Dependencies {
		c.Dependencies[i].DependsOn = slices.Clone(c.Dependencies[i].DependsOn)
	}
	return &c
}
