package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/check/internal/schemas"
)

// SchemaProfile is the id of the profile that validates a document against
// the official schema of its exact spec version.
const SchemaProfile = "schema"

// Rule ids of the schema profile besides the per-version ones
// ("schema.cyclonedx-1.6", "schema.spdx-2.3", "schema.spdx-3.0.1", ...).
const (
	RuleSchemaJSON         = "schema.json"              // the document is well-formed JSON
	RuleSchemaVersion      = "schema.spec-version"      // its spec version has an embedded schema
	RuleSchemaXML          = "schema.cyclonedx-xml"     // CycloneDX XML decodes
	RuleSchemaXSD          = "schema.cyclonedx-xml-xsd" // XSD validation is not performed (info)
	RuleSchemaSPDXTagValue = "schema.spdx-tag-value"    // SPDX tag-value decodes
)

// maxSchemaFindings bounds the findings of one document: a generated SBOM
// with one mistake per component would otherwise produce tens of thousands.
const maxSchemaFindings = 200

// maxFound is how many characters of an offending value a finding quotes,
// maxExpected how many of the schema's demand.
const (
	maxFound    = 80
	maxExpected = 240
)

// schemaProfile is the `schema` profile.
//
// JSON documents (CycloneDX JSON, SPDX 2 JSON, SPDX 3 JSON-LD) are validated
// against the official JSON schema of the version they declare, embedded in
// vouch, with formats (date-time, uri, iri-reference, ...) asserted. Every
// schema error is a finding whose Field is the JSON pointer of the offending
// value. SPDX 2.2 has no embedded schema of its own: it is validated against
// the SPDX 2.3 schema, and findings cite that.
//
// CycloneDX XML has an XSD, not a JSON schema, and Go has no XSD validator:
// an XML document is decoded by vouch's decoder (a failure is an error
// finding) and an info finding says that XSD validation was not performed.
// SPDX tag-value has no machine-readable schema at all: it is parsed by the
// SPDX tools' strict parser, and a parse failure is an error finding.
type schemaProfile struct{}

func init() { Register(schemaProfile{}) }

func (schemaProfile) ID() string    { return SchemaProfile }
func (schemaProfile) Title() string { return "Official schema of the document's spec version" }

func (schemaProfile) Rules() []Rule {
	rules := []Rule{
		{ID: RuleSchemaJSON, Clause: "RFC 8259 (JSON); RFC 7493 (I-JSON): unique member names; vouch: at most " + strconv.Itoa(sbom.MaxDepth) + " levels",
			Title: "The document is well-formed JSON, without duplicate keys or excessive nesting", Severity: SeverityError},
		{ID: RuleSchemaVersion, Clause: "vouch: CycloneDX 1.4–1.7, SPDX 2.2, 2.3 and 3.0.1 JSON schemas",
			Title: "The declared spec version has an official schema to validate against", Severity: SeverityError},
	}
	for _, s := range schemas.All() {
		title := "The document validates against the official " + s.Clause
		if s.Substitute != "" {
			title = fmt.Sprintf("The document validates against the official SPDX %s JSON schema (no %s schema is embedded)", s.Substitute, s.Version)
		}
		rules = append(rules, Rule{ID: versionRule(s.Family, s.Version), Clause: s.Clause, Title: title, Severity: SeverityError})
	}
	return append(rules,
		Rule{ID: RuleSchemaXML, Clause: "CycloneDX XML schema (bom-1.x.xsd)",
			Title: "The CycloneDX XML document decodes: well-formed, in the CycloneDX namespace, references resolve", Severity: SeverityError},
		Rule{ID: RuleSchemaXSD, Clause: "CycloneDX XML schema (bom-1.x.xsd)",
			Title: "XSD validation is not performed (no XSD validator in Go); the document was only decoded", Severity: SeverityInfo},
		Rule{ID: RuleSchemaSPDXTagValue, Clause: "SPDX 2.x tag-value format (SPDX specification, annex on tag-value)",
			Title: "The SPDX tag-value document parses strictly: known tags, valid values, references resolve", Severity: SeverityError},
	)
}

// versionRule names the rule of one schema: "schema.cyclonedx-1.6",
// "schema.spdx-2.3", "schema.spdx-3.0.1".
func versionRule(family, version string) string {
	name, _, _ := strings.Cut(family, "-")
	return "schema." + name + "-" + version
}

