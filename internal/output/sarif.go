package output

import (
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom/check"
)

// SARIF 2.1.0 identifiers.
const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool      sarifTool       `json:"tool"`
	Artifacts []sarifArtifact `json:"artifacts"`
	Results   []sarifResult   `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      sarifText         `json:"fullDescription"`
	HelpURI              string            `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfig       `json:"defaultConfiguration"`
	Properties           map[string]string `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifArtifact struct {
	Location sarifArtifactLocation `json:"location"`
}

type sarifArtifactLocation struct {
	URI   string `json:"uri"`
	Index int    `json:"index"`
}

type sarifResult struct {
	RuleID     string            `json:"ruleId"`
	RuleIndex  int               `json:"ruleIndex"`
	Level      string            `json:"level"`
	Message    sarifText         `json:"message"`
	Locations  []sarifLocation   `json:"locations"`
	Properties map[string]string `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical     `json:"physicalLocation"`
	LogicalLocations []sarifLogicalLoc `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
}

type sarifLogicalLoc struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind"`
}

// CheckSARIF writes results as a SARIF 2.1.0 log with one run: the rules are
// those of the profiles that ran (their clause as full description, the
// published document as helpUri where one is known), each finding a result
// located in its SBOM file and, logically, in its component. toolVersion is
// vouch's version.
func CheckSARIF(w io.Writer, sboms []CheckedSBOM, toolVersion string) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "vouch", Version: toolVersion,
			InformationURI: "https://github.com/vouchdev/vouch", Rules: []sarifRule{}}},
		Artifacts: []sarifArtifact{},
		Results:   []sarifResult{},
	}
	ruleIndex := map[string]int{}
	addProfile := func(id string) {
		p, ok := check.Lookup(id)
		if !ok {
			return
		}
		for _, r := range p.Rules() {
			if _, dup := ruleIndex[r.ID]; dup {
				continue
			}
			ruleIndex[r.ID] = len(run.Tool.Driver.Rules)
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
				ID: r.ID, ShortDescription: sarifText{r.Title}, FullDescription: sarifText{r.Clause},
				HelpURI: helpURI(r.Clause), DefaultConfiguration: sarifConfig{level(r.Severity)},
				Properties: map[string]string{"profile": id, "clause": r.Clause},
			})
		}
	}
	for i, s := range sboms {
		uri := fileURI(s.Name)
		run.Artifacts = append(run.Artifacts, sarifArtifact{Location: sarifArtifactLocation{URI: uri, Index: i}})
		for _, r := range s.Reports {
			addProfile(r.Profile)
			for _, f := range r.Findings {
				idx, ok := ruleIndex[f.Rule]
				if !ok {
					// A finding under a rule its profile does not list: keep
					// it, with a rule of its own, rather than drop it.
					idx = len(run.Tool.Driver.Rules)
					ruleIndex[f.Rule] = idx
					run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
						ID: f.Rule, ShortDescription: sarifText{f.Rule}, FullDescription: sarifText{f.Clause},
						HelpURI: helpURI(f.Clause), DefaultConfiguration: sarifConfig{level(f.Severity)},
						Properties: map[string]string{"profile": r.Profile, "clause": f.Clause},
					})
				}
				loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifactLocation{URI: uri, Index: i}}}
				if f.Component != "" || f.PURL != "" {
					name := f.Component
					if name == "" {
						name = f.PURL
					}
					loc.LogicalLocations = []sarifLogicalLoc{{Name: name, FullyQualifiedName: f.PURL, Kind: "module"}}
				}
				msg := f.Message
				if msg == "" {
					msg = f.Field + ": expected " + f.Expected + ", found " + f.Found
				}
				run.Results = append(run.Results, sarifResult{
					RuleID: f.Rule, RuleIndex: idx, Level: level(f.Severity), Message: sarifText{msg},
					Locations: []sarifLocation{loc},
					Properties: map[string]string{"profile": r.Profile, "clause": f.Clause, "field": f.Field,
						"expected": f.Expected, "found": f.Found},
				})
			}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

func level(s check.Severity) string {
	switch s {
	case check.SeverityError:
		return "error"
	case check.SeverityWarning:
		return "warning"
	}
	return "note"
}

// fileURI is a relative or file URI reference for an SBOM name.
func fileURI(name string) string {
	if name == "-" {
		return "stdin"
	}
	u := url.URL{Path: filepath.ToSlash(name)}
	if filepath.IsAbs(name) {
		u.Scheme = "file"
	}
	return u.String()
}

// helpURI points at the published document a clause cites, when known.
func helpURI(clause string) string {
	for _, d := range []struct{ prefix, uri string }{
		{"TR-03183-2", "https://www.bsi.bund.de/dok/TR-03183"},
		{"BSI TR-03183-2", "https://www.bsi.bund.de/dok/TR-03183"},
		{"NTIA", "https://www.ntia.gov/report/2021/minimum-elements-software-bill-materials-sbom"},
		{"CISA", "https://www.cisa.gov/resources-tools/resources/2025-minimum-elements-software-bill-materials-sbom"},
		{"CycloneDX", "https://cyclonedx.org/specification/overview/"},
		{"SPDX", "https://spdx.dev/use/specifications/"},
		{"RFC 8259", "https://www.rfc-editor.org/rfc/rfc8259"},
	} {
		if strings.HasPrefix(clause, d.prefix) {
			return d.uri
		}
	}
	return ""
}
