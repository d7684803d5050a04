package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/client"
	"github.com/vouchdev/vouch/pkg/serve/servetest"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// verifyServer runs the real API handler on loopback trusting the public
// key in pubFile, with policy doc in namespace "registry"; it returns the
// URL and a file holding the admin token.
func verifyServer(t *testing.T, db storetest.DB, pubFile, doc string) (url, tokenFile string) {
	t.Helper()
	key, err := trust.FromPublicKeyFile(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := servetest.Start(t, db, []*trust.Key{key}, map[string]string{"registry": doc})
	tokenFile = filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(srv.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv.URL, tokenFile
}

// TestVerifyServerSameOutput: the same artifact and bundles, with the same
// key trusted locally and on the server, print byte-identical reports in
// every format and exit alike through --server — for a genuine artifact
// (0) and for one changed after signing (3), so a server that refuses
// everything, or accepts everything, cannot pass.
func TestVerifyServerSameOutput(t *testing.T) { storetest.Run(t, testVerifyServerSameOutput) }

func testVerifyServerSameOutput(t *testing.T, db storetest.DB) {
	noNetwork(t)
	dir := t.TempDir()
	s, _, pub := testKey(t, dir, "release")
	arts := signedArtifacts(t, s, dir, 2)
	// The attack: the second artifact's bytes are replaced after signing.
	if err := os.WriteFile(arts[1], []byte("tampered\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	url, tokenFile := verifyServer(t, db, pub, "apiVersion: vouch.dev/v1\nkind: Policy\n")
	for _, tc := range []struct {
		name     string
		artifact string
		exit     int
	}{
		{"control: genuine", arts[0], ExitOK},
		{"changed after signing", arts[1], ExitFailure},
	} {
		for _, format := range []string{"json", "text", "sarif"} {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				local := []string{"verify", "--offline", "--key", pub, "-o", format, tc.artifact}
				remote := []string{"verify", "--server", url, "--namespace", "registry", "--token-file", tokenFile, "-o", format, tc.artifact}
				lc, lout, lerr := runVouch(t, local...)
				rc, rout, rerr := runVouch(t, remote...)
				if lc != tc.exit || rc != tc.exit {
					t.Fatalf("exit local %d (%s), server %d (%s); want %d", lc, lerr, rc, rerr, tc.exit)
				}
				if lout == "" || lout != rout {
					t.Errorf("output differs:\nlocal:\n%s\nserver:\n%s", lout, rout)
				}
			})
		}
	}
}

// TestVerifyServerErrors: flags only a local run honours are refused with
// --server (exit 2), server and transport errors exit 1; the control, the
// same command without the bad part, exits 0.
func TestVerifyServerErrors(t *testing.T) {
	noNetwork(t)
	dir := t.TempDir()
	s, _, pub := testKey(t, dir, "release")
	art := signedArtifacts(t, s, dir, 1)[0]
	url, tokenFile := verifyServer(t, storetest.DBs()[0], pub, "apiVersion: vouch.dev/v1\nkind: Policy\n")
	bad := filepath.Join(dir, "bad-token")
	if err := os.WriteFile(bad, []byte("vouch_unknown\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"verify", "--server", url, "--namespace", "registry", "--token-file", tokenFile}
	with := func(extra ...string) []string { return append(append(append([]string{}, base...), extra...), art) }
	for _, tc := range []struct {
		name string
		args []string
		exit int
		says string
	}{
		{"control", with(), ExitOK, ""},
		{"--key with --server", with("--key", pub), ExitUsage, "--key cannot be used with --server"},
		{"--policy with --server", with("--policy", "p.yaml"), ExitUsage, "--policy cannot be used with --server"},
		{"--vsa with --server", with("--vsa", "x"), ExitUsage, "--vsa cannot be used with --server"},
		{"--namespace without --server", []string{"verify", "--namespace", "registry", "--key", pub, art}, ExitUsage, "--namespace needs --server"},
		{"no token", []string{"verify", "--server", url, art}, ExitUsage, "needs an API token"},
		{"bad URL", []string{"verify", "--server", "ftp://x", "--token-file", tokenFile, art}, ExitUsage, "--server"},
		{"unknown token", []string{"verify", "--server", url, "--namespace", "registry", "--token-file", bad, art}, ExitError, "unauthorized"},
		{"unknown namespace", []string{"verify", "--server", url, "--namespace", "pypi", "--token-file", tokenFile, art}, ExitError, "unknown_namespace"},
		{"server down", []string{"verify", "--server", "http://127.0.0.1:1", "--token-file", tokenFile, art}, ExitError, "127.0.0.1:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runVouch(t, tc.args...)
			if code != tc.exit || !strings.Contains(stderr, tc.says) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.exit, tc.says)
			}
		})
	}
	t.Run("token from $"+tokenEnv, func(t *testing.T) {
		token, err := os.ReadFile(tokenFile)
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv(tokenEnv, string(token))
		if code, _, stderr := runVouch(t, "verify", "--server", url, "--namespace", "registry", art); code != ExitOK {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
}

// TestServerVerdict: a record is taken only when it is about the subject
// sent and its verdict agrees with its report; the controls, consistent
// records that pass and fail, are taken.
func TestServerVerdict(t *testing.T) {
	const h = "4bf8da9a7cd5e5131e3e9fb2e221a59601dec19b17ff3b28c0819c469c312558"
	const other = "0bf8da9a7cd5e5131e3e9fb2e221a59601dec19b17ff3b28c0819c469c312558"
	sent := serve.RequestSubject{Digests: map[string]string{"sha256": h}, PURL: "pkg:npm/a@1.0.0"}
	pass := `{"name":"x","digest":"sha256:` + h + `","verified":true,"findings":[{"id":"signature","status":"pass","message":"ok"}]}`
	fail := `{"name":"x","digest":"sha256:` + h + `","verified":false,"findings":[{"id":"signature","status":"fail","message":"no"}]}`
	record := func(digest, purl string, verified bool, report string) *client.Record {
		return &client.Record{ID: "r", Namespace: "registry", Verified: verified, Report: json.RawMessage(report),
			Subject: serve.RequestSubject{Digests: map[string]string{"sha256": digest}, PURL: purl}}
	}
	wrap := func(verified bool, arts ...string) string {
		return fmt.Sprintf(`{"schema":"s","verified":%v,"artifacts":[%s]}`, verified, strings.Join(arts, ","))
	}
	for _, tc := range []struct {
		name string
		rec  *client.Record
		says string
	}{
		{"control: verified", record(h, sent.PURL, true, wrap(true, pass)), ""},
		{"control: not verified", record(h, sent.PURL, false, wrap(false, fail)), ""},
		{"another digest", record(other, sent.PURL, true, wrap(true, pass)), "subject.digests.sha256"},
		{"another purl", record(h, "pkg:npm/b@1.0.0", true, wrap(true, pass)), "subject.purl"},
		{"report about another digest", record(h, sent.PURL, true, wrap(true, strings.Replace(pass, h, other, 1))), "report.artifacts[0].digest"},
		{"record verified, report not", record(h, sent.PURL, true, wrap(false, fail)), "disagree"},
		{"verified with a failing finding", record(h, sent.PURL, true, wrap(true, strings.Replace(fail, `"verified":false`, `"verified":true`, 1))), "disagree"},
		{"another namespace", func() *client.Record {
			r := record(h, sent.PURL, true, wrap(true, pass))
			r.Namespace = "other"
			return r
		}(), "namespace"},
		{"two artifacts", record(h, sent.PURL, true, wrap(true, pass, pass)), "expected 1 artifact"},
		{"a digest not sent", func() *client.Record {
			r := record(h, sent.PURL, true, wrap(true, pass))
			r.Subject.Digests["sha512"] = strings.Repeat("ab", 64)
			return r
		}(), "subject.digests.sha512"},
		{"no digest", func() *client.Record {
			r := record(h, sent.PURL, true, wrap(true, pass))
			r.Subject.Digests = nil
			return r
		}(), "found none"},
		{"not JSON", record(h, sent.PURL, true, `{`), "report"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := serverVerdict(tc.rec, "registry", sent)
			if tc.name == "control: verified" {
				// A record keeps the digests its bundles bound: the
				// sha256 of a subject sent with a sha512 too.
				both := serve.RequestSubject{Digests: map[string]string{"sha256": h, "sha512": strings.Repeat("cd", 64)}, PURL: sent.PURL}
				if _, err := serverVerdict(tc.rec, "registry", both); err != nil {
					t.Errorf("a record keeping one of two digests sent: %v", err)
				}
			}
			if (err == nil) != (tc.says == "") || (err != nil && !strings.Contains(err.Error(), tc.says)) {
				t.Errorf("%v, want error %q", err, tc.says)
			}
		})
	}
}

// FuzzServerVerdict: a server's report never panics the client, and one
// taken as verified has a passing finding.
func FuzzServerVerdict(f *testing.F) {
	const h = "4bf8da9a7cd5e5131e3e9fb2e221a59601dec19b17ff3b28c0819c469c312558"
	f.Add(true, `{"schema":"s","verified":true,"artifacts":[{"name":"x","digest":"sha256:`+h+`","verified":true,"findings":[{"id":"signature","status":"pass","message":"ok"}]}]}`)
	f.Add(false, `{"verified":false,"artifacts":[{"digest":"sha256:`+h+`","verified":false,"findings":null}]}`)
	sent := serve.RequestSubject{Digests: map[string]string{"sha256": h}}
	f.Fuzz(func(t *testing.T, verified bool, report string) {
		rec := &client.Record{Namespace: "ns", Verified: verified, Report: json.RawMessage(report), Subject: sent}
		a, err := serverVerdict(rec, "ns", sent)
		if err == nil && a.Verified && !a.Accept() {
			t.Errorf("taken as verified without passing findings: %s", report)
		}
	})
}
