package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
)

// TestServeVulnDBRefreshFlags: a re-read with nothing to re-read, or a
// negative period, is a usage error (exit 2) naming the flag.
func TestServeVulnDBRefreshFlags(t *testing.T) {
	for name, args := range map[string][]string{
		"without --vuln-db": {"--vuln-db-refresh", "1m"},
		"negative":          {"--vuln-db-refresh", "-1s", "--vuln-db", filepath.Join(vulnFixtures, "osv")},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, errb := runVouch(t, append([]string{"serve", "--offline", "--data-dir", t.TempDir()}, args...)...)
			if code != ExitUsage || !strings.Contains(errb, "--vuln-db-refresh") {
				t.Errorf("exit %d, want %d naming --vuln-db-refresh: %s", code, ExitUsage, errb)
			}
		})
	}
}

// TestServeVulnDBRefresh: vouch serve --vuln-db-refresh re-reads the
// database. A decision that passes (lodash's high advisory only, policy
// failOn critical) is superseded by a refusal once the critical advisory
// is added to the directory. Controls: an unreadable file (a FIFO named as
// a record) keeps the last good database, counted; the directory back as
// it was changes nothing. On SQLite and PostgreSQL.
func TestServeVulnDBRefresh(t *testing.T) { storetest.Run(t, testServeVulnDBRefresh) }

func testServeVulnDBRefresh(t *testing.T, sdb storetest.DB) {
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
	db := filepath.Join(dir, "osv")
	npm := filepath.Join(db, "npm")
	if err := os.MkdirAll(npm, 0o755); err != nil {
		t.Fatal(err)
	}
	addRecord := func(id string) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(vulnFixtures, "osv", "npm", id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(dir, id+".tmp")
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(npm, id+".json")); err != nil {
			t.Fatal(err)
		}
	}
	addRecord("GHSA-35jh-r3h4-6jhm")

	args := []string{"--data-dir", filepath.Join(dir, "data")}
	if sdb.Name == "postgres" {
		t.Setenv("VOUCH_PASSWORD", "correct horse")
		keyPath, _ := vsaKeyFile(t, "correct horse")
		args = []string{"--database", sdb.NewDSN(t), "--vsa-key", keyPath}
	}
	url, stdout, stop := startServe(t, append(args, "--key", pub, "--vuln-db", db, "--vuln-db-refresh", "50ms")...)
	defer stop()
	token := regexp.MustCompile(`vouch_[A-Za-z0-9_-]{43}`).FindString(stdout.String())
	const policy = "apiVersion: vouch.dev/v1\nkind: Policy\nvulnerabilities:\n  failOn: critical\n"
	if code, body := request(t, "PUT", url+"/v1/namespaces/npm/policy", token, policy); code != 201 {
		t.Fatalf("PUT policy: %d %s", code, body)
	}
	sum := sha256.Sum256([]byte("web 1.0.0\n"))
	sha := hex.EncodeToString(sum[:])
	code, body := request(t, "POST", url+"/v1/namespaces/npm/verifications", token,
		`{"subject":{"digests":{"sha256":"`+sha+`"}},"bundles":[`+string(sbomB)+`]}`)
	var first serve.VerificationResponse
	if err := json.Unmarshal([]byte(body), &first); code != 201 || err != nil || !first.Verified || first.VulnDBSHA256 == "" {
		t.Fatalf("the first decision: %d %v %s", code, err, body)
	}
	history := func() []serve.VerificationResponse {
		t.Helper()
		code, body := request(t, "GET", url+"/v1/subjects/sha256:"+sha, token, "")
		var r serve.SubjectResponse
		if err := json.Unmarshal([]byte(body), &r); code != 200 || err != nil {
			t.Fatalf("GET subject: %d %v %s", code, err, body)
		}
		return r.Verifications
	}
	wait := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}

	// A record that cannot be read: the last good database stays.
	fifo := filepath.Join(npm, "GHSA-fifo.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	wait("a failed reload counted", func() bool {
		_, m := request(t, "GET", url+"/metrics", "", "")
		return regexp.MustCompile(`(?m)^vouch_vuln_db_refresh_failures_total [1-9]`).MatchString(m)
	})
	if err := os.Remove(fifo); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // several periods: the same database again
	if h := history(); len(h) != 1 {
		t.Fatalf("the controls made %d records, want 1", len(h))
	}

	addRecord("GHSA-jf85-cpcp-j695")
	wait("the re-evaluation", func() bool { return len(history()) == 2 })
	next := history()[1]
	if next.Supersedes != first.ID || next.Reason != store.ReasonVulnDB || next.Verified ||
		next.VulnDBSHA256 == first.VulnDBSHA256 || !strings.Contains(string(next.Report), "GHSA-jf85-cpcp-j695") {
		t.Fatalf("the re-evaluation: %+v", next)
	}
}
