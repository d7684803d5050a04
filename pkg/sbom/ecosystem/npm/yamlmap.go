package npm

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// yamlMap is a YAML mapping decoded in linear time. yaml.v3 checks a
// mapping's keys for duplicates by comparing each with every later one:
// quadratic in its size, and a pnpm lockfile's packages and snapshots hold
// one key per package (a 30,000-package monorepo lockfile took minutes).
// Here the keys go into a Go map, which also refuses a repeated key, and
// each value is decoded on its own.
type yamlMap[V any] map[string]V

// UnmarshalYAML decodes a mapping (or null) of scalar keys.
func (m *yamlMap[V]) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		*m = nil
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a mapping", n.Line)
	}
	out := make(yamlMap[V], len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: want a scalar key", k.Line)
		}
		if _, dup := out[k.Value]; dup {
			return fmt.Errorf("line %d: key %q repeated", k.Line, k.Value)
		}
		var val V
		if err := v.Decode(&val); err != nil {
			return err
		}
		out[k.Value] = val
	}
	*m = out
	return nil
}
