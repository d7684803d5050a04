package spdx3

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// The JSON-LD below is the compact form that the SPDX 3.0.1 context
// (https://spdx.org/rdf/3.0.1/spdx-context.jsonld) and its JSON schema
// define: property names such as "software_packageVersion", class names such
// as "software_Package", and vocabulary values such as "dependsOn". One struct
// carries the properties of every class vouch reads or writes; encoding/json
// keeps the field order below, and omitempty/omitzero leave out what a class
// does not have.

// node is one JSON-LD object: an Element (spdxId) or a blank node (@id) such
// as the shared CreationInfo.
type node struct {
	Type         string `json:"type"`
	BlankID      string `json:"@id,omitempty"`
	SpdxID       string `json:"spdxId,omitempty"`
	CreationInfo ref    `json:"creationInfo,omitzero"`
	Name         string `json:"name,omitempty"`
	Comment      string `json:"comment,omitempty"`

	// CreationInfo.
	SpecVersion  string `json:"specVersion,omitempty"`
	Created      string `json:"created,omitempty"`
	CreatedBy    []ref  `json:"createdBy,omitempty"`
	CreatedUsing []ref  `json:"createdUsing,omitempty"`

	// ElementCollection, SpdxDocument, software_Sbom.
	ProfileConformance []string          `json:"profileConformance,omitempty"`
	DataLicense        ref               `json:"dataLicense,omitzero"`
	RootElement        []ref             `json:"rootElement,omitempty"`
	Element            []ref             `json:"element,omitempty"`
	Import             list[externalMap] `json:"import,omitempty"`
	SbomType           []string          `json:"software_sbomType,omitempty"`

	// Artifact, software_Package, software_File.
	PrimaryPurpose     string                   `json:"software_primaryPurpose,omitempty"`
	AdditionalPurpose  []string                 `json:"software_additionalPurpose,omitempty"`
	PackageVersion     string                   `json:"software_packageVersion,omitempty"`
	PackageURL         string                   `json:"software_packageUrl,omitempty"`
	DownloadLocation   string                   `json:"software_downloadLocation,omitempty"`
	HomePage           string                   `json:"software_homePage,omitempty"`
	SuppliedBy         ref                      `json:"suppliedBy,omitzero"`
	OriginatedBy       []ref                    `json:"originatedBy,omitempty"`
	VerifiedUsing      list[hash]               `json:"verifiedUsing,omitempty"`
	ExternalIdentifier list[externalIdentifier] `json:"externalIdentifier,omitempty"`
	ExternalRef        list[externalRef]        `json:"externalRef,omitempty"`
	Extension          list[extension]          `json:"extension,omitempty"`

	// simplelicensing_LicenseExpression.
	LicenseExpression string `json:"simplelicensing_licenseExpression,omitempty"`

	// Relationship.
	From             ref    `json:"from,omitzero"`
	RelationshipType string `json:"relationshipType,omitempty"`
	To               []ref  `json:"to,omitempty"`
	Completeness     string `json:"completeness,omitempty"`
	// LifecycleScopedRelationship.
	Scope string `json:"scope,omitempty"`
}

// isRelationship reports whether class is Relationship or its subclass
// LifecycleScopedRelationship.
func isRelationship(class string) bool {
	return class == classRelationship || class == classScopedRel
}

// id is the node's identifier: spdxId for Elements, @id for blank nodes.
func (n *node) id() string {
	if n.SpdxID != "" {
		return n.SpdxID
	}
	return n.BlankID
}

// ref is a reference to a node: JSON-LD lets a document write either the
// node's id or the node itself, inline.
type ref struct {
	ID   string
	Node *node // set when the node was written inline
}

func (r ref) MarshalJSON() ([]byte, error) {
	if r.Node != nil {
		return json.Marshal(r.Node)
	}
	return json.Marshal(r.ID)
}

func (r *ref) UnmarshalJSON(b []byte) error {
	switch firstByte(b) {
	case '"':
		return json.Unmarshal(b, &r.ID)
	case '{':
		var n node
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		r.Node, r.ID = &n, n.id()
		return nil
	}
	return fmt.Errorf("expected an element id (string) or an inline object, got %.20s", b)
}

// list is an array of nested objects (hashes, identifiers, references,
// extensions). The schema also allows an entry to be an IRI or blank node
// naming an object elsewhere; vouch does not follow those (no producer it knows
// writes them), so they are skipped rather than rejected.
type list[T any] []T

