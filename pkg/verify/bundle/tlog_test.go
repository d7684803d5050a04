package bundle_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// forgeSET returns the bundle file at path with the first inclusion
// promise's signedEntryTimestamp changed in one base64 digit: still well
// formed, no longer Rekor's signature.
func forgeSET(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	loc := regexp.MustCompile(`"signedEntryTimestamp":\s*"`).FindIndex(data)
	if loc == nil {
		t.Fatalf("%s has no signedEntryTimestamp", path)
	}
	j := loc[1] + 20 // a digit well inside the DER signature
	forged := append([]byte(nil), data...)
	if forged[j] == 'A' {
		forged[j] = 'B'
	} else {
		forged[j] = 'A'
	}
	return forged
}

// TestKeySignedTlog: the transparency-log entries of a key-signed bundle
// are checked whenever they are present. Real bundles: npm's registry
// publish attestation (v0.1, public-good Rekor, inclusion promise only)
// and the conformance managed-key case (v0.3, promise and proof, its own
// instance). A forged signedEntryTimestamp fails, and so does an entry
// the trusted material cannot check, unless the user opts out by name —
// which the evidence records. Controls: the genuine bundles verify, with
// the entry counted; a bundle without entries needs only the key.
func TestKeySignedTlog(t *testing.T) {
	ctx := context.Background()
	publishDir := filepath.Join(casesDir, "sigstore/sigstore-go/example-bundle-publish")
	production, err := trust.FromTrustedRootFile(filepath.Join(casesDir, "sigstore/trusted-roots/production.trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	publishKey, err := trust.FromPublicKeyFile(filepath.Join(publishDir, "key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	publishDigest, err := bundle.ArtifactDigest("sha512:76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751")
	if err != nil {
		t.Fatal(err)
	}
	managedKey, err := trust.FromPublicKeyFile(filepath.Join(managedKeyDir, "key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	managedRoot, err := trust.FromTrustedRootFile(filepath.Join(managedKeyDir, "trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	managedArtifact := bundle.ArtifactFile(filepath.Join(managedKeyDir, "..", "a.txt"))
	read := func(path string) []byte {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	publish := read(filepath.Join(publishDir, "bundle.sigstore.json"))
	publishForged := forgeSET(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	managed := read(filepath.Join(managedKeyDir, "bundle.sigstore.json"))
	managedForged := forgeSET(t, filepath.Join(managedKeyDir, "bundle.sigstore.json"))
	ignore := bundle.Policy{InsecureIgnoreTlog: true}

	type tc struct {
		name     string
		data     []byte
		artifact bundle.Artifact
		tm       root.TrustedMaterial
		policy   bundle.Policy
		want     error // nil: verifies
		says     string
		entries  int  // verified entries in the evidence
		ignored  bool // evidence records the opt-out
	}
	tests := []tc{
		{name: "control: npm publish, key and public-good root", data: publish, artifact: publishDigest,
			tm: trust.Combine(publishKey, production), entries: 1},
		{name: "npm publish, forged SET", data: publishForged, artifact: publishDigest,
			tm: trust.Combine(publishKey, production), want: bundle.ErrTrust, says: "log"},
		{name: "npm publish, key alone: the entry cannot be checked", data: publish, artifact: publishDigest,
			tm: publishKey, want: bundle.ErrTrust, says: "--insecure-ignore-tlog"},
		{name: "npm publish, forged SET, key alone", data: publishForged, artifact: publishDigest,
			tm: publishKey, want: bundle.ErrTrust, says: "no transparency log"},
		{name: "opt-out: npm publish, forged SET, key alone", data: publishForged, artifact: publishDigest,
			tm: publishKey, policy: ignore, ignored: true},
		{name: "opt-out: npm publish, forged SET, key and root", data: publishForged, artifact: publishDigest,
			tm: trust.Combine(publishKey, production), policy: ignore, ignored: true},
		{name: "control: managed key, its own root", data: managed, artifact: managedArtifact,
			tm: trust.Combine(managedKey, managedRoot), entries: 1},
		{name: "managed key, forged SET", data: managedForged, artifact: managedArtifact,
			tm: trust.Combine(managedKey, managedRoot), want: bundle.ErrTrust, says: "log"},
		{name: "managed key, the public-good root has not its log", data: managed, artifact: managedArtifact,
			tm: trust.Combine(managedKey, production), want: bundle.ErrTrust, says: "log"},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			b, err := bundle.Parse(c.data)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := bundle.Verify(ctx, b, c.artifact, c.tm, c.policy)
			if c.want != nil {
				if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.says) {
					t.Fatalf("got %v, want %v saying %q", err, c.want, c.says)
				}
				return
			}
			if err != nil {
				t.Fatalf("legitimate bundle refused: %v", err)
			}
			if ev.TlogEntries != c.entries || ev.TlogIgnored != c.ignored {
				t.Errorf("evidence: %d log entries, ignored %v; want %d, %v", ev.TlogEntries, ev.TlogIgnored, c.entries, c.ignored)
			}
		})
	}

	// A key-signed bundle without any log entry (vouch release --key,
	// cosign --tlog-upload=false) needs only the key, and nothing is
	// recorded as ignored.
	artifact := []byte("release artifact v1\n")
	ks := newKeySigner(t)
	for _, p := range []bundle.Policy{{}, ignore} {
		ev, err := bundle.Verify(ctx, ks.blob(t, artifact), digestOf(t, artifact), ks.key, p)
		if err != nil {
			t.Fatalf("bundle without log entries, %+v: %v", p, err)
		}
		if ev.TlogEntries != 0 || ev.TlogIgnored {
			t.Errorf("bundle without log entries: evidence %+v", ev)
		}
	}
}
