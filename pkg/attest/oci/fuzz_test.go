package oci

import "testing"

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
