// Package strictyaml decodes the small YAML files a user writes for vouch
// (a policy, a CRA report's cra.yaml) strictly: an unknown key, a
// duplicate key, a value of the wrong kind and a second document are
// errors, and each names the line and the dotted key path in the file's own
// words ("line 4: slsa.builderId: unknown key"), not vouch's Go types.
package strictyaml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrEmpty is returned for a document with nothing in it.
var ErrEmpty = errors.New("empty document")

// Decode decodes the one YAML document in data into v, refusing unknown
// keys and a second document.
func Decode(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return ErrEmpty
		}
		return errors.New(yamlError(err, data))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fmt.Errorf("more than one YAML document (the file is one document)")
	}
	return nil
}

// KeyAt returns the dotted key path of the mapping key on the given line
// (1-based) of data, for messages about values a decoder accepted but the
// caller refuses (see yamlKeyAt).
func KeyAt(data []byte, line int) string { return yamlKeyAt(data, line) }

// yamlError flattens yaml.v3's multi-line type errors into one line, and
// words them in the file's keys instead of vouch's Go types: "line 4:
// field builderId not found in type policy.SLSA" becomes "line 4:
// slsa.builderId: unknown key", "line 6: cannot unmarshal !!seq into
// string" becomes "line 6: sbom.profile: want a string, found a sequence".
func yamlError(err error, data []byte) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return strings.TrimPrefix(err.Error(), "yaml: ")
	}
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		msgs[i] = yamlMessage(m, data)
	}
	return strings.Join(msgs, "; ")
}

var (
	yamlLineRE    = regexp.MustCompile(`^line (\d+): (.*)$`)
	yamlUnknownRE = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
	yamlTypeRE    = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (\\S+)$")
)

// yamlMessage rewrites one of yaml.v3's type errors (see [yamlError]).
func yamlMessage(m string, data []byte) string {
	lm := yamlLineRE.FindStringSubmatch(m)
	if lm == nil {
		return m
	}
	line, _ := strconv.Atoi(lm[1])
	key := yamlKeyAt(data, line)
	if u := yamlUnknownRE.FindStringSubmatch(lm[2]); u != nil {
		return fmt.Sprintf("line %d: %s: unknown key", line, key)
	}
	if t := yamlTypeRE.FindStringSubmatch(lm[2]); t != nil {
		found := map[string]string{"seq": "a sequence", "map": "a mapping", "str": "a string", "int": "a number",
			"float": "a number", "bool": "true or false", "null": "null"}[t[1]]
		if found == "" {
			found = t[1]
		}
		if t[2] != "" {
			found += " " + strconv.Quote(t[2])
		}
		return fmt.Sprintf("line %d: %s: want %s, found %s", line, key, yamlWant(t[3]), found)
	}
	return fmt.Sprintf("line %d: %s: %s", line, key, lm[2])
}

// yamlWant names the YAML a Go type takes.
func yamlWant(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"), strings.HasPrefix(goType, "float"):
		return "a number"
	case strings.HasPrefix(goType, "[]"):
		return "a sequence"
	}
	return "a mapping"
}

// yamlKeyAt returns the dotted key path of the mapping key on the given
// line (1-based) of a block-style YAML document: the key on that line and
// those of the less indented lines above it ("slsa.builderId"; list items
// as "[]": "trust.identities[].issuer"). It is for messages only.
func yamlKeyAt(data []byte, line int) string {
	lines := strings.Split(string(data), "\n")
	if line < 1 || line > len(lines) {
		return "(document)"
	}
	var path []string
	indent := -1
	for i := line - 1; i >= 0 && indent != 0; i-- {
		text := lines[i]
		trimmed := strings.TrimLeft(text, " ")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		in := len(text) - len(trimmed)
		if indent >= 0 && in >= indent {
			continue
		}
		item := strings.HasPrefix(trimmed, "- ")
		if item {
			trimmed = strings.TrimLeft(strings.TrimPrefix(trimmed, "- "), " ")
		}
		key, _, ok := strings.Cut(trimmed, ":")
		if !ok || strings.ContainsAny(key, " {[") {
			key = ""
		}
		switch {
		case item && i != line-1 && indent >= 0:
			path = append(path, "[]")
			if key != "" && in+2 < indent {
				path = append(path, key)
			}
		case key != "":
			path = append(path, key)
		}
		if item && i == line-1 {
			path = append(path, "[]")
		}
		indent = in
	}
	if len(path) == 0 {
		return "(document)"
	}
	slices.Reverse(path)
	return strings.ReplaceAll(strings.Join(path, "."), ".[]", "[]")
}
