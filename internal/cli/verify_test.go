package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	vsapb "github.com/in-toto/attestation/go/predicates/vsa/v1"
	"github.com/rogpeppe/go-internal/txtar"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

const (
	conformanceDir      = "../../testdata/sigstore-conformance"
	conformanceIdentity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	githubIssuer        = "https://token.actions.githubusercontent.com"
)

// runVouch runs vouch in-process and returns its exit code and output.
func runVouch(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// testKey writes an unencrypted PKCS#8 private key and its public key as
// dir/prefix.key and dir/prefix.pub and returns a signer for it.
func testKey(t testing.TB, dir, prefix string) (*sign.Signer, string, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	keyFile, pubFile := filepath.Join(dir, prefix+".key"), filepath.Join(dir, prefix+".pub")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := sign.NewKeySigner(k, sign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s, keyFile, pubFile
}

// signedArtifacts writes n artifacts with their signature bundles
// (A.sigstore.json) into dir.
func signedArtifacts(t testing.TB, s *sign.Signer, dir string, n int) []string {
	t.Helper()
	var paths []string
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("artifact-%03d.bin", i))
		data := []byte(fmt.Sprintf("artifact %d\n", i))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := s.SignBlob(context.Background(), bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p+".sigstore.json", b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// noNetwork fails the test on any HTTP request or DNS lookup.
func noNetwork(t *testing.T) { nonet.Forbid(t) }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestVerifyNeverTouchesNetworkOffline: key-signed bundles need no network
// even without --offline, and a keyless public-good bundle verifies with
// --offline from the embedded root (an empty TUF cache), with every HTTP
// request and DNS lookup failing the test. Without --offline the same
// keyless bundle does try the network: the guard is not vacuous.
func TestVerifyNeverTouchesNetworkOffline(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	dir := t.TempDir()
	s, _, pub := testKey(t, dir, "k")
	arts := signedArtifacts(t, s, dir, 1)

	t.Run("key", func(t *testing.T) {
		noNetwork(t)
		if code, out, errs := runVouch(t, "verify", "--key", pub, arts[0]); code != ExitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
	})
	keyless := []string{"verify", "--certificate-identity", conformanceIdentity, "--certificate-oidc-issuer", githubIssuer,
		"--bundle", filepath.Join(conformanceDir, "happy-path-v0.3", "bundle.sigstore.json"), filepath.Join(conformanceDir, "a.txt")}
	t.Run("keyless-offline", func(t *testing.T) {
		noNetwork(t)
		code, out, errs := runVouch(t, append(keyless, "--offline")...)
		if code != ExitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
	})
	t.Run("keyless-online-tries", func(t *testing.T) {
		tried := false
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			tried = true
			return nil, errors.New("network disabled by test")
		})
		old := http.DefaultTransport
		oldClient := http.DefaultClient.Transport
		http.DefaultTransport, http.DefaultClient.Transport = rt, rt
		t.Cleanup(func() { http.DefaultTransport, http.DefaultClient.Transport = old, oldClient })
		code, _, errs := runVouch(t, keyless...)
		if !tried || code != ExitError {
			t.Fatalf("online verification: tried the network %v, exit %d (want 1)\n%s", tried, code, errs)
		}
		if !strings.Contains(errs, "offline mode uses the cache or the embedded snapshot") {
			t.Errorf("no hint about --offline:\n%s", errs)
		}
	})
}

// TestVerifyIdentity: a keyless signer that is not the expected one fails
// with exit 3, showing the identity expected and the one in the
// certificate; a suffix or prefix of the right identity does not match
// (regexps are anchored); no identity at all is a usage error.
func TestVerifyIdentity(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	noNetwork(t)
	base := []string{"verify", "--offline", "--bundle", filepath.Join(conformanceDir, "happy-path-v0.3", "bundle.sigstore.json")}
	art := filepath.Join(conformanceDir, "a.txt")
	for _, tc := range []struct {
		name  string
		flags []string
		code  int
		want  []string
	}{
		{"exact", []string{"--certificate-identity", conformanceIdentity, "--certificate-oidc-issuer", githubIssuer}, ExitOK, nil},
		{"repo", []string{"--repo", "sigstore-conformance/extremely-dangerous-public-oidc-beacon"}, ExitOK, nil},
		{"other identity", []string{"--certificate-identity", "release@example.com", "--certificate-oidc-issuer", githubIssuer}, ExitFailure,
			[]string{"FAIL    signer: none of the signers is trusted by the policy", `expected: identity release@example.com, issuer ` + githubIssuer, "found: " + conformanceIdentity + " (issuer " + githubIssuer}},
		{"other issuer", []string{"--certificate-identity", conformanceIdentity, "--certificate-oidc-issuer", "https://accounts.google.com"}, ExitFailure,
			[]string{"issuer https://accounts.google.com;", "found: " + conformanceIdentity + " (issuer " + githubIssuer}},
		{"regexp prefix only", []string{"--certificate-identity-regexp", `https://github\.com/sigstore-conformance/`, "--certificate-oidc-issuer", githubIssuer}, ExitFailure,
			[]string{"FAIL    signer:"}},
		{"regexp suffix attack", []string{"--certificate-identity-regexp", `.*oidc-beacon\.yml@refs/heads/mai`, "--certificate-oidc-issuer", githubIssuer}, ExitFailure,
			[]string{"FAIL    signer:"}},
		{"other repo", []string{"--repo", "sigstore-conformance/extremely-dangerous"}, ExitFailure,
			[]string{"repository https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon"}},
		{"no identity", nil, ExitUsage, []string{"keyless bundles need an identity"}},
		{"insecure any identity", []string{"--insecure-any-identity"}, ExitOK, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append(append([]string{}, base...), tc.flags...), art)
			code, out, errs := runVouch(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(out+errs, w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, errs)
				}
			}
		})
	}
}

