package output

import (
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/vouchdev/vouch/pkg/finding"
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
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 *sarifText     `json:"help,omitempty"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifArtifact struct {
	Location sarifArtifactLocation `json:"location"`
	Hashes   map[string]string     `json:"hashes,omitempty"`
}

type sarifArtifactLocation struct {
	URI   string `json:"uri"`
	Index int    `json:"index"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	RuleIndex    int                `json:"ruleIndex"`
	Level        string             `json:"level"`
	Message      sarifText          `json:"message"`
	Locations    []sarifLocation    `json:"locations,omitempty"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
	Properties   map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical    `json:"physicalLocation,omitempty"`
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

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification,omitempty"`
}

type sarifHandler struct {
	collector
	w    io.Writer
	tool ToolInfo
}

// NewSARIFHandler renders a run as a SARIF 2.1.0 log with one run,
// written on Flush — the one SARIF writer of vouch, for sbom check,
// verify and vuln findings alike. Its rules are those the run announced
// or its findings named (from [finding.Default], advisories by
// [finding.VulnerabilityRule]), sorted by id. Every finding that did not
// pass is a result at its level (SARIF results are problems to look at:
// passes are not results), located in its subject's file (an artifact
// with its digest as hash) and, logically, in its component. A
// vulnerability a VEX statement says is not_affected or fixed is a
// result with an accepted external suppression, so code scanning shows it
// as dismissed, with the justification.
func NewSARIFHandler(w io.Writer, tool ToolInfo) finding.Handler {
	return &sarifHandler{collector: newCollector(), w: w, tool: tool}
}

func (h *sarifHandler) Finding(f finding.Finding) error {
	h.add(f)
	return nil
}

func (h *sarifHandler) Flush() error {
	rules := h.sortedRules()
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: h.tool.Name, Version: h.tool.Version,
			InformationURI: h.tool.InformationURI, Rules: make([]sarifRule, 0, len(rules))}},
		Artifacts: []sarifArtifact{},
		Results:   []sarifResult{},
	}
	scores := h.advisoryScores()
	ruleIndex := map[string]int{}
	for i, r := range rules {
		ruleIndex[r.ID] = i
		sr := toSARIFRule(r)
		if score, ok := scores[r.ID]; ok {
			// GitHub code scanning ranks security alerts by these.
			sr.Properties = map[string]any{"tags": []string{"security", "vulnerability"}}
			if score > 0 {
				sr.Properties["security-severity"] = fmt.Sprintf("%.1f", score)
			}
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sr)
	}
	artifactIndex := map[string]int{}
	for i := range h.findings {
		f := &h.findings[i]
		if f.Status == finding.StatusPass {
			continue
		}
		r := h.rules[f.ID]
		res := sarifResult{RuleID: f.ID, RuleIndex: ruleIndex[f.ID], Level: string(finding.LevelOf(f, r)),
			Message: sarifText{resultMessage(f)}, Properties: resultProperties(f)}
		if loc, ok := h.location(&run, artifactIndex, f); ok {
			res.Locations = []sarifLocation{loc}
		}
		if f.Suppressed() {
			res.Suppressions = []sarifSuppression{{Kind: "external", Status: "accepted", Justification: vexJustification(f.Vulnerability)}}
		}
		run.Results = append(run.Results, res)
	}
	return writeJSON(h.w, sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// advisoryScores are the CVSS base scores of the run's advisories, by
// rule id (0 when an advisory gives none).
func (h *sarifHandler) advisoryScores() map[string]float64 {
	scores := map[string]float64{}
	for _, f := range h.findings {
		if v := f.Vulnerability; v != nil && v.ID == f.ID {
			scores[f.ID] = max(scores[f.ID], v.Score)
		}
	}
	return scores
}

func toSARIFRule(r finding.Rule) sarifRule {
	full := r.Title
	if r.Help != "" {
		full = r.Help
	}
	sr := sarifRule{ID: r.ID, ShortDescription: sarifText{r.Title}, FullDescription: sarifText{full},
		HelpURI: r.HelpURI, DefaultConfiguration: sarifConfig{string(r.Level)}}
	if r.Help != "" {
		sr.Help = &sarifText{r.Help}
	}
	if r.Clause != "" {
		sr.Properties = map[string]any{"clause": r.Clause}
	}
	return sr
}

// location is where a finding is: its subject's file among the run's
// artifacts (added on first sight, with its digest as hash) and its
// component as a logical location. ok is false when it names neither.
func (h *sarifHandler) location(run *sarifRun, index map[string]int, f *finding.Finding) (sarifLocation, bool) {
	var loc sarifLocation
	if f.Subject != "" {
		i, seen := index[f.Subject]
		if !seen {
			i = len(run.Artifacts)
			index[f.Subject] = i
			a := sarifArtifact{Location: sarifArtifactLocation{URI: fileURI(f.Subject), Index: i}}
			if alg, hex, ok := strings.Cut(f.Digest, ":"); ok && alg == "sha256" {
				a.Hashes = map[string]string{"sha-256": hex}
			}
			run.Artifacts = append(run.Artifacts, a)
		}
		loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifactLocation{URI: fileURI(f.Subject), Index: i}}
	}
	if name := f.Component; name != "" || f.PURL != "" {
		if name == "" {
			name = f.PURL
		}
		loc.LogicalLocations = []sarifLogicalLoc{{Name: name, FullyQualifiedName: f.PURL, Kind: "module"}}
	}
	return loc, loc.PhysicalLocation != nil || loc.LogicalLocations != nil
}

// resultMessage is the finding's message on one line, with what was
// expected and what was found.
func resultMessage(f *finding.Finding) string {
	msg := oneLine(f.Message)
	if msg == "" {
		msg = oneLine(f.ID + " " + f.Field)
	}
	if f.Expected != "" || f.Found != "" {
		msg += " (expected: " + orDash(f.Expected) + "; found: " + orDash(f.Found) + ")"
	}
	return msg
}

// resultProperties keeps what SARIF has no place for: the status, the
// field, the values, the evidence and the vulnerability's details.
func resultProperties(f *finding.Finding) map[string]any {
	p := map[string]any{"status": string(f.Status)}
	for k, v := range map[string]string{"field": f.Field, "expected": f.Expected, "found": f.Found, "digest": f.Digest} {
		if v != "" {
			p[k] = v
		}
	}
	if len(f.Evidence) > 0 {
		p["evidence"] = f.Evidence
	}
	if f.Vulnerability != nil {
		p["vulnerability"] = f.Vulnerability
	}
	return p
}

func vexJustification(v *finding.Vulnerability) string {
	s := "VEX " + v.VEX
	for _, part := range []string{v.Justification, v.Impact} {
		if part != "" {
			s += ": " + part
		}
	}
	if v.VEXSource != "" {
		s += fmt.Sprintf(" (%s)", v.VEXSource)
	}
	return s
}

// fileURI is a relative or file URI reference for a file name.
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
