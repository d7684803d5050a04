package oci_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/vouchdev/vouch/pkg/attest/oci"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image/imagetest"
)

// layoutWithBundle writes an image's OCI layout and attaches bundleData.
func layoutWithBundle(t *testing.T, bundleData []byte) (string, v1.Descriptor) {
	t.Helper()
	img := imagetest.Build(t, nil, []imagetest.Entry{{Name: "app/file", Data: "one"}})
	dir := imagetest.OCIDir(t, t.TempDir(), "registry.example/app:1.0", img)
	desc, err := oci.LayoutImage(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := img.Digest(); desc.Digest != want {
		t.Fatalf("image %s, want %s", desc.Digest, want)
	}
	if _, err := oci.AttachLayout(dir, desc, bundleData, "https://slsa.dev/provenance/v1", created); err != nil {
		t.Fatal(err)
	}
	// The referrer is not taken for a second image.
	if again, err := oci.LayoutImage(dir); err != nil || again.Digest != desc.Digest {
		t.Fatalf("after attaching: image %s, %v", again.Digest, err)
	}
	return dir, desc
}

// TestLayoutRoundTrip: a bundle attached in a layout is listed back, as a
// manifest of index.json and under the fallback tag; a changed bundle
// blob, a garbled index.json and another subject are refused or empty.
func TestLayoutRoundTrip(t *testing.T) {
	bundleData := []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`)
	dir, desc := layoutWithBundle(t, bundleData)
	found, err := oci.LayoutBundles(dir, desc.Digest)
	if err != nil || len(found) != 1 || found[0].Err != nil || !bytes.Equal(found[0].Data, bundleData) {
		t.Fatalf("found %+v, %v; want the bundle", found, err)
	}
	other := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("b", 64)}
	if found, err := oci.LayoutBundles(dir, other); err != nil || len(found) != 0 {
		t.Fatalf("another subject: %d bundles, %v", len(found), err)
	}

	// Under the fallback tag only.
	fallbackOnly(t, dir, desc.Digest)
	if found, err := oci.LayoutBundles(dir, desc.Digest); err != nil || len(found) != 1 || found[0].Err != nil {
		t.Fatalf("fallback tag: found %+v, %v", found, err)
	}

	// A changed bundle blob.
	blob := filepath.Join(dir, "blobs", "sha256", sha(bundleData))
	if err := os.WriteFile(blob, bytes.Replace(bundleData, []byte("v0.3"), []byte("v0.4"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	found, err = oci.LayoutBundles(dir, desc.Digest)
	if err != nil || len(found) != 1 || found[0].Err == nil || !strings.Contains(found[0].Err.Error(), "content has digest") {
		t.Fatalf("changed blob: found %+v, %v", found, err)
	}

	// A garbled index.json.
	if err := os.WriteFile(filepath.Join(dir, "index.json"), []byte(`{"schemaVersion":2,"manifests":[`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := oci.LayoutBundles(dir, desc.Digest); err == nil || !strings.Contains(err.Error(), "index.json") {
		t.Fatalf("garbled index.json: %v", err)
	}
}

// fallbackOnly rewrites the layout's index.json so that its referrers are
// listed only in an index tagged sha256-<hex>, as a registry without the
// referrers API keeps them.
func fallbackOnly(t *testing.T, dir string, subject v1.Hash) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var im v1.IndexManifest
	if err := json.Unmarshal(raw, &im); err != nil {
		t.Fatal(err)
	}
	var keep, refs []v1.Descriptor
	for _, d := range im.Manifests {
		if d.ArtifactType == oci.ArtifactType {
			refs = append(refs, d)
		} else {
			keep = append(keep, d)
		}
	}
	idx, _ := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: refs})
	h, n, _ := v1.SHA256(bytes.NewReader(idx))
	if err := os.WriteFile(filepath.Join(dir, "blobs", "sha256", h.Hex), idx, 0o644); err != nil {
		t.Fatal(err)
	}
	im.Manifests = append(keep, v1.Descriptor{MediaType: types.OCIImageIndex, Digest: h, Size: n,
		Annotations: map[string]string{"org.opencontainers.image.ref.name": "sha256-" + subject.Hex}})
	out, _ := json.Marshal(im)
	if err := os.WriteFile(filepath.Join(dir, "index.json"), out, 0o644); err != nil {
		t.Fatal(err)
	}
}
