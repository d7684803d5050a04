package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/vouchdev/vouch/internal/strictjson"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	sha256Hex = "2892146b063a94cb4a4318c0e98d38af12dcf2b1e29237486b58463b59607bbd"
	sha512Hex = "76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"
)

func testSubjects() []*ita.ResourceDescriptor {
	return []*ita.ResourceDescriptor{
		{Name: "app.tar.gz", Digest: map[string]string{"sha256": sha256Hex, "sha512": sha512Hex}},
		{Name: "app<&>.zip", Digest: map[string]string{"sha256": sha256Hex}},
	}
}

// TestParseRealStatements parses the payloads of published bundles: v1 and
// v0.1 statements are accepted, the one with an empty predicateType is not.
func TestParseRealStatements(t *testing.T) {
	for _, tc := range []struct {
		file, typ, predType string
		subjects            int
		wantErr             error
	}{
		{"v1-slsa1-bcr.json", StatementTypeV1, PredicateSLSAProvenanceV1, 1, nil},
		{"v1-slsa1-sigstore-js.json", StatementTypeV1, PredicateSLSAProvenanceV1, 1, nil},
		{"v01-dsse.json", StatementTypeV01, PredicateSLSAProvenanceV02, 1, nil},
		{"v01-slsa02-npm.json", StatementTypeV01, PredicateSLSAProvenanceV02, 1, nil},
		{"v01-slsa02-hello.json", StatementTypeV01, PredicateSLSAProvenanceV02, 1, nil},
		{"v01-slsa02-gha-generic.json", StatementTypeV01, PredicateSLSAProvenanceV02, 1, nil},
		{"invalid-empty-predicate-type.json", "", "", 0, ita.ErrPredicateTypeRequired},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "statements", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			st, err := ParseStatement(data)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !errors.Is(err, ErrStatement) {
					t.Fatalf("err = %v, want %v wrapped in ErrStatement", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.GetType() != tc.typ || st.GetPredicateType() != tc.predType || len(st.GetSubject()) != tc.subjects {
				t.Errorf("got _type %q predicateType %q %d subjects", st.GetType(), st.GetPredicateType(), len(st.GetSubject()))
			}
			// The SLSA v1 ones must also be SLSA v1 predicates.
			if tc.predType == PredicateSLSAProvenanceV1 {
				var p slsa.Provenance
				if err := unmarshalPredicate(st, &p); err != nil {
					t.Fatal(err)
				}
				if err := p.Validate(); err != nil {
					t.Errorf("predicate: %v", err)
				}
				if p.GetRunDetails().GetBuilder().GetId() == "" {
					t.Error("no builder id after decoding")
				}
			}
		})
	}
}

