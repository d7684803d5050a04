package vex

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/pkg/vuln"
)

// cdxStateOf maps OpenVEX statuses onto CycloneDX analysis states.
var cdxStateOf = map[Status]cdx.ImpactAnalysisState{
	NotAffected:        cdx.IASNotAffected,
	Fixed:              cdx.IASResolved,
	Affected:           cdx.IASExploitable,
	UnderInvestigation: cdx.IASInTriage,
}

// cdxJustificationOf maps OpenVEX justifications onto CycloneDX's.
var cdxJustificationOf = map[string]cdx.ImpactAnalysisJustification{
	"component_not_present":                             cdx.IAJCodeNotPresent,
	"vulnerable_code_not_present":                       cdx.IAJCodeNotPresent,
	"vulnerable_code_not_in_execute_path":               cdx.IAJCodeNotReachable,
	"vulnerable_code_cannot_be_controlled_by_adversary": cdx.IAJRequiresEnvironment,
	"inline_mitigations_already_exist":                  cdx.IAJProtectedByMitigatingControl,
}

// CycloneDXVEX writes a CycloneDX 1.6 BOM whose vulnerabilities carry
// each match's decision (see [Decision]) as their analysis, affecting the
// component by its purl; product, when given, is the BOM's
// metadata.component. Like [OpenVEX] it depends only on its inputs: the
// timestamp is now and the serial number is derived from the content.
func CycloneDXVEX(matches []vuln.Match, product string, now time.Time) ([]byte, error) {
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	bom.JSONSchema = "http://cyclonedx.org/schema/bom-1.6.schema.json"
	bom.Metadata = &cdx.Metadata{Timestamp: now.UTC().Format(time.RFC3339)}
	if product != "" {
		bom.Metadata.Component = cdxProduct(product)
	}
	var comps []cdx.Component
	var vulns []cdx.Vulnerability
	seen := map[string]bool{}
	for i := range matches {
		m := &matches[i]
		if m.Component.PURL == "" {
			return nil, fmt.Errorf("component %s %s has no purl: a VEX statement cannot name it", m.Component.Name, m.Component.Version)
		}
		if !seen[m.Component.PURL] {
			seen[m.Component.PURL] = true
			comps = append(comps, cdx.Component{Type: cdx.ComponentTypeLibrary, BOMRef: m.Component.PURL,
				Name: m.Component.Name, Version: m.Component.Version, PackageURL: m.Component.PURL})
		}
		vulns = append(vulns, cdxVulnerability(m))
	}
	bom.Components = &comps
	bom.Vulnerabilities = &vulns
	return encodeCDX(bom)
}

// encodeCDX encodes bom with a serial number derived from its content
// without one, so that equal inputs give equal bytes.
func encodeCDX(bom *cdx.BOM) ([]byte, error) {
	var buf bytes.Buffer
	enc := func() error {
		buf.Reset()
		return cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false).EncodeVersion(bom, cdx.SpecVersion1_6)
	}
	if err := enc(); err != nil {
		return nil, err
	}
	h := sha256.Sum256(buf.Bytes())
	h[6] = h[6]&0x0f | 0x50 // a name-based UUID (version 5 layout)
	h[8] = h[8]&0x3f | 0x80
	bom.SerialNumber = fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
	if err := enc(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cdxProduct is the metadata component naming the product.
func cdxProduct(product string) *cdx.Component {
	c := &cdx.Component{Type: cdx.ComponentTypeApplication, BOMRef: product, Name: product}
	if alg, hex, ok := strings.Cut(product, ":"); ok && isDigestAlg(alg) {
		c.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgorithm("SHA-" + strings.TrimPrefix(strings.ToLower(alg), "sha")), Value: strings.ToLower(hex)}}
		return c
	}
	if p, err := packageurl.FromString(product); err == nil {
		c.Name, c.Version, c.PackageURL = p.Name, p.Version, product
	}
	return c
}

// cdxVulnerability is one match as a CycloneDX vulnerability with its
// analysis.
func cdxVulnerability(m *vuln.Match) cdx.Vulnerability {
	d := Decision(m)
	v := &m.Vulnerability
	out := cdx.Vulnerability{
		BOMRef:      v.ID + "/" + m.Component.PURL,
		ID:          v.ID,
		Source:      osvSource(v.ID),
		Description: v.Summary,
		Affects:     &[]cdx.Affects{{Ref: m.Component.PURL}},
	}
	if len(v.Aliases) > 0 {
		refs := make([]cdx.VulnerabilityReference, 0, len(v.Aliases))
		for _, a := range v.Aliases {
			refs = append(refs, cdx.VulnerabilityReference{ID: a, Source: osvSource(a)})
		}
		out.References = &refs
	}
	if v.Severity != "" && v.Severity != string(vuln.SeverityUnknown) {
		r := cdx.VulnerabilityRating{Severity: cdx.Severity(v.Severity), Vector: v.Vector}
		if v.Score > 0 {
			score := v.Score
			r.Score = &score
			r.Method = cvssMethod(v.Vector)
		}
		out.Ratings = &[]cdx.VulnerabilityRating{r}
	}
	if v.FixedVersion != "" {
		out.Recommendation = fmt.Sprintf("Update %s to %s or later.", m.Component.Name, v.FixedVersion)
	}
	a := &cdx.VulnerabilityAnalysis{State: cdxStateOf[d.Status], Justification: cdxJustificationOf[d.Justification]}
	a.Detail = d.Impact
	if d.Status == Affected {
		a.Detail = d.ActionStatement
		if v.FixedVersion != "" {
			a.Response = &[]cdx.ImpactAnalysisResponse{cdx.IARUpdate}
		}
	}
	out.Analysis = a
	return out
}

// osvSource names OSV as where an advisory id is described: osv.dev
// resolves its own ids and its aliases (CVE, GHSA) alike.
func osvSource(id string) *cdx.Source {
	return &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
}

// cvssMethod names the CVSS version a vector is written in.
func cvssMethod(vector string) cdx.ScoringMethod {
	switch {
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		return cdx.ScoringMethodCVSSv4
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		return cdx.ScoringMethodCVSSv31
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		return cdx.ScoringMethodCVSSv3
	}
	return cdx.ScoringMethodOther
}
