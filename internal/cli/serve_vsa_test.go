package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/attest/keys"
	"github.com/vouchdev/vouch/pkg/serve/servetest"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
	"github.com/vouchdev/vouch/pkg/verify/vsa"
)

// The npm registry's key-signed publish attestation (sigstore-go's
// examples), the fixture of pkg/serve's tests.
const (
	servePublishDir    = "../../testdata/sigstore/cases/sigstore/sigstore-go/example-bundle-publish"
	servePublishSHA512 = "76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"
)

// vsaKeyFile writes a new private key encrypted with password, as vouch
// keygen does, and returns its path and public key PEM.
func vsaKeyFile(t *testing.T, password string) (string, []byte) {
	t.Helper()
	k, err := keys.Generate(keys.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := keys.EncodePrivate(k, []byte(password))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := keys.EncodePublic(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vsa.key")
	if err := os.WriteFile(path, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, pub
}

// TestServeVSA: vouch serve signs each decision's VSA with --vsa-key (an
// encrypted key, its password from $VOUCH_PASSWORD) or, on the embedded
// database, with a key it makes in the data directory at the first start
// (0600) and keeps across restarts; GET /v1/vsa-key serves the public key
// and the VSA verifies with it.
func TestServeVSA(t *testing.T) { storetest.Run(t, testServeVSA) }

func testServeVSA(t *testing.T, db storetest.DB) {
	dataDir := filepath.Join(t.TempDir(), "data")
	args := []string{"--key", filepath.Join(servePublishDir, "key.pub"), "--data-dir", dataDir}
	var wantPub []byte
	if db.Name == "postgres" {
		t.Setenv("VOUCH_PASSWORD", "correct horse")
		var keyPath string
		keyPath, wantPub = vsaKeyFile(t, "correct horse")
		args = []string{"--key", filepath.Join(servePublishDir, "key.pub"), "--database", db.NewDSN(t), "--vsa-key", keyPath}
	}
	url, stdout, stop := startServe(t, args...)
	token := regexp.MustCompile(`vouch_[A-Za-z0-9_-]{43}`).FindString(stdout.String())
	if db.Name == "sqlite" {
		var err error
		if wantPub, err = os.ReadFile(filepath.Join(dataDir, serveVSAPubFile)); err != nil {
			t.Fatalf("no public key in the data directory: %v", err)
		}
		if fi, err := os.Stat(filepath.Join(dataDir, serveVSAKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("the generated key: %v, %v; want mode 0600", fi, err)
		}
	}
	keyBefore, _ := os.ReadFile(filepath.Join(dataDir, serveVSAKeyFile))
	if code, body := request(t, "PUT", url+"/v1/namespaces/npm/policy", token, "apiVersion: vouch.dev/v1\nkind: Policy\n"); code != 201 {
		t.Fatalf("PUT policy: %d %s", code, body)
	}
	bundle, err := os.ReadFile(filepath.Join(servePublishDir, "bundle.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	code, body := request(t, "POST", url+"/v1/namespaces/npm/verifications", token,
		`{"subject":{"digests":{"sha512":"`+servePublishSHA512+`"}},"bundles":[`+string(bundle)+`]}`)
	if code != 201 {
		t.Fatalf("POST: %d %s", code, body)
	}
	var v struct {
		VSA json.RawMessage `json:"vsa"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	checkServedVSA := func(url string) {
		t.Helper()
		if code, pub := request(t, "GET", url+"/v1/vsa-key", token, ""); code != 200 || pub != string(wantPub) {
			t.Errorf("GET /v1/vsa-key: %d %q, want %q", code, pub, wantPub)
		}
		code, got := request(t, "GET", url+"/v1/vsa/sha512:"+servePublishSHA512, token, "")
		if code != 200 || got != string(v.VSA) {
			t.Errorf("GET /v1/vsa: %d, not the decision's VSA", code)
		}
		if _, pred, err := servetest.VerifyVSA(t, wantPub, map[string]string{"sha512": servePublishSHA512}, []byte(got)); err != nil || pred.GetVerificationResult() != vsa.Passed {
			t.Errorf("the VSA with the service's public key: %v, %v", err, pred)
		}
	}
	checkServedVSA(url)
	if c := stop(); c != ExitOK {
		t.Fatalf("shutdown: exit %d", c)
	}
	// A restart signs with the same key: the key file is kept as it was.
	url, _, stop = startServe(t, args...)
	checkServedVSA(url)
	stop()
	if keyAfter, _ := os.ReadFile(filepath.Join(dataDir, serveVSAKeyFile)); !bytes.Equal(keyBefore, keyAfter) {
		t.Error("the data directory's VSA key changed across a restart")
	}
	if db.Name == "sqlite" {
		// A public key file that is not the key's: verifiers given it
		// would reject every VSA. The service refuses to start.
		_, otherPub := vsaKeyFile(t, "")
		if err := os.WriteFile(filepath.Join(dataDir, serveVSAPubFile), otherPub, 0o644); err != nil {
			t.Fatal(err)
		}
		var errOut bytes.Buffer
		code := Run(t.Context(), append([]string{"serve", "--listen", "127.0.0.1:0"}, args...), strings.NewReader(""), &bytes.Buffer{}, &errOut)
		if code != ExitError || !strings.Contains(errOut.String(), "vsa.pub is not the public key of vsa.key") {
			t.Errorf("a mismatched vsa.pub: exit %d, %s", code, errOut.String())
		}
	}
}

// TestServeVSAKeyInTheWay: a first start on a data directory holding a
// vsa.pub without its vsa.key refuses to start (exit 1) and spends no
// admin token; control: without it, the start makes both.
func TestServeVSAKeyInTheWay(t *testing.T) {
	dataDir := t.TempDir()
	_, pub := vsaKeyFile(t, "")
	if err := os.WriteFile(filepath.Join(dataDir, serveVSAPubFile), pub, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := Run(t.Context(), []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir}, strings.NewReader(""), &out, &errOut)
	if code != ExitError || !strings.Contains(errOut.String(), "vsa.pub exists without vsa.key: expected both or neither") || out.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %s", code, out.String(), errOut.String())
	}
	if err := os.Remove(filepath.Join(dataDir, serveVSAPubFile)); err != nil {
		t.Fatal(err)
	}
	_, stdout, stop := startServe(t, "--data-dir", dataDir)
	defer stop()
	if !strings.Contains(stdout.String(), "vouch_") || !exists(filepath.Join(dataDir, serveVSAKeyFile)) {
		t.Errorf("control: no admin token (%q) or no key made", stdout.String())
	}
}
