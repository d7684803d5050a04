package schematest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCompileSPDX3 checks that Compile handles the SPDX 3.0.1 schema, whose
// IRI pattern "^(?!_:).+:.+" RE2 alone cannot compile.
func TestCompileSPDX3(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "spdx3")
	sch, err := Compile(filepath.Join(dir, "spdx-3.0.1.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(dir, "package_sbom-3.0.1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(sch, doc); err != nil {
		t.Errorf("official SPDX 3.0.1 example: %v", err)
	}
}

// TestCompileEnforcesLookahead checks the lookahead is enforced, not ignored.
func TestCompileEnforcesLookahead(t *testing.T) {
	dir := t.TempDir()
	s := write(t, dir, "iri.json", `{"$schema":"https://json-schema.org/draft/2020-12/schema",
	  "$id":"http://example.com/s/iri.json","type":"string","pattern":"^(?!_:).+:.+"}`)
	sch, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	for doc, valid := range map[string]bool{`"https://example.com/x"`: true, `"_:blank"`: false, `"nocolon"`: false} {
		if err := Check(sch, []byte(doc)); (err == nil) != valid {
			t.Errorf("%s: err = %v, want valid=%v", doc, err, valid)
		}
	}
}
