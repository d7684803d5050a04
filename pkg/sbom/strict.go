package sbom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/vouchdev/vouch/internal/strictjson"
)

// MaxDepth is how deeply a document read by vouch may nest: JSON objects and
// arrays, or XML elements, counted from the root. Each level of CycloneDX
// nested components takes two (the "components" array and the component),
// so this allows more than 120 levels of nesting, far beyond real documents
// (a few levels), while a hostile one nested 20,000 deep is refused before
// it is decoded. Every decoder and check is linear in the size of what is
// left.
const MaxDepth = 256

// CheckJSON refuses a JSON document that repeats a key in an object (which
// parsers read differently: encoding/json takes the last value, others the
// first) or nests deeper than [MaxDepth]. The error names the JSON path.
// Decoders call it before decoding.
func CheckJSON(data []byte) error {
	err := strictjson.Check(data, MaxDepth)
	if errors.Is(err, strictjson.ErrTooDeep) {
		return fmt.Errorf("%w (the limit, sbom.MaxDepth)", err)
	}
	return err
}

// ErrTooDeep marks an XML document nested deeper than [MaxDepth] (JSON
// documents are refused with strictjson's error of the same meaning).
var ErrTooDeep = errors.New("XML nested too deeply")

// CheckXML refuses an XML document whose elements nest deeper than
// [MaxDepth], before a decoder (whose own limit, 10,000 levels, lets
// through documents that take gigabytes) reads it. It only counts tags —
// comments, CDATA sections, processing instructions and quoted attribute
// values are skipped — and leaves malformed XML to the decoder.
func CheckXML(data []byte) error {
	depth := 0
	for i := 0; i < len(data); {
		k := bytes.IndexByte(data[i:], '<')
		if k < 0 {
			return nil
		}
		i += k + 1
		rest := data[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("!--")):
			i = skipPast(data, i, "-->")
		case bytes.HasPrefix(rest, []byte("![CDATA[")):
			i = skipPast(data, i, "]]>")
		case len(rest) > 0 && (rest[0] == '?' || rest[0] == '!'):
			i = skipPast(data, i, ">") // a declaration or processing instruction
		case len(rest) > 0 && rest[0] == '/':
			depth--
			i = skipPast(data, i, ">")
		default:
			end, selfClosing := tagEnd(data, i)
			if !selfClosing {
				if depth++; depth > MaxDepth {
					return fmt.Errorf("%w: more than %d levels of elements (the limit, sbom.MaxDepth) at byte offset %d", ErrTooDeep, MaxDepth, i-1)
				}
			}
			i = end
		}
	}
	return nil
}

// skipPast returns the index just past the first end at or after i, or
// len(data).
func skipPast(data []byte, i int, end string) int {
	if k := bytes.Index(data[i:], []byte(end)); k >= 0 {
		return i + k + len(end)
	}
	return len(data)
}

// tagEnd returns the index just past the start tag whose name begins at
// data[i], and whether it closes itself ("/>"). A '>' inside a quoted
// attribute value does not end the tag.
func tagEnd(data []byte, i int) (int, bool) {
	var quote byte
	for ; i < len(data); i++ {
		switch c := data[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i + 1, i > 0 && data[i-1] == '/'
		}
	}
	return len(data), false
}

// JSONError rewords an encoding/json error about data in the document's
// terms: "json: cannot unmarshal number into Go struct field
// wireComponent.components.name of type string" becomes "at
// $.components[0].name: want a string, found a JSON number", naming the
// key path with its item indexes instead of vouch's Go types. Other errors
// are returned as they are. The original stays in the chain for errors.As.
func JSONError(data []byte, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		// The offset is into data only if the decoder read data itself; a
		// library that re-encodes first (tools-golang) has other offsets,
		// and then the field path, without item indexes, is the best name.
		path := strictjson.PathAt(data, te.Offset)
		if f := te.Field; f != "" && !strings.HasSuffix(path, "."+f[strings.LastIndexByte(f, '.')+1:]) {
			path = "$." + f
		}
		return &jsonError{fmt.Sprintf("at %s: want %s, found a JSON %s", path, jsonWant(te.Type), te.Value), err}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &jsonError{fmt.Sprintf("at %s (byte %d): %s", strictjson.PathAt(data, se.Offset), se.Offset, strings.TrimPrefix(se.Error(), "json: ")), err}
	}
	return err
}

// jsonError is an encoding/json error reworded by [JSONError].
type jsonError struct {
	msg string
	err error
}

func (e *jsonError) Error() string { return e.msg }
func (e *jsonError) Unwrap() error { return e.err }

// jsonWant names the JSON a Go type takes.
func jsonWant(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonWant(t.Elem())
	}
	return "another type"
}
