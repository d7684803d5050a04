package ecosystem_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/alpine"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/debian"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/dotnet"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/java"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/npm"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/php"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/python"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/rpm"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ruby"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/rust"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/swift"
)

// purlParts is a package as purl-spec's test suite states it.
type purlParts struct {
	Type, Namespace, Name, Version string
	Qualifiers                     map[string]string
	Subpath                        string
}

// builder makes the purl of a package the way vouch does for one type:
// from the names the ecosystem itself uses. qualifiers lists the
// qualifiers vouch writes for the type; ok is false when vouch refuses
// the package.
type builder struct {
	qualifiers []string
	build      func(p purlParts) (purl string, ok bool)
}

// builders are vouch's purl functions, one per type it writes.
var builders = map[string]builder{
	"maven": {nil, func(p purlParts) (string, bool) { return java.PURL(p.Namespace, p.Name, p.Version), true }},
	"npm": {nil, func(p purlParts) (string, bool) {
		return npm.PURL(strings.TrimPrefix(p.Namespace+"/", "/")+p.Name, p.Version), true
	}},
	"pypi":  {nil, func(p purlParts) (string, bool) { return python.PURL(p.Name, p.Version), true }},
	"cargo": {nil, func(p purlParts) (string, bool) { return rust.PURL(p.Name, p.Version), true }},
	"nuget": {nil, func(p purlParts) (string, bool) { return dotnet.PURL(p.Name, p.Version), true }},
	"composer": {nil, func(p purlParts) (string, bool) {
		return php.PURL(p.Namespace+"/"+p.Name, p.Version), true
	}},
	"gem": {[]string{"platform"}, func(p purlParts) (string, bool) {
		return ruby.PURL(p.Name, p.Version, p.Qualifiers["platform"]), true
	}},
	"swift": {nil, func(p purlParts) (string, bool) {
		purl, _, ok := swift.PURL("https://"+strings.TrimSuffix(p.Namespace+"/"+p.Name, "/")+".git", p.Version)
		return purl, ok
	}},
	"deb": {[]string{"arch", "distro"}, func(p purlParts) (string, bool) {
		return debian.PURL(p.Namespace, p.Name, p.Version, p.Qualifiers["arch"], p.Qualifiers["distro"]), true
	}},
	"apk": {[]string{"arch", "distro"}, func(p purlParts) (string, bool) {
		return alpine.PURL(p.Namespace, p.Name, p.Version, p.Qualifiers["arch"], p.Qualifiers["distro"]), true
	}},
	"rpm": {[]string{"arch", "epoch", "distro"}, func(p purlParts) (string, bool) {
		epoch := 0
		if e := p.Qualifiers["epoch"]; e != "" {
			var err error
			if epoch, err = strconv.Atoi(e); err != nil {
				return "", false
			}
		}
		return rpm.PURL(p.Namespace, p.Name, p.Version, p.Qualifiers["arch"], epoch, p.Qualifiers["distro"]), true
	}},
}

// TestPURLSpecSuite builds, with vouch's own purl functions, every package
// of purl-spec's test suite (testdata/purl-spec, see its ORIGIN) for the
// types vouch writes, and compares with the canonical purl the suite
// expects: the "build" cases from their parts, and the "validate" cases
// from the names of the purl they start from, which are not always
// canonical ("Django_package", "Laravel/Laravel"). Cases the suite expects
// to fail must be refused. A case is left out only when it carries a
// qualifier or subpath vouch never writes for its type (Maven classifiers,
// npm vcs_url); each type must still have cases.
func TestPURLSpecSuite(t *testing.T) {
	for typ, b := range builders {
		t.Run(typ, func(t *testing.T) {
			n := 0
			for _, tc := range suiteCases(t, typ) {
				if !writable(tc.parts, b.qualifiers) {
					continue
				}
				n++
				got, ok := b.build(tc.parts)
				switch {
				case tc.fails && ok:
					t.Errorf("%s %+v: got %s, want it refused (%s)", tc.kind, tc.parts, got, tc.why)
				case !tc.fails && got != tc.want:
					t.Errorf("%s %+v: got %q, want %q (%s)", tc.kind, tc.parts, got, tc.want, tc.why)
				}
			}
			t.Logf("%d cases", n)
			if n == 0 {
				t.Errorf("no case of purl-spec's suite for %s", typ)
			}
		})
	}
}

