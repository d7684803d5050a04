// Package slsatest builds [verify.Evidence] from real Sigstore bundles for
// the policy layer's tests, without verifying them: the signature layer
// (pkg/verify/bundle) is tested on its own. It decodes the DSSE payload and
// fills the Signer from the bundle's leaf certificate exactly as the bundle
// layer does after verification, so that policy tests run on the claims of
// real provenance.
//
// Never use it outside tests: nothing it returns has been verified.
package slsatest

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// Load reads a Sigstore bundle (JSON, any version; a .intoto.jsonl holding
// one bundle per line) or an npm attestations document ({"attestations":
// [{"bundle": ...}]}) and returns one Evidence per bundle.
//
// A key-signed bundle carries only a hint of its key. When keyFile (a PEM
// public key) is given, key-signed evidence gets that key's id, as the
// bundle layer reports a bundle it verified with that key; otherwise the
// hint is kept.
func Load(path string, keyFile ...string) ([]verify.Evidence, error) {
	keyID := ""
	if len(keyFile) > 0 {
		key, err := trust.FromPublicKeyFile(keyFile[0])
		if err != nil {
			return nil, err
		}
		keyID = key.ID()
	}
	raws, err := Bundles(path)
	if err != nil {
		return nil, err
	}
	var out []verify.Evidence
	for i, raw := range raws {
		ev, err := FromBundle(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: bundle %d: %w", path, i, err)
		}
		ev.Bundle = fmt.Sprintf("%s#%d", filepath.Base(path), i)
		if ev.Signer.KeyID != "" && keyID != "" {
			ev.Signer.KeyID = keyID
		}
		out = append(out, ev)
	}
	return out, nil
}

// FromBundle decodes one bundle's JSON into Evidence (unverified).
func FromBundle(raw []byte) (verify.Evidence, error) {
	var b bundle.Bundle
	if err := b.UnmarshalJSON(raw); err != nil {
		return verify.Evidence{}, fmt.Errorf("parse bundle: %w", err)
	}
	ev := verify.Evidence{Kind: "message-signature"}
	vc, err := b.VerificationContent()
	if err != nil {
		return ev, fmt.Errorf("verification content: %w", err)
	}
	if cert := vc.Certificate(); cert != nil {
		ev.Signer, err = SignerFromCertificate(cert)
		if err != nil {
			return ev, err
		}
	} else if pk := vc.PublicKey(); pk != nil {
		ev.Signer.KeyID = pk.Hint()
	}
	env, err := b.Envelope()
	if err == nil && env != nil {
		ev.Kind = "dsse"
		payload, err := env.RawEnvelope().DecodeB64Payload()
		if err != nil {
			return ev, fmt.Errorf("decode dsse payload: %w", err)
		}
		st, err := ParseStatement(payload)
		if err != nil {
			return ev, err
		}
		ev.Statement = st
		ev.PredicateType = st.GetPredicateType()
	}
	return ev, nil
}

// ParseStatement decodes an in-toto statement (v0.1 or v1) from JSON.
func ParseStatement(payload []byte) (*ita.Statement, error) {
	var st ita.Statement
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("parse statement: %w", err)
	}
	return &st, nil
}

// SignerFromCertificate summarises a Fulcio certificate as a Signer, the
// extensions keyed by their sigstore-go JSON names.
func SignerFromCertificate(cert *x509.Certificate) (verify.Signer, error) {
	sum, err := certificate.SummarizeCertificate(cert)
	if err != nil {
		return verify.Signer{}, fmt.Errorf("summarize certificate: %w", err)
	}
	ext := map[string]string{}
	j, err := json.Marshal(sum.Extensions)
	if err != nil {
		return verify.Signer{}, err
	}
	if err := json.Unmarshal(j, &ext); err != nil {
		return verify.Signer{}, err
	}
	delete(ext, "issuer") // it is Signer.Issuer
	return verify.Signer{Identity: sum.SubjectAlternativeName, Issuer: sum.Extensions.Issuer, Extensions: ext}, nil
}

