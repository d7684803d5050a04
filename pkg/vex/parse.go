package vex

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	openvex "github.com/openvex/go-vex/pkg/vex"

	"github.com/vouchdev/vouch/internal/strictjson"
)

// PredicateType is the in-toto predicate type of a signed OpenVEX
// document (the OpenVEX attestation convention: the context URL of the
// version the predicate follows).
const PredicateType = "https://openvex.dev/ns/v0.2.0"

// MaxSize is the largest VEX document Parse reads: the biggest real
// documents (a distribution's whole VEX feed) are a few MiB.
const MaxSize = 32 << 20

// maxDepth bounds nesting: OpenVEX nests five levels, a CycloneDX BOM
// with nested components a few dozen.
const maxDepth = 64

// ErrFormat marks a document that is neither OpenVEX nor CycloneDX VEX.
var ErrFormat = errors.New("not a VEX document")

// Parse reads an OpenVEX v0.2.0 document, a CycloneDX BOM whose
// vulnerabilities carry an analysis (CycloneDX VEX), or an in-toto
// statement whose predicate is an OpenVEX document (a signed VEX
// attestation's payload), detected from its content. name is the file or
// bundle the data came from: it is each statement's Source and it starts
// every error.
//
// Parsing is strict: a repeated key, nesting deeper than 64, a document
// over MaxSize, an unknown status or justification, or a statement that
// OpenVEX's rules make invalid (not_affected without a justification or
// impact statement, affected without an action statement) is an error
// naming the field. Each OpenVEX product becomes its own Statement, so
// that its subcomponents stay tied to it.
func Parse(name string, data []byte) ([]Statement, error) {
	stmts, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for i := range stmts {
		stmts[i].Source = name
	}
	return stmts, nil
}

func parse(data []byte) ([]Statement, error) {
	k, predicateType, err := kindOf(data)
	if err != nil {
		return nil, err
	}
	switch k {
	case kindOpenVEX:
		return parseOpenVEX(data)
	case kindCycloneDX:
		return parseCycloneDX(data)
	}
	return parseAttestation(data, predicateType)
}

// Document kinds Parse reads.
const (
	kindOpenVEX = iota
	kindCycloneDX
	kindAttestation
)

// kindOf checks data's size, keys and depth and tells which kind of
// document it is (and, for an attestation, its predicate type).
func kindOf(data []byte) (int, string, error) {
	if len(data) > MaxSize {
		return 0, "", fmt.Errorf("%d bytes, the limit is %d", len(data), MaxSize)
	}
	if err := strictjson.CheckFolded(data, maxDepth); err != nil {
		return 0, "", err
	}
	var probe struct {
		Context       any    `json:"@context"`
		BOMFormat     any    `json:"bomFormat"`
		PredicateType string `json:"predicateType"`
		MediaType     string `json:"mediaType"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return 0, "", fmt.Errorf("%w: %w", ErrFormat, strictjson.Explain(data, err))
	}
	switch {
	case strings.Contains(probe.MediaType, "sigstore.bundle"):
		// Reading the statement out of a bundle without verifying it would
		// pass an unchecked signature off as a checked one.
		return 0, "", fmt.Errorf("%w: a Sigstore bundle (%s): give the VEX document it signs; vouch verify checks the bundle", ErrFormat, probe.MediaType)
	case probe.Context != nil:
		return kindOpenVEX, "", nil
	case probe.BOMFormat != nil:
		return kindCycloneDX, "", nil
	case probe.PredicateType != "":
		return kindAttestation, probe.PredicateType, nil
	}
	return 0, "", fmt.Errorf("%w: neither OpenVEX (\"@context\"), CycloneDX (\"bomFormat\") nor an in-toto statement (\"predicateType\")", ErrFormat)
}

// Predicate returns the OpenVEX document to sign for the VEX document
// data (name is its file, for errors): an OpenVEX document as it is,
// once it parses; a CycloneDX VEX BOM converted to an OpenVEX document of
// the same statements (by author, issued now), so that every signed VEX
// has one predicate type. A CycloneDX ref that names no purl cannot be
// converted, and is an error.
func Predicate(name string, data []byte, author string, now time.Time) ([]byte, error) {
	stmts, err := Parse(name, data)
	if err != nil {
		return nil, err
	}
	k, _, _ := kindOf(data)
	switch k {
	case kindOpenVEX:
		return data, nil
	case kindCycloneDX:
		doc, err := Create(stmts, author, now)
		if err != nil {
			return nil, fmt.Errorf("%s: converting CycloneDX VEX to OpenVEX: %w", name, err)
		}
		return doc, nil
	}
	return nil, fmt.Errorf("%s: already an in-toto statement: give the OpenVEX document it carries", name)
}

// parseAttestation reads the OpenVEX predicate of an in-toto statement.
func parseAttestation(data []byte, predicateType string) ([]Statement, error) {
	// cosign's --type openvex writes the unversioned context URL.
	if predicateType != PredicateType && predicateType != openvex.TypeURI {
		return nil, fmt.Errorf("%w: predicateType: want %q or %q, found %q", ErrFormat, PredicateType, openvex.TypeURI, predicateType)
	}
	var st struct {
		Predicate json.RawMessage `json:"predicate"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, strictjson.Explain(data, err)
	}
	stmts, err := parseOpenVEX(st.Predicate)
	if err != nil {
		return nil, fmt.Errorf("predicate: %w", err)
	}
	return stmts, nil
}

