package sbom

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
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

// NewXMLDecoder returns an encoding/xml decoder of r that fails with
// [ErrTooDeep] as soon as elements nest deeper than [MaxDepth]: encoding/xml's
// own limit (10,000 levels) lets through documents that take gigabytes to
// decode. The limit is counted on the tokens the decoder itself reads, in
// the same pass (so a comment, CDATA section, processing instruction or
// DOCTYPE can neither hide an element from it nor add one), and the
// decoder is otherwise xml.NewDecoder's: strict, end tags matched, name
// spaces translated.
func NewXMLDecoder(r io.Reader) *xml.Decoder {
	return xml.NewTokenDecoder(&depthLimiter{d: xml.NewDecoder(r)})
}

// depthLimiter passes on the raw tokens of d, counting element depth.
type depthLimiter struct {
	d     *xml.Decoder
	depth int
}

func (l *depthLimiter) Token() (xml.Token, error) {
	tok, err := l.d.RawToken()
	switch tok.(type) {
	case xml.StartElement:
		if l.depth++; l.depth > MaxDepth {
			return nil, fmt.Errorf("%w: more than %d levels of elements (the limit, sbom.MaxDepth) at byte offset %d", ErrTooDeep, MaxDepth, l.d.InputOffset())
		}
	case xml.EndElement:
		l.depth--
	}
	return tok, err
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
