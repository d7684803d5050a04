package check

import (
	"bytes"
	"encoding/json"
	"runtime"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// A minimal JSON scanner that finds the extent of values without decoding
// them, so that large documents can be cut into their members and array
// items and those validated or decoded apart (and in parallel).
//
// It is strict about the structure it reads itself — braces, brackets,
// commas, colons, object keys and white space, as RFC 8259 and
// encoding/json define them — and lenient about the values it only skips:
// a skipped value's span is always validated afterwards by whoever reads it
// (encoding/json, the schema library, or [validJSONString]). Every function
// reports ok=false instead of guessing, and callers then fall back to
// reading the whole document the ordinary way.

// member is one member of a JSON object: its decoded key and the bytes of
// its value.
type member struct {
	key string
	val []byte
}

// isSpace reports JSON white space (RFC 8259 §2).
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// trimSpace removes JSON white space at both ends (not a byte order mark,
// which encoding/json rejects).
func trimSpace(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && isSpace(b[i]) {
		i++
	}
	for j > i && isSpace(b[j-1]) {
		j--
	}
	return b[i:j]
}

// stringEnd returns the index just past the closing quote of the string
// whose opening quote is b[i], or -1.
func stringEnd(b []byte, i int) int {
	i++
	for {
		k := bytes.IndexByte(b[i:], '"')
		if k < 0 {
			return -1
		}
		q := i + k
		// The quote is escaped when an odd number of backslashes precede it.
		n := 0
		for p := q - 1; p >= i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		i = q + 1
	}
}

// structural marks the bytes valueEnd stops at inside objects and arrays.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// valueEnd returns the index just past the value that starts at b[i] (not
// white space), or -1 when its extent cannot be found. Only strings and
// bracket nesting are checked; the content is the reader's to validate.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			c := b[i]
			if !structural[c] {
				i++
				continue
			}
			switch c {
			case '"':
				if i = stringEnd(b, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	case ',', ':', '}', ']':
		return -1
	}
	// A literal: a number, true, false or null.
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r', ',', '}', ']', ':', '"', '{', '[':
			return i
		}
		i++
	}
	return i
}

// decodeKey returns the decoded object key of the string token tok
// (quotes included).
func decodeKey(tok []byte) (string, bool) { return decodeString(tok) }

// decodeString decodes the string token tok (quotes included) exactly as
// encoding/json does, rejecting what it rejects.
func decodeString(tok []byte) (string, bool) {
	if b, ok := plainString(tok); ok {
		return string(b), true
	}
	var s string
	if err := json.Unmarshal(tok, &s); err != nil {
		return "", false
	}
	return s, true
}

// plainString returns the content of a string token that needs no
// decoding: no escapes, no control characters, valid UTF-8.
func plainString(tok []byte) ([]byte, bool) {
	s := tok[1 : len(tok)-1]
	ascii := true
	for _, c := range s {
		if c < 0x20 || c == '\\' {
			return nil, false
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(s) {
		return nil, false // encoding/json replaces invalid UTF-8
	}
	return s, true
}

// keyBytes is decodeKey without an allocation for plain keys.
func keyBytes(tok []byte) ([]byte, bool) {
	if b, ok := plainString(tok); ok {
		return b, true
	}
	s, ok := decodeString(tok)
	return []byte(s), ok
}

// splitObject cuts the object b (exactly one object, no surrounding space)
// into its members, in document order.
func splitObject(b []byte, out []member) ([]member, bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, false
	}
	i := skipSpace(b, 1)
	if i == len(b)-1 {
		return out, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return nil, false
		}
		ke := stringEnd(b, i)
		if ke < 0 {
			return nil, false
		}
		key, ok := decodeKey(b[i:ke])
		if !ok {
			return nil, false
		}
		i = skipSpace(b, ke)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i = skipSpace(b, i+1)
		ve := valueEnd(b, i)
		if ve < 0 || ve > len(b)-1 {
			return nil, false
		}
		out = append(out, member{key: key, val: b[i:ve]})
		i = skipSpace(b, ve)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			if i != len(b)-1 {
				return nil, false
			}
			return out, true
		default:
			return nil, false
		}
	}
}

