package check

import (
	"bytes"
	"context"
	"encoding/json"
	"hash/maphash"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vouchdev/vouch/pkg/sbom/check/internal/schemas"
)

// A fast path for the schema profile on valid documents.
//
// Validating a 50,000-component CycloneDX document as one JSON tree takes
// seconds and more than a gigabyte: the tree alone is several times the
// document's size, and the validator allocates for every value it visits.
// But in draft-07 (every CycloneDX schema) a subschema judges a value the
// same wherever it is applied, so a document can be validated piecewise:
//
//   - The purely structural parts of the schema — objects with properties,
//     required and a boolean additionalProperties; arrays with items and
//     uniqueItems; plain strings; $ref to them — are applied here, directly
//     on the document's bytes cut by the scanner in jsonscan.go.
//   - Every other subschema (enums, patterns, formats, oneOf, ...) is a
//     leaf: its value alone is parsed and validated by the schema library
//     against the leaf compiled at its location. A leaf value seen before,
//     byte for byte, is valid again without validating it (licence objects,
//     component types, hash algorithms repeat across components).
//   - Large arrays (components, dependencies) are validated in parallel.
//
// This only ever proves a document valid. When any piece fails, or the
// document or the schema has a shape this does not handle, the caller
// validates the whole document the ordinary way, so that findings — their
// selection, wording and locations — are exactly the library's.

// fastKind is what a fast node checks itself.
type fastKind uint8

const (
	fastLeaf   fastKind = iota // the library validates the value
	fastObject                 // type object, properties, required, additionalProperties bool
	fastArray                  // type array, items, uniqueItems
	fastString                 // type string, minLength, maxLength
	fastAllOf                  // allOf: every subschema
	fastAnyOf                  // anyOf: some subschema
)

// fastNode is one subschema of the fast path.
type fastNode struct {
	kind fastKind
	ptr  string             // JSON pointer into the main schema file
	sch  *jsonschema.Schema // fastLeaf: compiled at ptr

	props    map[string]*fastNode // fastObject
	required []string             // fastObject
	closed   bool                 // fastObject: additionalProperties false

	items  *fastNode // fastArray; nil: any items
	unique bool      // fastArray: uniqueItems

	minLen, maxLen int // fastString: rune counts; maxLen < 0: none

	of []*fastNode // fastAllOf, fastAnyOf
}

// fastSchema is the fast path of one embedded schema.
type fastSchema struct {
	root *fastNode
}

// annotations are keywords that never affect validation.
var annotations = map[string]bool{
	"title": true, "description": true, "$comment": true, "examples": true, "default": true,
	"meta:enum": true, "deprecated": true, "readOnly": true, "writeOnly": true,
}

var fastSchemas sync.Map // *schemas.Schema → *fastSchema (nil: no fast path)

// fastSchemaOf returns the fast path of s, building it once; nil when s has
// none (not draft-07, or compiling a leaf failed).
func fastSchemaOf(s *schemas.Schema) *fastSchema {
	if v, ok := fastSchemas.Load(s); ok {
		fs, _ := v.(*fastSchema)
		return fs
	}
	fs := buildFastSchema(s)
	v, _ := fastSchemas.LoadOrStore(s, fs)
	fs, _ = v.(*fastSchema)
	return fs
}

func buildFastSchema(s *schemas.Schema) *fastSchema {
	// A nested $id would change the base that "#/..." references resolve
	// against; the builder resolves them in the main file only.
	if !s.Draft07() || nestedID(s.Document(), true) {
		return nil
	}
	b := &fastBuilder{doc: s.Document(), nodes: map[string]*fastNode{}}
	root := b.node("", 0)
	ptrs := make([]string, len(b.leaves))
	for i, n := range b.leaves {
		ptrs[i] = n.ptr
	}
	compiled, err := s.CompileAt(ptrs)
	if err != nil {
		return nil
	}
	for i, n := range b.leaves {
		n.sch = compiled[i]
	}
	return &fastSchema{root: root}
}

