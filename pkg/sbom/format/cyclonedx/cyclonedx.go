// Package cyclonedx encodes vouch's neutral SBOM model ([sbom.Document]) as
// CycloneDX JSON or XML, and decodes CycloneDX documents back into the model.
//
// # Encoding
//
// [Encoder] writes CycloneDX 1.5, 1.6 or 1.7 ([Versions]; 1.6 by default). The
// output meets BSI TR-03183-2 v2.1 by construction where the model carries
// the data: a content-derived serial number, the SBOM creator as
// metadata.authors and metadata.manufacturer, each shipped file's name,
// executable/archive/structured properties (the bsi:component:* taxonomy),
// licences with their acknowledgement (declared/concluded), a distribution
// reference carrying the deployable file's hashes, a dependency entry for
// every component and composition aggregates stating completeness.
// The same document always gives the same bytes.
//
// What CycloneDX cannot hold is documented, not dropped silently:
//   - 1.5 has no licence acknowledgement, so only the declared licence is
//     written (the concluded one is lost); no component authors list (the
//     deprecated author field is used); no metadata.manufacturer
//     (metadata.supplier holds the SBOM creator); no source-distribution,
//     rfc-9116 or signature reference types (written as "other"), and no
//     cryptographic-asset type (written as "application" with the real type in
//     a vouch:component:type property, which the decoder restores).
//   - 1.6 cannot list an SPDX expression beside other licences: when a
//     component's declared and concluded licences are not both plain SPDX ids,
//     the declared one goes to evidence.licenses, acknowledged "declared".
//   - metadata.manufacturer holds one organisation: of several SBOM authors,
//     only the first with a URL keeps its URL.
//   - Document.Name, when it differs from the primary component's name, is a
//     vouch:document:name metadata property; Component.Size is vouch:file:size.
//
// # Decoding
//
// [Decoder] reads CycloneDX 1.2 to 1.7, JSON or XML (sniffed from the content),
// up to [Decoder.MaxBytes]. It inverts the encoder's mapping: bsi:* properties
// and the distribution reference that repeats a component's own hashes go
// back into Component.FileName, Type and Hashes. Nested components are
// flattened, with a dependency edge from parent to child; metadata.component
// becomes the primary component. Components without a bom-ref are named
// after their purl, else their position ("component-2.0"). Licence names
// become LicenseRef- identifiers, and several licences with the same
// acknowledgement are joined with AND. Edges to services are dropped (the
// model has none). Duplicate bom-refs and dependency edges to unknown
// components are errors wrapping [sbom.ErrInvalid].
package cyclonedx

import (
	"fmt"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// Versions lists the CycloneDX versions [Encoder] writes, oldest first.
var Versions = []string{"1.5", "1.6", "1.7"}

// DefaultVersion is the version [Encoder] writes when none is given: the
// oldest one BSI TR-03183-2 v2.1 accepts.
const DefaultVersion = "1.6"

// Property names this package writes for model fields CycloneDX has no place
// for. Like the model's own property names, renaming one breaks readers.
const (
	// propFileSize is Component.Size, in bytes.
	propFileSize = "vouch:file:size"
	// propDocumentName is Document.Name when it differs from the primary
	// component's name: CycloneDX documents have no name of their own.
	propDocumentName = "vouch:document:name"
	// propComponentType is a component type the target version's schema
	// does not know (1.6's cryptographic-asset written as 1.5), which is
	// written as "application" as cyclonedx-go's own conversion does.
	propComponentType = "vouch:component:type"
)

// componentTypes15 are the component types CycloneDX 1.5 defines; 1.6 adds
// cryptographic-asset, 1.7 nothing.
var componentTypes15 = map[string]bool{
	"application": true, "framework": true, "library": true, "container": true, "platform": true,
	"operating-system": true, "device": true, "device-driver": true, "firmware": true, "file": true,
	"machine-learning-model": true, "data": true,
}

// knownType reports whether version sv's schema allows component type t.
func knownType(t string, sv cdx.SpecVersion) bool {
	return componentTypes15[t] || (t == "cryptographic-asset" && sv >= cdx.SpecVersion1_6)
}

// specVersions maps the version strings this package understands to
// cyclonedx-go's enumeration. Decoding accepts 1.2 and later: JSON does not
// exist before 1.2.
var specVersions = map[string]cdx.SpecVersion{
	"1.2": cdx.SpecVersion1_2,
	"1.3": cdx.SpecVersion1_3,
	"1.4": cdx.SpecVersion1_4,
	"1.5": cdx.SpecVersion1_5,
	"1.6": cdx.SpecVersion1_6,
	"1.7": cdx.SpecVersion1_7,
}

// writableVersion resolves an Encoder.Version.
func writableVersion(v string) (cdx.SpecVersion, string, error) {
	if v == "" {
		v = DefaultVersion
	}
	for _, w := range Versions {
		if w == v {
			if sv, ok := specVersions[v]; ok {
				return sv, v, nil
			}
		}
	}
	return 0, "", fmt.Errorf("cyclonedx: cannot write version %q (supported: %s)", v, strings.Join(Versions, ", "))
}