// splitArray cuts the array b (exactly one array, no surrounding space)
// into its items.
func splitArray(b []byte, out [][]byte) ([][]byte, bool) {
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return nil, false
	}
	i := skipSpace(b, 1)
	if i == len(b)-1 {
		return out, true
	}
	for {
		ve := valueEnd(b, i)
		if ve < 0 || ve > len(b)-1 {
			return nil, false
		}
		out = append(out, b[i:ve])
		i = skipSpace(b, ve)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			if i != len(b)-1 {
				return nil, false
			}
			return out, true
		default:
			return nil, false
		}
	}
}

// parseJSON parses b, exactly one JSON value without surrounding white
// space, into the values jsonschema.UnmarshalJSON produces (map[string]any,
// []any, string, json.Number, bool, nil; the last of duplicate keys wins),
// rejecting what encoding/json rejects.
func parseJSON(b []byte) (any, bool) {
	p := jsonParser{b: b}
	v, ok := p.value()
	return v, ok && p.i == len(b)
}

type jsonParser struct {
	b     []byte
	i     int
	depth int
}

func (p *jsonParser) value() (any, bool) {
	b := p.b
	if p.i >= len(b) {
		return nil, false
	}
	switch c := b[p.i]; c {
	case '{', '[':
		if p.depth++; p.depth > fastMaxDepth {
			return nil, false
		}
		defer func() { p.depth-- }()
		if c == '{' {
			return p.object()
		}
		return p.array()
	case '"':
		e := stringEnd(b, p.i)
		if e < 0 {
			return nil, false
		}
		s, ok := decodeString(b[p.i:e])
		p.i = e
		return s, ok
	case 't', 'f', 'n':
		for _, lit := range []struct {
			text string
			v    any
		}{{"true", true}, {"false", false}, {"null", nil}} {
			if bytes.HasPrefix(b[p.i:], []byte(lit.text)) {
				p.i += len(lit.text)
				return lit.v, true
			}
		}
		return nil, false
	}
	e := numberEnd(b, p.i)
	if e < 0 {
		return nil, false
	}
	n := json.Number(b[p.i:e])
	p.i = e
	return n, true
}

func (p *jsonParser) object() (any, bool) {
	b := p.b
	m := map[string]any{}
	p.i = skipSpace(b, p.i+1)
	if p.i < len(b) && b[p.i] == '}' {
		p.i++
		return m, true
	}
	for {
		if p.i >= len(b) || b[p.i] != '"' {
			return nil, false
		}
		e := stringEnd(b, p.i)
		if e < 0 {
			return nil, false
		}
		k, ok := decodeKey(b[p.i:e])
		if !ok {
			return nil, false
		}
		p.i = skipSpace(b, e)
		if p.i >= len(b) || b[p.i] != ':' {
			return nil, false
		}
		p.i = skipSpace(b, p.i+1)
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		m[k] = v
		p.i = skipSpace(b, p.i)
		if p.i >= len(b) {
			return nil, false
		}
		switch b[p.i] {
		case ',':
			p.i = skipSpace(b, p.i+1)
		case '}':
			p.i++
			return m, true
		default:
			return nil, false
		}
	}
}

func (p *jsonParser) array() (any, bool) {
	b := p.b
	a := []any{}
	p.i = skipSpace(b, p.i+1)
	if p.i < len(b) && b[p.i] == ']' {
		p.i++
		return a, true
	}
	for {
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		a = append(a, v)
		p.i = skipSpace(b, p.i)
		if p.i >= len(b) {
			return nil, false
		}
		switch b[p.i] {
		case ',':
			p.i = skipSpace(b, p.i+1)
		case ']':
			p.i++
			return a, true
		default:
			return nil, false
		}
	}
}

// numberEnd returns the index just past the JSON number (RFC 8259 §6) at
// b[i], or -1.
func numberEnd(b []byte, i int) int {
	digits := func(i int) int {
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

// parallel runs fn(0) … fn(n-1) on every core and reports whether all
// returned true; it stops handing out work after the first false.
func parallel(n int, fn func(i int) bool) bool {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			if !fn(i) {
				return false
			}
		}
		return true
	}
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if !fn(i) {
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return !failed.Load()
}
