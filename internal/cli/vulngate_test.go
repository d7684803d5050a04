package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/verify"
)

// vulnFixtures are the vulnerability gate's real fixtures (see ORIGIN):
// an SBOM with npm lodash 4.17.11, the GHSA records of two of its
// advisories, an OpenVEX not_affected for the critical one.
const vulnFixtures = "../../pkg/verify/policy/testdata/vuln"

// TestServeVulnerabilityGate: vouch serve --vuln-db evaluates a
// namespace's vulnerabilities gate through the service API. The critical
// advisory of the SBOM's lodash fails the decision; a VEX attestation by
// the trusted key clears it; one by a key the service does not trust
// cannot be verified and clears nothing. Without --vuln-db the gate is an
// error naming it.
func TestServeVulnerabilityGate(t *testing.T) {
	dir := t.TempDir()
	_, key, pub := testKey(t, dir, "release")
	_, otherKey, _ := testKey(t, dir, "other")
	art := filepath.Join(dir, "web.tar.gz")
	if err := os.WriteFile(art, []byte("web 1.0.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	attestWith := func(key, typ, predicate, out string) string {
		t.Helper()
		b := filepath.Join(dir, out)
		if code, _, errb := runVouch(t, "attest", "--key", key, "--type", typ, "--predicate", filepath.Join(vulnFixtures, predicate), "--bundle", b, art); code != 0 {
			t.Fatalf("attest %s: exit %d: %s", out, code, errb)
		}
		data, err := os.ReadFile(b)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	sbomB := attestWith(key, "cyclonedx", "web.cdx.json", "sbom.sigstore.json")
	vexB := attestWith(key, "openvex", "web.openvex.json", "vex.sigstore.json")
	otherVEX := attestWith(otherKey, "openvex", "web.openvex.json", "other-vex.sigstore.json")
	sum := sha256.Sum256([]byte("web 1.0.0\n"))
	subject := `{"digests":{"sha256":"` + hex.EncodeToString(sum[:]) + `"}}`

	start := func(extra ...string) (string, string, func() int) {
		url, stdout, stop := startServe(t, append([]string{"--data-dir", filepath.Join(t.TempDir(), "data"), "--key", pub}, extra...)...)
		token := regexp.MustCompile(`vouch_[A-Za-z0-9_-]{43}`).FindString(stdout.String())
		const policy = "apiVersion: vouch.dev/v1\nkind: Policy\nvulnerabilities:\n  failOn: critical\n"
		if code, body := request(t, "PUT", url+"/v1/namespaces/npm/policy", token, policy); code != 201 {
			t.Fatalf("PUT policy: %d %s", code, body)
		}
		return url, token, stop
	}
	post := func(t *testing.T, url, token string, bundles ...string) (serve.VerificationResponse, string) {
		t.Helper()
		code, body := request(t, "POST", url+"/v1/namespaces/npm/verifications", token,
			`{"subject":`+subject+`,"bundles":[`+strings.Join(bundles, ",")+`]}`)
		if code != 201 {
			t.Fatalf("POST: %d %s", code, body)
		}
		var v serve.VerificationResponse
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		var r verify.Report
		if err := json.Unmarshal(v.Report, &r); err != nil || len(r.Artifacts) != 1 {
			t.Fatalf("report: %v %s", err, v.Report)
		}
		var text strings.Builder
		for _, f := range r.Artifacts[0].Findings {
			if strings.HasPrefix(f.ID, "vulnerabilit") || f.Status != verify.StatusPass {
				text.WriteString(f.ID + " " + string(f.Status) + ": ")
				if v := f.Vulnerability; v != nil {
					text.WriteString(f.PURL + " " + v.Severity + ", fixed in " + v.FixedVersion + ": ")
				}
				text.WriteString(f.Message + " | " + f.Found + "\n")
			}
		}
		return v, text.String()
	}

	url, token, stop := start("--vuln-db", filepath.Join(vulnFixtures, "osv"))
	defer stop()
	for _, tt := range []struct {
		name     string
		bundles  []string
		verified bool
		want     string
	}{
		{"no VEX", []string{sbomB}, false, "vulnerability.GHSA-jf85-cpcp-j695 fail: pkg:npm/lodash@4.17.11 critical, fixed in 4.17.12: lodash@4.17.11: Prototype Pollution in lodash — failOn critical"},
		{"VEX by the trusted key", []string{sbomB, vexB}, true, "vulnerabilities pass: no vulnerability fails the policy (2 matched, 1 cleared by VEX, 0 by allow entries)"},
		{"attack: VEX by another key", []string{sbomB, otherVEX}, false, "vulnerability.GHSA-jf85-cpcp-j695 fail: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, text := post(t, url, token, tt.bundles...)
			if v.Verified != tt.verified || !strings.Contains(text, tt.want) {
				t.Errorf("verified = %v, want %v; findings do not say %q:\n%s", v.Verified, tt.verified, tt.want, text)
			}
		})
	}

	url, token, stop2 := start()
	defer stop2()
	if v, text := post(t, url, token, sbomB, vexB); v.Verified || !strings.Contains(text, "vulnerabilities error: the policy has a vulnerabilities section and no vulnerability database was given (--vuln-db)") {
		t.Errorf("without --vuln-db: verified = %v\n%s", v.Verified, text)
	}
}

// TestServeVulnDBUnreadable: a --vuln-db that cannot be read stops the
// start (exit 1), naming it, rather than serve a gate with no database.
func TestServeVulnDBUnreadable(t *testing.T) {
	code, _, errb := runVouch(t, "serve", "--listen", "127.0.0.1:0", "--offline", "--data-dir", filepath.Join(t.TempDir(), "data"),
		"--vuln-db", filepath.Join(t.TempDir(), "missing"))
	if code != ExitError || !strings.Contains(errb, "--vuln-db ") {
		t.Errorf("exit %d, %s", code, errb)
	}
}

// TestVerifyVulnerabilityReports: a failing vulnerability finding in the
// JSON report carries the component's purl and the advisory (schema
// verify-report v1, which only adds fields), and the SARIF report is
// valid with its rule from the catalogue.
func TestVerifyVulnerabilityReports(t *testing.T) {
	dir := t.TempDir()
	_, key, pub := testKey(t, dir, "release")
	art := filepath.Join(dir, "web.tar.gz")
	if err := os.WriteFile(art, []byte("web 1.0.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errb := runVouch(t, "attest", "--key", key, "--type", "cyclonedx", "--predicate", filepath.Join(vulnFixtures, "web.cdx.json"),
		"--bundle", art+sbomSuffix, art); code != 0 {
		t.Fatalf("attest: exit %d: %s", code, errb)
	}
	pol := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(pol, []byte("apiVersion: vouch.dev/v1\nkind: Policy\nvulnerabilities:\n  failOn: critical\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	jsonFile, sarifFile := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.sarif")
	code, _, errb := runVouch(t, "verify", "--key", pub, "--policy", pol, "--vuln-db", filepath.Join(vulnFixtures, "osv"),
		"-o", "json="+jsonFile, "-o", "sarif="+sarifFile, art)
	if code != ExitFailure {
		t.Fatalf("exit %d, want %d: %s", code, ExitFailure, errb)
	}
	j, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	schematest.ValidateJSON(t, filepath.Join("..", "..", "schemas", "verify-report.schema.json"), j)
	var r verify.Report
	if err := json.Unmarshal(j, &r); err != nil || len(r.Artifacts) != 1 {
		t.Fatalf("report: %v", err)
	}
	var f *verify.Finding
	for i := range r.Artifacts[0].Findings {
		if r.Artifacts[0].Findings[i].ID == "vulnerability.GHSA-jf85-cpcp-j695" {
			f = &r.Artifacts[0].Findings[i]
		}
	}
	if f == nil || f.PURL != "pkg:npm/lodash@4.17.11" || f.Vulnerability == nil || f.Vulnerability.FixedVersion != "4.17.12" ||
		f.Vulnerability.Severity != "critical" || strings.Join(f.Vulnerability.Aliases, ",") != "CVE-2019-10744" {
		t.Errorf("the failing finding does not carry the component and advisory: %+v", f)
	}
	s, err := os.ReadFile(sarifFile)
	if err != nil {
		t.Fatal(err)
	}
	schematest.ValidateJSON(t, filepath.Join("..", "..", "testdata", "sarif", "sarif-schema-2.1.0.json"), s)
	if !strings.Contains(string(s), `"ruleId": "vulnerability.GHSA-jf85-cpcp-j695"`) || !strings.Contains(string(s), "An advisory affecting a component fails the vulnerability gate") {
		t.Errorf("SARIF lacks the vulnerability result or its catalogue rule:\n%s", s)
	}
}

// TestDiscoverVEX: the release layout of A has A's own VEX attestation and
// the release's (FILE.vex.sigstore.json, FILE no artifact), never another
// artifact's own, which would not name A and fail its verification.
func TestDiscoverVEX(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a", "b", "a.vex.sigstore.json", "b.vex.sigstore.json", "release.openvex.vex.sigstore.json", "a.sigstore.json"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.vex.sigstore.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	found, _ := discoverBundles(filepath.Join(dir, "a"))
	var names []string
	for _, f := range found {
		names = append(names, filepath.Base(f))
	}
	if got, want := strings.Join(names, " "), "a.sigstore.json a.vex.sigstore.json release.openvex.vex.sigstore.json"; got != want {
		t.Errorf("found %s, want %s", got, want)
	}
}
