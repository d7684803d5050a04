package cosigntest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/attest/keys"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/servetest"
	"github.com/vouchdev/vouch/pkg/verify/trust"
	"github.com/vouchdev/vouch/pkg/verify/vsa"
)

// The npm registry's key-signed publish attestation (sigstore-go's
// examples), the fixture of vouch serve's tests: its artifact's SHA-512,
// and one the bundle does not sign.
const (
	servePublishDir = "../../testdata/sigstore/cases/sigstore/sigstore-go/example-bundle-publish"
	publishSHA512   = "76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"
	otherSHA512     = "00176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"
)

// cosign verifies the VSAs vouch serve signs — of a verified decision and
// of a refused one — with the key GET /v1/vsa-key serves, as a VSA of the
// subject's digest; it refuses one checked against another digest or
// another key.
func TestCosignVerifiesServeVSA(t *testing.T) {
	cosignPath(t)
	work := t.TempDir()
	key, err := trust.FromPublicKeyFile(filepath.Join(servePublishDir, "key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	st, eng := servetest.Open(t, filepath.Join(work, "vouch.db"), []*trust.Key{key})
	srv, err := serve.New(servetest.WithVSA(t, serve.Config{Store: st, Verifier: eng, Logger: slog.New(slog.DiscardHandler),
		TrustSHA256: serve.TrustDigest(eng.KeyIDs(), []byte("public-good offline"))}))
	if err != nil {
		t.Fatal(err)
	}
	token, err := serve.EnsureAdminToken(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path, body string) []byte {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code != http.StatusOK && w.Code != http.StatusCreated {
			t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body.Bytes())
		}
		return w.Body.Bytes()
	}
	do("PUT", "/v1/namespaces/npm/policy", "apiVersion: vouch.dev/v1\nkind: Policy\n")
	bundle, err := os.ReadFile(filepath.Join(servePublishDir, "bundle.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(work, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, digest := range map[string]string{"passed.json": publishSHA512, "failed.json": otherSHA512} {
		var v struct {
			VSA json.RawMessage `json:"vsa"`
		}
		body := do("POST", "/v1/namespaces/npm/verifications", `{"subject":{"digests":{"sha512":"`+digest+`"}},"bundles":[`+string(bundle)+`]}`)
		if err := json.Unmarshal(body, &v); err != nil || v.VSA == nil {
			t.Fatalf("no VSA: %v %s", err, body)
		}
		write(name, v.VSA)
	}
	write("vsa.pub", do("GET", "/v1/vsa-key", ""))
	other, err := keys.Generate(keys.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	otherPub, err := keys.EncodePublic(other.Public())
	if err != nil {
		t.Fatal(err)
	}
	write("other.pub", otherPub)
	write("root.json", []byte(emptyTrustedRoot))
	for _, tc := range []struct {
		name, bundle, digest, key string
		ok                        bool
	}{
		{"control: PASSED, its digest", "passed.json", publishSHA512, "vsa.pub", true},
		{"control: FAILED, its digest", "failed.json", otherSHA512, "vsa.pub", true},
		{"another digest", "passed.json", otherSHA512, "vsa.pub", false},
		{"another key", "passed.json", publishSHA512, "other.pub", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := cosign(t, work, nil, "verify-blob-attestation", "--key", tc.key, "--new-bundle-format",
				"--insecure-ignore-tlog=true", "--trusted-root", "root.json", "--type", vsa.PredicateType,
				"--bundle", tc.bundle, "--digest", tc.digest, "--digestAlg", "sha512")
			if (err == nil) != tc.ok {
				t.Errorf("cosign: %v, want success %v\n%s", err, tc.ok, out)
			}
		})
	}
}
