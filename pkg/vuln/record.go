package vuln

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	osvpb "github.com/ossf/osv-schema/bindings/go/osvschema"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/vouchdev/vouch/internal/strictjson"
)

// looseName is the pre-filter's key for a package name: case and runs of
// - _ . folded, so that a record the exact matcher would take is never
// dropped by the filter whatever normalisation an ecosystem applies.
func looseName(s string) string {
	return string(appendLoose(nil, []byte(s)))
}

// appendLoose appends the loose form of name to dst: lower case, each run
// of - _ . (PEP 503's separators) one "-".
func appendLoose(dst, name []byte) []byte {
	for _, c := range name {
		if c >= utf8.RuneSelf {
			name = bytes.ToLower(name)
			break
		}
	}
	sep := false
	for _, c := range name {
		if c == '-' || c == '_' || c == '.' {
			if !sep {
				dst = append(dst, '-')
			}
			sep = true
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		sep = false
		dst = append(dst, c)
	}
	return dst
}

// nameSet is the set of loose names a load wants, with the length of the
// longest (a longer string, such as a description, is not looked up).
type nameSet struct {
	names  map[string]bool
	maxLen int
}

func (s *nameSet) add(name string) {
	if s.names == nil {
		s.names = map[string]bool{}
	}
	s.names[looseName(name)] = true
	s.maxLen = max(s.maxLen, len(name))
}

// has looks name up folded into buf, which it returns for reuse (the
// filter runs on every short string of every record: no allocation).
func (s *nameSet) has(buf []byte, name []byte) ([]byte, bool) {
	buf = appendLoose(buf[:0], name)
	return buf, s.names[string(buf)]
}

// mayName is the cheap pre-filter: does any JSON string in data, taken
// whole, name one of the wanted packages? It scans string literals without
// decoding the record (false positives only cost a decode; a string with
// escapes is decoded before comparing, so none is missed).
func mayName(data []byte, wanted *nameSet) bool {
	var buf []byte
	for i := 0; i < len(data); {
		k := bytes.IndexByte(data[i:], '"')
		if k < 0 {
			return false
		}
		start := i + k
		end := strictjson.StringEnd(data, start)
		if end < 0 {
			return true // malformed: let the decoder say so
		}
		// An escape takes at most 6 bytes for one: a name of n bytes is
		// at most 6n bytes long as a token.
		if end-start-2 <= 6*wanted.maxLen {
			var hit bool
			if buf, hit = wanted.has(buf, literal(data[start:end])); hit {
				return true
			}
		}
		i = end
	}
	return false
}

// literal returns the value of one JSON string token (its bytes, without
// copying, when it has no escapes).
func literal(tok []byte) []byte {
	raw := tok[1 : len(tok)-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw
	}
	var s string
	if json.Unmarshal(tok, &s) != nil {
		return raw
	}
	return []byte(s)
}

// mentionsEcosystem is GoRecords' filter in a flat folder: a record that
// names the ecosystem anywhere as a whole string.
func mentionsEcosystem(data []byte, eco string) bool {
	var s nameSet
	s.add(eco)
	return mayName(data, &s)
}

// ParseRecord decodes one OSV record strictly with protojson into
// osv-schema's type, the form osv-scalibr reads: no duplicate keys,
// nesting at most 32 deep, at most MaxEntrySize bytes, and only the fields
// of the OSV schema. where names the record in errors. The matcher reads
// records with decodeRecord instead (the same checks, one pass, only the
// fields it uses); tests hold the two to the same answers.
func ParseRecord(where string, data []byte) (*osvpb.Vulnerability, error) {
	if len(data) > MaxEntrySize {
		return nil, fmt.Errorf("OSV record %s: %d bytes, the limit is %d", where, len(data), MaxEntrySize)
	}
	if err := strictjson.Check(data, maxEntryDepth); err != nil {
		return nil, fmt.Errorf("OSV record %s: %w", where, err)
	}
	v := &osvpb.Vulnerability{}
	if err := protojson.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("OSV record %s: %w", where, err)
	}
	if v.GetId() == "" {
		return nil, fmt.Errorf("OSV record %s: field id: expected an advisory id, found none", where)
	}
	return v, nil
}
