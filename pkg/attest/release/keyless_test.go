package release_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/vouchdev/vouch/pkg/attest/release"
	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/attest/sign/signtest"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
)

// A keyless release against a loopback Sigstore: every bundle verifies
// against its trusted material for the token's identity; a failing
// transparency log fails the whole release before anything is written.
func TestKeylessRelease(t *testing.T) {
	fake := signtest.New(t)
	s, err := sign.NewKeylessSigner(fake.IDToken(), sign.Options{SigningConfig: fake.SigningConfig(), TrustedMaterial: fake.TrustedMaterial()})
	if err != nil {
		t.Fatal(err)
	}
	dir := fixture(t)
	out := t.TempDir()
	run(t, []string{dir}, options(s, out))
	if n := fake.Requests("fulcio"); n != 1 {
		t.Errorf("%d Fulcio requests, want 1 certificate for the whole release", n)
	}
	// The fake Fulcio embeds no SCTs, so its CT logs are hidden from the
	// verifier, which would otherwise (rightly) demand one.
	tm := noCT{fake.TrustedMaterial()}
	policy := bundle.Policy{Identity: signtest.Identity, Issuer: signtest.Issuer}
	ctx := context.Background()
	for _, a := range artifactNames {
		art := bundle.ArtifactFile(filepath.Join(dir, a))
		for _, b := range []string{a + release.SuffixSignature, a + release.SuffixSBOMBundle, release.ProvenanceName} {
			ev, err := bundle.VerifyFile(ctx, filepath.Join(out, b), art, tm, policy)
			if err != nil {
				t.Errorf("%s: %v", b, err)
				continue
			}
			if ev.TlogEntries == 0 || len(ev.Timestamps) == 0 {
				t.Errorf("%s: %d log entries, %d timestamps; want both", b, ev.TlogEntries, len(ev.Timestamps))
			}
		}
	}

	fake.FailRekor.Store(http.StatusInternalServerError)
	failed := t.TempDir()
	arts, _ := release.Expand([]string{dir})
	_, err = release.Run(ctx, arts, options(s, failed))
	var se *sign.ServiceError
	if !errors.As(err, &se) || se.Service != "rekor" {
		t.Fatalf("release with a failing Rekor: %v, want a rekor *sign.ServiceError", err)
	}
	if entries, _ := os.ReadDir(failed); len(entries) != 0 {
		t.Errorf("a failed keyless release wrote %d files", len(entries))
	}
}

type noCT struct{ root.TrustedMaterial }

func (noCT) CTLogs() map[string]*root.TransparencyLog { return nil }