func TestParseStatementRejects(t *testing.T) {
	const subj = `"subject":[{"name":"a","digest":{"sha256":"` + sha256Hex + `"}}]`
	const pred = `"predicateType":"https://example.com/p/v1","predicate":{"k":"v"}`
	valid := `{"_type":"https://in-toto.io/Statement/v1",` + subj + `,` + pred + `}`
	if _, err := ParseStatement([]byte(valid)); err != nil {
		t.Fatalf("the baseline is valid: %v", err)
	}
	for name, in := range map[string]string{
		"not json":           `{"_type":`,
		"array":              `[` + valid + `]`,
		"trailing data":      valid + `{}`,
		"unknown type":       `{"_type":"https://in-toto.io/Statement/v2",` + subj + `,` + pred + `}`,
		"no type":            `{` + subj + `,` + pred + `}`,
		"type not string":    `{"_type":1,` + subj + `,` + pred + `}`,
		"proto name type":    `{"type":"https://in-toto.io/Statement/v1",` + subj + `,` + pred + `}`,
		"both type names":    `{"_type":"https://in-toto.io/Statement/v1","type":"https://in-toto.io/Statement/v1",` + subj + `,` + pred + `}`,
		"proto name pt":      `{"_type":"https://in-toto.io/Statement/v1",` + subj + `,"predicate_type":"https://example.com/p","predicate":{}}`,
		"duplicate type":     `{"_type":"https://in-toto.io/Statement/v1","_type":"https://in-toto.io/Statement/v0.1",` + subj + `,` + pred + `}`,
		"no subject":         `{"_type":"https://in-toto.io/Statement/v1",` + pred + `}`,
		"empty subject":      `{"_type":"https://in-toto.io/Statement/v1","subject":[],` + pred + `}`,
		"subject no digest":  `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a"}],` + pred + `}`,
		"short sha256":       `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"abcd"}}],` + pred + `}`,
		"non-hex sha256":     `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + strings.Repeat("z", 64) + `"}}],` + pred + `}`,
		"no predicate":       `{"_type":"https://in-toto.io/Statement/v1",` + subj + `,"predicateType":"https://example.com/p"}`,
		"null predicate":     `{"_type":"https://in-toto.io/Statement/v1",` + subj + `,"predicateType":"https://example.com/p","predicate":null}`,
		"predicate array":    `{"_type":"https://in-toto.io/Statement/v1",` + subj + `,"predicateType":"https://example.com/p","predicate":[1]}`,
		"relative pred type": `{"_type":"https://in-toto.io/Statement/v1",` + subj + `,"predicateType":"provenance","predicate":{}}`,
		"subject not list":   `{"_type":"https://in-toto.io/Statement/v1","subject":{"name":"a"},` + pred + `}`,
		"too large":          `{"_type":"https://in-toto.io/Statement/v1",` + subj + `,` + pred + `,"pad":"` + strings.Repeat("x", MaxStatementSize) + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			st, err := ParseStatement([]byte(in))
			if err == nil {
				t.Fatalf("accepted: %v", st)
			}
			if !errors.Is(err, ErrStatement) {
				t.Errorf("error does not wrap ErrStatement: %v", err)
			}
		})
	}
	// Unknown fields are ignored, as the in-toto specification requires.
	if _, err := ParseStatement([]byte(`{"_type":"https://in-toto.io/Statement/v1","extra":{"x":1},` + subj + `,` + pred + `}`)); err != nil {
		t.Errorf("unknown field: %v", err)
	}
}

func TestReadStatementLimit(t *testing.T) {
	big := bytes.Repeat([]byte(" "), MaxStatementSize+10)
	if _, err := ReadStatement(bytes.NewReader(big)); !errors.Is(err, ErrStatement) {
		t.Errorf("oversized input: err = %v", err)
	}
	data, _ := os.ReadFile(filepath.Join("testdata", "statements", "v1-slsa1-bcr.json"))
	if _, err := ReadStatement(bytes.NewReader(data)); err != nil {
		t.Errorf("real statement: %v", err)
	}
}

// TestMarshalStatementGolden pins the exact bytes of a statement: compact,
// no HTML escaping, numbers in encoding/json form, predicate keys sorted.
func TestMarshalStatementGolden(t *testing.T) {
	pred := []byte(`{"zeta": 1.50, "alpha": {"html": "<b>&</b>", "e": "\u00e9", "n": 1e2, "neg": -0.25, "t": true, "nil": null, "list": [3, "x"]}}`)
	st, err := NewStatement(testSubjects(), "https://example.com/predicate/v1", pred)
	if err != nil {
		t.Fatal(err)
	}
	got, err := MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden", "statement.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("MarshalStatement:\n got %s\nwant %s", got, want)
	}
	// Deterministic across calls (protojson randomises its white space per
	// build, not per call, so this guards map order and the re-encoder).
	for range 20 {
		again, err := MarshalStatement(st)
		if err != nil || !bytes.Equal(again, got) {
			t.Fatalf("second marshal differs: %s", again)
		}
	}
	// Round trip: the bytes parse back to the same statement.
	back, err := ParseStatement(got)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(back, st) {
		t.Errorf("round trip changed the statement:\n%v\n%v", back, st)
	}
}

