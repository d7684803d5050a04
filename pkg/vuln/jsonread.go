package vuln

import (
	"encoding/json"
	"errors"
	"fmt"
)

// jsonReader is a pull reader of one JSON document for decodeRecord:
// it checks the syntax (RFC 8259) as it goes and hands out object keys
// as they are written, so that the record's fields are matched by their
// exact names, as protojson matches them (encoding/json would take "ID"
// for "id"). Duplicate keys and the nesting limit are strictjson's, run
// before it; depth is bounded here too, so that no input recurses deeper.
type jsonReader struct {
	data  []byte
	pos   int
	depth int
}

var errSyntax = errors.New("invalid JSON")

// fail is a syntax error at the reader's position.
func (r *jsonReader) fail(want string) error {
	found := "the end of the document"
	if r.pos < len(r.data) {
		found = fmt.Sprintf("%q", r.data[r.pos])
	}
	return fmt.Errorf("%w at byte %d: expected %s, found %s", errSyntax, r.pos, want, found)
}

func (r *jsonReader) ws() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// peek is the next byte after white space, or 0 at the end.
func (r *jsonReader) peek() byte {
	r.ws()
	if r.pos < len(r.data) {
		return r.data[r.pos]
	}
	return 0
}

// null consumes a null and reports whether there was one.
func (r *jsonReader) null() bool {
	if r.peek() == 'n' && len(r.data)-r.pos >= 4 && string(r.data[r.pos:r.pos+4]) == "null" {
		r.pos += 4
		return true
	}
	return false
}

// object reads an object, calling field with each key (the raw bytes of
// a key without escapes, else its decoded value); field must read the
// value.
func (r *jsonReader) object(field func(key []byte) error) error {
	return r.container('{', '}', "an object", func() error {
		if r.peek() != '"' {
			return r.fail("a key")
		}
		key, err := r.stringBytes()
		if err != nil {
			return err
		}
		if r.peek() != ':' {
			return r.fail("':'")
		}
		r.pos++
		return field(key)
	})
}

// array reads an array, calling elem to read each element.
func (r *jsonReader) array(elem func() error) error {
	return r.container('[', ']', "an array", elem)
}

// container reads the items of an object or array between open and
// close, separated by commas, one nesting level deeper.
func (r *jsonReader) container(open, close byte, what string, item func() error) error {
	if r.peek() != open {
		return r.fail(what)
	}
	if r.depth++; r.depth > maxEntryDepth {
		return fmt.Errorf("JSON nested more than %d deep", maxEntryDepth)
	}
	r.pos++
	if r.peek() == close {
		r.pos++
		r.depth--
		return nil
	}
	for {
		if err := item(); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.pos++
		case close:
			r.pos++
			r.depth--
			return nil
		default:
			return r.fail(fmt.Sprintf("',' or '%c'", close))
		}
	}
}

// stringBytes reads a string token: its bytes as written when it has no
// escapes (a slice of the document), else its decoded value.
func (r *jsonReader) stringBytes() ([]byte, error) {
	if r.peek() != '"' {
		return nil, r.fail("a string")
	}
	start := r.pos
	r.pos++
	escaped := false
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		switch {
		case c == '"':
			r.pos++
			if !escaped {
				return r.data[start+1 : r.pos-1], nil
			}
			var s string
			if err := json.Unmarshal(r.data[start:r.pos], &s); err != nil {
				return nil, fmt.Errorf("%w at byte %d: %v", errSyntax, start, err)
			}
			return []byte(s), nil
		case c == '\\':
			if err := r.escape(); err != nil {
				return nil, err
			}
			escaped = true
		case c < 0x20:
			return nil, r.fail("no control character in a string")
		default:
			r.pos++
		}
	}
	return nil, r.fail(`'"'`)
}

// escape checks one escape sequence at the reader's position.
func (r *jsonReader) escape() error {
	if r.pos+1 >= len(r.data) {
		return r.fail("an escape")
	}
	switch r.data[r.pos+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		r.pos += 2
		return nil
	case 'u':
		if r.pos+6 > len(r.data) {
			return r.fail("four hex digits")
		}
		for _, h := range r.data[r.pos+2 : r.pos+6] {
			if !isHex(h) {
				return r.fail("four hex digits")
			}
		}
		r.pos += 6
		return nil
	}
	return r.fail("an escape")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// str reads a string value (null is "").
func (r *jsonReader) str() (string, error) {
	if r.null() {
		return "", nil
	}
	b, err := r.stringBytes()
	return string(b), err
}

// stringBytesOrNull reads a string or null, for a field the caller
// checks and does not keep.
func (r *jsonReader) stringBytesOrNull() ([]byte, error) {
	if r.null() {
		return nil, nil
	}
	return r.stringBytes()
}

// strings reads an array of strings (null is none).
func (r *jsonReader) strings() ([]string, error) {
	if r.null() {
		return nil, nil
	}
	var out []string
	err := r.array(func() error {
		s, err := r.stringBytes()
		out = append(out, string(s))
		return err
	})
	return out, err
}

// skip checks and passes over one value of any kind.
func (r *jsonReader) skip() error {
	switch c := r.peek(); {
	case c == '{':
		return r.object(func([]byte) error { return r.skip() })
	case c == '[':
		return r.array(r.skip)
	case c == '"':
		_, err := r.stringBytes()
		return err
	case c == '-' || '0' <= c && c <= '9':
		return r.number()
	}
	for _, lit := range []string{"true", "false", "null"} {
		if len(r.data)-r.pos >= len(lit) && string(r.data[r.pos:r.pos+len(lit)]) == lit {
			r.pos += len(lit)
			return nil
		}
	}
	return r.fail("a value")
}

// number checks a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *jsonReader) number() error {
	if r.pos < len(r.data) && r.data[r.pos] == '-' {
		r.pos++
	}
	switch {
	case r.pos < len(r.data) && r.data[r.pos] == '0':
		r.pos++
	case r.digits() == 0:
		return r.fail("a digit")
	}
	if r.pos < len(r.data) && r.data[r.pos] == '.' {
		r.pos++
		if r.digits() == 0 {
			return r.fail("a digit")
		}
	}
	if r.pos < len(r.data) && (r.data[r.pos] == 'e' || r.data[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.data) && (r.data[r.pos] == '+' || r.data[r.pos] == '-') {
			r.pos++
		}
		if r.digits() == 0 {
			return r.fail("a digit")
		}
	}
	return nil
}

// digits passes over a run of digits and counts them.
func (r *jsonReader) digits() int {
	n := 0
	for r.pos < len(r.data) && '0' <= r.data[r.pos] && r.data[r.pos] <= '9' {
		r.pos++
		n++
	}
	return n
}

// structObject reads a google.protobuf.Struct field (any object, or
// null), calling field for each key, which must read the value.
func (r *jsonReader) structObject(field func(key []byte) error) error {
	if r.null() {
		return nil
	}
	return r.object(field)
}

// end checks that nothing but white space follows the value.
func (r *jsonReader) end() error {
	if r.ws(); r.pos != len(r.data) {
		return r.fail("the end of the document")
	}
	return nil
}
