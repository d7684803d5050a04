package engine_test

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

const (
	npmDir       = "../../../testdata/npm"
	productionTR = "../../../testdata/sigstore/cases/sigstore/trusted-roots/production.trusted_root.json"
)

// npmCase is one `vouch verify` of an npm package version, with the flags
// `slsa-verifier verify-npm-package` and `npm audit signatures` take.
type npmCase struct {
	name     string
	artifact string   // a tarball, or an integrity sha512-<base64>
	bundles  []string // attestations responses or bundles
	keys     string   // the registry keys document
	source   string   // --source-uri
	subject  string   // --subject
	want     bool
	// noRoot: no --trusted-root: key-signed bundles' log entries, like
	// keyless bundles, are checked against the public-good root (offline,
	// the embedded snapshot).
	noRoot bool
}

// integrity is the package-lock integrity of a file.
func integrity(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(data)
	return "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

// TestNPMPackages verifies real npm packages as slsa-verifier's
// verify-npm-package and npm audit signatures do (issue 8, item 4): the
// registry's attestations response as one --bundle or its two bundles in
// either order, the registry keys document as --key with its expiry, the
// tarball or its package-lock integrity, --source-uri alone for npm CLI
// provenance from GitHub-hosted runners, and --subject by package URL.
// Every accepted case has its attack next to it.
func TestNPMPackages(t *testing.T) {
	gundam := local("npm-gundam-visor-v1/gundam-visor-cli-v1-tag.tgz")
	gundamAtt := gundam + ".json"
	gundamSplit := splitBundles(t, gundamAtt) // [publish, provenance]
	goggles := local("npm-supreme-goggles-v02/supreme-googles-cli-v02-tag.tgz")
	gogglesAtt := goggles + ".json"
	changed := filepath.Join(t.TempDir(), "changed.tgz")
	data, err := os.ReadFile(gundam)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(changed, append(data, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(npmDir, "registry-keys.json")
	expired := filepath.Join(npmDir, "registry-keys-expired.json")
	pem := local("npm-registry-attestations-key.pem")
	const sigstoreJS = "sha512-dhdv+jOAi1RgLHw13lxumk3rlgZtumUz9QrCNPTx9MazUnUV3BfAb74oYAMPQQ7uaeogB5vTosbz3POzKbEHUQ=="
	sigstoreBundles := []string{filepath.Join(npmDir, "bundle-publish.json"), filepath.Join(npmDir, "bundle-provenance.json")}
	gv, gvSrc := "pkg:npm/gundam-visor@1.0.1", "github.com/ramonpetgrave64/gundam-visor"
	sg, sgSrc := "pkg:npm/%40trishankatdatadog/supreme-goggles@1.0.5", "github.com/trishankatdatadog/supreme-goggles"
	tests := []npmCase{
		{"attestations response", gundam, []string{gundamAtt}, keys, gvSrc, gv, true, false},
		{"two bundles, publish first", gundam, gundamSplit, keys, gvSrc, gv, true, false},
		{"two bundles, provenance first", gundam, []string{gundamSplit[1], gundamSplit[0]}, keys, gvSrc, gv, true, false},
		{"the registry key as PEM", gundam, []string{gundamAtt}, pem, gvSrc, gv, true, false},
		{"package-lock integrity", integrity(t, gundam), []string{gundamAtt}, keys, gvSrc, gv, true, false},
		{"no --subject", gundam, []string{gundamAtt}, keys, gvSrc, "", true, false},
		{"wrong repository", gundam, []string{gundamAtt}, keys, gvSrc + "S", gv, false, false},
		{"wrong repository, provenance first", gundam, []string{gundamSplit[1], gundamSplit[0]}, keys, "github.com/ramonpetgrave64/other", gv, false, false},
		{"wrong package", gundam, []string{gundamAtt}, keys, gvSrc, "pkg:npm/gundam-visorS@1.0.1", false, false},
		{"wrong version", gundam, []string{gundamAtt}, keys, gvSrc, "pkg:npm/gundam-visor@1.0.2", false, false},
		{"changed tarball", changed, []string{gundamAtt}, keys, gvSrc, gv, false, false},
		{"changed integrity", integrity(t, changed), []string{gundamAtt}, keys, gvSrc, gv, false, false},
		{"expired registry key", gundam, []string{gundamAtt}, expired, gvSrc, gv, false, false},
		{"registry key with expiry, log checked against public good", gundam, []string{gundamAtt}, keys, gvSrc, gv, true, true},
		{"registry key as PEM, no verified time", gundam, []string{gundamAtt}, pem, gvSrc, gv, true, true},
		{"no registry key", gundam, []string{gundamAtt}, "", gvSrc, gv, false, false},
		{"provenance alone", gundam, gundamSplit[1:], keys, gvSrc, gv, true, false},
		{"publish attestation alone", gundam, gundamSplit[:1], keys, gvSrc, gv, false, false},
		{"scoped, encoded @", goggles, []string{gogglesAtt}, keys, sgSrc, sg, true, false},
		{"scoped, decoded @", goggles, []string{gogglesAtt}, keys, sgSrc, strings.Replace(sg, "%40", "@", 1), true, false},
		{"scoped, another scope", goggles, []string{gogglesAtt}, keys, sgSrc, "pkg:npm/%40other/supreme-goggles@1.0.5", false, false},
		{"sigstore-js 1.3.0 by integrity", sigstoreJS, sigstoreBundles, keys, "github.com/sigstore/sigstore-js", "pkg:npm/sigstore@1.3.0", true, false},
		{"sigstore-js, provenance first", sigstoreJS, []string{sigstoreBundles[1], sigstoreBundles[0]}, keys, "github.com/sigstore/sigstore-js", "pkg:npm/sigstore@1.3.0", true, false},
		{"sigstore-js, wrong repository", sigstoreJS, sigstoreBundles, keys, "github.com/sigstore/sigstore-go", "pkg:npm/sigstore@1.3.0", false, false},
		{"sigstore-js, wrong package", sigstoreJS, sigstoreBundles, keys, "github.com/sigstore/sigstore-js", "pkg:npm/sigstore@1.2.0", false, false},
		{"sigstore-js, expired key", sigstoreJS, sigstoreBundles, expired, "github.com/sigstore/sigstore-js", "pkg:npm/sigstore@1.3.0", false, false},
		{"sigstore-js, changed integrity", "sha512-" + strings.Repeat("A", 86) + "==", sigstoreBundles, keys, "github.com/sigstore/sigstore-js", "pkg:npm/sigstore@1.3.0", false, false},
	}
	tr, err := trust.FromTrustedRootFile(productionTR)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &policy.Policy{APIVersion: policy.APIVersion, Kind: policy.Kind,
				Predicates: policy.Predicates{Required: []string{"provenance"}},
				SLSA:       &policy.SLSA{SourceURI: tt.source}}
			if err := p.Compile(); err != nil {
				t.Fatal(err)
			}
			var ks []*trust.Key
			if tt.keys != "" {
				if ks, err = trust.LoadKeys(tt.keys); err != nil {
					t.Fatal(err)
				}
			}
			opts := engine.Options{Keys: ks, Roots: engine.StaticRoot{Material: tr}, ExplicitRoot: true}
			if tt.noRoot {
				opts.Roots, opts.ExplicitRoot = offlineRoots(t), false
			}
			e, err := newCLIEngine(opts, p)
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Verify(context.Background(), target{Artifact: tt.artifact, Bundles: tt.bundles, Subject: tt.subject})
			if err != nil {
				t.Fatal(err)
			}
			if res.Accept() != tt.want {
				t.Fatalf("accept = %v, want %v\n%s", res.Accept(), tt.want, findingsText(res.Findings))
			}
			if !tt.want {
				t.Logf("refused as expected:\n%s", findingsText(res.Findings))
			}
			if tt.want && !strings.HasPrefix(res.Digest, "sha512:") {
				t.Errorf("digest shown %s, want the SHA-512 npm subjects bind", res.Digest)
			}
		})
	}
}

// TestNPMExpiringKeyNeedsTime: an npm registry key with "expires" counts
// only at a verified signing time. With the log left unchecked
// (--insecure-ignore-tlog) there is none, so the bundle fails; control:
// the same bundle with its log entry checked passes.
func TestNPMExpiringKeyNeedsTime(t *testing.T) {
	ks, err := trust.LoadKeys(filepath.Join(npmDir, "registry-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	p := &policy.Policy{APIVersion: policy.APIVersion, Kind: policy.Kind}
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	for _, ignore := range []bool{false, true} {
		e, err := newCLIEngine(engine.Options{Keys: ks, Roots: offlineRoots(t), InsecureIgnoreTlog: ignore, InsecureAnyIdentity: true}, p)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Verify(context.Background(), target{Artifact: local(npmArtifact), Bundles: []string{local(npmAttestations)}})
		if err != nil {
			t.Fatal(err)
		}
		publish := res.Findings[0]
		if ok := publish.Status == verify.StatusPass; ok == ignore {
			t.Errorf("ignore tlog %v: publish attestation %s: %s", ignore, publish.Status, publish.Message)
		}
	}
}
