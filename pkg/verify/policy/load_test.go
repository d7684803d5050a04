package policy

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vouchdev/vouch/internal/schematest"
)

const (
	examplesDir = "../../../examples/policy"
	schemaPath  = "../../../schemas/policy.schema.json"
)

func examplePolicies(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("testdata/policies/*.yaml")
	files = append(files, more...)
	if len(files) < 4 {
		t.Fatalf("only %d example policies", len(files))
	}
	return files
}

// yamlToJSON converts a policy to JSON for schema validation.
func yamlToJSON(t *testing.T, data []byte) []byte {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestExamples: every example policy validates against the JSON schema and
// loads.
func TestExamples(t *testing.T) {
	sch, err := schematest.Compile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range examplePolicies(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := schematest.Check(sch, yamlToJSON(t, data)); err != nil {
				t.Errorf("schema: %v", err)
			}
			if _, err := Load(f); err != nil {
				t.Errorf("Load: %v", err)
			}
		})
	}
}

// TestInvalid: policies that must not load, with the text the error must
// contain (the field, the line, what was expected). The schema must reject
// those it can express.
func TestInvalid(t *testing.T) {
	sch, err := schematest.Compile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	head := "apiVersion: vouch.dev/v1\nkind: Policy\n"
	tests := []struct {
		name, doc, want string
		schemaToo       bool
	}{
		{"unknown field", head + "slsa:\n  builderId: x\n", "line 4: slsa.builderId: unknown key", true},
		{"unknown top-level", head + "rulez: []\n", "line 3: rulez: unknown key", true},
		{"wrong apiVersion", "apiVersion: v2\nkind: Policy\n", `apiVersion: is "v2"`, true},
		{"wrong kind", "apiVersion: vouch.dev/v1\nkind: Pol\n", `kind: is "Pol"`, true},
		{"wrong type", head + "slsa:\n  minLevel: high\n", "line 4", true},
		{"level out of range", head + "slsa:\n  minLevel: 4\n", "slsa.minLevel", true},
		{"bad regexp", head + "trust:\n  identities:\n    - identityRegexp: '('\n      issuer: x\n", "trust.identities[0]: identityRegexp", false},
		{"identity without issuer", head + "trust:\n  identities:\n    - identity: a@b.c\n", "give issuer", false},
		{"identity and regexp", head + "trust:\n  identities:\n    - identity: a\n      identityRegexp: b\n      issuer: i\n", "exclude each other", true},
		{"unknown predicate", head + "predicates:\n  required: [slsa]\n", "predicates.required[0]", true},
		{"bad format", head + "sbom:\n  formats: [swid]\n", "sbom.formats[0]", true},
		{"bad profile", head + "sbom:\n  profile: nist\n", "sbom.profile", true},
		{"licence expression in list", head + "sbom:\n  licenses:\n    allow: [MIT OR Apache-2.0]\n", "list single licence ids", true},
		{"bad purl", head + "sbom:\n  deniedComponents:\n    - purl: golang/x\n", "sbom.deniedComponents[0]", true},
		{"bad range", head + "sbom:\n  deniedComponents:\n    - purl: pkg:golang/x/y\n      versions: '>= one'\n", "not a semantic version", false},
		{"layout without keys", head + "layout:\n  file: l.layout\n", "layout.keys", true},
		{"missing key file", head + "trust:\n  keys: [nope.pub]\n", "trust.keys[0]", false},
		{"cel syntax", head + "rules:\n  - name: r\n    expression: 'a +'\n", `rule "r": ERROR: expression:1:`, false},
		{"cel undeclared", head + "rules:\n  - name: r2\n    expression: foo == 1\n", `undeclared reference to 'foo'`, false},
		{"cel not bool", head + "rules:\n  - name: r3\n    expression: '1 + 2'\n", "want bool", false},
		{"duplicate rule", head + "rules:\n  - {name: r, expression: 'true'}\n  - {name: r, expression: 'true'}\n", "duplicate rule", false},
		{"duplicate key", head + "kind: Policy\n", "already defined", false},
		{"two documents", head + "---\n" + head, "more than one YAML document", false},
		{"empty", "", "empty document", false},
		{"bad builder", head + "slsa:\n  trustedBuilders:\n    - {name: b, signer: builder}\n", "id is required", false},
		{"unknown drift mode", head + "publisher:\n  drift: warn\n", `publisher.drift: is "warn", want "fail" or "report"`, true},
		{"builder glob", head + "slsa:\n  sourceRefs: ['refs/[']\n", "slsa.sourceRefs[0]", false},
		{"bad failOn", head + "vulnerabilities:\n  failOn: severe\n", "vulnerabilities.failOn", true},
		{"bad requireVexFor", head + "vulnerabilities:\n  requireVexFor: [urgent]\n", "vulnerabilities.requireVexFor[0]", true},
		{"allow without expires", head + "vulnerabilities:\n  allow:\n    - id: CVE-2019-10744\n", "vulnerabilities.allow[0].expires: is required", true},
		{"allow with a bad date", head + "vulnerabilities:\n  allow:\n    - id: CVE-2019-10744\n      expires: next year\n", "vulnerabilities.allow[0].expires", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tt.doc), t.TempDir())
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "p.yaml") {
				t.Errorf("error %q does not contain %q and the file name", err, tt.want)
			}
			if tt.schemaToo {
				var v any
				if yaml.Unmarshal([]byte(tt.doc), &v) == nil {
					j, _ := json.Marshal(v)
					if schematest.Check(sch, j) == nil {
						t.Errorf("the schema accepts it")
					}
				}
			}
		})
	}
}

func TestLoadLimits(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	data := "apiVersion: vouch.dev/v1\nkind: Policy\n# " + strings.Repeat("x", MaxPolicyBytes) + "\n"
	if err := os.WriteFile(big, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "file too large") {
		t.Errorf("oversized policy: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || errors.Is(err, ErrInvalid) {
		t.Errorf("missing file: %v, want an operational error", err)
	}
	// YAML alias expansion ("billion laughs") is refused by the decoder.
	bomb := "apiVersion: vouch.dev/v1\nkind: Policy\na: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
	if _, err := Parse("bomb.yaml", []byte(bomb), dir); err == nil {
		t.Error("alias bomb loaded")
	}
}

func FuzzLoad(f *testing.F) {
	files := examplePolicies(f)
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	if len(files) == 0 {
		f.Fatal("no seeds: the example policies are missing")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data, examplesDir)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error %v names neither the file nor ErrInvalid", err)
			}
			return
		}
		if p.c == nil || p.APIVersion != APIVersion || p.Kind != Kind {
			t.Fatalf("loaded an uncompiled or wrong policy: %+v", p)
		}
	})
}