// TestVerifyBatch verifies 120 artifacts in one process, given as paths and
// as digests; results stream as JSON lines, one per input line. One changed
// artifact makes exit 3 and only its line unverified; a malformed line makes
// exit 1 with its own error line.
func TestVerifyBatch(t *testing.T) {
	dir := t.TempDir()
	s, _, pub := testKey(t, dir, "k")
	arts := signedArtifacts(t, s, dir, 120)
	var lines []string
	for i, a := range arts {
		target := a
		if i%2 == 1 {
			data, err := os.ReadFile(a)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			target = "sha256:" + hex.EncodeToString(sum[:])
		}
		l, _ := json.Marshal(map[string]any{"artifact": target, "bundles": []string{a + ".sigstore.json"}})
		lines = append(lines, string(l))
	}
	batch := filepath.Join(dir, "batch.jsonl")
	write := func(ls []string) {
		if err := os.WriteFile(batch, []byte(strings.Join(ls, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	parse := func(out string) map[int]map[string]any {
		got := map[int]map[string]any{}
		sc := bufio.NewScanner(strings.NewReader(out))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var l map[string]any
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("not a JSON line: %q: %v", sc.Text(), err)
			}
			got[int(l["line"].(float64))] = l
		}
		return got
	}

	write(lines)
	code, out, errs := runVouch(t, "verify", "--key", pub, "--batch", batch, "--jobs", "4")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	got := parse(out)
	if len(got) != len(arts) {
		t.Fatalf("%d result lines, want %d", len(got), len(arts))
	}
	for i := range arts {
		r, ok := got[i+1]["report"].(map[string]any)
		if !ok || r["verified"] != true {
			t.Errorf("line %d: %v", i+1, got[i+1])
		}
	}

	// Artifact 6 (given by path) changed: only line 7 fails.
	if err := os.WriteFile(arts[6], []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runVouch(t, "verify", "--key", pub, "--batch", batch)
	if code != ExitFailure {
		t.Fatalf("exit %d, want %d", code, ExitFailure)
	}
	for n, l := range parse(out) {
		verified := l["report"].(map[string]any)["verified"] == true
		if verified != (n != 7) {
			t.Errorf("line %d: verified %v", n, verified)
		}
	}

	// A malformed line: its own error, exit 1; the others still verified.
	write(append([]string{`{"artifact": 42}`}, lines[:3]...))
	code, out, _ = runVouch(t, "verify", "--key", pub, "--batch", batch)
	if code != ExitError {
		t.Fatalf("exit %d, want %d", code, ExitError)
	}
	got = parse(out)
	if e, _ := got[1]["error"].(string); !strings.Contains(e, ":1: want {\"artifact\"") {
		t.Errorf("line 1 error = %q", e)
	}
	if len(got) != 4 {
		t.Errorf("%d lines, want 4", len(got))
	}

	// Batch usage errors.
	for _, args := range [][]string{
		{"verify", "--batch", batch, "a.txt"},
		{"verify", "--batch", batch, "-o", "text"},
		{"verify", "--batch", batch, "--bundle", "x.json"},
		{"verify", "--batch", batch, "--jobs", "-1"},
	} {
		if code, _, errs := runVouch(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errs)
		}
	}
}

// TestVerifyReportsValidate: the JSON report of a passing and a failing run
// validates against vouch's schema, the SARIF log against SARIF 2.1.0.
func TestVerifyReportsValidate(t *testing.T) {
	dir := t.TempDir()
	s, _, pub := testKey(t, dir, "k")
	_, _, other := testKey(t, dir, "other")
	arts := signedArtifacts(t, s, dir, 2)
	for _, key := range []string{pub, other} {
		jsonFile, sarifFile := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.sarif")
		code, _, errs := runVouch(t, "verify", "--key", key, "-o", "json="+jsonFile, "-o", "sarif="+sarifFile, arts[0], arts[1])
		want := ExitOK
		if key == other {
			want = ExitFailure
		}
		if code != want {
			t.Fatalf("exit %d, want %d\n%s", code, want, errs)
		}
		j, err := os.ReadFile(jsonFile)
		if err != nil {
			t.Fatal(err)
		}
		schematest.ValidateJSON(t, filepath.Join("..", "..", "schemas", "verify-report.schema.json"), j)
		var r verify.Report
		if err := json.Unmarshal(j, &r); err != nil || r.Schema != verify.ReportSchema || r.Verified != (want == ExitOK) || len(r.Artifacts) != 2 {
			t.Errorf("report: %+v (%v)", r, err)
		}
		sf, err := os.ReadFile(sarifFile)
		if err != nil {
			t.Fatal(err)
		}
		schematest.ValidateJSON(t, filepath.Join("..", "..", "testdata", "sarif", "sarif-schema-2.1.0.json"), sf)
	}
}

// TestVerifyVSA writes a signed VSA for a verified artifact, verifies the
// VSA itself with vouch, and checks its predicate against the in-toto VSA
// v1 type; a refused artifact gets a FAILED summary.
func TestVerifyVSA(t *testing.T) {
	dir := t.TempDir()
	s, _, pub := testKey(t, dir, "k")
	_, vsaKey, vsaPub := testKey(t, dir, "registry")
	_, _, other := testKey(t, dir, "other")
	art := signedArtifacts(t, s, dir, 1)[0]
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	out := filepath.Join(dir, "app.vsa.sigstore.json")

	check := func(key, result string) {
		t.Helper()
		code, stdout, errs := runVouch(t, "verify", "--key", key, "--vsa", out, "--vsa-key", vsaKey, "--vsa-resource-uri", "https://registry.example/app", art)
		if (result == "PASSED") != (code == ExitOK) {
			t.Fatalf("exit %d\n%s%s", code, stdout, errs)
		}
		// The VSA verifies with the registry's key, as a "vsa" attestation.
		code, stdout, errs = runVouch(t, "verify", "--key", vsaPub, "--predicate-type", "vsa", "--bundle", out, art)
		if code != ExitOK {
			t.Fatalf("the VSA does not verify: exit %d\n%s%s", code, stdout, errs)
		}
		var b struct {
			DSSEEnvelope struct {
				Payload []byte `json:"payload"`
			} `json:"dsseEnvelope"`
		}
		raw, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Fatal(err)
		}
		var st struct {
			PredicateType string          `json:"predicateType"`
			Predicate     json.RawMessage `json:"predicate"`
		}
		if err := json.Unmarshal(b.DSSEEnvelope.Payload, &st); err != nil {
			t.Fatal(err)
		}
		var pred vsapb.VerificationSummary
		if err := protojson.Unmarshal(st.Predicate, &pred); err != nil {
			t.Fatalf("predicate is not a VSA v1: %v\n%s", err, st.Predicate)
		}
		if st.PredicateType != "https://slsa.dev/verification_summary/v1" || pred.GetVerificationResult() != result ||
			pred.GetResourceUri() != "https://registry.example/app" || pred.GetTimeVerified().AsTime().Unix() != 1700000000 ||
			pred.GetSlsaVersion() != "1.0" || pred.GetPolicy().GetUri() != flagPolicyURI || pred.GetVerifier().GetId() == "" {
			t.Errorf("predicate: %s", st.Predicate)
		}
		if result == "PASSED" {
			in := pred.GetInputAttestations()
			if len(in) != 1 || !strings.HasSuffix(in[0].GetUri(), ".sigstore.json") || len(in[0].GetDigest()["sha256"]) != 64 {
				t.Errorf("inputAttestations: %v", in)
			}
		}
	}
	check(pub, "PASSED")
	check(other, "FAILED")

	if code, _, errs := runVouch(t, "verify", "--key", pub, "--vsa", out, art); code != ExitUsage || !strings.Contains(errs, "--vsa needs a signer") {
		t.Errorf("--vsa without a signer: exit %d\n%s", code, errs)
	}
}

// TestKeyIDsAgree: the key id of a public key is the same hex string in the
// trust package, the policy's trust.keys, the bundle hint conversion and
// the evidence of a verified bundle.
func TestKeyIDsAgree(t *testing.T) {
	dir := t.TempDir()
	s, _, pub := testKey(t, dir, "k")
	k, err := trust.FromPublicKeyFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	pol := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(pol, []byte("apiVersion: vouch.dev/v1\nkind: Policy\ntrust:\n  keys: [k.pub]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := policy.Load(pol)
	if err != nil {
		t.Fatal(err)
	}
	hint := sign.KeyHint(k.PublicKey())
	if ids := p.KeyIDs(); len(ids) != 1 || ids[0] != k.ID() || bundle.HintKeyID(hint) != k.ID() {
		t.Fatalf("key ids disagree: trust %s, policy %v, hint %s → %s", k.ID(), ids, hint, bundle.HintKeyID(hint))
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(k.ID()) {
		t.Errorf("key id %q is not lower-case hex SHA-256", k.ID())
	}
	art := signedArtifacts(t, s, dir, 1)[0]
	code, out, errs := runVouch(t, "verify", "--policy", pol, "-o", "json", art)
	if code != ExitOK || !strings.Contains(out, "signed by key "+k.ID()) {
		t.Errorf("exit %d; evidence does not name key %s:\n%s%s", code, k.ID(), out, errs)
	}
}

func TestVerifyUsageExit2(t *testing.T) {
	for _, args := range [][]string{
		{"verify"},
		{"verify", "--no-such-flag", "a"},
		{"verify", "-o", "yaml", "a"},
		{"verify", "-o", "json", "-o", "sarif", "a"},
		{"verify", "--certificate-identity", "x", "a"},
		{"verify", "--certificate-identity", "x", "--certificate-identity-regexp", "y", "--certificate-oidc-issuer", "z", "a"},
		{"verify", "--repo", "not-a-repo", "a"},
		{"verify", "--signer-workflow", ".github/workflows/x.yml", "a"},
		{"verify", "--source-ref", "[", "a"},
		{"verify", "--predicate-type", "nonsense", "a"},
		{"verify", "--vsa-keyless", "a"},
		{"verify", "--vsa-resource-uri", "https://x", "a", "b"},
	} {
		code, _, errs := runVouch(t, args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d; stderr:\n%s", args, code, ExitUsage, errs)
		}
		if !strings.HasPrefix(errs, "vouch: error: ") {
			t.Errorf("%v: stderr does not start with 'vouch: error: ': %q", args, errs)
		}
	}
}

// TestReadmeTour keeps README.md's verification tour and
// testdata/script/readme_tour.txtar (run by TestScripts) in step: the same
// commands in the same order, and the script's copies of the example files
// equal to the repository's.
// exitLine is the "exit CODE " prefix of a transcript command that must
// exit with CODE.
var exitLine = regexp.MustCompile(`^exit [0-9]+ `)

func TestReadmeTour(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Verifying\n")
	if !ok {
		t.Fatal("README.md has no ## Verifying section")
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("the ## Verifying section has no ```sh block")
	}
	var want []string
	for _, l := range strings.Split(block, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			want = append(want, l)
		}
	}

	ar, err := txtar.ParseFile(filepath.Join("testdata", "script", "readme_tour.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(string(ar.Comment), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "env "):
			got = append(got, "export "+strings.TrimPrefix(l, "env "))
		case strings.HasPrefix(l, "exec "):
			got = append(got, strings.TrimPrefix(l, "exec "))
		case exitLine.MatchString(l):
			got = append(got, exitLine.ReplaceAllString(l, ""))
		case strings.HasPrefix(l, "cp "):
			got = append(got, l)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the tour in README.md and readme_tour.txtar differ:\n--- README.md\n%s\n--- readme_tour.txtar\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	n := 0
	for _, f := range ar.Files {
		if !strings.HasPrefix(f.Name, "examples/") {
			continue
		}
		n++
		repo, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(f.Name)))
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		if !bytes.Equal(repo, f.Data) {
			t.Errorf("readme_tour.txtar's %s differs from the repository's copy", f.Name)
		}
	}
	entries, err := os.ReadDir(filepath.Join("..", "..", "examples", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	if n != len(entries) {
		t.Errorf("readme_tour.txtar has %d files of examples/, the repository's examples/hello has %d", n, len(entries))
	}
}

// BenchmarkVerifyCLIKeyBundle is one `vouch verify --key K --bundle B A`
// in-process: command set-up, key and bundle loading, verification, policy
// evaluation and the text report.
func BenchmarkVerifyCLIKeyBundle(b *testing.B) {
	dir := b.TempDir()
	s, _, pub := testKey(b, dir, "k")
	art := signedArtifacts(b, s, dir, 1)[0]
	args := []string{"verify", "--key", pub, "--bundle", art + ".sigstore.json", art}
	for b.Loop() {
		var out, errb bytes.Buffer
		if code := Run(context.Background(), args, nil, &out, &errb); code != ExitOK {
			b.Fatalf("exit %d: %s", code, errb.String())
		}
	}
}

// BenchmarkVerifyBatch is --batch throughput over 200 key-signed artifacts
// (reported as bundles/s across all cores).
func BenchmarkVerifyBatch(b *testing.B) {
	dir := b.TempDir()
	s, _, pub := testKey(b, dir, "k")
	arts := signedArtifacts(b, s, dir, 200)
	var lines []string
	for _, a := range arts {
		l, _ := json.Marshal(map[string]any{"artifact": a, "bundles": []string{a + ".sigstore.json"}})
		lines = append(lines, string(l))
	}
	batch := filepath.Join(dir, "batch.jsonl")
	if err := os.WriteFile(batch, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var out, errb bytes.Buffer
		if code := Run(context.Background(), []string{"verify", "--key", pub, "--batch", batch}, nil, &out, &errb); code != ExitOK {
			b.Fatalf("exit %d: %s", code, errb.String())
		}
	}
	b.ReportMetric(float64(b.N*len(arts))/b.Elapsed().Seconds(), "bundles/s")
}
