package cli

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/vouchdev/vouch/pkg/attest/sign/signtest"
)

// TestKeylessCLI runs vouch sign and vouch attest --keyless against a fake
// Sigstore on loopback (Fulcio, Rekor v1, TSA) and checks the bundles verify
// with sigstore-go; then each service failing, and a token Fulcio refuses:
// exit 1 with a message naming the service.
func TestKeylessCLI(t *testing.T) {
	ss := signtest.New(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := write("signing_config.json", string(ss.SigningConfigJSON()))
	artifact := write("app.bin", "the artifact\n")
	pred := write("pred.json", `{"bomFormat":"CycloneDX","specVersion":"1.6"}`)
	t.Setenv("SIGSTORE_ID_TOKEN", ss.IDToken())
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "")

	run := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), args, strings.NewReader(""), &out, &errb)
		return code, errb.String()
	}
	verifyFile := func(path string, art verify.ArtifactPolicyOption) {
		t.Helper()
		b, err := bundle.LoadJSONFromPath(path)
		if err != nil {
			t.Fatal(err)
		}
		v, err := verify.NewVerifier(ss.TrustedMaterial(), verify.WithTransparencyLog(1), verify.WithSignedTimestamps(1))
		if err != nil {
			t.Fatal(err)
		}
		id, _ := verify.NewShortCertificateIdentity(signtest.Issuer, "", signtest.Identity, "")
		if _, err := v.Verify(b, verify.NewPolicy(art, verify.WithCertificateIdentity(id))); err != nil {
			t.Fatalf("%s does not verify: %v", path, err)
		}
	}

	if code, stderr := run("sign", "--keyless", "--signing-config", cfg, artifact); code != ExitOK {
		t.Fatalf("sign: exit %d\n%s", code, stderr)
	}
	data, _ := os.ReadFile(artifact)
	verifyFile(artifact+".sigstore.json", verify.WithArtifact(bytes.NewReader(data)))

	if code, stderr := run("attest", "--keyless", "--signing-config", cfg, "--type", "cyclonedx", "--predicate", pred, artifact); code != ExitOK {
		t.Fatalf("attest: exit %d\n%s", code, stderr)
	}
	verifyFile(artifact+".cyclonedx.sigstore.json", verify.WithArtifact(bytes.NewReader(data)))

	for _, tc := range []struct {
		name  string
		setup func()
		args  []string
		want  string
	}{
		{"bad token", nil, []string{"--identity-token", signtest.Token(signtest.Issuer, "mallory@example.com")},
			"certificate authority (Fulcio) at " + ss.FulcioURL + ": Fulcio returned 401"},
		{"fulcio error", func() { ss.FailFulcio.Store(http.StatusBadGateway) }, nil,
			"certificate authority (Fulcio) at " + ss.FulcioURL + ": Fulcio returned 502"},
		{"rekor error", func() { ss.FailRekor.Store(http.StatusBadRequest) }, nil,
			"transparency log (Rekor) at " + ss.RekorURL},
		{"tsa error", func() { ss.FailTSA.Store(http.StatusInternalServerError) }, nil,
			"timestamp authority at " + ss.TSAURL + ": timestamp authority returned 500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ss.FailFulcio.Store(0)
			ss.FailRekor.Store(0)
			ss.FailTSA.Store(0)
			if tc.setup != nil {
				tc.setup()
			}
			out := filepath.Join(dir, tc.name+".sigstore.json")
			args := append([]string{"sign", "--keyless", "--signing-config", cfg, "--bundle", out}, tc.args...)
			code, stderr := run(append(args, artifact)...)
			if code != ExitError {
				t.Errorf("exit %d, want %d", code, ExitError)
			}
			if !strings.HasPrefix(stderr, "vouch: error: sign "+artifact+": ") || !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tc.want)
			}
			if !strings.Contains(stderr, "\nhint: ") {
				t.Errorf("no hint: %q", stderr)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Error("a failed signing left a bundle")
			}
		})
	}
}
