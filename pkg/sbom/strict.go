package sbom

import (
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
	return strictjson.Check(data, MaxDepth)
}