// suiteCase is one package of the suite with the purl it must give.
type suiteCase struct {
	kind, want, why string
	parts           purlParts
	fails           bool
}

// suiteCases reads the suite's build and validate cases for typ.
func suiteCases(t *testing.T, typ string) []suiteCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "purl-spec", typ+"-test.json"))
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Tests []struct {
			Description    string          `json:"description"`
			TestType       string          `json:"test_type"`
			Input          json.RawMessage `json:"input"`
			ExpectedOutput json.RawMessage `json:"expected_output"`
			ExpectedFail   bool            `json:"expected_failure"`
		} `json:"tests"`
	}
	if err := json.Unmarshal(data, &suite); err != nil {
		t.Fatalf("%s-test.json: %v", typ, err)
	}
	var out []suiteCase
	for _, c := range suite.Tests {
		tc := suiteCase{kind: c.TestType, why: c.Description, fails: c.ExpectedFail}
		json.Unmarshal(c.ExpectedOutput, &tc.want) // null for a failure
		switch c.TestType {
		case "build":
			if err := json.Unmarshal(c.Input, &tc.parts); err != nil {
				t.Fatalf("%s-test.json: build input %s: %v", typ, c.Input, err)
			}
		case "validate":
			var in string
			if err := json.Unmarshal(c.Input, &in); err != nil {
				t.Fatalf("%s-test.json: validate input %s: %v", typ, c.Input, err)
			}
			p, ok := splitPURL(in)
			if !ok || !strings.EqualFold(p.Type, typ) {
				continue // a malformed purl: a parser's case, not a builder's
			}
			tc.parts = p
		default:
			continue
		}
		out = append(out, tc)
	}
	return out
}

// writable reports whether vouch's builder for the type can express p:
// it has no subpath and no qualifier outside qualifiers.
func writable(p purlParts, qualifiers []string) bool {
	if p.Subpath != "" {
		return false
	}
	for k := range p.Qualifiers {
		if !strings.Contains(" "+strings.Join(qualifiers, " ")+" ", " "+k+" ") {
			return false
		}
	}
	return true
}

// splitPURL takes a purl apart into the names it carries, as written
// (not normalised: that is the builder's job), qualifier keys lower-cased
// as purl-spec makes them case-insensitive.
func splitPURL(s string) (purlParts, bool) {
	var p purlParts
	rest, ok := strings.CutPrefix(s, "pkg:")
	if !ok {
		return p, false
	}
	rest, p.Subpath, _ = strings.Cut(rest, "#")
	rest, query, _ := strings.Cut(rest, "?")
	if i := strings.LastIndex(rest, "@"); i > strings.LastIndex(rest, "/") {
		rest, p.Version = rest[:i], rest[i+1:]
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	if len(segs) < 2 {
		return p, false
	}
	p.Type, p.Name = strings.ToLower(segs[0]), segs[len(segs)-1]
	p.Namespace = strings.Join(segs[1:len(segs)-1], "/")
	q, err := url.ParseQuery(query)
	if err != nil {
		return p, false
	}
	for k, v := range q {
		if p.Qualifiers == nil {
			p.Qualifiers = map[string]string{}
		}
		p.Qualifiers[strings.ToLower(k)] = v[0]
	}
	for _, f := range []*string{&p.Namespace, &p.Name, &p.Version} {
		if *f, err = url.PathUnescape(*f); err != nil {
			return p, false
		}
	}
	return p, true
}
