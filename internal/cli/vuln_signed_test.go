package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestVulnSignedVEX: vouch vuln --key applies a signed OpenVEX attestation
// about the artifact by the names the statement may give it — the
// artifact's digest (with the component as a subcomponent), the
// component's purl — and by no other: a statement for another product's
// digest, a bundle signed by an untrusted key or about another artifact
// decide nothing, each beside its legitimate control. The artifact ships
// the real npm lockfile of pkg/verify/policy/testdata/vuln (lodash
// 4.17.11), matched against the real GitHub advisories of testdata/osv.
func TestVulnSignedVEX(t *testing.T) {
	dir := t.TempDir()
	art := filepath.Join(dir, "web.tar.gz")
	other := filepath.Join(dir, "other", "web.tar.gz")
	writeNPMTarball(t, art, "package-lock.json", "package.json")
	writeNPMTarball(t, other, "package.json")
	digest := fileSHA256(t, art)
	db, err := filepath.Abs(filepath.Join("..", "..", "testdata", "osv"))
	if err != nil {
		t.Fatal(err)
	}
	const (
		critical = "GHSA-jf85-cpcp-j695"
		high     = "GHSA-35jh-r3h4-6jhm"
		lodash   = "pkg:npm/lodash@4.17.11"
	)
	vouchIn(t, dir, ExitOK, "keygen", "--no-password", "--algorithm", "ed25519", "--output-key-prefix", "vouch")
	vouchIn(t, dir, ExitOK, "keygen", "--no-password", "--algorithm", "ed25519", "--output-key-prefix", "other")

	for _, tc := range []struct {
		name    string
		vex     []string // vouch vex create flags
		key     string   // signing key
		subject string   // the artifact the bundle is about
		want    []string // advisories VEX suppresses
		warn    string   // in the warning, when not applied
		beside  bool     // A.vex.sigstore.json, else --vex-bundle
	}{
		{name: "digest product", vex: []string{"--product", "sha256:" + digest, "--subcomponent", lodash, "--vuln", "CVE-2019-10744"},
			key: "vouch", subject: art, beside: true, want: []string{critical}},
		{name: "digest product, the other advisory", vex: []string{"--product", "sha256:" + digest, "--subcomponent", lodash, "--vuln", high},
			key: "vouch", subject: art, beside: true, want: []string{high}},
		{name: "component purl", vex: []string{"--product", lodash, "--vuln", critical},
			key: "vouch", subject: art, want: []string{critical}},
		{name: "another product's digest", vex: []string{"--product", "sha256:" + fileSHA256(t, other), "--subcomponent", lodash, "--vuln", critical},
			key: "vouch", subject: art, beside: true},
		{name: "untrusted key", vex: []string{"--product", "sha256:" + digest, "--subcomponent", lodash, "--vuln", critical},
			key: "other", subject: art, beside: true, warn: "not trusted"},
		{name: "about another artifact", vex: []string{"--product", lodash, "--vuln", critical},
			key: "vouch", subject: other, warn: "digest does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := filepath.Join(dir, "stmt.openvex.json")
			vouchIn(t, dir, ExitOK, append([]string{"vex", "create", "--status", "not_affected", "--justification",
				"vulnerable_code_not_in_execute_path", "--source-date-epoch", "1700000000", "-o", doc}, tc.vex...)...)
			b := filepath.Join(dir, "elsewhere.vex.sigstore.json")
			if tc.beside {
				b = art + vexSuffix
			}
			defer os.Remove(b)
			vouchIn(t, dir, ExitOK, "attest", "--key", tc.key+".key", "--type", "openvex", "--predicate", doc, "--bundle", b, tc.subject)
			args := []string{"vuln", art, "--db", db, "--key", "vouch.pub", "-o", "json"}
			if !tc.beside {
				args = append(args, "--vex-bundle", b)
			}
			stdout, stderr := vouchIn(t, dir, ExitOK, args...)
			got, sources := suppressedBy(t, stdout)
			if !slices.Equal(got, tc.want) {
				t.Errorf("suppressed %v, want %v\nstderr: %s", got, tc.want, stderr)
			}
			for _, s := range sources {
				if s != b {
					t.Errorf("vexSource %q, want the bundle %s", s, b)
				}
			}
			if warned := strings.Contains(stderr, "warning: VEX attestation "+b+" not applied"); warned != (tc.warn != "") || !strings.Contains(stderr, tc.warn) {
				t.Errorf("stderr %q: want a warning naming %s containing %q: %v", stderr, b, tc.warn, tc.warn != "")
			}
		})
	}
}

// suppressedBy lists the advisories of a vouch vuln JSON report that VEX
// suppressed, sorted, and the sources it names for them.
func suppressedBy(t *testing.T, report string) (ids, sources []string) {
	t.Helper()
	var r struct {
		Findings []struct {
			ID            string `json:"id"`
			Vulnerability struct {
				VEX       string `json:"vex"`
				VEXSource string `json:"vexSource"`
			} `json:"vulnerability"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(report), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, report)
	}
	if len(r.Findings) != 2 {
		t.Fatalf("%d findings, want lodash 4.17.11's two advisories:\n%s", len(r.Findings), report)
	}
	for _, f := range r.Findings {
		if f.Vulnerability.VEX == "not_affected" {
			ids = append(ids, f.ID)
			sources = append(sources, f.Vulnerability.VEXSource)
		}
	}
	slices.Sort(ids)
	return ids, sources
}

// writeNPMTarball writes a .tar.gz at path holding the named files of
// pkg/verify/policy/testdata/vuln (a real npm lockfile and its package.json).
func writeNPMTarball(t *testing.T, path string, names ...string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join("..", "..", "pkg", "verify", "policy", "testdata", "vuln", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fileSHA256 is the hex SHA-256 of the file at path.
func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
