package policy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/format"
	"github.com/vouchdev/vouch/pkg/sbom/sbomtest"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/slsa"
	"github.com/vouchdev/vouch/pkg/verify/slsa/slsatest"
)

var (
	artBytes = []byte("hello, release\n")
	art256   = hexSum(sha256.Sum256(artBytes))
	art512   = hexSum512(sha512.Sum512(artBytes))
	artifact = Artifact{Name: "hello_linux_amd64.tar.gz", Digests: map[string]string{"sha256": art256, "sha512": art512}}
	ghIssuer = GitHubActionsIssuer
	ghSigner = verify.Signer{Identity: "https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.2.3", Issuer: ghIssuer,
		Extensions: map[string]string{"sourceRepositoryURI": "https://github.com/example/app", "sourceRepositoryRef": "refs/tags/v1.2.3",
			"buildSignerURI": "https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.2.3",
			"buildConfigURI": "https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.2.3", "runnerEnvironment": "github-hosted"}}
	ghIdentity = "trust:\n  identities:\n    - repo: example/app\n"
)

func hexSum(b [32]byte) string    { return hex.EncodeToString(b[:]) }
func hexSum512(b [64]byte) string { return hex.EncodeToString(b[:]) }

// statement builds a statement naming digests, with a predicate from JSON.
func statement(t *testing.T, predicateType string, digests map[string]string, predicateJSON string) *ita.Statement {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(predicateJSON), &m); err != nil {
		t.Fatal(err)
	}
	pred, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return &ita.Statement{Type: ita.StatementTypeUri, PredicateType: predicateType, Predicate: pred,
		Subject: []*ita.ResourceDescriptor{{Name: "hello_linux_amd64.tar.gz", Digest: digests}}}
}

func evidence(name string, st *ita.Statement, s verify.Signer) verify.Evidence {
	return verify.Evidence{Bundle: name, Kind: "dsse", Signer: s, Statement: st, PredicateType: st.GetPredicateType()}
}

// provenanceV1 is GitHub artifact-attestation provenance built by the
// release workflow of example/app (the shape of testdata/slsa/bcr-*).
func provenanceV1(repo, ref string) string {
	return `{"buildDefinition": {"buildType": "https://actions.github.io/buildtypes/workflow/v1",
	  "externalParameters": {"workflow": {"ref": "` + ref + `", "repository": "https://github.com/` + repo + `", "path": ".github/workflows/release.yml"}},
	  "resolvedDependencies": [{"uri": "git+https://github.com/` + repo + `@` + ref + `", "digest": {"gitCommit": "8f70009fde0c94ade6ce2a054b94718c819126ec"}}]},
	 "runDetails": {"builder": {"id": "https://github.com/` + repo + `/.github/workflows/release.yml@` + ref + `"}}}`
}

func mustParse(t *testing.T, doc string) *Policy {
	t.Helper()
	p, err := Parse("test.yaml", []byte("apiVersion: vouch.dev/v1\nkind: Policy\n"+doc), ".")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func statusOf(fs []verify.Finding, id string) verify.Status {
	if f := findingByID(fs, id); f != nil {
		return f.Status
	}
	return "absent"
}

func accepted(fs []verify.Finding) bool { return (&verify.ArtifactReport{Findings: fs}).Accept() }

// TestSubjectDigests: a statement names the artifact only by a matching
// sha256 or sha512; a weaker or unknown algorithm, or a strong one that
// disagrees, does not.
func TestSubjectDigests(t *testing.T) {
	p := mustParse(t, ghIdentity+"predicates:\n  required: [provenance]\n")
	tests := []struct {
		name    string
		digests map[string]string
		want    verify.Status
	}{
		{"sha256", map[string]string{"sha256": art256}, verify.StatusPass},
		{"sha512", map[string]string{"sha512": art512}, verify.StatusPass},
		{"both", map[string]string{"sha256": art256, "sha512": art512}, verify.StatusPass},
		{"upper-case hex", map[string]string{"sha256": strings.ToUpper(art256)}, verify.StatusPass},
		{"sha1 only", map[string]string{"sha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709"}, verify.StatusFail},
		{"md5 only", map[string]string{"md5": "d41d8cd98f00b204e9800998ecf8427e"}, verify.StatusFail},
		{"unknown algorithm", map[string]string{"sha3_256": art256}, verify.StatusFail},
		{"sha256 matches, sha512 differs", map[string]string{"sha256": art256, "sha512": strings.Repeat("0", 128)}, verify.StatusFail},
		{"another artifact", map[string]string{"sha256": strings.Repeat("a", 64)}, verify.StatusFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := statement(t, slsa.PredicateV1, tt.digests, provenanceV1("example/app", "refs/tags/v1.2.3"))
			fs := p.Evaluate(context.Background(), artifact, []verify.Evidence{evidence("p.sigstore.json", st, ghSigner)}, Options{})
			if got := statusOf(fs, FindingSubject); got != tt.want {
				t.Errorf("subject %s, want %s\n%s", got, tt.want, dump(fs))
			}
			if tt.want == verify.StatusPass != accepted(fs) {
				t.Errorf("accepted = %v\n%s", accepted(fs), dump(fs))
			}
		})
	}
}

