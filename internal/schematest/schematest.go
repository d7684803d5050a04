// Package schematest validates documents against JSON schemas in tests,
// offline: every schema a document refers to is registered from a local file,
// and any attempt to load another URL fails instead of going to the network.
//
// Formats (date-time, iri-reference, email, ...) are asserted, not just
// annotated: a timestamp without a time zone is an error, as it is for a strict
// consumer of the SBOM.
package schematest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vouchdev/vouch/internal/schematest/regexpengine"
)

// offlineLoader refuses every URL: all schemas must be registered resources.
type offlineLoader struct{}

func (offlineLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schematest: refusing to load %q: register it as a resource", url)
}

// Compile compiles the schema at schemaPath with the extra schema files it
// refers to ($ref by URL). Each file is registered under its "$id" (or its
// file URL if it has none), so relative references such as "spdx.schema.json"
// resolve to the local copies.
func Compile(schemaPath string, extraResources ...string) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseLoader(offlineLoader{})
	// The SPDX 3.0.1 schema uses a leading negative lookahead RE2 lacks.
	c.UseRegexpEngine(regexpengine.Compile)
	var mainID string
	for i, p := range append([]string{schemaPath}, extraResources...) {
		id, doc, err := load(p)
		if err != nil {
			return nil, err
		}
		if err := c.AddResource(id, doc); err != nil {
			return nil, fmt.Errorf("register schema %s as %q: %w", p, id, err)
		}
		if i == 0 {
			mainID = id
		}
	}
	sch, err := c.Compile(mainID)
	if err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", schemaPath, err)
	}
	return sch, nil
}

func load(path string) (id string, doc any, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", nil, fmt.Errorf("read schema: %w", err)
	}
	doc, err = jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return "", nil, fmt.Errorf("parse schema %s: %w", path, err)
	}
	if m, ok := doc.(map[string]any); ok {
		if s, ok := m["$id"].(string); ok && s != "" {
			return s, doc, nil
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", nil, fmt.Errorf("schema %s: %w", path, err)
	}
	return "file://" + filepath.ToSlash(abs), doc, nil
}

// Check validates the JSON document doc against a compiled schema and returns
// the validation error, or nil.
func Check(sch *jsonschema.Schema, doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("parse document: %w", err)
	}
	if err := sch.Validate(v); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("schema validation failed: %v", ve)
		}
		return err
	}
	return nil
}

// ValidateJSON fails t unless doc is valid against the schema at schemaPath
// (with extraResources registered as in [Compile]).
func ValidateJSON(t testing.TB, schemaPath string, doc []byte, extraResources ...string) {
	t.Helper()
	sch, err := Compile(schemaPath, extraResources...)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(sch, doc); err != nil {
		t.Error(err)
	}
}
