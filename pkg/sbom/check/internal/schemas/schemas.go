// Package schemas embeds the official JSON schemas of the SBOM spec versions
// vouch reads and compiles them, offline, for the `schema` check profile.
//
// Every schema is the publisher's file, unmodified (see ORIGIN beside it).
// References between them ("spdx.schema.json", "jsf-0.82.schema.json",
// "cryptography-defs.schema.json") resolve to the embedded copies; any other
// URL fails to load instead of going to the network. Formats (date-time,
// uri, iri-reference, ...) are asserted, as a strict consumer would.
package schemas

import (
	"bytes"
	"embed"
	"fmt"
	"net/url"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vouchdev/vouch/internal/schematest/regexpengine"
)

//go:embed cyclonedx/*.json spdx/*.json
var files embed.FS

// Schema describes one embedded schema.
type Schema struct {
	Family  string // "cyclonedx", "spdx-2" or "spdx-3"
	Version string // the spec version it validates, e.g. "1.6"
	Clause  string // what a finding cites, e.g. "CycloneDX 1.6 JSON schema"
	// Substitute is set when no schema of Version is embedded and a close
	// one is used instead; it names that version.
	Substitute string

	id    string   // $id the main file is registered under
	file  string   // main file in the embedded FS
	extra []string // files it references

	once sync.Once
	sch  *jsonschema.Schema
	err  error
	// c compiled sch; CompileAt compiles further locations with it, so
	// that they share its compiled subschemas. mu guards it: a Compiler is
	// not safe for concurrent use.
	mu  sync.Mutex
	c   *jsonschema.Compiler
	doc any // the main file, parsed
}

const (
	cdxSPDX   = "cyclonedx/spdx.schema.json"
	cdxJSF    = "cyclonedx/jsf-0.82.schema.json"
	cdxCrypto = "cyclonedx/cryptography-defs.schema.json"
)

// all lists the embedded schemas, in the order [All] returns them.
var all = []*Schema{
	cdx("1.4", cdxSPDX, cdxJSF),
	cdx("1.5", cdxSPDX, cdxJSF),
	cdx("1.6", cdxSPDX, cdxJSF),
	cdx("1.7", cdxSPDX, cdxJSF, cdxCrypto),
	// No official SPDX 2.2 JSON schema was available to embed (it is not in
	// the SPDX tools' modules), so 2.2 documents are validated against the
	// 2.3 schema. 2.3 added optional fields and values, so every valid 2.2
	// document passes; but 2.3 also relaxed a few 2.2 requirements (a
	// package's licenseConcluded, licenseDeclared and copyrightText became
	// optional), which this check therefore misses. The clause says so.
	{Family: "spdx-2", Version: "2.2", Substitute: "2.3", Clause: "SPDX 2.3 JSON schema (applied to SPDX 2.2)",
		id: "http://spdx.org/rdf/terms/2.3", file: "spdx/spdx-2.3.schema.json"},
	{Family: "spdx-2", Version: "2.3", Clause: "SPDX 2.3 JSON schema",
		id: "http://spdx.org/rdf/terms/2.3", file: "spdx/spdx-2.3.schema.json"},
	{Family: "spdx-3", Version: "3.0.1", Clause: "SPDX 3.0.1 JSON schema",
		id: "https://spdx.org/schema/3.0.1/spdx-json-schema.json", file: "spdx/spdx-3.0.1.schema.json"},
}

func cdx(v string, extra ...string) *Schema {
	return &Schema{Family: "cyclonedx", Version: v, Clause: "CycloneDX " + v + " JSON schema",
		id: "http://cyclonedx.org/schema/bom-" + v + ".schema.json", file: "cyclonedx/bom-" + v + ".schema.json", extra: extra}
}

// All returns the embedded schemas: CycloneDX 1.4–1.7, SPDX 2.2 (by the 2.3
// schema), 2.3 and 3.0.1.
func All() []*Schema { return all }

// Lookup returns the schema of a family and spec version, or nil.
func Lookup(family, version string) *Schema {
	for _, s := range all {
		if s.Family == family && s.Version == version {
			return s
		}
	}
	return nil
}

// Compiled returns the compiled schema; it compiles once and caches.
func (s *Schema) Compiled() (*jsonschema.Schema, error) {
	s.once.Do(func() { s.sch, s.err = s.compile() })
	return s.sch, s.err
}

// Draft07 reports whether the schema is written in JSON Schema draft-07,
// where a subschema validates a value the same wherever it is applied (no
// unevaluated* keywords, no dynamic references).
func (s *Schema) Draft07() bool {
	m, _ := s.Document().(map[string]any)
	d, _ := m["$schema"].(string)
	return d == "http://json-schema.org/draft-07/schema#"
}

// Document returns the main schema file, parsed as the validator parses
// JSON (json.Number for numbers); nil if it does not parse. Callers must
// not modify it.
func (s *Schema) Document() any {
	if _, err := s.Compiled(); err != nil {
		return nil
	}
	return s.doc
}

// CompileAt compiles the subschemas at the given JSON pointers into the
// main file (RFC 6901, "" for the root), with the compiler, configuration
// and already compiled subschemas of [Schema.Compiled].
func (s *Schema) CompileAt(ptrs []string) ([]*jsonschema.Schema, error) {
	if _, err := s.Compiled(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*jsonschema.Schema, len(ptrs))
	for i, p := range ptrs {
		sch, err := s.c.Compile(s.id + "#" + (&url.URL{Fragment: p}).EscapedFragment())
		if err != nil {
			return nil, fmt.Errorf("schemas: compile %s#%s: %w", s.file, p, err)
		}
		out[i] = sch
	}
	return out, nil
}

type offline struct{}

func (offline) Load(url string) (any, error) {
	return nil, fmt.Errorf("schemas: refusing to load %q: only the embedded schemas are available offline", url)
}

func (s *Schema) compile() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseLoader(offline{})
	c.UseRegexpEngine(regexpengine.Compile)
	add := func(file, id string) error {
		b, err := files.ReadFile(file)
		if err != nil {
			return fmt.Errorf("schemas: %w", err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("schemas: parse %s: %w", file, err)
		}
		if file == s.file {
			s.doc = doc
		}
		if id == "" {
			m, _ := doc.(map[string]any)
			id, _ = m["$id"].(string)
		}
		if id == "" {
			return fmt.Errorf("schemas: %s has no $id", file)
		}
		return c.AddResource(id, doc)
	}
	if err := add(s.file, s.id); err != nil {
		return nil, err
	}
	for _, f := range s.extra {
		if err := add(f, ""); err != nil {
			return nil, err
		}
	}
	sch, err := c.Compile(s.id)
	if err != nil {
		return nil, fmt.Errorf("schemas: compile %s: %w", s.file, err)
	}
	s.c = c
	return sch, nil
}
