package check

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vouchdev/vouch/pkg/sbom/check/internal/schemas"
)

// fastCorpus lists every CycloneDX JSON document of the test corpora.
func fastCorpus(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, glob := range []string{
		filepath.Join(cdxExamples, "*", "*.json"),
		filepath.Join(casesDir, "cyclonedx", "*", "*.json"),
		filepath.Join(casesDir, "cyclonedx", "*.json"),
		filepath.Join("testdata", "*.cdx.json"),
		filepath.Join("..", "..", "..", "testdata", "cyclonedx", "*.json"),
		filepath.Join("..", "..", "..", "testdata", "cyclonedx", "*", "*.json"),
	} {
		m, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	return files
}

// TestFastSchemaAgrees: the fast path never calls a document valid that
// the whole-document validation rejects, and it does call the valid ones
// valid (else it would not be a fast path).
func TestFastSchemaAgrees(t *testing.T) {
	files := fastCorpus(t)
	if len(files) < 100 {
		t.Fatalf("only %d CycloneDX JSON documents found", len(files))
	}
	var valid, fast, invalid int
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		in, err := Load(context.Background(), path, bytes.NewReader(raw), 0)
		if err != nil || in.Family != "cyclonedx" || in.Encoding != "json" {
			continue
		}
		s := schemas.Lookup(in.Family, in.SpecVersion)
		if s == nil {
			continue
		}
		fs := fastSchemaOf(s)
		if fs == nil {
			t.Fatalf("%s: no fast path for CycloneDX %s", path, in.SpecVersion)
		}
		sch, err := s.Compiled()
		if err != nil {
			t.Fatal(err)
		}
		whole := false
		if v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw)); err == nil {
			whole = sch.Validate(v) == nil
		}
		got := fs.valid(context.Background(), raw)
		switch {
		case got && !whole:
			t.Errorf("%s: fast path says valid, whole-document validation says invalid", path)
		case whole && !got:
			t.Logf("%s: valid, but not shown by the fast path", path)
		}
		if whole {
			valid++
			if got {
				fast++
			}
		} else {
			invalid++
		}
	}
	t.Logf("%d valid (%d shown by the fast path), %d invalid", valid, fast, invalid)
	if invalid < 20 || valid < 50 {
		t.Errorf("corpus too small: %d valid, %d invalid", valid, invalid)
	}
	if fast < valid*9/10 {
		t.Errorf("the fast path shows only %d of %d valid documents valid", fast, valid)
	}
}

// wholeValid validates raw the way the schema profile's reference path
// does: one JSON tree, the whole schema.
func wholeValid(t testing.TB, s *schemas.Schema, raw []byte) bool {
	t.Helper()
	sch, err := s.Compiled()
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	return err == nil && sch.Validate(v) == nil
}