func TestStableJSON(t *testing.T) {
	for in, want := range map[string]string{
		"{ \"b\" : [ 1 , 2.50 ] ,\n\"a\":\"x\" }": `{"b":[1,2.5],"a":"x"}`,
		`"<&>"`:             `"<&>"`,
		`"\u00e9\u2028\n"`:  `"é\u2028\n"`,
		`1e2`:               `100`,
		`-0.0`:              `-0`,
		`1E400`:             "",
		`[true,false,null]`: `[true,false,null]`,
		`{} {}`:             "",
	} {
		got, err := stableJSON([]byte(in))
		if want == "" {
			if err == nil {
				t.Errorf("stableJSON(%q) = %s, want an error", in, got)
			}
			continue
		}
		if err != nil || string(got) != want {
			t.Errorf("stableJSON(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
}

func TestNewStatement(t *testing.T) {
	prov := &slsa.Provenance{
		BuildDefinition: &slsa.BuildDefinition{BuildType: "https://example.com/bt/v1"},
		RunDetails:      &slsa.RunDetails{Builder: &slsa.Builder{Id: "https://example.com/b"}},
	}
	s, _ := structpb.NewStruct(map[string]any{"k": "v"})
	for name, pred := range map[string]any{
		"struct":      s,
		"proto":       prov,
		"bytes":       []byte(`{"k":"v"}`),
		"raw message": json.RawMessage(`{"k":"v"}`),
		"map":         map[string]any{"k": "v", "n": 1},
		"struct type": struct{ K string }{"v"},
		"max int":     []byte(`{"n":9007199254740992}`),
	} {
		st, err := NewStatement(testSubjects(), PredicateCycloneDX, pred)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if st.GetType() != StatementTypeV1 || st.GetPredicate() == nil {
			t.Errorf("%s: %v", name, st)
		}
	}
	for name, tc := range map[string]struct {
		subjects []*ita.ResourceDescriptor
		typ      string
		pred     any
	}{
		"nil predicate":     {testSubjects(), PredicateSPDX, nil},
		"nil struct":        {testSubjects(), PredicateSPDX, (*structpb.Struct)(nil)},
		"array predicate":   {testSubjects(), PredicateSPDX, []byte(`[1]`)},
		"string predicate":  {testSubjects(), PredicateSPDX, "text"},
		"bad json":          {testSubjects(), PredicateSPDX, []byte(`{`)},
		"big int":           {testSubjects(), PredicateSPDX, []byte(`{"n":9007199254740993}`)},
		"big negative int":  {testSubjects(), PredicateSPDX, []byte(`{"a":[{"n":-99999999999999999999}]}`)},
		"name not uri":      {testSubjects(), "cyclonedx", map[string]any{}},
		"no subjects":       {nil, PredicateSPDX, map[string]any{}},
		"subject no digest": {[]*ita.ResourceDescriptor{{Name: "a"}}, PredicateSPDX, map[string]any{}},
	} {
		if st, err := NewStatement(tc.subjects, tc.typ, tc.pred); err == nil {
			t.Errorf("%s: accepted: %v", name, st)
		} else if !errors.Is(err, ErrStatement) {
			t.Errorf("%s: error does not wrap ErrStatement: %v", name, err)
		}
	}
	if _, err := MarshalStatement(nil); err == nil {
		t.Error("MarshalStatement(nil) succeeded")
	}
	if _, err := MarshalStatement(&ita.Statement{Type: StatementTypeV1}); !errors.Is(err, ErrStatement) {
		t.Errorf("MarshalStatement(invalid) = %v", err)
	}
}

func TestPredicateType(t *testing.T) {
	for in, want := range map[string]string{
		"slsaprovenance1":                     "https://slsa.dev/provenance/v1",
		"slsaprovenance":                      "https://slsa.dev/provenance/v0.2",
		"slsaprovenance02":                    "https://slsa.dev/provenance/v0.2",
		"cyclonedx":                           "https://cyclonedx.org/bom",
		"spdx":                                "https://spdx.dev/Document",
		"spdxjson":                            "https://spdx.dev/Document",
		"openvex":                             "https://openvex.dev/ns",
		"vsa":                                 "https://slsa.dev/verification_summary/v1",
		"link":                                "https://in-toto.io/Link/v1",
		"vuln":                                "https://cosign.sigstore.dev/attestation/vuln/v1",
		"custom":                              "https://cosign.sigstore.dev/attestation/v1",
		"https://example.com/my-predicate/v2": "https://example.com/my-predicate/v2",
		"urn:example:predicate":               "urn:example:predicate",
	} {
		got, err := PredicateType(in)
		if err != nil || got != want {
			t.Errorf("PredicateType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "CycloneDX", "sbom", "/relative/path", "example.com/p", "https://exa mple.com/p", "https://example.com/p\n", "http://[::1"} {
		if got, err := PredicateType(bad); err == nil {
			t.Errorf("PredicateType(%q) = %q, want an error", bad, got)
		}
	}
	if n := PredicateTypeNames(); len(n) != len(predicateNames) || n[0] != "custom" {
		t.Errorf("PredicateTypeNames = %v", n)
	}
}

// unmarshalPredicate decodes a statement's predicate into a protobuf message.
func unmarshalPredicate(st *ita.Statement, m proto.Message) error {
	b, err := st.GetPredicate().MarshalJSON()
	if err != nil {
		return err
	}
	return protojson.Unmarshal(b, m)
}

// TestStatementDuplicateKeys: a real statement with one key repeated — a
// subject's digest (which digest is signed?), a predicate field — is
// refused naming the JSON path; the untouched statement parses. A predicate
// given to NewStatement is held to the same rule.
func TestStatementDuplicateKeys(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "statements", "v1-slsa1-bcr.json"))
	if err != nil {
		t.Fatal(err)
	}
	const digest = `"sha256":"06ce330900a7d6403bc8d88e5dfad6aeeb8ae40179f66bb89e69c8bf6f6b1a0b"`
	other := `"sha256":"` + strings.Repeat("ab", 32) + `"`
	for _, tc := range []struct{ name, old, new, path string }{
		{"subject digest", digest, digest + "," + other, "$.subject[0].digest.sha256"},
		{"predicate field", `"buildType":`, `"buildType":"https://example.com/other","buildType":`, "$.predicate.buildDefinition.buildType"},
		{"predicate type", `"predicateType":`, `"predicateType":"https://example.com/p/v1","predicateType":`, "$.predicateType"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseStatement(good); err != nil {
				t.Fatalf("control: %v", err)
			}
			if !bytes.Contains(good, []byte(tc.old)) {
				t.Fatalf("the statement has no %s", tc.old)
			}
			bad := bytes.Replace(good, []byte(tc.old), []byte(tc.new), 1)
			_, err := ParseStatement(bad)
			if !errors.Is(err, ErrStatement) || !errors.Is(err, strictjson.ErrDuplicateKey) || !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("ParseStatement = %v, want a duplicate key at %s", err, tc.path)
			}
		})
	}
	if _, err := NewStatement(testSubjects(), "https://example.com/p/v1", []byte(`{"k":"v","l":{"k":1}}`)); err != nil {
		t.Fatalf("control predicate: %v", err)
	}
	_, err = NewStatement(testSubjects(), "https://example.com/p/v1", []byte(`{"k":"v","l":{"k":1,"k":2}}`))
	if !errors.Is(err, strictjson.ErrDuplicateKey) || !strings.Contains(err.Error(), "$.l.k") {
		t.Fatalf("NewStatement = %v, want a duplicate key at $.l.k", err)
	}
}
