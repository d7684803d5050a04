// Package strictjson checks untrusted JSON before it is decoded: no object
// may repeat a key, and nesting may not exceed a depth limit.
//
// Duplicate keys are not an error for encoding/json (the last value wins)
// nor for protojson and other parsers (some take the first): a document
// with "specVersion":"1.6","specVersion":"1.2" means one thing to vouch and
// another to the next tool. RFC 8259 leaves duplicate names undefined;
// I-JSON (RFC 7493) forbids them, and so does vouch for every signed or
// checked document. Keys are compared after unescaping, as parsers see
// them ("a" and "\u0061" are the same key).
//
// The check is one linear pass with memory proportional to the keys of the
// open objects and the nesting depth.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultMaxDepth bounds nesting when the caller has no better limit.
// Real documents nest a few dozen levels (CycloneDX components inside
// components rarely go past ten).
const DefaultMaxDepth = 256

// ErrDuplicateKey marks an object with a repeated key.
var ErrDuplicateKey = errors.New("duplicate JSON object key")

// ErrTooDeep marks a document nested deeper than the limit.
var ErrTooDeep = errors.New("JSON nested too deeply")

// Check returns an error naming the JSON path (as $.a.b[3]) of the first
// repeated key or of the first value nested deeper than maxDepth. Syntax
// errors are left to the decoder that follows, which reports them with
// positions; Check only returns them when it cannot go on.
//
// It scans the bytes itself, without decoding values or allocating for
// plain keys, so that it costs a fraction of the decoding it guards (a
// 50 MB SBOM is checked in well under a second).
func Check(data []byte, maxDepth int) error {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	s := scanner{data: data, maxDepth: maxDepth}
	return s.run(len(data))
}

// CheckFolded is [Check] for documents decoded into Go structs with
// encoding/json, which matches keys to fields case-insensitively (and
// folds "ſ" to "s", "K" to "k"), taking the last: "purl" and "PURL" are
// one field to it and two keys to a case-sensitive reader, so they are
// refused as duplicates here. Keys are compared as encoding/json folds
// them.
func CheckFolded(data []byte, maxDepth int) error {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	s := scanner{data: data, maxDepth: maxDepth, fold: true}
	return s.run(len(data))
}

// foldKey is encoding/json's folding of a key for matching struct fields:
// ASCII letters upper-cased, other runes to the upper case of their lower
// case.
func foldKey(k []byte) []byte {
	out := make([]byte, 0, len(k))
	for i := 0; i < len(k); {
		c := k[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(k[i:])
		out = utf8.AppendRune(out, unicode.ToUpper(unicode.ToLower(r)))
		i += n
	}
	return out
}

// PathAt returns the JSON path ($.a.b[3]) of the value being read at byte
// offset of data, the offset an encoding/json error reports (where it
// stopped): so that a message names the document's keys and item indexes,
// not the Go types they were decoded into.
func PathAt(data []byte, offset int64) string {
	s := scanner{data: data, maxDepth: int(^uint(0) >> 1)}
	_ = s.run(int(max(0, min(offset, int64(len(data))))))
	return s.path()
}

// frame is one open object or array.
type frame struct {
	object    bool
	expectKey bool           // objects: the next string is a key
	keysFrom  int            // objects: where this object's keys start in scanner.keys
	wide      map[string]int // objects with many keys: key -> position
	key       []byte         // objects: the current key, decoded
	index     int            // arrays: the current item's index, -1 before the first
}

// wideObject is the number of keys past which an object's keys are looked
// up in a map instead of compared one by one (which would be quadratic).
const wideObject = 16

type scanner struct {
	data     []byte
	maxDepth int
	fold     bool // compare keys as encoding/json matches struct fields
	stack    []frame
	keys     [][]byte // the decoded keys of every open object, innermost last
}

// run scans data[:limit] (the rest is only read to finish a string or
// literal that starts before limit).
func (s *scanner) run(limit int) error {
	b := s.data
	for i := 0; i < limit; {
		switch c := b[i]; c {
		case ' ', '\t', '\n', '\r', ':':
			i++
		case '{', '[':
			s.startValue()
			if len(s.stack) >= s.maxDepth {
				return fmt.Errorf("%w: at %s: more than %d levels", ErrTooDeep, s.path(), s.maxDepth)
			}
			s.stack = append(s.stack, frame{object: c == '{', expectKey: c == '{', keysFrom: len(s.keys), index: -1})
			i++
		case '}', ']':
			if n := len(s.stack); n > 0 {
				s.keys = s.keys[:s.stack[n-1].keysFrom]
				s.stack = s.stack[:n-1]
			}
			i++
		case ',':
			if n := len(s.stack); n > 0 && s.stack[n-1].object {
				s.stack[n-1].expectKey = true
			}
			i++
		case '"':
			end := StringEnd(b, i)
			if end < 0 {
				return nil // unterminated: the decoder's error
			}
			if n := len(s.stack); n > 0 && s.stack[n-1].expectKey {
				if err := s.addKey(b[i:end]); err != nil {
					return err
				}
			} else {
				s.startValue()
			}
			i = end
		default: // a number or literal
			s.startValue()
			for i < len(b) && !delim[b[i]] {
				i++
			}
		}
	}
	return nil
}

// delim marks the bytes that end a number or literal.
var delim = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, ',': true, ':': true,
	'{': true, '}': true, '[': true, ']': true, '"': true}

