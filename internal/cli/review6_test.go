package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/vouchdev/vouch/pkg/cra"
	"github.com/vouchdev/vouch/pkg/serve"
)

// TestReview6ServeVulnDBInKey: vouch serve keys a decision by everything
// it depends on and answers the same request again with the stored
// record. With a vulnerabilities gate the database is one of those
// things: a service restarted with a newer database (one that now has
// the critical advisory of the SBOM's lodash) must decide again, not
// return the "verified" its old database gave. Before the fix the key had
// no database in it: the second POST returned the stored verified record
// (200). Controls: the old database verifies (it has only the high
// advisory; failOn critical), the same request on the same database is
// the stored record (200), and a service started on the new database
// from the start refuses.
func TestReview6ServeVulnDBInKey(t *testing.T) {
	dir := t.TempDir()
	_, key, pub := testKey(t, dir, "release")
	art := filepath.Join(dir, "web.tar.gz")
	if err := os.WriteFile(art, []byte("web 1.0.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := filepath.Join(dir, "sbom.sigstore.json")
	if code, _, errb := runVouch(t, "attest", "--key", key, "--type", "cyclonedx", "--predicate", filepath.Join(vulnFixtures, "web.cdx.json"), "--bundle", b, art); code != 0 {
		t.Fatalf("attest: exit %d: %s", code, errb)
	}
	sbomB, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	// The old database: the same real record of the high advisory only.
	oldDB := filepath.Join(dir, "old-osv")
	if err := os.MkdirAll(filepath.Join(oldDB, "npm"), 0o755); err != nil {
		t.Fatal(err)
	}
	high, err := os.ReadFile(filepath.Join(vulnFixtures, "osv", "npm", "GHSA-35jh-r3h4-6jhm.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(oldDB, "npm", "GHSA-35jh-r3h4-6jhm.json"), high, 0o644); err != nil {
		t.Fatal(err)
	}
	newDB := filepath.Join(vulnFixtures, "osv")
	sum := sha256.Sum256([]byte("web 1.0.0\n"))
	body := `{"subject":{"digests":{"sha256":"` + hex.EncodeToString(sum[:]) + `"}},"bundles":[` + string(sbomB) + `]}`
	const policy = "apiVersion: vouch.dev/v1\nkind: Policy\nvulnerabilities:\n  failOn: critical\n"

	var token string
	post := func(t *testing.T, url string) (int, bool) {
		t.Helper()
		code, resp := request(t, "POST", url+"/v1/namespaces/npm/verifications", token, body)
		var v serve.VerificationResponse
		if err := json.Unmarshal([]byte(resp), &v); err != nil {
			t.Fatalf("POST: %d %s", code, resp)
		}
		return code, v.Verified
	}
	data := filepath.Join(t.TempDir(), "data")
	url, stdout, stop := startServe(t, "--data-dir", data, "--key", pub, "--vuln-db", oldDB)
	token = regexp.MustCompile(`vouch_[A-Za-z0-9_-]{43}`).FindString(stdout.String())
	if code, resp := request(t, "PUT", url+"/v1/namespaces/npm/policy", token, policy); code != 201 {
		t.Fatalf("PUT policy: %d %s", code, resp)
	}
	if code, verified := post(t, url); code != 201 || !verified {
		t.Fatalf("control: the old database has no critical advisory: %d verified=%v, want 201 true", code, verified)
	}
	if code, verified := post(t, url); code != 200 || !verified {
		t.Errorf("control: the same request on the same database: %d verified=%v, want the stored record (200 true)", code, verified)
	}
	waitIdle(t, url)
	stop()

	url, _, stop = startServe(t, "--data-dir", data, "--key", pub, "--vuln-db", newDB)
	defer stop()
	if code, verified := post(t, url); verified {
		t.Errorf("attack: restarted on a database with the critical advisory: %d verified=%v, want a new decision that fails", code, verified)
	}

	url2, stdout2, stop2 := startServe(t, "--data-dir", filepath.Join(t.TempDir(), "data"), "--key", pub, "--vuln-db", newDB)
	defer stop2()
	token = regexp.MustCompile(`vouch_[A-Za-z0-9_-]{43}`).FindString(stdout2.String())
	if code, resp := request(t, "PUT", url2+"/v1/namespaces/npm/policy", token, policy); code != 201 {
		t.Fatalf("PUT policy: %d %s", code, resp)
	}
	if code, verified := post(t, url2); code != 201 || verified {
		t.Errorf("control: the new database from the start: %d verified=%v, want 201 false", code, verified)
	}
}

// TestReview6CRAVEXPerArtifact: a release of two archives that both ship
// npm lodash 4.17.11 (critical GHSA-jf85-cpcp-j695). The release key
// signs an OpenVEX not_affected about web.tar.gz alone (vouch attest
// --bundle web.tar.gz.vex.sigstore.json web.tar.gz): it says lodash does
// not affect web, and nothing about api. vouch verify api.tar.gz does not
// count it (its subject is web); vouch cra report applied the statements
// of every VEX attestation that verified for some artifact to every
// artifact, and listed api's advisory as resolved. Control: web's advisory
// is resolved by it.
func TestReview6CRAVEXPerArtifact(t *testing.T) {
	dir := t.TempDir()
	_, key, pub := testKey(t, dir, "release")
	dist := filepath.Join(dir, "dist")
	for _, name := range []string{"web", "api"} {
		src := filepath.Join(dir, name)
		if err := os.MkdirAll(src, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"package.json", "package-lock.json"} {
			data, err := os.ReadFile(filepath.Join(vulnFixtures, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(src, f), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// Another file in each: two artifacts, two digests.
		if err := os.WriteFile(filepath.Join(src, name+".txt"), []byte(name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dist, 0o755); err != nil {
			t.Fatal(err)
		}
		if b, err := exec.Command("tar", "-czf", filepath.Join(dist, name+".tar.gz"), "-C", src, ".").CombinedOutput(); err != nil {
			t.Fatalf("tar: %v: %s", err, b)
		}
	}
	if code, _, errb := runVouch(t, "release", "-q", "--key", key, "--external-param", "inputs.version=v1.0.0", dist); code != 0 {
		t.Fatalf("release: exit %d: %s", code, errb)
	}
	web := filepath.Join(dist, "web.tar.gz")
	if code, _, errb := runVouch(t, "attest", "--key", key, "--type", "openvex", "--predicate", filepath.Join(vulnFixtures, "web.openvex.json"), "--bundle", web+".vex.sigstore.json", web); code != 0 {
		t.Fatalf("attest: exit %d: %s", code, errb)
	}
	cfg := filepath.Join(dir, "cra.yaml")
	if err := os.WriteFile(cfg, []byte(craConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report")
	if code, _, errb := runVouch(t, "cra", "report", "--config", cfg, "--key", pub, "--db", filepath.Join(vulnFixtures, "osv"), "--now", "2026-12-06", "--out", out, dist); code != ExitFailure {
		t.Fatalf("cra report: exit %d, want %d (the high advisory is open): %s", code, ExitFailure, errb)
	}
	data, err := os.ReadFile(filepath.Join(out, "cra-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r cra.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	state := func(list []cra.Vuln, artifact string) bool {
		for _, v := range list {
			if v.Artifact == artifact && v.Vulnerability.ID == "GHSA-jf85-cpcp-j695" {
				return true
			}
		}
		return false
	}
	if !state(r.Vulnerabilities.Resolved, "web.tar.gz") {
		t.Errorf("control: web.tar.gz's GHSA-jf85-cpcp-j695 is not resolved by its own signed VEX: %+v", r.Vulnerabilities)
	}
	if state(r.Vulnerabilities.Resolved, "api.tar.gz") || !state(r.Vulnerabilities.Open, "api.tar.gz") {
		t.Errorf("attack: api.tar.gz's GHSA-jf85-cpcp-j695 resolved by a VEX attestation about web.tar.gz: %+v", r.Vulnerabilities)
	}
}
