package npm_test

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

const (
	gundamDir     = "../../../testdata/slsa/npm-gundam-visor-v1"
	sigstoreJSDir = "../../../testdata/npm"
	npmPolicy     = "../../../examples/policy/npm.yaml"
	productionTR  = "../../../testdata/sigstore/cases/sigstore/trusted-roots/production.trusted_root.json"
	// sigstoreJSSHA512 is sigstore@1.3.0's tarball, as its statements name it.
	sigstoreJSSHA512 = "76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"
)

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestNPMPolicy evaluates examples/policy/npm.yaml over real npm packages:
// the provenance's repository must be the declared one. Each refusal (another
// repository, none declared) has its control: the declared repository, in
// the spellings package.json uses.
func TestNPMPolicy(t *testing.T) {
	p, err := policy.Load(npmPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	keys, err := trust.LoadKeys(filepath.Join(sigstoreJSDir, "registry-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := trust.FromTrustedRootFile(productionTR)
	if err != nil {
		t.Fatal(err)
	}
	v, err := engine.New(engine.Options{Keys: keys, Roots: engine.StaticRoot{Material: tr}, ExplicitRoot: true})
	if err != nil {
		t.Fatal(err)
	}
	tgz := mustRead(t, filepath.Join(gundamDir, "gundam-visor-cli-v1-tag.tgz"))
	sum := sha512.Sum512(tgz)
	gundam := engine.Subject{Name: "gundam-visor-1.0.1.tgz", Digests: map[string]string{"sha512": hex.EncodeToString(sum[:])}, PURL: "pkg:npm/gundam-visor@1.0.1"}
	gundamBundles := []engine.Bundle{{Name: "attestations", Data: mustRead(t, filepath.Join(gundamDir, "gundam-visor-cli-v1-tag.tgz.json"))}}
	sjs := engine.Subject{Name: "sigstore-1.3.0.tgz", Digests: map[string]string{"sha512": sigstoreJSSHA512}, PURL: "pkg:npm/sigstore@1.3.0"}
	sjsBundles := []engine.Bundle{
		{Name: "publish", Data: mustRead(t, filepath.Join(sigstoreJSDir, "bundle-publish.json"))},
		{Name: "provenance", Data: mustRead(t, filepath.Join(sigstoreJSDir, "bundle-provenance.json"))},
	}
	tests := []struct {
		name       string
		subj       engine.Subject
		bundles    []engine.Bundle
		repository string
		want       bool
	}{
		{"gundam-visor, declared repository", gundam, gundamBundles, "git+https://github.com/ramonpetgrave64/gundam-visor.git", true},
		{"gundam-visor, declared as a URL", gundam, gundamBundles, "https://github.com/ramonpetgrave64/gundam-visor", true},
		{"gundam-visor, another repository declared", gundam, gundamBundles, "git+https://github.com/ramonpetgrave64/other.git", false},
		{"gundam-visor, no repository declared", gundam, gundamBundles, "", false},
		{"sigstore-js, declared repository", sjs, sjsBundles, "git+https://github.com/sigstore/sigstore-js.git", true},
		{"sigstore-js, another repository declared", sjs, sjsBundles, "git+https://github.com/sigstore/sigstore-go.git", false},
		{"sigstore-js, publish attestation alone", sjs, sjsBundles[:1], "git+https://github.com/sigstore/sigstore-js.git", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subj := tt.subj
			subj.Repository = tt.repository
			res, err := v.Verify(context.Background(), subj, tt.bundles, p)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, f := range res.Findings {
				if f.Status != "pass" {
					b.WriteString("  " + string(f.Status) + " " + f.ID + ": " + f.Message + "\n")
				}
			}
			if res.Verified != tt.want {
				t.Fatalf("verified = %v, want %v\n%s", res.Verified, tt.want, b.String())
			}
			t.Logf("refusals:\n%s", b.String())
		})
	}
}
