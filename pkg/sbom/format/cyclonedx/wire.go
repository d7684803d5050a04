package cyclonedx

import (
	"bytes"
	"encoding/json"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// The decoder reads into these slim mirrors of cyclonedx-go's types, which
// keep only the fields the model uses. Parts of a document vouch ignores
// (declarations, patents, vulnerabilities, crypto properties, ...) are then
// skipped instead of parsed, so a quirk of cyclonedx-go's full types in one
// of them (it cannot read the specification's own attestation and patent
// examples) does not make the whole document unreadable. Leaf types
// (hashes, licences, dependencies, compositions) are cyclonedx-go's.

type wireBOM struct {
	Metadata     *wireMetadata     `json:"metadata" xml:"metadata"`
	Components   []wireComponent   `json:"components" xml:"components>component"`
	Services     []wireService     `json:"services" xml:"services>service"`
	Dependencies []cdx.Dependency  `json:"dependencies" xml:"dependencies>dependency"`
	Compositions []cdx.Composition `json:"compositions" xml:"compositions>composition"`
}

type wireMetadata struct {
	Timestamp    string                      `json:"timestamp" xml:"timestamp"`
	Lifecycles   []cdx.Lifecycle             `json:"lifecycles" xml:"lifecycles>lifecycle"`
	Tools        *wireTools                  `json:"tools" xml:"tools"`
	Authors      []cdx.OrganizationalContact `json:"authors" xml:"authors>author"`
	Component    *wireComponent              `json:"component" xml:"component"`
	Manufacturer *cdx.OrganizationalEntity   `json:"manufacturer" xml:"manufacturer"`
	Supplier     *cdx.OrganizationalEntity   `json:"supplier" xml:"supplier"`
	Properties   []cdx.Property              `json:"properties" xml:"properties>property"`
}

// wireTools is either the legacy list of tools (before 1.5) or the object of
// components and services; XML tells them apart by element name.
type wireTools struct {
	Tools      []wireTool      `xml:"tool"`
	Components []wireComponent `xml:"components>component"`
	Services   []wireService   `xml:"services>service"`
}

type wireTool struct {
	Vendor  string `json:"vendor" xml:"vendor"`
	Name    string `json:"name" xml:"name"`
	Version string `json:"version" xml:"version"`
}

func (t *wireTools) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, &t.Tools)
	}
	var obj struct {
		Components []wireComponent `json:"components"`
		Services   []wireService   `json:"services"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	t.Components, t.Services = obj.Components, obj.Services
	return nil
}

type wireComponent struct {
	BOMRef             string                      `json:"bom-ref" xml:"bom-ref,attr"`
	Type               string                      `json:"type" xml:"type,attr"`
	Supplier           *cdx.OrganizationalEntity   `json:"supplier" xml:"supplier"`
	Manufacturer       *cdx.OrganizationalEntity   `json:"manufacturer" xml:"manufacturer"`
	Author             string                      `json:"author" xml:"author"`
	Authors            []cdx.OrganizationalContact `json:"authors" xml:"authors>author"`
	Group              string                      `json:"group" xml:"group"`
	Name               string                      `json:"name" xml:"name"`
	Version            string                      `json:"version" xml:"version"`
	Scope              string                      `json:"scope" xml:"scope"`
	Hashes             []cdx.Hash                  `json:"hashes" xml:"hashes>hash"`
	Licenses           *cdx.Licenses               `json:"licenses" xml:"licenses"`
	PURL               string                      `json:"purl" xml:"purl"`
	ExternalReferences []wireReference             `json:"externalReferences" xml:"externalReferences>reference"`
	Properties         []cdx.Property              `json:"properties" xml:"properties>property"`
	Components         []wireComponent             `json:"components" xml:"components>component"`
	Evidence           *wireEvidence               `json:"evidence" xml:"evidence"`
}

type wireEvidence struct {
	Licenses *cdx.Licenses `json:"licenses" xml:"licenses"`
}

type wireReference struct {
	Type   string     `json:"type" xml:"type,attr"`
	URL    string     `json:"url" xml:"url"`
	Hashes []cdx.Hash `json:"hashes" xml:"hashes>hash"`
}

type wireService struct {
	BOMRef   string                    `json:"bom-ref" xml:"bom-ref,attr"`
	Provider *cdx.OrganizationalEntity `json:"provider" xml:"provider"`
	Group    string                    `json:"group" xml:"group"`
	Name     string                    `json:"name" xml:"name"`
	Version  string                    `json:"version" xml:"version"`
	Services []wireService             `json:"services" xml:"services>service"`
}