// nestedID reports whether v has an "$id" anywhere below the root.
func nestedID(v any, root bool) bool {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["$id"]; ok && !root {
			return true
		}
		for _, c := range x {
			if nestedID(c, false) {
				return true
			}
		}
	case []any:
		for _, c := range x {
			if nestedID(c, false) {
				return true
			}
		}
	}
	return false
}

// fastBuilder turns the schema document into fast nodes.
type fastBuilder struct {
	doc    any
	nodes  map[string]*fastNode // by pointer, so that recursive definitions are one node
	leaves []*fastNode
}

// node returns the fast node of the subschema at ptr. hops counts the
// $refs followed to get there, against reference loops.
func (b *fastBuilder) node(ptr string, hops int) *fastNode {
	if n, ok := b.nodes[ptr]; ok {
		return n
	}
	m, ok := lookupPointer(b.doc, ptr).(map[string]any)
	if !ok {
		return b.leaf(ptr) // a boolean schema, or a pointer that resolves to nothing
	}
	if ref, ok := m["$ref"].(string); ok {
		target, local := strings.CutPrefix(ref, "#")
		if !local || hops > 16 || !onlyKeys(m, "$ref") || (target != "" && !strings.HasPrefix(target, "/")) {
			return b.leaf(ptr)
		}
		target = unescapeFragment(target)
		if _, ok := lookupPointer(b.doc, target).(map[string]any); !ok {
			return b.leaf(ptr)
		}
		n := b.node(target, hops+1)
		b.nodes[ptr] = n
		return n
	}
	t, _ := m["type"].(string)
	switch {
	case t == "string" && onlyKeys(m, "type", "minLength", "maxLength"):
		minLen, ok1 := nonNegative(m["minLength"], 0)
		maxLen, ok2 := nonNegative(m["maxLength"], -1)
		if !ok1 || !ok2 {
			return b.leaf(ptr)
		}
		n := &fastNode{kind: fastString, ptr: ptr, minLen: minLen, maxLen: maxLen}
		b.nodes[ptr] = n
		return n
	case m["allOf"] != nil && onlyKeys(m, "allOf"), m["anyOf"] != nil && onlyKeys(m, "anyOf"):
		kw, k := "allOf", fastAllOf
		if m["anyOf"] != nil {
			kw, k = "anyOf", fastAnyOf
		}
		l, ok := m[kw].([]any)
		if !ok || len(l) == 0 {
			return b.leaf(ptr)
		}
		n := &fastNode{kind: k, ptr: ptr}
		b.nodes[ptr] = n
		for i := range l {
			n.of = append(n.of, b.node(ptr+"/"+kw+"/"+strconv.Itoa(i), 0))
		}
		return n
	case t == "object" && (ptr == "" && onlyKeys(m, "type", "properties", "required", "additionalProperties", "$schema", "$id", "definitions") ||
		ptr != "" && onlyKeys(m, "type", "properties", "required", "additionalProperties")):
		props, _ := m["properties"].(map[string]any)
		req, reqOK := stringList(m["required"])
		add, addBool := m["additionalProperties"].(bool)
		if _, has := m["properties"]; has && props == nil || !reqOK || m["additionalProperties"] != nil && !addBool {
			return b.leaf(ptr)
		}
		n := &fastNode{kind: fastObject, ptr: ptr, props: map[string]*fastNode{}, required: req, closed: addBool && !add}
		b.nodes[ptr] = n // before the properties: they may lead back here
		for name := range props {
			n.props[name] = b.node(ptr+"/properties/"+escapeToken(name), 0)
		}
		return n
	case t == "array" && onlyKeys(m, "type", "items", "uniqueItems", "additionalItems"):
		u, uOK := m["uniqueItems"].(bool)
		if m["uniqueItems"] != nil && !uOK {
			return b.leaf(ptr)
		}
		items, has := m["items"]
		if _, isObj := items.(map[string]any); has && !isObj {
			return b.leaf(ptr) // tuple form: additionalItems applies
		}
		n := &fastNode{kind: fastArray, ptr: ptr, unique: u}
		b.nodes[ptr] = n
		if has {
			n.items = b.node(ptr+"/items", 0)
		}
		return n
	}
	return b.leaf(ptr)
}

