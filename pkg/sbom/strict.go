package sbom

import (
	"bytes"
	"errors"
	"fmt"

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
