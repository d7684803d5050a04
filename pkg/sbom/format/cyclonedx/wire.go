package cyclonedx

import (
	"bytes"
	"encoding/json"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vouchdev/vouch/internal/strictjson"
)

// The decoder reads into these slim mirrors of cyclonedx-go's types, which
// keep only the fields the model uses. Parts of a document vouch ignores
// (declarations, patents, vulnerabilities, crypto properties, ...) are then
// skipped instead of parsed, so a quirk of cyclonedx-go's full types in one
// of them (it cannot read the specification's own attestation and patent
// examples) does not make the whole document unreadable. Leaf types
// (hashes, licences, dependencies, compositions) are cyclonedx-go's.

type wireBOM struct {
	Metadata     *wireMetadata     `json:"metadata" xml:"metadata"`
	Components   []wireComponent   `json:"components" xml:"components>component"`
	Services     []wireService     `json:"services" xml:"services>service"`
	Dependencies []cdx.Dependency  `json:"dependencies" xml:"dependencies>dependency"`
	Compositions []cdx.Composition `json:"compositions" xml:"compositions>composition"`
}

type wireMetadata struct {
	Timestamp    string                      `json:"timestamp" xml:"timestamp"`
	Lifecycles   []cdx.Lifecycle             `json:"lifecycles" xml:"lifecycles>lifecycle"`
	Tools        *wireTools                  `json:"tools" xml:"tools"`
	Authors      []cdx.OrganizationalContact `json:"authors" xml:"authors>author"`
	Component    *wireComponent              `json:"component" xml:"component"`
	Manufacturer *cdx.OrganizationalEntity   `json:"manufacturer" xml:"manufacturer"`
	Supplier     *cdx.OrganizationalEntity   `json:"supplier" xml:"supplier"`
	Properties   []cdx.Property              `json:"properties" xml:"properties>property"`
}

// wireTools is either the legacy list of tools (before 1.5) or the object of
// components and services; XML tells them apart by element name.
type wireTools struct {
	Tools      []wireTool      `xml:"tool"`
	Components []wireComponent `xml:"components>component"`
	Services   []wireService   `xml:"services>service"`
}

type wireTool struct {
	Vendor  string `json:"vendor" xml:"vendor"`
	Name    string `json:"name" xml:"name"`
	Version string `json:"version" xml:"version"`
}

