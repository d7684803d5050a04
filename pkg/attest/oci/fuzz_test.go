package oci

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// FuzzParseIndex: a referrers index comes from the registry; whatever it
// holds, parsing returns an index within the limits or an error.
func FuzzParseIndex(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`))
	f.Add([]byte(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"}]}`))
	f.Add([]byte(`{"schemaVersion":2,"schemaVersion":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := parseIndex(data)
		if err == nil && (im.SchemaVersion != 2 || len(im.Manifests) > maxReferrers) {
			t.Fatalf("accepted %+v", im)
		}
	})
}

// fuzzStore serves one manifest and one blob, whatever their digests.
type fuzzStore struct{ raw, data []byte }

func (f fuzzStore) manifest(v1.Hash) ([]byte, error) { return f.raw, nil }
func (f fuzzStore) blob(d v1.Descriptor) ([]byte, error) {
	if d.Size >= 0 && int64(len(f.data)) > d.Size+1 {
		return f.data[:d.Size+1], nil
	}
	return f.data, nil
}

// FuzzFetchBundle: a referrer manifest and its blob come from the
// registry; whatever they hold, a bundle is returned only when its
// manifest is about the subject and the blob has the digest it names.
func FuzzFetchBundle(f *testing.F) {
	subject := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("a", 64)}
	blob := []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`)
	raw, _, err := Referrer(v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: subject, Size: 1}, blob, "https://slsa.dev/provenance/v1", time.Unix(0, 0))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw, blob)
	f.Add([]byte(`{"schemaVersion":2,"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","layers":[]}`), blob)
	f.Fuzz(func(t *testing.T, raw, blob []byte) {
		h, _, _ := v1.SHA256(bytes.NewReader(raw))
		data, _, err := fetchBundle(fuzzStore{raw, blob}, h, subject)
		if err != nil || data == nil {
			return
		}
		var m manifest
		if json.Unmarshal(raw, &m) != nil || m.Subject == nil || m.Subject.Digest != subject || len(m.Layers) != 1 {
			t.Fatalf("bundle from manifest %q", raw)
		}
		if sha256Hex(data) != m.Layers[0].Digest.Hex {
			t.Fatalf("bundle with another digest than its manifest's")
		}
	})
}