func (schemaProfile) Check(ctx context.Context, in *Input) ([]Finding, int, error) {
	switch in.Encoding {
	case "xml":
		return checkDecoded(in, RuleSchemaXML, fmt.Sprintf("CycloneDX %s XML schema (bom-%s.xsd)", in.SpecVersion, in.SpecVersion), true), 1, nil
	case "tag-value":
		return checkDecoded(in, RuleSchemaSPDXTagValue, fmt.Sprintf("SPDX %s tag-value format", in.SpecVersion), false), 1, nil
	}
	if f := strictFinding(in); f != nil {
		return []Finding{*f}, 1, nil
	}
	s := schemas.Lookup(in.Family, in.SpecVersion)
	if s == nil {
		found := in.SpecVersion
		if found == "" {
			found = "nothing"
		}
		return []Finding{{
			ID: RuleSchemaVersion, Status: finding.StatusFail, Level: finding.LevelError,
			Field: versionField(in.Family), Expected: supportedVersions(in.Family), Found: found,
			Message: fmt.Sprintf("no official %s schema of spec version %q is embedded; the document cannot be validated", in.Family, in.SpecVersion),
		}}, 1, nil
	}
	sch, err := s.Compiled()
	if err != nil {
		return nil, 0, err // a broken embedded schema is vouch's fault, not the document's
	}
	if fs := fastSchemaOf(s); fs != nil && fs.valid(ctx, in.Raw) {
		return nil, 1, nil // shown valid piecewise (see fastschema.go)
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(in.Raw))
	if err != nil {
		return []Finding{{
			ID: RuleSchemaJSON, Status: finding.StatusFail, Level: finding.LevelError, Field: "(root)",
			Expected: "a well-formed JSON document", Found: truncate(err.Error(), maxFound),
			Message: "the document is not well-formed JSON: " + err.Error(),
		}}, 1, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	verr := sch.Validate(v)
	if verr == nil {
		return nil, 1, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(verr, &ve) {
		return nil, 0, fmt.Errorf("validate against %s: %w", s.Clause, verr)
	}
	var leaves []*jsonschema.ValidationError
	collect(ve, &leaves)
	rule := versionRule(s.Family, s.Version)
	p := message.NewPrinter(language.English)
	var fs []Finding
	for _, l := range leaves {
		fs = append(fs, findings(l, v, rule, s.Clause, p)...)
	}
	if len(fs) > maxSchemaFindings {
		more := len(fs) - maxSchemaFindings
		fs = append(fs[:maxSchemaFindings], Finding{
			ID: rule, Status: finding.StatusFail, Level: finding.LevelError, Field: "(more)",
			Expected: "no schema error", Found: fmt.Sprintf("%d more schema errors not listed", more),
			Message: fmt.Sprintf("%d more schema errors are not listed", more),
		})
	}
	return fs, 1, nil
}

// strictFinding reports a JSON document that repeats an object key or
// nests deeper than [sbom.MaxDepth]: a schema validator reads one of the
// duplicate values and may pass a document that other tools read the other
// way. A decoded document was checked by its decoder; one that did not
// decode is checked here, unless the decoder already said why.
func strictFinding(in *Input) *Finding {
	err := in.DecodeErr
	switch {
	case in.Doc != nil:
		return nil
	case err == nil || !(errors.Is(err, strictjson.ErrDuplicateKey) || errors.Is(err, strictjson.ErrTooDeep)):
		if err = sbom.CheckJSON(in.Raw); err == nil {
			return nil
		}
	}
	return &Finding{
		ID: RuleSchemaJSON, Status: finding.StatusFail, Level: finding.LevelError, Field: "(root)",
		Expected: "unique object keys, nesting within the limit", Found: truncate(err.Error(), maxFound),
		Message: "the document is ambiguous or too deep: " + err.Error(),
	}
}

// checkDecoded reports a decode failure of a format without a JSON schema.
func checkDecoded(in *Input, rule, clause string, xsd bool) []Finding {
	var fs []Finding
	if in.DecodeErr != nil {
		fs = append(fs, Finding{
			ID: rule, Status: finding.StatusFail, Level: finding.LevelError, Field: "(root)",
			Expected: "a document that decodes strictly", Found: truncate(in.DecodeErr.Error(), maxFound),
			Message: "the document does not decode: " + in.DecodeErr.Error(),
		})
	}
	if xsd {
		fs = append(fs, Finding{
			ID: RuleSchemaXSD, Status: finding.StatusFail, Level: finding.LevelNote, Field: "(root)",
			Expected: "validation against bom-" + in.SpecVersion + ".xsd", Found: "not performed",
			Message: "XSD validation is not performed (Go has no XSD validator); the document was decoded, which checks structure and references but not every XSD constraint",
		})
	}
	return fs
}

func versionField(family string) string {
	switch family {
	case "cyclonedx":
		return "/specVersion"
	case "spdx-2":
		return "/spdxVersion"
	}
	return "/@context"
}

func supportedVersions(family string) string {
	var vs []string
	for _, s := range schemas.All() {
		if s.Family == family {
			vs = append(vs, s.Version)
		}
	}
	if len(vs) == 0 {
		return "a CycloneDX or SPDX document"
	}
	return "one of " + strings.Join(vs, ", ")
}

// collect gathers the errors worth reporting from a validation error tree:
// the leaves, except that for a failed oneOf/anyOf it follows only the
// alternative that came closest (see [bestBranch]) and reports the
// combinator itself when no alternative stands out.
func collect(e *jsonschema.ValidationError, out *[]*jsonschema.ValidationError) {
	if len(e.Causes) == 0 {
		*out = append(*out, e)
		return
	}
	switch e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		if b := bestBranch(e.Causes); b != nil {
			collect(b, out)
		} else {
			*out = append(*out, e)
		}
		return
	}
	for _, c := range e.Causes {
		collect(c, out)
	}
}

// branchScore ranks how close an alternative came to matching: one that
// failed on a discriminator (a const, such as SPDX 3's "type") is
// further away than one that failed deeper inside the value.
type branchScore struct {
	discriminated bool // some leaf is a const mismatch
	depth         int  // deepest instance location of a leaf
	leaves        int
}

func score(e *jsonschema.ValidationError) branchScore {
	var s branchScore
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			s.leaves++
			s.depth = max(s.depth, len(e.InstanceLocation))
			if _, ok := e.ErrorKind.(*kind.Const); ok {
				s.discriminated = true
			}
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(e)
	return s
}

func better(a, b branchScore) bool {
	if a.discriminated != b.discriminated {
		return !a.discriminated
	}
	if a.depth != b.depth {
		return a.depth > b.depth
	}
	return a.leaves < b.leaves
}

// bestBranch returns the alternative that came closest, or nil on a tie.
func bestBranch(cs []*jsonschema.ValidationError) *jsonschema.ValidationError {
	var best *jsonschema.ValidationError
	var bs branchScore
	tie := false
	for _, c := range cs {
		s := score(c)
		switch {
		case best == nil || better(s, bs):
			best, bs, tie = c, s, false
		case !better(bs, s):
			tie = true
		}
	}
	if tie {
		return nil
	}
	return best
}

// findings turns one reported schema error into findings.
func findings(e *jsonschema.ValidationError, doc any, rule, clause string, p *message.Printer) []Finding {
	base := Finding{ID: rule, Status: finding.StatusFail, Level: finding.LevelError}
	base.Component, base.PURL = subject(doc, e.InstanceLocation)
	at := pointer(e.InstanceLocation)
	keyword := strings.Join(e.ErrorKind.KeywordPath(), "/")
	msg := e.ErrorKind.LocalizedString(p)
	one := func(field, expected, found string) Finding {
		f := base
		f.Field, f.Expected, f.Found = field, expected, found
		f.Message = fmt.Sprintf("%s: at %s: %s", clause, field, truncate(msg, maxExpected))
		return f
	}
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		var fs []Finding
		for _, m := range k.Missing {
			fs = append(fs, one(pointer(append(e.InstanceLocation[:len(e.InstanceLocation):len(e.InstanceLocation)], m)),
				"required: property "+strconv.Quote(m), "nothing"))
		}
		return fs
	case *kind.AdditionalProperties:
		var fs []Finding
		obj, _ := lookup(doc, e.InstanceLocation).(map[string]any)
		for _, name := range k.Properties {
			fs = append(fs, one(pointer(append(e.InstanceLocation[:len(e.InstanceLocation):len(e.InstanceLocation)], name)),
				"additionalProperties: no property "+strconv.Quote(name), render(obj[name])))
		}
		return fs
	}
	expected := msg
	if !strings.HasPrefix(msg, keyword+":") {
		expected = keyword + ": " + msg
	}
	// An enum of the SPDX licence list is 700 values long.
	return []Finding{one(at, truncate(expected, maxExpected), render(lookup(doc, e.InstanceLocation)))}
}