// FileDigests returns the sha256 and sha512 of a file, hex-encoded, keyed
// by algorithm name as [policy.Artifact] expects.
func FileDigests(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s256 := sha256.Sum256(data)
	return map[string]string{"sha256": hex.EncodeToString(s256[:]), "sha512": sha512Hex(data)}, nil
}

func sha512Hex(data []byte) string {
	s := sha512.Sum512(data)
	return hex.EncodeToString(s[:])
}

// Bundles splits a file into its bundles' JSON: one per line of a
// .intoto.jsonl, or each entry of an npm attestations document
// ({"attestations": [{"bundle": ...}]}).
func Bundles(path string) ([]json.RawMessage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	var npm struct {
		Attestations []struct {
			Bundle json.RawMessage `json:"bundle"`
		} `json:"attestations"`
	}
	if json.Unmarshal(data, &npm) == nil && len(npm.Attestations) > 0 {
		for _, a := range npm.Attestations {
			raws = append(raws, a.Bundle)
		}
		return raws, nil
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if strings.TrimSpace(line) != "" {
			raws = append(raws, json.RawMessage(line))
		}
	}
	return raws, nil
}

// Case is one slsa-provenance-verify case of the shared corpus, as copied
// to testdata/slsa/cases.json: slsa-verifier's parameters and its verdict.
type Case struct {
	ID     string `json:"id"`
	Expect string `json:"expect"`
	Why    string `json:"why"`
	Params struct {
		SourceURI      string   `json:"source_uri"`
		BuilderID      string   `json:"builder_id"`
		SourceBranch   string   `json:"source_branch"`
		SourceTag      string   `json:"source_tag"`
		PackageName    string   `json:"package_name"`
		PackageVersion string   `json:"package_version"`
		Artifacts      []string `json:"artifacts"`
		Provenance     string   `json:"provenance"`
		Attestations   string   `json:"attestations"`
	} `json:"params"`
}

// LoadCases reads dir/cases.json.
func LoadCases(dir string) ([]Case, error) {
	data, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		return nil, err
	}
	var cases []Case
	if err := json.Unmarshal(data, &cases); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "cases.json"), err)
	}
	for i := range cases {
		if d, ok := Deviations[cases[i].ID]; ok {
			cases[i].Expect, cases[i].Why = d.Expect, "vouch differs from slsa-verifier: "+d.Why+" (slsa-verifier: "+cases[i].Why+")"
		}
	}
	return cases, nil
}

// Deviation is a case where vouch's verdict is deliberately not
// slsa-verifier's, and why.
type Deviation struct{ Expect, Why string }

// Deviations are applied by [LoadCases]: every one is a decision recorded
// in an issue, never a way to make a failing test pass.
var Deviations = map[string]Deviation{
	// Issue 8, item 4: like `npm audit signatures`, a source repository
	// alone accepts npm CLI provenance made on a GitHub-hosted runner; the
	// runner is a default trusted builder whose signer (a workflow of that
	// very repository, on a GitHub-hosted runner) the certificate proves.
	// slsa-verifier's verify-npm-package requires --builder-id.
	"slsa-verifier/npm-supreme-goggles-v02#no-builder-id": {"pass",
		"--source-uri alone accepts npm CLI provenance from a GitHub-hosted runner (issue 8)"},
}

// LocalPath maps a corpus path ("slsa/slsa-verifier/x/y") into dir.
func LocalPath(dir, p string) string {
	return filepath.Join(dir, strings.TrimPrefix(p, "slsa/slsa-verifier/"))
}

// Checkout writes, in a new temporary directory, the minimal .git of a
// checkout of github.com/vouchdev/example at main
// (8f70009fde0c94ade6ce2a054b94718c819126ec), as vouch provenance reads
// one, and returns the directory.
func Checkout(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		".git/HEAD":            "ref: refs/heads/main\n",
		".git/refs/heads/main": "8f70009fde0c94ade6ce2a054b94718c819126ec\n",
		".git/config":          "[remote \"origin\"]\n\turl = https://github.com/vouchdev/example.git\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
