package vex

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/internal/strictjson"
)

// cdxBOM is the part of a CycloneDX BOM that VEX uses.
type cdxBOM struct {
	BOMFormat   string `json:"bomFormat"`
	SpecVersion string `json:"specVersion"`
	Metadata    struct {
		Timestamp string        `json:"timestamp"`
		Component *cdxComponent `json:"component"`
	} `json:"metadata"`
	Components      []cdxComponent `json:"components"`
	Vulnerabilities []cdxVuln      `json:"vulnerabilities"`
}

type cdxComponent struct {
	BOMRef     string         `json:"bom-ref"`
	PURL       string         `json:"purl"`
	Components []cdxComponent `json:"components"`
}

type cdxVuln struct {
	ID         string `json:"id"`
	References []struct {
		ID string `json:"id"`
	} `json:"references"`
	Analysis *struct {
		State         string   `json:"state"`
		Justification string   `json:"justification"`
		Response      []string `json:"response"`
		Detail        string   `json:"detail"`
		FirstIssued   string   `json:"firstIssued"`
		LastUpdated   string   `json:"lastUpdated"`
	} `json:"analysis"`
	Affects []struct {
		Ref      string       `json:"ref"`
		Versions []cdxVersion `json:"versions"`
	} `json:"affects"`
}

// cdxVersion is one entry of an affects' versions: an exact version or a
// vers range, and its status (affected when absent).
type cdxVersion struct {
	Version string `json:"version"`
	Range   string `json:"range"`
	Status  string `json:"status"`
}

// cdxStates maps CycloneDX analysis states onto OpenVEX statuses.
var cdxStates = map[string]Status{
	"not_affected":           NotAffected,
	"false_positive":         NotAffected,
	"resolved":               Fixed,
	"resolved_with_pedigree": Fixed,
	"exploitable":            Affected,
	"in_triage":              UnderInvestigation,
}

// cdxJustifications maps CycloneDX impact-analysis justifications onto
// OpenVEX's five (CISA's "Minimum Requirements for VEX" equivalences): a
// statement converted to OpenVEX, to be signed, must use its vocabulary.
var cdxJustifications = map[string]string{
	"code_not_present":                "vulnerable_code_not_present",
	"code_not_reachable":              "vulnerable_code_not_in_execute_path",
	"requires_configuration":          "vulnerable_code_cannot_be_controlled_by_adversary",
	"requires_dependency":             "component_not_present",
	"requires_environment":            "vulnerable_code_cannot_be_controlled_by_adversary",
	"protected_by_compiler":           "inline_mitigations_already_exist",
	"protected_at_runtime":            "inline_mitigations_already_exist",
	"protected_at_perimeter":          "inline_mitigations_already_exist",
	"protected_by_mitigating_control": "inline_mitigations_already_exist",
}

// parseCycloneDX reads the analysed vulnerabilities of a CycloneDX BOM.
// An affects ref is resolved to the purl of the component it names in the
// BOM; a BOM-Link (urn:cdx:SERIAL/VERSION#REF) to the purl its fragment
// is, when it is one; any other ref is kept as it is.
func parseCycloneDX(data []byte) ([]Statement, error) {
	var bom cdxBOM
	if err := json.Unmarshal(data, &bom); err != nil {
		return nil, strictjson.Explain(data, err)
	}
	if bom.BOMFormat != "CycloneDX" {
		return nil, fmt.Errorf("%w: bomFormat: want \"CycloneDX\", found %q", ErrFormat, bom.BOMFormat)
	}
	docTime, err := cdxTime("metadata.timestamp", bom.Metadata.Timestamp, time.Time{})
	if err != nil {
		return nil, err
	}
	refs := map[string]string{}
	if c := bom.Metadata.Component; c != nil {
		indexRefs(refs, []cdxComponent{*c})
	}
	indexRefs(refs, bom.Components)
	var out []Statement
	for i := range bom.Vulnerabilities {
		v := &bom.Vulnerabilities[i]
		if v.Analysis == nil {
			continue // a finding, not a statement about it
		}
		st, err := fromCycloneDX(v, refs, docTime)
		if err != nil {
			return nil, fmt.Errorf("vulnerabilities[%d]%s", i, err)
		}
		out = append(out, st)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: vulnerabilities: no entry has an analysis (CycloneDX VEX states it there)", ErrFormat)
	}
	return out, nil
}

// indexRefs maps each component's bom-ref to its purl, recursively.
func indexRefs(refs map[string]string, cs []cdxComponent) {
	for _, c := range cs {
		if c.BOMRef != "" && c.PURL != "" {
			refs[c.BOMRef] = c.PURL
		}
		indexRefs(refs, c.Components)
	}
}

