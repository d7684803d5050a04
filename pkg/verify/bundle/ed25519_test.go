package bundle_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// signDir holds vouch's own Ed25519-signed golden bundles (pkg/attest/sign).
const signDir = "../../attest/sign/testdata"

// TestEd25519FileSignature: vouch signs files with Ed25519 keys as
// Ed25519ph and DSSE envelopes as pure Ed25519; a key loaded from its .pub
// verifies both, and a changed file still fails.
func TestEd25519FileSignature(t *testing.T) {
	key, err := trust.FromPublicKeyFile(filepath.Join(signDir, "ed25519.pub"))
	if err != nil {
		t.Fatal(err)
	}
	art := filepath.Join(signDir, "artifact.txt")
	if _, err := bundle.VerifyFile(context.Background(), filepath.Join(signDir, "artifact.txt.sigstore.golden.json"), bundle.ArtifactFile(art), key, bundle.Policy{}); err != nil {
		t.Fatalf("file signature: %v", err)
	}
	if _, err := bundle.VerifyFile(context.Background(), filepath.Join(signDir, "statement.golden.json"), bundle.ArtifactFile(art), key, bundle.Policy{}); err != nil {
		t.Fatalf("attestation: %v", err)
	}
	changed := filepath.Join(t.TempDir(), "artifact.txt")
	if err := os.WriteFile(changed, []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = bundle.VerifyFile(context.Background(), filepath.Join(signDir, "artifact.txt.sigstore.golden.json"), bundle.ArtifactFile(changed), key, bundle.Policy{})
	if !errors.Is(err, bundle.ErrArtifact) && !errors.Is(err, bundle.ErrSignature) {
		t.Fatalf("changed file: got %v, want an artifact or signature failure", err)
	}
}
