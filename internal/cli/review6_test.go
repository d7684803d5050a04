package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

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