// fromCycloneDX turns one analysed vulnerability into a Statement; its
// errors start with the field's path below the vulnerability.
func fromCycloneDX(v *cdxVuln, refs map[string]string, docTime time.Time) (Statement, error) {
	a := v.Analysis
	if v.ID == "" {
		return Statement{}, errors.New(".id: missing")
	}
	status, ok := cdxStates[a.State]
	if !ok {
		return Statement{}, fmt.Errorf(".analysis.state: want one of not_affected, false_positive, resolved, resolved_with_pedigree, exploitable, in_triage, found %q", a.State)
	}
	st := Statement{Vulnerability: v.ID, Status: status}
	for _, r := range v.References {
		if r.ID != "" && r.ID != v.ID {
			st.Aliases = append(st.Aliases, r.ID)
		}
	}
	if err := cdxAnalysis(&st, a.State, a.Justification, a.Detail, a.Response); err != nil {
		return Statement{}, err
	}
	ts, err := cdxTime(".analysis.firstIssued", a.FirstIssued, docTime)
	if err != nil {
		return Statement{}, err
	}
	if st.Timestamp, err = cdxTime(".analysis.lastUpdated", a.LastUpdated, ts); err != nil {
		return Statement{}, err
	}
	for j, af := range v.Affects {
		if af.Ref == "" {
			return Statement{}, fmt.Errorf(".affects[%d].ref: missing", j)
		}
		products, err := pinVersions(resolveRef(af.Ref, refs), af.Versions, status)
		if err != nil {
			return Statement{}, fmt.Errorf(".affects[%d]%s", j, err)
		}
		st.Products = append(st.Products, products...)
	}
	if len(st.Products) == 0 {
		return Statement{}, errors.New(".affects: none (a statement about no component covers nothing)")
	}
	return st, nil
}

// pinVersions narrows an affects ref that names no version to the
// versions its versions list gives: left out, the statement would cover
// every version of the package, including those the list says it is not
// about. A statement that clears (not_affected, fixed) covers only the
// versions listed "unaffected". A ref that already names its version is
// exact, and the list (the advisory's ranges, as in the specification's
// example) leaves it as it is. Ranges are not read: refused, not widened.
func pinVersions(ref string, versions []cdxVersion, status Status) ([]string, error) {
	if len(versions) == 0 {
		return []string{ref}, nil
	}
	p, err := packageurl.FromString(ref)
	if err != nil {
		return nil, fmt.Errorf(".versions: the ref %q is not a package URL a version can narrow: give the versioned purl as the ref", ref)
	}
	if p.Version != "" {
		return []string{ref}, nil
	}
	clears := status == NotAffected || status == Fixed
	var out []string
	for k, v := range versions {
		if v.Version == "" {
			return nil, fmt.Errorf(".versions[%d]: want an exact version, found the range %q (not read: give each version, or a versioned purl as the ref)", k, v.Range)
		}
		if clears && v.Status != "unaffected" {
			continue
		}
		p.Version = v.Version
		out = append(out, p.ToString())
	}
	if len(out) == 0 {
		return nil, fmt.Errorf(".versions: want a version of status \"unaffected\" for state %q, found none", status)
	}
	return out, nil
}

// cdxAnalysis fills the statement's justification, impact and action
// from a CycloneDX analysis, applying OpenVEX's rules to the result.
func cdxAnalysis(st *Statement, state, justification, detail string, response []string) error {
	if justification != "" {
		j, ok := cdxJustifications[justification]
		if !ok {
			return fmt.Errorf(".analysis.justification: unknown value %q", justification)
		}
		if st.Status == NotAffected {
			st.Justification = j
		}
	}
	switch st.Status {
	case NotAffected:
		st.Impact = detail
		if st.Justification == "" && st.Impact == "" {
			return fmt.Errorf(".analysis: state %q needs a justification or a detail saying why", state)
		}
	case Affected:
		st.ActionStatement = strings.TrimSpace(strings.Join(append([]string{detail}, responseWords(response)...), " "))
		if st.ActionStatement == "" {
			return fmt.Errorf(".analysis: state %q needs a response or a detail saying what to do", state)
		}
	}
	return nil
}

// responseWords names CycloneDX analysis responses in a sentence each.
func responseWords(rs []string) []string {
	var out []string
	for _, r := range rs {
		out = append(out, "Response: "+strings.ReplaceAll(r, "_", " ")+".")
	}
	return out
}

// resolveRef names the component an affects ref points at by its purl
// when the ref or its BOM-Link fragment leads to one.
func resolveRef(ref string, refs map[string]string) string {
	if p, ok := refs[ref]; ok {
		return p
	}
	if strings.HasPrefix(ref, "urn:cdx:") {
		if _, frag, ok := strings.Cut(ref, "#"); ok {
			if f, err := url.PathUnescape(frag); err == nil {
				frag = f
			}
			if p, ok := refs[frag]; ok {
				return p
			}
			return frag
		}
	}
	return ref
}

// cdxTime parses an optional RFC 3339 time, def when absent.
func cdxTime(field, s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: want an RFC 3339 time, found %q", field, s)
	}
	return t.UTC(), nil
}