// TestAdversarial: each attack fails, with its own finding.
func TestAdversarial(t *testing.T) {
	good := func(t *testing.T) *ita.Statement {
		return statement(t, slsa.PredicateV1, map[string]string{"sha256": art256}, provenanceV1("example/app", "refs/tags/v1.2.3"))
	}
	sbomStmt := func(t *testing.T) *ita.Statement {
		return statement(t, PredicateCycloneDX, map[string]string{"sha256": art256}, cycloneDXJSON(t))
	}
	p := mustParse(t, ghIdentity+"predicates:\n  required: [provenance]\nslsa:\n  sourceUri: github.com/example/app\n")
	tests := []struct {
		name   string
		policy *Policy
		ev     func(t *testing.T) []verify.Evidence
		fails  string
	}{
		{"predicate-type confusion: SBOM offered as provenance", p, func(t *testing.T) []verify.Evidence {
			return []verify.Evidence{evidence("sbom.sigstore.json", sbomStmt(t), ghSigner)}
		}, "predicate.provenance"},
		{"bundle's predicate type disagrees with its statement", p, func(t *testing.T) []verify.Evidence {
			e := evidence("sbom.sigstore.json", sbomStmt(t), ghSigner)
			e.PredicateType = slsa.PredicateV1
			return []verify.Evidence{e}
		}, FindingStatement},
		{"not an in-toto statement", p, func(t *testing.T) []verify.Evidence {
			st := good(t)
			st.Type = "https://example.com/Statement/v9"
			return []verify.Evidence{evidence("p.sigstore.json", st, ghSigner)}
		}, FindingStatement},
		{"conflicting provenance", p, func(t *testing.T) []verify.Evidence {
			other := statement(t, slsa.PredicateV1, map[string]string{"sha256": art256}, provenanceV1("example/app", "refs/heads/evil"))
			s2 := ghSigner
			s2.Extensions = map[string]string{}
			for k, v := range ghSigner.Extensions {
				s2.Extensions[k] = strings.ReplaceAll(v, "refs/tags/v1.2.3", "refs/heads/evil")
			}
			s2.Identity = strings.ReplaceAll(s2.Identity, "refs/tags/v1.2.3", "refs/heads/evil")
			return []verify.Evidence{evidence("a.sigstore.json", good(t), ghSigner), evidence("b.sigstore.json", other, s2)}
		}, "provenance.consistent"},
		{"certificate from another repository", p, func(t *testing.T) []verify.Evidence {
			s := ghSigner
			s.Extensions = map[string]string{"sourceRepositoryURI": "https://github.com/example/app", "buildConfigURI": "https://github.com/evil/fork/.github/workflows/release.yml@refs/tags/v1.2.3"}
			return []verify.Evidence{evidence("p.sigstore.json", good(t), s)}
		}, "provenance.signer"},
		{"untrusted issuer", p, func(t *testing.T) []verify.Evidence {
			s := ghSigner
			s.Issuer = "https://evil.example"
			return []verify.Evidence{evidence("p.sigstore.json", good(t), s)}
		}, FindingSigner},
		{"no evidence", p, func(t *testing.T) []verify.Evidence { return nil }, FindingEvidence},
		{"dsse without statement", p, func(t *testing.T) []verify.Evidence {
			return []verify.Evidence{{Bundle: "x.sigstore.json", Kind: "dsse", Signer: ghSigner}}
		}, FindingStatement},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := tt.policy.Evaluate(context.Background(), artifact, tt.ev(t), Options{})
			if accepted(fs) {
				t.Fatalf("accepted:\n%s", dump(fs))
			}
			if got := statusOf(fs, tt.fails); got != verify.StatusFail {
				t.Errorf("finding %s is %s, want fail\n%s", tt.fails, got, dump(fs))
			}
			requireExplained(t, fs)
		})
	}
}