// parseOpenVEX reads an OpenVEX v0.2.0 document through go-vex's types.
func parseOpenVEX(data []byte) ([]Statement, error) {
	var doc openvex.VEX
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, strictjson.Explain(data, err)
	}
	if doc.Context != openvex.Context && !strings.HasPrefix(doc.Context, openvex.Context+"/v0.2.0") {
		return nil, fmt.Errorf("%w: @context: want %q, found %q", ErrFormat, PredicateType, doc.Context)
	}
	var docTime time.Time
	if doc.Timestamp != nil {
		docTime = *doc.Timestamp
	}
	var out []Statement
	for i := range doc.Statements {
		s := &doc.Statements[i]
		got, err := fromOpenVEX(s, docTime)
		if err != nil {
			return nil, fmt.Errorf("statements[%d]: %w", i, err)
		}
		out = append(out, got...)
	}
	if len(out) == 0 {
		return nil, errors.New("statements: none")
	}
	return out, nil
}

// fromOpenVEX turns one OpenVEX statement into one Statement per product.
func fromOpenVEX(s *openvex.Statement, docTime time.Time) ([]Statement, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.Vulnerability.Name == "" {
		return nil, errors.New("vulnerability.name: missing")
	}
	if len(s.Products) == 0 {
		return nil, errors.New("products: none (a statement about no product covers nothing)")
	}
	ts := docTime
	if s.Timestamp != nil && !s.Timestamp.IsZero() {
		ts = *s.Timestamp
	}
	if ts.IsZero() {
		// Which statement is the latest decides; one without a time
		// cannot be ranked.
		return nil, errors.New("timestamp: missing, and the document has none either")
	}
	base := Statement{
		Vulnerability:   string(s.Vulnerability.Name),
		Status:          Status(s.Status),
		Justification:   string(s.Justification),
		Impact:          s.ImpactStatement,
		ActionStatement: s.ActionStatement,
		Timestamp:       ts.UTC(),
	}
	for _, a := range s.Vulnerability.Aliases {
		if a != "" {
			base.Aliases = append(base.Aliases, string(a))
		}
	}
	var out []Statement
	for j := range s.Products {
		st := base
		st.Products = componentIDs(&s.Products[j].Component)
		if len(st.Products) == 0 {
			return nil, fmt.Errorf("products[%d]: no @id, identifiers or hashes", j)
		}
		for k := range s.Products[j].Subcomponents {
			ids := componentIDs(&s.Products[j].Subcomponents[k].Component)
			if len(ids) == 0 {
				return nil, fmt.Errorf("products[%d].subcomponents[%d]: no @id, identifiers or hashes", j, k)
			}
			st.Subcomponents = append(st.Subcomponents, ids...)
		}
		out = append(out, st)
	}
	return out, nil
}

// componentIDs lists the identifiers an OpenVEX component goes by: its
// @id, its identifiers (purl, CPE) and its hashes as "sha256:HEX".
func componentIDs(c *openvex.Component) []string {
	var ids []string
	if c.ID != "" {
		ids = append(ids, c.ID)
	}
	for _, t := range []openvex.IdentifierType{openvex.PURL, openvex.CPE22, openvex.CPE23} {
		if v := c.Identifiers[t]; v != "" {
			ids = append(ids, v)
		}
	}
	for _, a := range []openvex.Algorithm{openvex.SHA256, openvex.SHA384, openvex.SHA512} {
		if v := c.Hashes[a]; v != "" {
			ids = append(ids, strings.ReplaceAll(string(a), "-", "")+":"+strings.ToLower(string(v)))
		}
	}
	return ids
}