func (b *fastBuilder) leaf(ptr string) *fastNode {
	n := &fastNode{kind: fastLeaf, ptr: ptr}
	b.nodes[ptr] = n
	b.leaves = append(b.leaves, n)
	return n
}

// onlyKeys reports whether m has no keys but the given ones and annotations.
func onlyKeys(m map[string]any, keys ...string) bool {
	for k := range m {
		if !annotations[k] && !contains(keys, k) {
			return false
		}
	}
	return true
}

// nonNegative reads a schema's length keyword; def when absent.
func nonNegative(v any, def int) (int, bool) {
	if v == nil {
		return def, true
	}
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(string(n))
	return i, err == nil && i >= 0
}

func stringList(v any) ([]string, bool) {
	if v == nil {
		return nil, true
	}
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// lookupPointer resolves a JSON pointer (RFC 6901) in v.
func lookupPointer(v any, ptr string) any {
	if ptr == "" {
		return v
	}
	for _, t := range strings.Split(ptr[1:], "/") {
		t = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			v = x[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func escapeToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// unescapeFragment undoes the percent-encoding of a URI fragment.
func unescapeFragment(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Limits of the fast path.
const (
	fastMemoMaxValue = 512     // longer leaf values are not remembered
	fastMemoBudget   = 4 << 20 // bytes of remembered values per worker
	fastParallelMin  = 256     // after this many items an array is validated in parallel
	fastChunk        = 128     // items a worker takes at a time
	fastMaxDepth     = 1000    // deeper nesting is left to the library (encoding/json stops at 10,000)
)

// fastRun is the state of one worker.
type fastRun struct {
	ctx      context.Context
	stop     *atomic.Bool // set when any worker found the document not shown valid
	memo     map[*fastNode]map[string]struct{}
	budget   int
	depth    int
	parallel bool // inside a parallel section: do not fan out again
}

func newFastRun(ctx context.Context, stop *atomic.Bool) *fastRun {
	return &fastRun{ctx: ctx, stop: stop, memo: map[*fastNode]map[string]struct{}{}, budget: fastMemoBudget}
}

// valid reports whether raw is shown valid against fs. false means "not
// shown": the document may still be valid.
func (fs *fastSchema) valid(ctx context.Context, raw []byte) bool {
	b := trimSpace(raw)
	if len(b) == 0 {
		return false
	}
	r := newFastRun(ctx, new(atomic.Bool))
	end, ok := r.value(fs.root, b, 0)
	return ok && end == len(b) && !r.stop.Load() && ctx.Err() == nil
}

// value validates the value that starts at b[i] against n and returns the
// index just past it.
func (r *fastRun) value(n *fastNode, b []byte, i int) (int, bool) {
	if i >= len(b) || r.stop.Load() {
		return 0, false
	}
	switch n.kind {
	case fastString:
		if b[i] != '"' {
			return 0, false
		}
		e := stringEnd(b, i)
		return e, e > 0 && n.stringOK(b[i:e])
	case fastObject:
		return r.object(n, b, i)
	case fastArray:
		return r.array(n, b, i)
	case fastAllOf:
		end := -1
		for _, c := range n.of {
			e, ok := r.value(c, b, i)
			if !ok || end >= 0 && e != end {
				return 0, false
			}
			end = e
		}
		return end, true
	case fastAnyOf:
		for _, c := range n.of {
			if e, ok := r.value(c, b, i); ok {
				return e, true
			}
		}
		return 0, false
	}
	e := valueEnd(b, i)
	return e, e > 0 && r.leaf(n, b[i:e])
}

// stringOK checks a string token against a fastString node: well-formed,
// and as long as asked (in characters of the decoded string, as the
// library counts).
func (n *fastNode) stringOK(tok []byte) bool {
	var c int
	if b, ok := plainString(tok); ok {
		c = utf8.RuneCount(b)
	} else {
		s, ok := decodeString(tok)
		if !ok {
			return false
		}
		c = utf8.RuneCountInString(s)
	}
	return c >= n.minLen && (n.maxLen < 0 || c <= n.maxLen)
}

// leaf validates one value with the library, remembering valid values.
func (r *fastRun) leaf(n *fastNode, v []byte) bool {
	memo := r.memo[n]
	if _, ok := memo[string(v)]; ok {
		return true
	}
	x, ok := parseJSON(v)
	if !ok || n.sch.Validate(x) != nil {
		return false
	}
	if len(v) <= fastMemoMaxValue && r.budget >= len(v) {
		if memo == nil {
			memo = map[string]struct{}{}
			r.memo[n] = memo
		}
		memo[string(v)] = struct{}{}
		r.budget -= len(v)
	}
	return true
}

func (r *fastRun) object(n *fastNode, b []byte, i int) (int, bool) {
	if b[i] != '{' || r.depth >= fastMaxDepth {
		return 0, false
	}
	r.depth++
	defer func() { r.depth-- }()
	var buf [32][]byte
	keys := buf[:0]
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, len(n.required) == 0
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return 0, false
		}
		ke := stringEnd(b, i)
		if ke < 0 {
			return 0, false
		}
		key, ok := keyBytes(b[i:ke])
		if !ok {
			return 0, false
		}
		for _, k := range keys {
			if bytes.Equal(k, key) {
				return 0, false // a duplicate key: the library sees only the last value
			}
		}
		keys = append(keys, key)
		i = skipSpace(b, ke)
		if i >= len(b) || b[i] != ':' {
			return 0, false
		}
		i = skipSpace(b, i+1)
		var e int
		switch p := n.props[string(key)]; {
		case p != nil:
			if e, ok = r.value(p, b, i); !ok {
				return 0, false
			}
		case n.closed:
			return 0, false
		default:
			if e = valueEnd(b, i); e < 0 || !json.Valid(b[i:e]) {
				return 0, false
			}
		}
		i = skipSpace(b, e)
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
			continue
		case '}':
		default:
			return 0, false
		}
		for _, req := range n.required {
			found := false
			for _, k := range keys {
				if string(k) == req {
					found = true
					break
				}
			}
			if !found {
				return 0, false
			}
		}
		return i + 1, true
	}
}

func (r *fastRun) array(n *fastNode, b []byte, i int) (int, bool) {
	if b[i] != '[' || r.depth >= fastMaxDepth {
		return 0, false
	}
	r.depth++
	defer func() { r.depth-- }()
	var seen map[uint64]struct{}
	if n.unique {
		seen = map[uint64]struct{}{}
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, true
	}
	for count := 0; ; count++ {
		if count == fastParallelMin && !r.parallel {
			return r.fanOut(n, b, i, seen)
		}
		e, ok := r.item(n, b, i)
		if !ok || seen != nil && !addKey(seen, b[i:e]) {
			return 0, false
		}
		i = skipSpace(b, e)
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

func (r *fastRun) item(n *fastNode, b []byte, i int) (int, bool) {
	if n.items != nil {
		return r.value(n.items, b, i)
	}
	e := valueEnd(b, i)
	return e, e > 0 && json.Valid(b[i:e])
}

// fanOut validates the rest of a large array, from b[i], on every core:
// this goroutine cuts the items and hands them out in chunks, workers with
// a memory of their own validate them. It returns the end of the array.
func (r *fastRun) fanOut(n *fastNode, b []byte, i int, seen map[uint64]struct{}) (int, bool) {
	chunks := make(chan [][]byte, 2*runtime.GOMAXPROCS(0))
	workers := make([]*fastRun, runtime.GOMAXPROCS(0))
	keys := make([][]uint64, len(workers))
	var wg sync.WaitGroup
	for w := range workers {
		wr := newFastRun(r.ctx, r.stop)
		if w == 0 {
			wr.memo, wr.budget = r.memo, r.budget // r only cuts items meanwhile: lend it
		}
		wr.parallel, wr.depth = true, r.depth
		workers[w] = wr
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range chunks {
				if r.stop.Load() {
					continue // drain
				}
				if wr.ctx.Err() != nil {
					r.stop.Store(true)
					continue
				}
				for _, it := range chunk {
					e, ok := wr.item(n, it, 0)
					if ok && e != len(it) {
						ok = false
					}
					if ok && seen != nil {
						var k uint64
						k, ok = stringsKey(it)
						keys[w] = append(keys[w], k)
					}
					if !ok {
						r.stop.Store(true)
						break
					}
				}
			}
		}()
	}
	end, ok := -1, true
	chunk := make([][]byte, 0, fastChunk)
	for ok && !r.stop.Load() {
		e := valueEnd(b, i)
		if e < 0 {
			ok = false
			break
		}
		chunk = append(chunk, b[i:e])
		i = skipSpace(b, e)
		if i >= len(b) {
			ok = false
			break
		}
		if b[i] == ']' {
			end = i + 1
			break
		}
		if b[i] != ',' {
			ok = false
			break
		}
		i = skipSpace(b, i+1)
		if len(chunk) == fastChunk {
			chunks <- chunk
			chunk = make([][]byte, 0, fastChunk)
		}
	}
	if len(chunk) > 0 {
		chunks <- chunk
	}
	close(chunks)
	wg.Wait()
	r.budget = workers[0].budget
	if !ok || end < 0 || r.stop.Load() {
		return 0, false
	}
	for _, ks := range keys {
		for _, k := range ks {
			if _, dup := seen[k]; dup {
				return 0, false
			}
			seen[k] = struct{}{}
		}
	}
	return end, true
}

// addKey adds the uniqueness key of item to seen; false when it may equal
// an item seen before.
func addKey(seen map[uint64]struct{}, item []byte) bool {
	k, ok := stringsKey(item)
	if !ok {
		return false
	}
	if _, dup := seen[k]; dup {
		return false
	}
	seen[k] = struct{}{}
	return true
}

// The uniqueItems check keys each item by the multiset of its decoded
// strings — object keys and string values — which equal values share
// whatever their member order, white space or escapes (the library compares
// values, not text). Two items with one key may be equal, and the document
// is then left to the library; items without strings (numbers, booleans)
// all share one key.

// stringsKey sums a hash of every string in v, so that the order of object
// members does not matter.
func stringsKey(v []byte) (uint64, bool) {
	var sum uint64
	for i := 0; i < len(v); {
		if v[i] != '"' {
			i++
			continue
		}
		e := stringEnd(v, i)
		if e < 0 {
			return 0, false
		}
		tok := v[i:e]
		s := tok[1 : len(tok)-1]
		if bytes.IndexByte(s, '\\') >= 0 || !asciiOnly(s) {
			var d string
			if err := json.Unmarshal(tok, &d); err != nil {
				return 0, false
			}
			s = []byte(d)
		}
		sum += mix(maphash.Bytes(keySeed, s))
		i = e
	}
	return sum, true
}

// keySeed seeds the uniqueness keys; they are compared within one run only.
var keySeed = maphash.MakeSeed()

// mix spreads a hash's bits (splitmix64's finaliser) so that sums of
// hashes collide no more than the hashes.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func asciiOnly(s []byte) bool {
	for _, c := range s {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
