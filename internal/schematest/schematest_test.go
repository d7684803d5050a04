package schematest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCompileResolvesRegisteredRefsAndAssertsFormats(t *testing.T) {
	dir := t.TempDir()
	main := write(t, dir, "main.json", `{"$schema":"http://json-schema.org/draft-07/schema#","$id":"http://example.com/s/main.json",
	  "type":"object","properties":{"when":{"type":"string","format":"date-time"},"id":{"$ref":"ids.json"}}}`)
	ids := write(t, dir, "ids.json", `{"$schema":"http://json-schema.org/draft-07/schema#","$id":"http://example.com/s/ids.json","enum":["MIT"]}`)
	sch, err := Compile(main, ids)
	if err != nil {
		t.Fatal(err)
	}
	for doc, valid := range map[string]bool{
		`{"when":"2026-01-02T03:04:05Z","id":"MIT"}`: true,
		`{"when":"2026-01-02T03:04:05","id":"MIT"}`:  false, // format asserted, not annotated
		`{"when":"2026-01-02T03:04:05Z","id":"GPL"}`: false, // the $ref'd enum applies
	} {
		if err := Check(sch, []byte(doc)); (err == nil) != valid {
			t.Errorf("%s: err = %v, want valid=%v", doc, err, valid)
		}
	}
}

func TestCompileNeverFetches(t *testing.T) {
	dir := t.TempDir()
	main := write(t, dir, "main.json", `{"$id":"http://example.com/s/main.json","$ref":"missing.json"}`)
	_, err := Compile(main)
	if err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("got %v, want an error naming the unregistered schema", err)
	}
}