// startValue counts a value that starts in the innermost array.
func (s *scanner) startValue() {
	if n := len(s.stack); n > 0 && !s.stack[n-1].object {
		s.stack[n-1].index++
	}
}

// addKey records the key token tok of the innermost object, failing if the
// object already has it.
func (s *scanner) addKey(tok []byte) error {
	f := &s.stack[len(s.stack)-1]
	f.expectKey = false
	key := decodeKey(tok)
	f.key = key
	if s.fold {
		key = foldKey(key)
	}
	own := s.keys[f.keysFrom:]
	dup := false
	switch {
	case f.wide != nil:
		_, dup = f.wide[string(key)]
	case len(own) < wideObject:
		for _, k := range own {
			if bytes.Equal(k, key) {
				dup = true
				break
			}
		}
	default:
		f.wide = make(map[string]int, 2*wideObject)
		for j, k := range own {
			f.wide[string(k)] = j
		}
		_, dup = f.wide[string(key)]
	}
	if dup {
		return fmt.Errorf("%w: %q at %s", ErrDuplicateKey, f.key, s.path())
	}
	if f.wide != nil {
		f.wide[string(key)] = len(own)
	}
	s.keys = append(s.keys, key)
	return nil
}

// decodeKey returns a key as a decoder sees it: the bytes between the
// quotes when they need no decoding, else the unescaped string (invalid
// UTF-8 replaced, as encoding/json does).
func decodeKey(tok []byte) []byte {
	raw := tok[1 : len(tok)-1]
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return raw
	}
	var k string
	if json.Unmarshal(tok, &k) != nil {
		return raw // malformed: the decoder reports it
	}
	return []byte(k)
}

// StringEnd returns the index just past the JSON string whose opening
// quote is b[i], or -1 if it is not terminated: the one string scanner of
// vouch's byte-level JSON readers.
func StringEnd(b []byte, i int) int {
	for i++; ; {
		k := bytes.IndexByte(b[i:], '"')
		if k < 0 {
			return -1
		}
		q, n := i+k, 0
		for p := q - 1; p >= i && b[p] == '\\'; p-- {
			n++ // an odd number of backslashes escapes the quote
		}
		if n%2 == 0 {
			return q + 1
		}
		i = q + 1
	}
}

// path names the current position as $.a.b[3]. A path longer than
// 2×pathEnds steps keeps its ends ($.a.b…(300 more)….y.z): in an error about
// a document nested thousands deep, the whole path would bury the message.
func (s *scanner) path() string {
	var b strings.Builder
	b.WriteString("$")
	for i, f := range s.stack {
		if n := len(s.stack); n > 2*pathEnds && i >= pathEnds && i < n-pathEnds {
			if i == pathEnds {
				b.WriteString("…(" + strconv.Itoa(n-2*pathEnds) + " more)…")
			}
			continue
		}
		if f.object && f.key != nil { // nil: no key read yet
			b.WriteString(".")
			b.Write(f.key)
		} else if !f.object && f.index >= 0 {
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
		}
	}
	return b.String()
}

// pathEnds is how many steps at each end of a long path an error shows.
const pathEnds = 8

// Unmarshal checks data (see [CheckFolded]) and decodes it into v, a
// pointer to a struct, with encoding/json.
func Unmarshal(data []byte, v any, maxDepth int) error {
	// encoding/json matches struct fields case-insensitively.
	if err := CheckFolded(data, maxDepth); err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// Explain rewords an encoding/json error about data in the document's
// terms: "json: cannot unmarshal number into Go struct field
// wireComponent.components.name of type string" becomes "at
// $.components[0].name: want a string, found a JSON number", naming the
// key path with its item indexes instead of vouch's Go types. Other errors
// are returned as they are. The original stays in the chain for errors.As.
func Explain(data []byte, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		// The offset is into data only if the decoder read data itself; a
		// library that re-encodes first (tools-golang) has other offsets,
		// and then the field path, without item indexes, is the best name.
		path := PathAt(data, te.Offset)
		if f := te.Field; f != "" && !strings.HasSuffix(path, "."+f[strings.LastIndexByte(f, '.')+1:]) {
			path = "$." + f
		}
		return &jsonError{fmt.Sprintf("at %s: want %s, found a JSON %s", path, jsonWant(te.Type), te.Value), err}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &jsonError{fmt.Sprintf("at %s (byte %d): %s", PathAt(data, se.Offset), se.Offset, strings.TrimPrefix(se.Error(), "json: ")), err}
	}
	return err
}

// jsonError is an encoding/json error reworded by [Explain].
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

// Keys returns the top-level keys of data if it is a JSON object, for
// telling document shapes apart before reading one strictly; ok is false
// for anything else. It decides nothing about validity.
func Keys(data []byte) (keys map[string]bool, ok bool) {
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return nil, false
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil {
		return nil, false
	}
	keys = make(map[string]bool, len(probe))
	for k := range probe {
		keys[k] = true
	}
	return keys, true
}
