package serve

import "testing"

// TestPurlParts: a package's name is the canonical purl without version,
// qualifiers or subpath, whatever the spelling of the request.
func TestPurlParts(t *testing.T) {
	for _, c := range []struct{ in, name, version string }{
		{"pkg:npm/sigstore@1.3.0", "pkg:npm/sigstore", "1.3.0"},
		{"pkg:npm/@scope/name@1.0.0", "pkg:npm/%40scope/name", "1.0.0"},
		{"pkg:npm/%40scope/name@1.0.0?arch=x#sub/path", "pkg:npm/%40scope/name", "1.0.0"},
		{"pkg:NPM/name", "pkg:npm/name", ""},
		{"pkg:pypi/Foo_Bar.baz@2.0", "pkg:pypi/foo-bar-baz", "2.0"},
		{"pkg:pypi/foo-bar-baz@2.1", "pkg:pypi/foo-bar-baz", "2.1"},
	} {
		name, version, ok := purlParts(c.in)
		if !ok || name != c.name || version != c.version {
			t.Errorf("purlParts(%q) = %q, %q, %v; want %q, %q", c.in, name, version, ok, c.name, c.version)
		}
	}
	for _, bad := range []string{"", "npm/x@1", "pkg:npm"} {
		if _, _, ok := purlParts(bad); ok {
			t.Errorf("purlParts(%q) ok", bad)
		}
	}
}
