package strictjson

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	deep := strings.Repeat(`{"c":[`, 300) + strings.Repeat(`]}`, 300)
	tests := []struct {
		name, doc string
		want      error
		path      string
	}{
		{"plain", `{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}`, nil, ""},
		{"same key in sibling objects", `[{"k":1},{"k":2}]`, nil, ""},
		{"duplicate at the top", `{"specVersion":"1.6","specVersion":"1.2"}`, ErrDuplicateKey, `"specVersion" at $.specVersion`},
		{"duplicate after a nested value", `{"a":{"x":1},"b":[1,2],"a":3}`, ErrDuplicateKey, `at $.a`},
		{"duplicate by escape", `{"a":1,"\u0061":2}`, ErrDuplicateKey, `"a"`},
		{"duplicate deep in an array", `{"components":[{"name":"x"},{"name":"y","name":"z"}]}`, ErrDuplicateKey, `$.components[1].name`},
		{"too deep", deep, ErrTooDeep, "more than 256 levels"},
		{"syntax error is the decoder's", `{"a":`, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check([]byte(tt.doc), 0)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("Check = %v, want %v mentioning %q", err, tt.want, tt.path)
			}
		})
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `[{"b":[{"c":{}}]}]`, `{"x":"\u0078","x":0}`, `1`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Check(data, 16)
	})
}