// TestIdentities: regexps are anchored; issuers must match; a keyless
// signer needs an identity unless the named opt-out is given; keys named
// by the policy are the only keys.
func TestIdentities(t *testing.T) {
	st := func(t *testing.T) *ita.Statement {
		return statement(t, "https://example.com/custom/v1", map[string]string{"sha256": art256}, `{"a": 1}`)
	}
	withSAN := func(san string) verify.Signer {
		return verify.Signer{Identity: san, Issuer: ghIssuer}
	}
	regexpPolicy := "trust:\n  identities:\n    - identityRegexp: 'https://github\\.com/example/app/.*'\n      issuer: " + ghIssuer + "\n"
	tests := []struct {
		name   string
		policy string
		signer verify.Signer
		opts   Options
		want   bool
	}{
		{"regexp matches", regexpPolicy, withSAN("https://github.com/example/app/.github/workflows/r.yml@refs/heads/main"), Options{}, true},
		{"regexp suffix attack", regexpPolicy, withSAN("https://evil.example/x?https://github.com/example/app/"), Options{}, false},
		{"regexp prefix attack", regexpPolicy, withSAN("https://github.com/example/app.evil/x"), Options{}, false},
		{"issuer mismatch", regexpPolicy, verify.Signer{Identity: "https://github.com/example/app/w", Issuer: "https://accounts.google.com"}, Options{}, false},
		{"exact identity", "trust:\n  identities:\n    - {identity: a@example.com, issuer: https://accounts.google.com}\n",
			verify.Signer{Identity: "a@example.com", Issuer: "https://accounts.google.com"}, Options{}, true},
		{"exact identity, other person", "trust:\n  identities:\n    - {identity: a@example.com, issuer: https://accounts.google.com}\n",
			verify.Signer{Identity: "a@example.com.evil", Issuer: "https://accounts.google.com"}, Options{}, false},
		{"subject glob does not apply", "trust:\n  identities:\n    - {subject: 'other-*', identity: a@example.com, issuer: https://accounts.google.com}\n",
			verify.Signer{Identity: "a@example.com", Issuer: "https://accounts.google.com"}, Options{}, false},
		{"signer workflow", "trust:\n  identities:\n    - signerWorkflow: example/app/.github/workflows/release.yml\n", ghSigner, Options{}, true},
		{"signer workflow, other workflow", "trust:\n  identities:\n    - signerWorkflow: example/app/.github/workflows/other.yml\n", ghSigner, Options{}, false},
		{"repo", ghIdentity, ghSigner, Options{}, true},
		{"keyless without identities", "", ghSigner, Options{}, false},
		{"keyless, insecure any identity", "", ghSigner, Options{InsecureAnyIdentity: true}, true},
		{"key, policy names no key", "", verify.Signer{KeyID: "abc"}, Options{}, true},
		{"key, not the policy's", "trust:\n  keys: [" + filepath.Join("..", "..", "..", "testdata", "slsa", "npm-registry-attestations-key.pem") + "]\n",
			verify.Signer{KeyID: strings.Repeat("b", 64)}, Options{}, false},
		// A deployment's other keys do not widen a policy's trust.keys.
		{"key, given in options, not the policy's", "trust:\n  keys: [" + filepath.Join("..", "..", "..", "testdata", "slsa", "npm-registry-attestations-key.pem") + "]\n",
			verify.Signer{KeyID: strings.Repeat("b", 64)}, Options{KeyIDs: []string{strings.Repeat("b", 64)}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, tt.policy)
			fs := p.Evaluate(context.Background(), artifact, []verify.Evidence{evidence("b.sigstore.json", st(t), tt.signer)}, tt.opts)
			if got := statusOf(fs, FindingSigner) == verify.StatusPass; got != tt.want {
				t.Errorf("signer trusted = %v, want %v\n%s", got, tt.want, dump(fs))
			}
			if !tt.want {
				f := findingByID(fs, FindingSigner)
				if f == nil || (tt.signer.Identity != "" && !strings.Contains(f.Found, tt.signer.Identity)) {
					t.Errorf("the failure does not name the signer found: %+v", f)
				}
			}
		})
	}
}

