package cyclonedx

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// plainDecode is what decodeSplit must equal: encoding/json on the whole
// document, once for the probe and once for the wire structs.
func plainDecode(data []byte) (jsonProbe, wireBOM, bool) {
	var p jsonProbe
	var b wireBOM
	if json.Unmarshal(data, &p) != nil || json.Unmarshal(data, &b) != nil {
		return p, b, false
	}
	return p, b, true
}

// sameDecode fails the test when decodeSplit accepts data and its result
// differs from encoding/json's, or accepts what encoding/json rejects.
func sameDecode(t *testing.T, name string, data []byte) (split bool) {
	t.Helper()
	var p jsonProbe
	var b wireBOM
	if !decodeSplit(data, &p, &b) {
		return false
	}
	wp, wb, ok := plainDecode(data)
	if !ok {
		t.Errorf("%s: decodeSplit accepts what encoding/json rejects", name)
		return true
	}
	if !reflect.DeepEqual(p, wp) {
		t.Errorf("%s: probe differs:\n split %+v\n plain %+v", name, p, wp)
	}
	if !sameValue(reflect.ValueOf(b), reflect.ValueOf(wb)) {
		t.Errorf("%s: decoded BOM differs from encoding/json's:\n split %+v\n plain %+v", name, b, wb)
	}
	return true
}

// sameValue is reflect.DeepEqual except that a nil and an empty slice are
// equal: encoding/json and decodeSplit may choose differently, and the
// model does not tell them apart.
func sameValue(a, b reflect.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !sameValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := range a.NumField() {
			if !sameValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			if !sameValue(a.MapIndex(k), b.MapIndex(k)) {
				return false
			}
		}
		return true
	case reflect.String:
		return a.String() == b.String()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return a.Float() == b.Float()
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

func corpusFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{
		filepath.Join("..", "..", "..", "..", "testdata", "cyclonedx", "examples", "*", "*.json"),
		filepath.Join("testdata", "golden", "*.cdx.json"),
		filepath.Join("..", "..", "..", "..", "testdata", "cases", "cyclonedx", "*", "*.json"),
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 100 {
		t.Fatalf("only %d CycloneDX JSON files found", len(files))
	}
	return files
}

// TestDecodeSplitCorpus: on every CycloneDX JSON document of the corpora,
// the split decoder gives exactly encoding/json's result, and it does take
// the documents encoding/json decodes (else it would speed nothing up).
func TestDecodeSplitCorpus(t *testing.T) {
	var plain, split int
	for _, f := range corpusFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, ok := plainDecode(data); ok {
			plain++
		}
		if sameDecode(t, f, data) {
			split++
		}
	}
	t.Logf("%d documents decode, %d of them split", plain, split)
	if split < plain*9/10 {
		t.Errorf("only %d of %d decodable documents take the split decoder", split, plain)
	}
}

// TestDecodeSplitEdges covers what encoding/json does that the split
// decoder must either reproduce or leave to it.
func TestDecodeSplitEdges(t *testing.T) {
	comp := `{"bom-ref":"a","type":"library","name":"a","version":"1","hashes":[{"alg":"SHA-256","content":"00"}]}`
	doc := func(components string, extra ...string) string {
		return `{"bomFormat":"CycloneDX","specVersion":"1.6"` + strings.Join(extra, "") + `,"components":` + components + `}`
	}
	for _, tc := range []struct {
		name  string
		doc   string
		split bool // decodeSplit takes it (else encoding/json decides)
	}{
		{"plain", doc("[" + comp + "]"), true},
		{"white space", " \n\t" + doc("[ "+comp+" , "+comp+" ]") + "\r\n", true},
		{"escapes", doc(`[{"name":"a\u00e9\"\\\/\n","version":"\ud83d\ude00"}]`), true},
		{"non-ASCII", doc(`[{"name":"grüße","version":"1"}]`), true},
		{"invalid UTF-8 replaced", doc("[{\"name\":\"a\xff\"}]"), true},
		{"null members", doc(`[{"name":null,"hashes":null,"supplier":null,"components":null,"evidence":null}]`), true},
		{"null items", doc(`[null,{"hashes":[null]}]`), true},
		{"empty", doc("[]"), true},
		{"components null", doc("null"), true},
		{"nested", doc(`[{"name":"p","components":[` + comp + `]}]`), true},
		{"unknown members", doc("["+comp+"]", `,"x":{"y":[1,2.5e3,true,false,null,"s"]}`), true},
		{"shared values", doc(`[{"supplier":{"name":"s"},"licenses":[{"license":{"id":"MIT"}}]},{"supplier":{"name":"s"},"licenses":[{"license":{"id":"MIT"}}]}]`), true},
		{"dependencies", doc("["+comp+"]", `,"dependencies":[{"ref":"a","dependsOn":["a"]},{"ref":"a","dependsOn":null,"provides":[]}]`), true},
		{"compositions", doc("["+comp+"]", `,"compositions":[{"aggregate":"complete","assemblies":["a"],"dependencies":["a"]}]`), true},

		{"folded member name", doc(`[{"Name":"a"}]`), true},           // left to encoding/json for that component
		{"folded top-level name", doc("[]", `,"Metadata":{}`), false}, // matches wireBOM.Metadata
		{"duplicate member", doc(`[{"name":"a","name":"b"}]`), true},
		{"duplicate components", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[],"components":[{"name":"b"}]}`, false},
		{"wrong type", doc(`[{"name":1}]`), false},
		{"wrong item type", doc(`[{"hashes":["x"]}]`), false},
		{"bad escape", doc(`[{"name":"\x"}]`), false},
		{"control character", doc("[{\"name\":\"a\tb\"}]"), false},
		{"trailing comma", doc(`[{"name":"a"},]`), false},
		{"bad number in unknown member", doc("[]", `,"x":01`), false},
		{"bad literal", doc("[]", `,"x":nul`), false},
		{"truncated", doc("[" + comp)[:40], false},
		{"trailing data", doc("[]") + "x", false},
		{"byte order mark", "\xef\xbb\xbf" + doc("[]"), false},
		{"not an object", `[1]`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := sameDecode(t, tc.name, []byte(tc.doc))
			if _, _, ok := plainDecode([]byte(tc.doc)); !ok && got {
				t.Errorf("decodeSplit accepted a document encoding/json rejects")
			}
			if got != tc.split && tc.split {
				t.Errorf("decodeSplit = %v, want %v", got, tc.split)
			}
		})
	}
}

// FuzzDecodeSplit: whatever the split decoder accepts, encoding/json
// decodes to the same wire structs.
func FuzzDecodeSplit(f *testing.F) {
	files := corpusFiles(f)
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"a\u00e9","hashes":[null]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sameDecode(t, fmt.Sprintf("%q", data[:min(len(data), 80)]), data)
	})
}