// pointer is the JSON pointer (RFC 6901) of an instance location; the root
// is "(root)" so that the field is never empty.
func pointer(loc []string) string {
	if len(loc) == 0 {
		return "(root)"
	}
	var b strings.Builder
	for _, t := range loc {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// lookup returns the value at an instance location, or nil.
func lookup(v any, loc []string) any {
	for _, t := range loc {
		switch x := v.(type) {
		case map[string]any:
			v = x[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// subject names the innermost element on the way to an instance location
// that has an identifier (bom-ref, SPDXID, spdxId) and its purl, so that a
// schema finding says which component it is about.
func subject(v any, loc []string) (id, purl string) {
	visit := func(v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for _, k := range []string{"bom-ref", "SPDXID", "spdxId"} {
			if s, ok := m[k].(string); ok && s != "" {
				id, purl = s, purlOf(m)
				return
			}
		}
	}
	for _, t := range loc { // not the root: the document is no component
		v = lookup(v, []string{t})
		if v == nil {
			break
		}
		visit(v)
	}
	return id, purl
}

// purlOf finds a package URL in a CycloneDX component or SPDX 2 package.
func purlOf(m map[string]any) string {
	if s, ok := m["purl"].(string); ok {
		return s
	}
	refs, _ := m["externalRefs"].([]any)
	for _, r := range refs {
		rm, _ := r.(map[string]any)
		if t, _ := rm["referenceType"].(string); t == "purl" {
			s, _ := rm["referenceLocator"].(string)
			return s
		}
	}
	return ""
}

// render quotes a value as JSON, shortened.
func render(v any) string {
	if v == nil {
		return "nothing"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return truncate(fmt.Sprint(v), maxFound)
	}
	return truncate(string(b), maxFound)
}
