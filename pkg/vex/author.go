package vex

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	openvex "github.com/openvex/go-vex/pkg/vex"
	"github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/internal/strictjson"
)

// Justifications are OpenVEX's status justifications, for help texts.
func Justifications() []string { return openvex.Justifications() }

// Check reports why s is not a valid OpenVEX statement, naming the
// Statement field at fault: a status OpenVEX does not know, a product or
// subcomponent that is neither a purl nor a digest, a justification
// outside OpenVEX's list, or fields the status does not allow or needs
// (not_affected needs a justification or an impact statement, affected an
// action statement).
func Check(s *Statement) error {
	if strings.TrimSpace(s.Vulnerability) == "" {
		return errors.New("vulnerability: missing")
	}
	if len(s.Products) == 0 {
		return errors.New("products: none")
	}
	for _, list := range []struct {
		field string
		ids   []string
	}{{"products", s.Products}, {"subcomponents", s.Subcomponents}} {
		for _, id := range list.ids {
			if err := CheckID(id); err != nil {
				return fmt.Errorf("%s: %q: %w", list.field, id, err)
			}
		}
	}
	os := toOpenVEX(s)
	if err := os.Validate(); err != nil {
		return err
	}
	return nil
}

// CheckID accepts a product or component identifier: a purl or an
// algorithm:hex digest (sha256, sha384, sha512).
func CheckID(id string) error {
	if alg, hex, ok := strings.Cut(id, ":"); ok && isDigestAlg(alg) {
		if hex == "" || strings.Trim(strings.ToLower(hex), "0123456789abcdef") != "" {
			return errors.New("want a hex digest after the algorithm")
		}
		return nil
	}
	if _, err := packageurl.FromString(id); err != nil || !strings.HasPrefix(id, "pkg:") {
		return errors.New("want a purl (pkg:TYPE/NAMESPACE/NAME@VERSION) or a digest (sha256:HEX)")
	}
	return nil
}

// toOpenVEX is s as one OpenVEX statement: each product with all the
// subcomponents.
func toOpenVEX(s *Statement) openvex.Statement {
	ts := s.Timestamp.UTC()
	o := openvex.Statement{
		Vulnerability:   openvex.Vulnerability{Name: openvex.VulnerabilityID(s.Vulnerability)},
		Status:          openvex.Status(s.Status),
		Justification:   openvex.Justification(s.Justification),
		ImpactStatement: s.Impact,
		ActionStatement: s.ActionStatement,
	}
	if !ts.IsZero() {
		o.Timestamp = &ts
	}
	for _, a := range s.Aliases {
		o.Vulnerability.Aliases = append(o.Vulnerability.Aliases, openvex.VulnerabilityID(a))
	}
	for _, p := range s.Products {
		prod := openvex.Product{Component: productComponent(p)}
		for _, sub := range s.Subcomponents {
			prod.Subcomponents = append(prod.Subcomponents, openvex.Subcomponent{Component: productComponent(sub)})
		}
		o.Products = append(o.Products, prod)
	}
	return o
}

// Create writes a new OpenVEX document holding the statements (sorted by
// vulnerability, then time, as go-vex orders them), by author, issued
// now. Its @id is derived from all of its content: the SHA-256 of the
// document without it (go-vex's canonical hash leaves out impact and
// action statements, so two documents that say different things could
// share it).
func Create(stmts []Statement, author string, now time.Time) ([]byte, error) {
	doc := openvex.New()
	now = now.UTC()
	doc.Context, doc.Timestamp, doc.Author = PredicateType, &now, author
	if doc.Author == "" {
		doc.Author = openvex.DefaultAuthor
	}
	for i := range stmts {
		if err := Check(&stmts[i]); err != nil {
			return nil, err
		}
		doc.Statements = append(doc.Statements, toOpenVEX(&stmts[i]))
	}
	openvex.SortStatements(doc.Statements, now)
	unnamed, err := marshal(&doc)
	if err != nil {
		return nil, err
	}
	doc.ID = fmt.Sprintf("%s/public/vex-%x", openvex.PublicNamespace, sha256.Sum256(unnamed))
	return marshal(&doc)
}

// Add appends a statement to the OpenVEX document data (name is its file,
// for errors), which must parse as [Parse] reads it. The document keeps
// its @id and statements; its version goes up by one and last_updated is
// now, as OpenVEX asks of a changed document. The document is re-encoded
// through go-vex's types: a field go-vex does not model (a statement's
// "supplier" or "version") is not kept.
func Add(name string, data []byte, s Statement, now time.Time) ([]byte, error) {
	if _, err := Parse(name, data); err != nil {
		return nil, err
	}
	var doc openvex.VEX
	if err := json.Unmarshal(data, &doc); err != nil || doc.Context == "" {
		return nil, fmt.Errorf("%s: not an OpenVEX document (statements are added to OpenVEX documents only)", name)
	}
	if err := Check(&s); err != nil {
		return nil, err
	}
	now = now.UTC()
	doc.Statements = append(doc.Statements, toOpenVEX(&s))
	doc.Version++
	doc.LastUpdated = &now
	return marshal(&doc)
}

// marshal encodes an OpenVEX document as go-vex does (times in UTC),
// checked to read back strictly.
func marshal(doc *openvex.VEX) ([]byte, error) {
	var buf bytes.Buffer
	if err := doc.ToJSON(&buf); err != nil {
		return nil, err
	}
	if err := strictjson.Check(buf.Bytes(), maxDepth); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
