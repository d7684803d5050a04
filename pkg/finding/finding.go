// Package finding is vouch's one result vocabulary: every command — sbom
// check, verify, vuln, cra — reports what it found as a stream of
// [Finding]s, each naming a [Rule] of a catalogue, and renders the stream
// through a [Handler] (text, JSON, SARIF, VEX, HTML). The design follows
// govulncheck's: the engine emits, handlers render; nothing in pkg/ prints.
package finding

// Status is the outcome of one requirement. Only StatusPass is acceptance.
type Status string

// Statuses.
const (
	StatusPass    Status = "pass"
	StatusFail    Status = "fail"    // evaluated and not met
	StatusError   Status = "error"   // could not be evaluated: fails closed
	StatusSkipped Status = "skipped" // deliberately not evaluated
)

// Level is how much a finding matters when it is not a pass, in SARIF's
// words: "error" fails the run, "warning" is reported and passes, "note"
// is for information.
type Level string

// Levels.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNote    Level = "note"
)

// Rule is one entry of the rule catalogue: a requirement a finding is
// about. Rule ids are stable and documented (a SARIF consumer keys on them).
type Rule struct {
	// ID, e.g. "signature", "provenance.builder",
	// "bsi-tr-03183-2.component.hash-sha512", or an advisory id
	// ("GO-2024-2687") for vulnerability findings.
	ID string `json:"id"`
	// Title is one line for people.
	Title string `json:"title"`
	// Help says what the rule checks and how to meet it.
	Help string `json:"help,omitempty"`
	// Clause is the document and section the rule comes from, if any
	// ("TR-03183-2 v2.1.0 §5.2.2", "CRA Annex I part II (2)").
	Clause string `json:"clause,omitempty"`
	// HelpURI points at more (the advisory, the specification).
	HelpURI string `json:"helpUri,omitempty"`
	// Level is the default level of a finding that does not pass.
	Level Level `json:"level"`
}

// Vulnerability is what a vulnerability finding adds: the advisory, the
// component it affects, how it is reached, and the VEX statement that
// decided it, if any.
type Vulnerability struct {
	// ID is the advisory's id (OSV id: "GO-2024-2687", "GHSA-…").
	ID string `json:"id"`
	// Aliases are the advisory's other ids (CVE-…), sorted.
	Aliases []string `json:"aliases,omitempty"`
	// Summary is the advisory's one-line summary.
	Summary string `json:"summary,omitempty"`
	// Severity is "critical", "high", "medium", "low" or "unknown".
	Severity string `json:"severity"`
	// Score is the CVSS base score, 0 when the advisory gives none.
	Score float64 `json:"score,omitempty"`
	// Vector is the CVSS vector the score comes from.
	Vector string `json:"vector,omitempty"`
	// FixedVersion is the lowest version that fixes it for the affected
	// component's version, "" when none is known.
	FixedVersion string `json:"fixedVersion,omitempty"`
	// Reachability is, for Go, "called", "imported" or "required" as
	// govulncheck reports it; "" where not analysed.
	Reachability string `json:"reachability,omitempty"`
	// Symbols are the vulnerable symbols called ("pkg.Func"), Go only.
	Symbols []string `json:"symbols,omitempty"`
	// VEX is the VEX status that applies ("not_affected", "fixed",
	// "affected", "under_investigation"); "" when no statement applies.
	VEX string `json:"vex,omitempty"`
	// Justification and Impact come from the VEX statement.
	Justification string `json:"justification,omitempty"`
	Impact        string `json:"impact,omitempty"`
	// VEXSource names the document or bundle the statement came from.
	VEXSource string `json:"vexSource,omitempty"`
	// Allowed is the policy allow entry that accepts it, with its expiry
	// (RFC 3339 date); "" when none applies.
	Allowed string `json:"allowed,omitempty"`
}

// Finding is one outcome: a rule evaluated on a subject.
type Finding struct {
	// ID is the id of the catalogue rule the finding is about (verify
	// reports have always called it "id").
	ID string `json:"id"`
	// Status is the outcome.
	Status Status `json:"status"`
	// Level is how much it matters when it does not pass (the rule's
	// default unless the caller's policy says otherwise).
	Level Level `json:"level,omitempty"`
	// Subject names what was evaluated: an artifact, an SBOM file.
	Subject string `json:"subject,omitempty"`
	// Digest is the subject's digest ("sha256:<hex>") when the subject is
	// an artifact whose digest was computed.
	Digest string `json:"digest,omitempty"`
	// Component is the component's id in its document (bom-ref, SPDX id);
	// "" for the document or artifact itself.
	Component string `json:"component,omitempty"`
	// PURL of the component.
	PURL string `json:"purl,omitempty"`
	// Field is the document field the finding is about.
	Field string `json:"field,omitempty"`
	// Message is one sentence for people.
	Message string `json:"message"`
	// Expected and Found say what the rule asks for and what was there.
	Expected string `json:"expected,omitempty"`
	Found    string `json:"found,omitempty"`
	// Evidence names the bundles or files the finding rests on.
	Evidence []string `json:"evidence,omitempty"`
	// Vulnerability is set on vulnerability findings.
	Vulnerability *Vulnerability `json:"vulnerability,omitempty"`
}

// Handler renders a stream of findings. An engine calls Rule for every
// rule before the first finding that names it, Finding for each finding
// in a deterministic order, then Flush once. Handlers for people may
// buffer; handlers for machines may stream.
type Handler interface {
	Rule(Rule) error
	Finding(Finding) error
	Flush() error
}