// cycloneDXJSON is sbomtest.Sample as CycloneDX 1.6 JSON.
func cycloneDXJSON(t *testing.T) string {
	t.Helper()
	return cycloneDXWith(t, func(*sbom.Document) {})
}

// cycloneDXWith is sbomtest.Sample, changed by edit, as CycloneDX 1.6 JSON.
func cycloneDXWith(t *testing.T, edit func(*sbom.Document)) string {
	t.Helper()
	d := sbomtest.Sample()
	edit(d)
	spec, err := format.ParseSpec("cyclonedx-json@1.6")
	if err != nil {
		t.Fatal(err)
	}
	enc, err := format.NewEncoder(spec)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := enc.Encode(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSBOM(t *testing.T) {
	sbomEv := func(t *testing.T, doc string) []verify.Evidence {
		return []verify.Evidence{evidence("hello.sbom.sigstore.json", statement(t, PredicateCycloneDX, map[string]string{"sha512": art512}, doc), ghSigner)}
	}
	doc := cycloneDXJSON(t)
	relicense := func(expr string) string {
		return cycloneDXWith(t, func(d *sbom.Document) {
			for i := range d.Components {
				if d.Components[i].Licenses.Declared == "Apache-2.0" {
					d.Components[i].Licenses = sbom.Licenses{Declared: expr, Concluded: expr}
				}
			}
		})
	}
	// hashWith gives every component one SHA-256 hash of value v.
	hashWith := func(v string) string {
		return cycloneDXWith(t, func(d *sbom.Document) {
			for i := range d.Components {
				d.Components[i].Hashes = []sbom.Hash{{Algorithm: sbom.SHA256, Value: v}}
			}
		})
	}
	tests := []struct {
		name, policy, id string
		doc              string
		want             verify.Status
		found            string // in Found of a failure
	}{
		{"present", "sbom:\n  required: true\n", FindingSBOM, doc, verify.StatusPass, ""},
		{"format accepted", "sbom:\n  formats: [cyclonedx]\n", "sbom.format", doc, verify.StatusPass, ""},
		{"format refused", "sbom:\n  formats: [spdx]\n", "sbom.format", doc, verify.StatusFail, "cyclonedx 1.6"},
		{"licences allowed", "sbom:\n  licenses:\n    allow: [Apache-2.0, BSD-3-Clause]\n", "sbom.licenses", doc, verify.StatusPass, ""},
		{"licence not allowed", "sbom:\n  licenses:\n    allow: [Apache-2.0]\n", "sbom.licenses", doc, verify.StatusFail, `golang.org/x/mod@v0.42.0 (pkg:golang/golang.org/x/mod@v0.42.0): licence "BSD-3-Clause"`},
		{"licence denied", "sbom:\n  licenses:\n    deny: [Apache-2.0]\n", "sbom.licenses", doc, verify.StatusFail, "github.com/spf13/cobra@v1.10.2"},
		{"OR expression satisfiable", "sbom:\n  licenses:\n    allow: [BSD-3-Clause]\n", "sbom.licenses",
			relicense("Apache-2.0 OR BSD-3-Clause"), verify.StatusPass, ""},
		{"AND expression not satisfiable", "sbom:\n  licenses:\n    allow: [BSD-3-Clause]\n", "sbom.licenses",
			relicense("Apache-2.0 AND BSD-3-Clause"), verify.StatusFail, `"Apache-2.0 AND BSD-3-Clause" cannot be satisfied`},
		{"lower-case operator refused, as sbom check refuses it", "sbom:\n  licenses:\n    allow: [Apache-2.0, BSD-3-Clause]\n", "sbom.licenses",
			relicense("Apache-2.0 or BSD-3-Clause"), verify.StatusFail, `operator "or" at 12 must be written OR`},
		{"cisa profile passes with well-formed hashes", "sbom:\n  profile: cisa-2025\n", "sbom.profile.cisa-2025",
			hashWith(strings.Repeat("ab", 32)), verify.StatusPass, ""},
		{"cisa profile fails on a malformed hash", "sbom:\n  profile: cisa-2025\n", "sbom.profile.cisa-2025",
			hashWith("not-a-hash"), verify.StatusFail, "cisa-2025.component.hash"},
		{"cisa profile fails on a hash of another length", "sbom:\n  profile: cisa-2025\n", "sbom.profile.cisa-2025",
			hashWith(strings.Repeat("ab", 16)), verify.StatusFail, "cisa-2025.component.hash"},
		{"licence refs not allowed", "sbom:\n  licenses:\n    allow: [BSD-3-Clause]\n", "sbom.licenses",
			relicense("LicenseRef-a OR LicenseRef-b"), verify.StatusFail, "cannot be satisfied"},
		{"denied component in range", "sbom:\n  deniedComponents:\n    - purl: pkg:golang/github.com/spf13/cobra\n      versions: '>=1.0.0, <1.11.0'\n", "sbom.denied-components", doc, verify.StatusFail, "version v1.10.2 is in >=1.0.0, <1.11.0"},
		{"denied component out of range", "sbom:\n  deniedComponents:\n    - purl: pkg:golang/github.com/spf13/cobra\n      versions: '<1.10.0 || >=2.0.0'\n", "sbom.denied-components", doc, verify.StatusPass, ""},
		{"denied component, exact version", "sbom:\n  deniedComponents:\n    - purl: pkg:golang/golang.org/x/mod@v0.42.0\n", "sbom.denied-components", doc, verify.StatusFail, "golang.org/x/mod"},
		{"denied component, every version", "sbom:\n  deniedComponents:\n    - purl: pkg:golang/stdlib\n", "sbom.denied-components", doc, verify.StatusFail, "every version"},
		{"schema profile passes", "sbom:\n  profile: schema\n", "sbom.profile.schema", doc, verify.StatusPass, ""},
		{"schema profile fails", "sbom:\n  profile: schema\n", "sbom.profile.schema",
			strings.Replace(doc, `"serialNumber": "urn:uuid:`, `"serialNumber": "not-a-urn:`, 1), verify.StatusFail, "schema.cyclonedx-1.6"},
		{"not an SBOM", "sbom:\n  required: true\n", FindingSBOM, `{"hello": "world"}`, verify.StatusError, "not a recognised sbom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, ghIdentity+tt.policy)
			fs := p.Evaluate(context.Background(), artifact, sbomEv(t, tt.doc), Options{})
			f := findingByID(fs, tt.id)
			if f == nil || f.Status != tt.want {
				t.Fatalf("finding %s: %+v, want %s\n%s", tt.id, f, tt.want, dump(fs))
			}
			if tt.found != "" && !strings.Contains(f.Found, tt.found) {
				t.Errorf("found %q does not contain %q", f.Found, tt.found)
			}
		})
	}
	// An SBOM requirement without any SBOM fails.
	p := mustParse(t, ghIdentity+"sbom:\n  required: true\n")
	fs := p.Evaluate(context.Background(), artifact, []verify.Evidence{evidence("p", statement(t, slsa.PredicateV1, map[string]string{"sha256": art256}, provenanceV1("example/app", "refs/tags/v1.2.3")), ghSigner)}, Options{})
	if statusOf(fs, FindingSBOM) != verify.StatusFail || !strings.Contains(findingByID(fs, FindingSBOM).Found, slsa.PredicateV1) {
		t.Errorf("no SBOM:\n%s", dump(fs))
	}
}

func TestRules(t *testing.T) {
	ev := []verify.Evidence{
		evidence("p.sigstore.json", statement(t, slsa.PredicateV1, map[string]string{"sha256": art256}, provenanceV1("example/app", "refs/tags/v1.2.3")), ghSigner),
		evidence("s.sigstore.json", statement(t, PredicateCycloneDX, map[string]string{"sha256": art256}, cycloneDXJSON(t)), ghSigner),
	}
	nested := "statements.all(s, " + strings.Repeat("[0,1,2,3,4,5,6,7,8,9].all(i, ", 8) + "true" + strings.Repeat(")", 8) + ")"
	tests := []struct {
		expr string
		want verify.Status
	}{
		{`artifact.digests.sha256 == "` + art256 + `"`, verify.StatusPass},
		{`statements.size() == 2 && statements.exists(s, s.predicateType == "https://slsa.dev/provenance/v1")`, verify.StatusPass},
		{`provenance.source == "github.com/example/app" && provenance.sourceRef.startsWith("refs/tags/")`, verify.StatusPass},
		{`provenance.builderId.endsWith("release.yml@refs/tags/v1.2.3")`, verify.StatusPass},
		{`sbom.components.exists(c, c.purl == "pkg:golang/github.com/spf13/cobra@v1.10.2" && c.license == "Apache-2.0")`, verify.StatusPass},
		{`statements.all(s, s.signer.extensions.sourceRepositoryURI == "https://github.com/example/app")`, verify.StatusPass},
		{`sbom.components.all(c, c.license != "BSD-3-Clause")`, verify.StatusFail},
		{`statements[0].predicate.noSuchField == 1`, verify.StatusError},
		{`statements[0].predicateType`, verify.StatusError}, // not bool
		{nested, verify.StatusError}, // over the cost limit
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			p := &Policy{APIVersion: APIVersion, Kind: Kind, Trust: Trust{Identities: []Identity{{Repo: "example/app"}}},
				Rules: []Rule{{Name: "r", Expression: tt.expr, Message: "custom message"}}}
			if err := p.Compile(); err != nil {
				t.Fatal(err)
			}
			fs := p.Evaluate(context.Background(), artifact, ev, Options{})
			f := findingByID(fs, "rule.r")
			if f == nil || f.Status != tt.want {
				t.Fatalf("rule: %+v, want %s\n%s", f, tt.want, dump(fs))
			}
			if tt.want == verify.StatusFail && f.Message != "custom message" {
				t.Errorf("message %q", f.Message)
			}
		})
	}
}

