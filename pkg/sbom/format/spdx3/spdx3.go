// Package spdx3 writes vouch's neutral SBOM model as SPDX 3.0.1 JSON-LD and
// reads SPDX 3.0.x JSON-LD back into it.
//
// SPDX 3.0.1 is the SPDX version BSI TR-03183-2 v2.1 accepts, so the encoder
// writes what that guideline reads: the creator of the SBOM as an Organization
// with an email or URL identifier in CreationInfo.createdBy, the timestamp in
// CreationInfo.created, the software_Sbom's spdxId as SBOM-URI, each
// component as a software_Package (name, version, purl as packageUrl and
// externalIdentifier, suppliedBy, originatedBy, hashes, external references),
// each shipped file as a software_File (name, SHA-512 in verifiedUsing,
// executable/archive/container/firmware in software_additionalPurpose) linked
// to its package by hasDistributionArtifact, licences as
// simplelicensing_LicenseExpression elements behind hasDeclaredLicense and
// hasConcludedLicense relationships, and dependencies as dependsOn
// relationships with their completeness.
//
// # Element ids
//
// Every element id is an IRI under a namespace derived from the document's
// content, "https://vouch.dev/spdx/NAME-UUID", where UUID comes from
// [sbom.Document.Digest]. A component's id is the namespace, "#", and its
// model ID (characters that are not letters, digits or -._~:@/+ replaced,
// plus a hash when that changed anything); vouch's other elements use
// "#SPDXRef-KIND-HASH" fragments whose hash covers their content, so equal
// content always gives equal ids.
//
// # What SPDX 3 has no field for
//
// Model data that SPDX 3.0.1 cannot express natively travels in the
// standard extension for it, extension_CdxPropertiesExtension, as name/value
// entries: a component's own properties under their own names, and the
// model's remaining fields under reserved names: "vouch:spdx3:scope" and
// "vouch:spdx3:size" (decimal bytes) on packages; "vouch:spdx3:type" when no
// software_primaryPurpose expresses the component type; "vouch:spdx3:id" when
// the component's ID is neither its unique purl nor its id's fragment;
// "vouch:spdx3:vendor" and "vouch:spdx3:version" on Tools; and on the
// SpdxDocument "vouch:spdx3:completeness" (of the component list) and
// "vouch:spdx3:lifecycle" when no software_sbomType expresses it. The decoder
// turns the reserved ones back into fields. ExternalRef is no Element and has no
// extension, so a reference's digests and a reference type with no SPDX
// equivalent go into its comment, one "vouch:hash ALG=HEX" or
// "vouch:type=TYPE" line each.
//
// Decoding vouch's own output gives back the normalized document exactly,
// except for degenerate values SPDX cannot hold: an external reference with
// an empty URL, a hash with an empty value, and an all-empty author or tool
// are dropped. Property names starting "vouch:spdx3:" are reserved.
// From other producers the decoder reads packages (and AI and dataset
// packages) as components, files that are the single distribution artifact
// of a package into that component's FileName and hashes, other files as
// "file" components, dependsOn and contains relationships as dependencies,
// licence relationships, the Sbom's rootElement as the primary component, and
// CreationInfo as timestamp, authors and tools. It reads the compact JSON-LD
// form that the SPDX 3.0.1 JSON schema defines (types and vocabulary values
// may also be full SPDX IRIs); it does not expand arbitrary JSON-LD contexts,
// and it skips nested objects given by reference (an IRI or blank node in
// verifiedUsing, externalIdentifier, externalRef or extension). Data the model
// has no place for is not read: CPE and other identifiers besides purl,
// snippets, annotations, security and AI/dataset profile fields.
package spdx3

import (
	"regexp"
)

// Versions lists the SPDX 3 versions the encoder offers. The CLI calls it
// spdx-json@3.0; the document written is SPDX 3.0.1.
var Versions = []string{"3.0"}

// DefaultVersion is the version written when none is asked for.
const DefaultVersion = "3.0"

// DefaultMaxBytes is the largest document [Decoder.Decode] reads when
// MaxBytes is 0.
const DefaultMaxBytes = 256 << 20

// Encoder writes SPDX 3.0.1 JSON-LD.
type Encoder struct{}

// Decoder reads SPDX 3.0.x JSON-LD.
type Decoder struct {
	// MaxBytes bounds the size of the input; 0 means DefaultMaxBytes.
	MaxBytes int64
}

// contextRE finds an SPDX 3.0.x context IRI and captures its version.
var contextRE = regexp.MustCompile(`https?://spdx\.org/rdf/(3\.0\.[0-9]+)/`)
