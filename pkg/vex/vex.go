// Package vex reads and writes VEX (Vulnerability Exploitability
// eXchange) statements — OpenVEX through github.com/openvex/go-vex and
// CycloneDX VEX (a BOM's vulnerabilities[].analysis) — in one neutral
// [Statement], and decides which statement applies to a vulnerability
// found in a component.
package vex

import "time"

// Status is a VEX status, in OpenVEX's words (CycloneDX's analysis states
// map onto them: not_affected/false_positive → not_affected, resolved →
// fixed, exploitable → affected, in_triage → under_investigation).
type Status string

// Statuses.
const (
	NotAffected        Status = "not_affected"
	Affected           Status = "affected"
	Fixed              Status = "fixed"
	UnderInvestigation Status = "under_investigation"
)

// Statement says the status of one vulnerability in some products.
type Statement struct {
	// Vulnerability is the advisory id the statement is about; Aliases
	// are its other ids (a statement about CVE-x applies to GHSA-y when
	// either lists the other).
	Vulnerability string   `json:"vulnerability"`
	Aliases       []string `json:"aliases,omitempty"`
	// Products are purls (or other identifiers) of the products the
	// statement covers; Subcomponents narrow it to components inside them.
	Products      []string `json:"products"`
	Subcomponents []string `json:"subcomponents,omitempty"`
	Status        Status   `json:"status"`
	// Justification is required by OpenVEX for not_affected without an
	// impact statement.
	Justification   string    `json:"justification,omitempty"`
	Impact          string    `json:"impact,omitempty"`
	ActionStatement string    `json:"actionStatement,omitempty"`
	Timestamp       time.Time `json:"timestamp"`
	// Source names the document or bundle it came from, for findings.
	Source string `json:"source"`
}