func (l *list[T]) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for _, r := range raw {
		if firstByte(r) != '{' {
			continue
		}
		var v T
		if err := json.Unmarshal(r, &v); err != nil {
			return err
		}
		*l = append(*l, v)
	}
	return nil
}

func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// hash is a Hash integrity method.
type hash struct {
	Type      string `json:"type"`
	Algorithm string `json:"algorithm"`
	HashValue string `json:"hashValue"`
	Comment   string `json:"comment,omitempty"`
}

// externalIdentifier is an ExternalIdentifier (purl, email, URL, CPE...).
type externalIdentifier struct {
	Type                   string   `json:"type"`
	ExternalIdentifierType string   `json:"externalIdentifierType"`
	Identifier             string   `json:"identifier"`
	IdentifierLocator      []string `json:"identifierLocator,omitempty"`
}

// externalRef is an ExternalRef (vcs, binaryArtifact, sourceArtifact...).
type externalRef struct {
	Type            string   `json:"type"`
	ExternalRefType string   `json:"externalRefType,omitempty"`
	Locator         []string `json:"locator,omitempty"`
	Comment         string   `json:"comment,omitempty"`
}

// extension is an extension_Extension. vouch writes and reads only
// extension_CdxPropertiesExtension, SPDX 3.0.1's native carrier for
// CycloneDX-style name/value properties.
type extension struct {
	Type        string            `json:"type"`
	CdxProperty list[cdxProperty] `json:"extension_cdxProperty,omitempty"`
}

// cdxProperty is an extension_CdxPropertyEntry.
type cdxProperty struct {
	Type  string `json:"type"`
	Name  string `json:"extension_cdxPropName"`
	Value string `json:"extension_cdxPropValue,omitempty"`
}

// externalMap is an ExternalMap: an element of another document that this
// one refers to (SpdxDocument.import).
type externalMap struct {
	Type           string `json:"type"`
	ExternalSpdxID string `json:"externalSpdxId"`
}

// Class names, as compacted by the 3.0.1 context.
const (
	classCreationInfo = "CreationInfo"
	classSpdxDocument = "SpdxDocument"
	classSbom         = "software_Sbom"
	classPackage      = "software_Package"
	classFile         = "software_File"
	classRelationship = "Relationship"
	// classScopedRel is a Relationship with a lifecycle scope: vouch
	// writes development-only dependency edges as one.
	classScopedRel     = "LifecycleScopedRelationship"
	classLicenseExpr   = "simplelicensing_LicenseExpression"
	classOrganization  = "Organization"
	classPerson        = "Person"
	classAgent         = "Agent"
	classSoftwareAgent = "SoftwareAgent"
	classTool          = "Tool"
	classHash          = "Hash"
	classExtIdentifier = "ExternalIdentifier"
	classExtRef        = "ExternalRef"
	classCdxExtension  = "extension_CdxPropertiesExtension"
	classCdxEntry      = "extension_CdxPropertyEntry"
)

// Individuals: named values that stand for an element without being one in
// the graph.
const (
	noneElement        = "NoneElement"
	noAssertionElement = "NoAssertionElement"
	spdxOrganization   = "SpdxOrganization"
	noneLicense        = "expandedlicensing_NoneLicense"
	noAssertionLicense = "expandedlicensing_NoAssertionLicense"
)

// termRE matches an SPDX 3.0.x vocabulary IRI, which a document may write in
// place of its compact name.
var termRE = regexp.MustCompile(`^https?://spdx\.org/rdf/3\.0\.[0-9]+/terms/([A-Za-z]+)/(.+)$`)

// compactTerm turns an expanded SPDX term IRI into its compact name
// ("https://spdx.org/rdf/3.0.1/terms/Software/Package" → "software_Package";
// Core terms have no prefix). Anything else is returned unchanged.
func compactTerm(s string) string {
	m := termRE.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	if m[1] == "Core" {
		return m[2]
	}
	return strings.ToLower(m[1]) + "_" + m[2]
}

// compactVocab turns a vocabulary value, compact ("dependsOn") or expanded
// (".../terms/Core/RelationshipType/dependsOn"), into its compact name.
func compactVocab(s string) string {
	s = compactTerm(s)
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}