func (t *wireTools) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, &t.Tools)
	}
	var obj struct {
		Components []wireComponent `json:"components"`
		Services   []wireService   `json:"services"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	t.Components, t.Services = obj.Components, obj.Services
	return nil
}

type wireComponent struct {
	BOMRef             string                      `json:"bom-ref" xml:"bom-ref,attr"`
	Type               string                      `json:"type" xml:"type,attr"`
	Supplier           *cdx.OrganizationalEntity   `json:"supplier" xml:"supplier"`
	Manufacturer       *cdx.OrganizationalEntity   `json:"manufacturer" xml:"manufacturer"`
	Author             string                      `json:"author" xml:"author"`
	Authors            []cdx.OrganizationalContact `json:"authors" xml:"authors>author"`
	Group              string                      `json:"group" xml:"group"`
	Name               string                      `json:"name" xml:"name"`
	Version            string                      `json:"version" xml:"version"`
	Scope              string                      `json:"scope" xml:"scope"`
	Hashes             []cdx.Hash                  `json:"hashes" xml:"hashes>hash"`
	Licenses           *cdx.Licenses               `json:"licenses" xml:"licenses"`
	PURL               string                      `json:"purl" xml:"purl"`
	ExternalReferences []wireReference             `json:"externalReferences" xml:"externalReferences>reference"`
	Properties         []cdx.Property              `json:"properties" xml:"properties>property"`
	Components         []wireComponent             `json:"components" xml:"components>component"`
	Evidence           *wireEvidence               `json:"evidence" xml:"evidence"`
}

type wireEvidence struct {
	Licenses *cdx.Licenses `json:"licenses" xml:"licenses"`
}

type wireReference struct {
	Type   string     `json:"type" xml:"type,attr"`
	URL    string     `json:"url" xml:"url"`
	Hashes []cdx.Hash `json:"hashes" xml:"hashes>hash"`
}

type wireService struct {
	BOMRef   string                    `json:"bom-ref" xml:"bom-ref,attr"`
	Provider *cdx.OrganizationalEntity `json:"provider" xml:"provider"`
	Group    string                    `json:"group" xml:"group"`
	Name     string                    `json:"name" xml:"name"`
	Version  string                    `json:"version" xml:"version"`
	Services []wireService             `json:"services" xml:"services>service"`
}

// The JSON decoder cuts a document into its top-level members and the
// components and dependencies arrays into their items, so that these —
// nearly all of a large SBOM — are decoded apart and in parallel, and the
// document is read once instead of once per pass of encoding/json's
// reflection. The scanner below finds where values end; it is strict about
// the structure it reads (braces, brackets, commas, colons, keys, white
// space). The members a large SBOM is made of (strings, hashes, properties,
// references, dependency lists) are then decoded directly, every other
// value through encoding/json, and values no field takes are validated as
// encoding/json would. Wherever the result could differ from
// json.Unmarshal's — a member name matching a field only case-insensitively,
// a duplicate member, a value of an unexpected type — the code reports
// false instead of guessing, and that component, or the whole document, is
// read by encoding/json itself. wire_test.go holds the two to the same
// result.

// jsonMember is one member of a JSON object: its decoded name and the bytes
// of its value.
type jsonMember struct {
	key string
	val []byte
}

func jsonSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && jsonSpace(b[i]) {
		i++
	}
	return i
}

// jsonValueEnd returns the index just past the value starting at b[i], or
// -1. Only strings and bracket nesting are followed.
func jsonValueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return strictjson.StringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				if i = strictjson.StringEnd(b, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	case ',', ':', '}', ']':
		return -1
	}
	for ; i < len(b); i++ { // a number or literal
		switch b[i] {
		case ' ', '\t', '\n', '\r', ',', '}', ']', ':', '"', '{', '[':
			return i
		}
	}
	return i
}

// splitJSON cuts b, one object or array without surrounding space, into
// its members (keys decoded) or items.
func splitJSON(b []byte, object bool, members []jsonMember) ([]jsonMember, bool) {
	open, closing := byte('['), byte(']')
	if object {
		open, closing = '{', '}'
	}
	if len(b) < 2 || b[0] != open || b[len(b)-1] != closing {
		return nil, false
	}
	i := skipJSONSpace(b, 1)
	if i == len(b)-1 {
		return members, true
	}
	for {
		var key string
		if object {
			if i >= len(b) || b[i] != '"' {
				return nil, false
			}
			ke := strictjson.StringEnd(b, i)
			if ke < 0 {
				return nil, false
			}
			var ok bool
			if key, ok = jsonString(b[i:ke]); !ok {
				return nil, false
			}
			if i = skipJSONSpace(b, ke); i >= len(b) || b[i] != ':' {
				return nil, false
			}
			i = skipJSONSpace(b, i+1)
		}
		ve := jsonValueEnd(b, i)
		if ve < 0 || ve > len(b)-1 {
			return nil, false
		}
		members = append(members, jsonMember{key: key, val: b[i:ve]})
		if i = skipJSONSpace(b, ve); i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipJSONSpace(b, i+1)
		case closing:
			return members, i == len(b)-1
		default:
			return nil, false
		}
	}
}

// jsonProbe is what the decoder reads first of a JSON document: whether it
// is CycloneDX, and which version.
type jsonProbe struct {
	BOMFormat   *string         `json:"bomFormat"`
	SpecVersion json.RawMessage `json:"specVersion"`
	SPDXVersion string          `json:"spdxVersion"`
	Context     json.RawMessage `json:"@context"`
}

// decodeSplit decodes data into probe and bom as json.Unmarshal would
// into each, the components in parallel. It reports false, leaving probe
// and bom partly filled, for anything it does not handle exactly so: a
// member name that differs from a field's only in case, a duplicate member,
// malformed or mistyped JSON.
func decodeSplit(data []byte, probe *jsonProbe, bom *wireBOM) bool {
	data = bytes.TrimRight(bytes.TrimLeft(data, " \t\r\n"), " \t\r\n")
	members, ok := splitJSON(data, true, nil)
	if !ok {
		return false
	}
	fields := []string{"bomFormat", "specVersion", "spdxVersion", "@context", "metadata", "components", "services", "dependencies", "compositions"}
	seen := make(map[string]bool, len(members))
	var jobs []func(worker int) bool
	var caches []*wireCache
	for _, m := range members {
		if seen[m.key] {
			return false // encoding/json would merge or overwrite
		}
		seen[m.key] = true
		var dst any
		switch m.key {
		case "bomFormat":
			dst = &probe.BOMFormat
		case "specVersion":
			dst = &probe.SpecVersion
		case "spdxVersion":
			dst = &probe.SPDXVersion
		case "@context":
			dst = &probe.Context
		case "metadata":
			dst = &bom.Metadata
		case "services":
			dst = &bom.Services
		case "dependencies":
			items, ok := splitJSON(m.val, false, nil)
			if !ok {
				dst = &bom.Dependencies
				break
			}
			bom.Dependencies = make([]cdx.Dependency, len(items))
			for start := 0; start < len(items); start += depChunk {
				jobs = append(jobs, func(int) bool {
					for i := start; i < min(start+depChunk, len(items)); i++ {
						if string(items[i].val) != "null" && !decodeJSONDependency(items[i].val, &bom.Dependencies[i]) {
							return false
						}
					}
					return true
				})
			}
			continue
		case "compositions":
			jobs = append(jobs, func(int) bool {
				var ok bool
				bom.Compositions, ok = decodeJSONArray(m.val, decodeJSONComposition)
				return ok
			})
			continue
		case "components":
			items, ok := splitJSON(m.val, false, nil)
			if !ok {
				dst = &bom.Components // null, or not an array
				break
			}
			bom.Components = make([]wireComponent, len(items))
			caches = make([]*wireCache, runtime.GOMAXPROCS(0))
			for i := range caches {
				caches[i] = &wireCache{}
			}
			for i, it := range items {
				jobs = append(jobs, func(w int) bool { return bom.Components[i].decode(it.val, caches[w]) })
			}
			continue
		default:
			for _, f := range fields {
				if strings.EqualFold(m.key, f) {
					return false // encoding/json matches names case-insensitively
				}
			}
			jobs = append(jobs, func(int) bool { return json.Valid(m.val) })
			continue
		}
		jobs = append(jobs, func(int) bool { return json.Unmarshal(m.val, dst) == nil })
	}
	// Run the jobs on every core.
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for w := range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				if !jobs[i](w) {
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return !failed.Load()
}

// jsonString decodes a string token (quotes included) as encoding/json
// does: directly when it has no escapes, control characters or invalid
// UTF-8, else through encoding/json.
func jsonString(tok []byte) (string, bool) {
	if len(tok) < 2 || tok[0] != '"' || tok[len(tok)-1] != '"' {
		return "", false
	}
	b, ascii := tok[1:len(tok)-1], true
	for _, c := range b {
		if c < 0x20 || c == '\\' {
			ascii = false
			b = nil
			break
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	if b != nil && (ascii || utf8.Valid(b)) {
		return string(b), true
	}
	var s string
	if err := json.Unmarshal(tok, &s); err != nil {
		return "", false
	}
	return s, true
}

// jsonValid is json.Valid, quicker for plain strings.
func jsonValid(v []byte) bool {
	if len(v) >= 2 && v[0] == '"' {
		_, ok := jsonString(v)
		return ok && strictjson.StringEnd(v, 0) == len(v)
	}
	return json.Valid(v)
}

// setJSONString decodes a member that is a string field: a string, or null
// (which leaves the field as it is, as encoding/json does).
func setJSONString(dst *string, v []byte) bool {
	if string(v) == "null" {
		return true
	}
	s, ok := jsonString(v)
	*dst = s
	return ok
}

// Limits of a decoding worker's cache of repeated small values.
const (
	wireCacheMaxValue   = 512
	wireCacheMaxEntries = 4096
)

// wireCache remembers, per decoding worker, the decoded form of small
// values that repeat across components (suppliers, licences), which the
// decoder only reads.
type wireCache struct {
	entities map[string]*cdx.OrganizationalEntity
	licenses map[string]*cdx.Licenses
}

// cached decodes v into *dst through m: a value seen before shares its
// decoded form.
func cached[T any](m *map[string]*T, v []byte, dst **T) bool {
	if string(v) == "null" {
		*dst = nil
		return true
	}
	if x, ok := (*m)[string(v)]; ok {
		*dst = x
		return true
	}
	var x *T
	if err := json.Unmarshal(v, &x); err != nil {
		return false
	}
	*dst = x
	if len(v) <= wireCacheMaxValue && len(*m) < wireCacheMaxEntries {
		if *m == nil {
			*m = map[string]*T{}
		}
		(*m)[string(v)] = x
	}
	return true
}

// wireComponentFields are the JSON names wireComponent decodes.
var wireComponentFields = []string{"bom-ref", "type", "supplier", "manufacturer", "author", "authors", "group", "name",
	"version", "scope", "hashes", "licenses", "purl", "externalReferences", "properties", "components", "evidence"}

// decode decodes one component as json.Unmarshal would. The common members
// are read directly, the rest through encoding/json; what it does not
// handle exactly so (a member name that differs from a field's only in
// case, a duplicate member, a value of another type) is left to
// json.Unmarshal, whose result and errors are the reference.
func (c *wireComponent) decode(v []byte, cache *wireCache) bool {
	if c.decodeFast(v, cache) {
		return true
	}
	*c = wireComponent{}
	return json.Unmarshal(v, c) == nil
}

func (c *wireComponent) decodeFast(v []byte, cache *wireCache) bool {
	var buf [24]jsonMember
	members, ok := splitJSON(v, true, buf[:0])
	if !ok || duplicateKey(members) {
		return false
	}
	for _, m := range members {
		var ok bool
		switch m.key {
		case "bom-ref":
			ok = setJSONString(&c.BOMRef, m.val)
		case "type":
			ok = setJSONString(&c.Type, m.val)
		case "author":
			ok = setJSONString(&c.Author, m.val)
		case "group":
			ok = setJSONString(&c.Group, m.val)
		case "name":
			ok = setJSONString(&c.Name, m.val)
		case "version":
			ok = setJSONString(&c.Version, m.val)
		case "scope":
			ok = setJSONString(&c.Scope, m.val)
		case "purl":
			ok = setJSONString(&c.PURL, m.val)
		case "supplier":
			ok = cached(&cache.entities, m.val, &c.Supplier)
		case "manufacturer":
			ok = cached(&cache.entities, m.val, &c.Manufacturer)
		case "licenses":
			ok = cached(&cache.licenses, m.val, &c.Licenses)
		case "hashes":
			c.Hashes, ok = decodeJSONArray(m.val, decodeJSONHash)
		case "properties":
			c.Properties, ok = decodeJSONArray(m.val, decodeJSONProperty)
		case "externalReferences":
			c.ExternalReferences, ok = decodeJSONArray(m.val, decodeJSONReference)
		case "components":
			c.Components, ok = decodeJSONArray(m.val, func(v []byte, x *wireComponent) bool { return x.decode(v, cache) })
		case "authors":
			ok = json.Unmarshal(m.val, &c.Authors) == nil
		case "evidence":
			ok = c.decodeEvidence(m.val, cache)
		default:
			ok = !foldsTo(m.key, wireComponentFields) && jsonValid(m.val)
		}
		if !ok {
			return false
		}
	}
	return true
}

func (c *wireComponent) decodeEvidence(v []byte, cache *wireCache) bool {
	if string(v) == "null" {
		c.Evidence = nil
		return true
	}
	c.Evidence = &wireEvidence{}
	return decodeJSONObject(v, []string{"licenses"}, func(_ string, v []byte) bool {
		return cached(&cache.licenses, v, &c.Evidence.Licenses)
	})
}

// depChunk is how many dependency entries one decoding job takes.
const depChunk = 256

func decodeJSONDependency(v []byte, d *cdx.Dependency) bool {
	return decodeJSONObject(v, []string{"ref", "dependsOn", "provides"}, func(key string, v []byte) bool {
		switch key {
		case "ref":
			return setJSONString(&d.Ref, v)
		case "dependsOn":
			return decodeJSONStrings(v, &d.Dependencies)
		}
		return decodeJSONStrings(v, &d.Provides)
	})
}

func decodeJSONComposition(v []byte, c *cdx.Composition) bool {
	return decodeJSONObject(v, []string{"bom-ref", "aggregate", "assemblies", "dependencies", "vulnerabilities", "signature"}, func(key string, v []byte) bool {
		switch key {
		case "bom-ref":
			return setJSONString(&c.BOMRef, v)
		case "aggregate":
			return setJSONString((*string)(&c.Aggregate), v)
		case "assemblies":
			return decodeJSONRefs(v, &c.Assemblies)
		case "dependencies":
			return decodeJSONRefs(v, &c.Dependencies)
		case "vulnerabilities":
			return decodeJSONRefs(v, &c.Vulnerabilities)
		}
		return json.Unmarshal(v, &c.Signature) == nil
	})
}

// decodeJSONStrings decodes an array of strings into a pointer to a slice,
// as encoding/json does: null sets the pointer to nil, a null item is "".
func decodeJSONStrings(v []byte, dst **[]string) bool {
	if string(v) == "null" {
		*dst = nil
		return true
	}
	l, ok := decodeJSONArray(v, func(v []byte, s *string) bool { return setJSONString(s, v) })
	*dst = &l
	return ok
}

func decodeJSONRefs(v []byte, dst **[]cdx.BOMReference) bool {
	if string(v) == "null" {
		*dst = nil
		return true
	}
	l, ok := decodeJSONArray(v, func(v []byte, r *cdx.BOMReference) bool { return setJSONString((*string)(r), v) })
	*dst = &l
	return ok
}

// decodeJSONArray decodes an array member (or null) item by item.
func decodeJSONArray[T any](v []byte, item func(v []byte, x *T) bool) ([]T, bool) {
	if string(v) == "null" {
		return nil, true
	}
	var buf [16]jsonMember
	items, ok := splitJSON(v, false, buf[:0])
	if !ok {
		return nil, false
	}
	out := make([]T, len(items))
	for i, it := range items {
		if string(it.val) != "null" && !item(it.val, &out[i]) { // null leaves the zero value
			return nil, false
		}
	}
	return out, true
}

func decodeJSONHash(v []byte, h *cdx.Hash) bool {
	return decodeJSONObject(v, []string{"alg", "content"}, func(key string, v []byte) bool {
		if key == "alg" {
			return setJSONString((*string)(&h.Algorithm), v)
		}
		return setJSONString(&h.Value, v)
	})
}

func decodeJSONProperty(v []byte, p *cdx.Property) bool {
	return decodeJSONObject(v, []string{"name", "value"}, func(key string, v []byte) bool {
		if key == "name" {
			return setJSONString(&p.Name, v)
		}
		return setJSONString(&p.Value, v)
	})
}

func decodeJSONReference(v []byte, r *wireReference) bool {
	return decodeJSONObject(v, []string{"type", "url", "hashes"}, func(key string, v []byte) bool {
		switch key {
		case "type":
			return setJSONString(&r.Type, v)
		case "url":
			return setJSONString(&r.URL, v)
		}
		var ok bool
		r.Hashes, ok = decodeJSONArray(v, decodeJSONHash)
		return ok
	})
}

// decodeJSONObject calls set for each member of the object v named in
// fields; other members are validated and skipped.
func decodeJSONObject(v []byte, fields []string, set func(key string, v []byte) bool) bool {
	var buf [8]jsonMember
	members, ok := splitJSON(v, true, buf[:0])
	if !ok || duplicateKey(members) {
		return false
	}
	for _, m := range members {
		switch {
		case slices.Contains(fields, m.key):
			ok = set(m.key, m.val)
		default:
			ok = !foldsTo(m.key, fields) && jsonValid(m.val)
		}
		if !ok {
			return false
		}
	}
	return true
}

func duplicateKey(members []jsonMember) bool {
	for i := range members {
		for j := range i {
			if members[i].key == members[j].key {
				return true
			}
		}
	}
	return false
}

// foldsTo reports whether encoding/json would match key to one of the
// fields case-insensitively.
func foldsTo(key string, fields []string) bool {
	for _, f := range fields {
		if strings.EqualFold(key, f) {
			return true
		}
	}
	return false
}
