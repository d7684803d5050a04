package strictyaml

import (
	"errors"
	"strings"
	"testing"
)

type product struct {
	Name string `yaml:"name"`
}

type tag struct {
	ID string `yaml:"id"`
}

type doc struct {
	Product product `yaml:"product"`
	Tags    []tag   `yaml:"tags"`
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"valid", "product:\n  name: app\ntags:\n  - id: a\n", ""},
		{"unknown key", "product:\n  name: app\n  nmae: x\n", "line 3: product.nmae: unknown key"},
		{"wrong kind", "product:\n  name: [a]\n", "line 2: product.name: want a string, found a sequence"},
		{"list item", "tags:\n  - id: a\n    extra: b\n", "line 3: tags[].extra: unknown key"},
		{"duplicate key", "product:\n  name: a\n  name: b\n", `mapping key "name" already defined`},
		{"two documents", "product:\n  name: a\n---\nproduct: {}\n", "more than one YAML document"},
		{"empty", "", "empty document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			err := Decode([]byte(tc.in), &d)
			if tc.want == "" {
				if err != nil || d.Product.Name != "app" {
					t.Fatalf("Decode = %v, %+v; want product.name app", err, d)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Decode error = %v, want %q", err, tc.want)
			}
			if tc.name == "empty" && !errors.Is(err, ErrEmpty) {
				t.Fatalf("Decode error = %v, want ErrEmpty", err)
			}
		})
	}
}
