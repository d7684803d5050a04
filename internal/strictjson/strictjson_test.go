package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	deep := strings.Repeat(`{"c":[`, 300) + strings.Repeat(`]}`, 300)
	tests := []struct {
		name, doc string
		want      error
		path      string
	}{
		{"plain", `{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}`, nil, ""},
		{"same key in sibling objects", `[{"k":1},{"k":2}]`, nil, ""},
		{"duplicate at the top", `{"specVersion":"1.6","specVersion":"1.2"}`, ErrDuplicateKey, `"specVersion" at $.specVersion`},
		{"duplicate after a nested value", `{"a":{"x":1},"b":[1,2],"a":3}`, ErrDuplicateKey, `at $.a`},
		{"duplicate by escape", `{"a":1,"\u0061":2}`, ErrDuplicateKey, `"a"`},
		{"duplicate deep in an array", `{"components":[{"name":"x"},{"name":"y","name":"z"}]}`, ErrDuplicateKey, `$.components[1].name`},
		{"too deep", deep, ErrTooDeep, "more than 256 levels"},
		{"syntax error is the decoder's", `{"a":`, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check([]byte(tt.doc), 0)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("Check = %v, want %v mentioning %q", err, tt.want, tt.path)
			}
		})
	}
}

// FuzzCheck holds Check to a reference built on encoding/json's tokens:
// on valid JSON, both find a duplicate key or neither does, and both
// refuse the same depth.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `[{"b":[{"c":{}}]}]`, `{"x":"\u0078","x":0}`, `1`,
		`{"a":[1,{"a":1}],"b":{"a":2,"b":[]},"c":"\"}\\"}`, `{"\ud800":1,"\ufffd":2}`, "{\"\xff\":1,\"\xfe\":2}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Check(data, 16)
		if !json.Valid(data) {
			return
		}
		dup, deep := reference(t, data, 16)
		if errors.Is(err, ErrDuplicateKey) != dup || errors.Is(err, ErrTooDeep) != deep {
			t.Fatalf("Check(%q) = %v; reference: duplicate %v, too deep %v", data, err, dup, deep)
		}
	})
}

// reference reports whether valid JSON has a duplicate key, or is nested
// deeper than maxDepth, whichever comes first, walking encoding/json's tokens.
func reference(t *testing.T, data []byte, maxDepth int) (dup, deep bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // a valid number too large for a float64 is still valid JSON
	type obj struct {
		keys      map[string]bool
		object    bool
		expectKey bool
	}
	var stack []*obj
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return false, false
		}
		if err != nil {
			t.Fatalf("reference: %v", err)
		}
		n := len(stack)
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if n > 0 && stack[n-1].object {
					stack[n-1].expectKey = true
				}
				if n >= maxDepth {
					return false, true
				}
				stack = append(stack, &obj{keys: map[string]bool{}, object: d == '{', expectKey: d == '{'})
			default:
				stack = stack[:n-1]
			}
			continue
		}
		if n > 0 && stack[n-1].object {
			top := stack[n-1]
			if top.expectKey {
				k := tok.(string)
				if top.keys[k] {
					return true, false
				}
				top.keys[k] = true
			}
			top.expectKey = !top.expectKey
		}
	}
}

// TestPathAt: the path of the value where encoding/json stops with a type
// error, for every kind of mismatch.
func TestPathAt(t *testing.T) {
	for _, tt := range []struct{ doc, want string }{
		{`{"components":[{"type":"library"},{"type":"library","name":5}]}`, "$.components[1].name"},
		{`{"a":{"b":[1,2,{"c":true}]}}`, "$.a.b[0]"},
		{`{"a":{"b":[{"c":1},{"c":true}]}}`, "$.a.b[1].c"},
		{`{"version":"1"}`, "$.version"},
		{`{"x":{"y":"z"},"components":{"k":1}}`, "$.components"},
	} {
		var v struct {
			Components []struct {
				Name string `json:"name"`
			} `json:"components"`
			A struct {
				B []struct{ C int } `json:"b"`
			} `json:"a"`
			Version int `json:"version"`
			X       any `json:"x"`
		}
		err := json.Unmarshal([]byte(tt.doc), &v)
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			t.Fatalf("%s: %v", tt.doc, err)
		}
		if got := PathAt([]byte(tt.doc), te.Offset); got != tt.want {
			t.Errorf("%s: PathAt(%d) = %s, want %s (%v)", tt.doc, te.Offset, got, tt.want, err)
		}
	}
}

// TestCheckFolded: for documents decoded into structs, keys that
// encoding/json matches to one field ("purl", "PURL", "pur\u017f"... "ſ"
// folds to "s") are duplicates; Check, for maps and protojson, keeps them
// apart. Control: distinct keys pass both.
func TestCheckFolded(t *testing.T) {
	for _, tc := range []struct {
		doc           string
		check, folded bool // want an error
	}{
		{`{"purl":"a","PURL":"b"}`, false, true},
		{`{"kind":"a","\u212aind":"b"}`, false, true}, // KELVIN SIGN folds to k
		{`{"class":"a","cla\u017f\u017f":"b"}`, false, true},
		{`{"purl":"a","name":"b"}`, false, false},
		{`{"purl":"a","purl":"b"}`, true, true},
	} {
		if err := Check([]byte(tc.doc), 0); (err != nil) != tc.check {
			t.Errorf("Check(%s) = %v", tc.doc, err)
		}
		err := CheckFolded([]byte(tc.doc), 0)
		if (err != nil) != tc.folded || (err != nil && !errors.Is(err, ErrDuplicateKey)) {
			t.Errorf("CheckFolded(%s) = %v", tc.doc, err)
		}
	}
}