// TestLayout verifies the in-toto demo through a policy: the product must
// be the artifact; skipped inspections keep the verdict from passing.
func TestLayout(t *testing.T) {
	demo := filepath.Join("..", "..", "..", "testdata", "in-toto-demo")
	p := mustParse(t, "layout:\n  file: "+filepath.Join(demo, "demo.layout")+"\n  keys: ["+filepath.Join(demo, "alice.pub")+"]\n")
	d, err := slsatest.FileDigests(filepath.Join(demo, "foo.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	fs := p.Evaluate(context.Background(), Artifact{Name: "foo.tar.gz", Digests: d}, nil, Options{})
	for id, want := range map[string]verify.Status{"layout": verify.StatusPass, "layout.product": verify.StatusPass, "layout.inspections": verify.StatusSkipped} {
		if got := statusOf(fs, id); got != want {
			t.Errorf("%s: %s, want %s\n%s", id, got, want, dump(fs))
		}
	}
	if accepted(fs) {
		t.Error("accepted with skipped inspections")
	}
	if f := findingByID(fs, "layout.inspections"); f == nil || !strings.Contains(f.Message, "untar") || !strings.Contains(f.Message, "--run-inspections") {
		t.Errorf("skipped inspections are not explained: %+v", f)
	}
	// With inspections (run on a copy: they extract the archive), the demo
	// is accepted on its layout alone.
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(demo, "foo.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "foo.tar.gz"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	fs = p.Evaluate(context.Background(), Artifact{Name: "foo.tar.gz", Digests: d}, nil, Options{RunInspections: true, InspectionDir: dir})
	if !accepted(fs) || statusOf(fs, "layout.inspections") != verify.StatusPass {
		t.Errorf("demo with inspections not accepted:\n%s", dump(fs))
	}
	other := Artifact{Name: "foo.tar.gz", Digests: map[string]string{"sha256": art256}}
	fs = p.Evaluate(context.Background(), other, nil, Options{})
	if statusOf(fs, "layout.product") != verify.StatusFail {
		t.Errorf("a changed final product passed:\n%s", dump(fs))
	}
	bad := mustParse(t, "layout:\n  file: "+filepath.Join(demo, "demo.layout")+"\n  keys: ["+filepath.Join(demo, "dan.pub")+"]\n")
	if fs := bad.Evaluate(context.Background(), Artifact{Name: "foo.tar.gz", Digests: d}, nil, Options{}); statusOf(fs, "layout") != verify.StatusFail {
		t.Errorf("wrong layout key:\n%s", dump(fs))
	}
}
