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
// The check is one linear pass with memory proportional to the widest
// object and the nesting depth.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
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
func Check(data []byte, maxDepth int) error {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]struct{}
		key    string // current key (objects)
		index  int    // next index (arrays)
		expect bool   // objects: the next string token is a key
	}
	var stack []*frame
	path := func() string {
		var b strings.Builder
		b.WriteString("$")
		for _, f := range stack {
			if f.object {
				b.WriteString(".")
				b.WriteString(f.key)
			} else {
				b.WriteString("[" + strconv.Itoa(f.index-1) + "]")
			}
		}
		return b.String()
	}
	// value marks that a value starts in the innermost container.
	value := func() {
		if n := len(stack); n > 0 {
			top := stack[n-1]
			if top.object {
				top.expect = true
			} else {
				top.index++
			}
		}
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return nil // a syntax error: the real decoder reports it with its position
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if n := len(stack); n > 0 && !stack[n-1].object {
					stack[n-1].index++
				}
				if len(stack) >= maxDepth {
					return fmt.Errorf("%w: at %s: more than %d levels", ErrTooDeep, path(), maxDepth)
				}
				stack = append(stack, &frame{object: d == '{', expect: true})
			case '}', ']':
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
				if n := len(stack); n > 0 && stack[n-1].object {
					stack[n-1].expect = true
				}
			}
			continue
		}
		n := len(stack)
		if n > 0 && stack[n-1].object && stack[n-1].expect {
			top := stack[n-1]
			key, _ := tok.(string)
			if top.keys == nil {
				top.keys = map[string]struct{}{}
			}
			top.key = key
			if _, dup := top.keys[key]; dup {
				return fmt.Errorf("%w: %q at %s", ErrDuplicateKey, key, path())
			}
			top.keys[key] = struct{}{}
			top.expect = false
			continue
		}
		value()
	}
}

// Unmarshal checks data (see [Check]) and decodes it into v with
// encoding/json.
func Unmarshal(data []byte, v any, maxDepth int) error {
	if err := Check(data, maxDepth); err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
