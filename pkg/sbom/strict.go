package sbom

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"

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
	// Decoders read into Go structs, whose fields encoding/json matches
	// case-insensitively: "PURL" beside "purl" is a repeated key.
	err := strictjson.CheckFolded(data, MaxDepth)
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
