package golang

import (
	"testing"

	"github.com/package-url/packageurl-go"
)

func TestPURLRoundTrip(t *testing.T) {
	for _, tc := range []struct{ path, version, want string }{
		{"github.com/spf13/cobra", "v1.10.2", "pkg:golang/github.com/spf13/cobra@v1.10.2"},
		{"stdlib", "go1.26.8", "pkg:golang/stdlib@go1.26.8"},
		{"golang.org/x/mod", "v0.42.0", "pkg:golang/golang.org/x/mod@v0.42.0"},
		{"example.com/m", "(devel)", "pkg:golang/example.com/m"},
		{"github.com/Azure/go-ansiterm", "v0.0.0-20230124172434-306776ec8161", "pkg:golang/github.com/azure/go-ansiterm@v0.0.0-20230124172434-306776ec8161"},
		{"gopkg.in/yaml.v3", "v3.0.1", "pkg:golang/gopkg.in/yaml.v3@v3.0.1"},
		{"example.com/m", "v1.0.0+incompatible", "pkg:golang/example.com/m@v1.0.0%2Bincompatible"},
	} {
		got := PURL(tc.path, tc.version)
		if got != tc.want {
			t.Errorf("PURL(%q, %q) = %q, want %q", tc.path, tc.version, got, tc.want)
		}
		p, err := packageurl.FromString(got)
		if err != nil {
			t.Fatalf("parse %q: %v", got, err)
		}
		if p.ToString() != got {
			t.Errorf("round trip of %q gave %q", got, p.ToString())
		}
	}
}

func TestSupplier(t *testing.T) {
	for path, want := range map[string]string{
		"github.com/spf13/cobra": "https://github.com/spf13",
		"golang.org/x/mod":       "https://go.dev",
		"gopkg.in/yaml.v3":       "https://gopkg.in",
		"localmodule":            "",
	} {
		if got := Supplier(path).URL; got != want {
			t.Errorf("Supplier(%q).URL = %q, want %q", path, got, want)
		}
	}
}