// TestFastSchemaMutations changes a valid document of 600 components (long
// enough for the parallel path) in ways that make it invalid — some of them
// only detectable across items (uniqueItems) or after the first items — and
// in ways that keep it valid. The fast path must never call an invalid
// document valid, and must call the valid variants valid.
func TestFastSchemaMutations(t *testing.T) {
	raw := encode(t, bigDoc(600), "cyclonedx-json@1.6")
	s := schemas.Lookup("cyclonedx", "1.6")
	fs := fastSchemaOf(s)
	if fs == nil {
		t.Fatal("no fast path for CycloneDX 1.6")
	}
	last := []byte(`"name": "example.com/m00599"`)
	if !bytes.Contains(raw, last) {
		t.Fatalf("fixture lacks %s", last)
	}
	firstComp := func() []byte { // the first component of components[], as written
		i := bytes.Index(raw, []byte(`"components": [`)) + len(`"components": [`)
		i += bytes.Index(raw[i:], []byte(`"components": [`)) + len(`"components": [`) // the first is metadata.tools'
		i += bytes.IndexByte(raw[i:], '{')
		return raw[i:valueEnd(raw, i)]
	}
	repl := func(old, new string) []byte { return bytes.Replace(raw, []byte(old), []byte(new), 1) }
	replLast := func(old, new string) []byte {
		i := bytes.LastIndex(raw, []byte(old))
		return append(append(append([]byte(nil), raw[:i]...), new...), raw[i+len(old):]...)
	}
	dupFirst := func(c []byte) []byte { // c appended as the last component
		end := bytes.Index(raw, []byte(`"dependencies": [`))
		close := bytes.LastIndex(raw[:end], []byte("]"))
		return append(append(append(append([]byte(nil), raw[:close]...), ","...), c...), raw[close:]...)
	}
	reordered := func() []byte { // the first component with its members in reverse order
		c := firstComp()
		ms, ok := splitObject(c, nil)
		if !ok {
			t.Fatal("cannot split the first component")
		}
		var b bytes.Buffer
		b.WriteByte('{')
		for i := len(ms) - 1; i >= 0; i-- {
			k, _ := json.Marshal(ms[i].key)
			b.Write(k)
			b.WriteByte(':')
			b.Write(ms[i].val)
			if i > 0 {
				b.WriteByte(',')
			}
		}
		b.WriteByte('}')
		return b.Bytes()
	}
	for _, tc := range []struct {
		name  string
		doc   []byte
		valid bool // as the whole-document validation says
	}{
		{"unchanged", raw, true},
		{"escaped and non-ASCII strings", replLast(`"example.com/m00599"`, `"ex\u00e4mple.com/m\u00f6\"599\\"`), true},
		{"white space", bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n\t")), true},
		{"duplicate component", dupFirst(firstComp()), false},
		{"duplicate component, members reordered", dupFirst(reordered()), false},
		{"bad hash in the last component", replLast(`"alg": "SHA-256"`, `"alg": "SHA-257"`), false},
		{"short hash in the last component", replLast(`"content": "`, `"content": "ab`), false},
		{"unknown member", repl(`"type": "library",`, `"type": "library", "colour": "red",`), false},
		{"missing name", replLast(string(last)+",", ""), false},
		{"number for a string", replLast(string(last), `"name": 599`), false},
		{"empty bom-ref", replLast(`"bom-ref": "pkg:golang/example.com/m00599@v1.0.4"`, `"bom-ref": ""`), false},
		{"bad enum", replLast(`"type": "library"`, `"type": "libary"`), false},
		{"bad escape", replLast(string(last), `"name": "a\q"`), false},
		{"control character", replLast(string(last), "\"name\": \"a\tb\""), false},
		{"trailing garbage", append(append([]byte(nil), raw...), "x"...), false},
		{"truncated", raw[:len(raw)-2], false},
		{"byte order mark", append([]byte("\xef\xbb\xbf"), raw...), false},
		{"top-level unknown member", repl(`"version": 1,`, `"version": 1, "x": 1,`), false},
		{"bad timestamp", repl(`"timestamp": "2026-01-02T03:04:05Z"`, `"timestamp": "yesterday"`), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			whole := wholeValid(t, s, tc.doc)
			if whole != tc.valid {
				t.Fatalf("whole-document validation says valid=%v, the case expects %v", whole, tc.valid)
			}
			if got := fs.valid(context.Background(), tc.doc); got != whole {
				t.Errorf("fast path says valid=%v, whole-document validation %v", got, whole)
			}
		})
	}
}

// TestFastSchemaUndecided: what the fast path leaves to the library
// (equal-looking items it cannot tell apart) still gets the library's
// verdict from the profile. A duplicate member, which the library would read
// as its last value, is refused by the profile itself (strictFinding), as
// other tools may read the first.
func TestFastSchemaUndecided(t *testing.T) {
	for name, tc := range map[string]struct {
		doc     string
		library bool // the profile follows the library's verdict
	}{
		"duplicate member":     {`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"version":1}`, false},
		"identical components": {`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"a","hashes":[]},{"type":"library","name":"a","hashes":[]}]}`, true},
	} {
		t.Run(name, func(t *testing.T) {
			in, err := Load(context.Background(), name, strings.NewReader(tc.doc), 0)
			if err != nil {
				t.Fatal(err)
			}
			s := schemas.Lookup("cyclonedx", "1.6")
			if fastSchemaOf(s).valid(context.Background(), in.Raw) {
				t.Fatal("the fast path decided a case it must leave to the library")
			}
			want := false
			if tc.library {
				want = wholeValid(t, s, in.Raw)
			}
			if got := runSchema(t, in).Pass; got != want {
				t.Errorf("profile pass=%v, want %v", got, want)
			}
		})
	}
}

// FuzzFastSchema: whatever the fast path calls valid, the whole-document
// validation calls valid.
func FuzzFastSchema(f *testing.F) {
	var seeds int
	for _, glob := range []string{
		filepath.Join(cdxExamples, "valid-1.6", "*.json"),
		filepath.Join(cdxExamples, "invalid-1.6", "*.json"),
		filepath.Join(casesDir, "cyclonedx", "1.6", "*.json"),
	} {
		m, err := filepath.Glob(glob)
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range m {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			seeds++
		}
	}
	if seeds == 0 {
		f.Fatal("no seed files: the fuzz target would run blind")
	}
	s := schemas.Lookup("cyclonedx", "1.6")
	fs := fastSchemaOf(s)
	f.Fuzz(func(t *testing.T, data []byte) {
		if fs.valid(context.Background(), data) && !wholeValid(t, s, data) {
			t.Fatalf("fast path says valid, whole-document validation says invalid: %q", data[:min(len(data), 200)])
		}
	})
}
