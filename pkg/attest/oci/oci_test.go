package oci_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/vouchdev/vouch/pkg/attest/oci"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image/imagetest"
)

// serve starts go-containerregistry's registry, with or without the
// referrers API, behind wrap (nil: as it is), and returns its host.
func serve(t *testing.T, referrers bool, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(referrers))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// pushImage pushes an image the test builds to host/app:1.0 and resolves
// the tag.
func pushImage(t *testing.T, host, content string) (name.Digest, v1.Descriptor) {
	t.Helper()
	img := imagetest.Build(t, nil, []imagetest.Entry{{Name: "app/file", Data: content}})
	imagetest.Push(t, host+"/app:1.0", img)
	d, desc, err := oci.Resolve(host + "/app:1.0")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	if d.DigestStr() != want.String() || desc.Digest != want {
		t.Fatalf("resolved %s, want %s", d, want)
	}
	return d, desc
}

var created = time.Unix(1700000000, 0)

// TestAttachRoundTrip: a bundle attached to an image is listed back,
// through the referrers API and through the fallback tag; another image
// of the same repository has none.
func TestAttachRoundTrip(t *testing.T) {
	for _, api := range []bool{true, false} {
		host := serve(t, api, nil)
		subject, desc := pushImage(t, host, "one")
		other, _ := pushImage(t, host, "two")
		bundles := [][]byte{[]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","n":1}`), []byte(`{"n":2}`)}
		for _, b := range bundles {
			if _, err := oci.Attach(subject, desc, b, "https://slsa.dev/provenance/v1", created); err != nil {
				t.Fatal(err)
			}
		}
		found, err := oci.Bundles(subject)
		if err != nil {
			t.Fatalf("referrers API %v: %v", api, err)
		}
		if len(found) != 2 {
			t.Fatalf("referrers API %v: %d bundles, want 2", api, len(found))
		}
		got := map[string]bool{}
		for _, f := range found {
			if f.Err != nil {
				t.Fatalf("referrers API %v: %s: %v", api, f.Name, f.Err)
			}
			got[string(f.Data)] = true
		}
		for _, b := range bundles {
			if !got[string(b)] {
				t.Errorf("referrers API %v: bundle %s not listed", api, b)
			}
		}
		_, fallbackErr := remote.Head(subject.Context().Tag(strings.Replace(subject.DigestStr(), ":", "-", 1)))
		if api == (fallbackErr == nil) {
			t.Errorf("referrers API %v: fallback tag present: %v", api, fallbackErr == nil)
		}
		if found, err := oci.Bundles(other); err != nil || len(found) != 0 {
			t.Errorf("referrers API %v: another image: %d bundles, %v; want none", api, len(found), err)
		}
	}
}

// TestReferrerLayout: the artifact manifest is laid out as cosign v2.6.5's
// WriteAttestationNewBundleFormat writes it.
func TestReferrerLayout(t *testing.T) {
	subject := v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Size: 123,
		Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("a", 64)}}
	raw, _, err := oci.Referrer(subject, []byte("{}"), "https://sigstore.dev/cosign/sign/v1", created)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	want := `{"annotations":{"dev.sigstore.bundle.content":"dsse-envelope","dev.sigstore.bundle.predicateType":"https://sigstore.dev/cosign/sign/v1","org.opencontainers.image.created":"2023-11-14T22:13:20Z"},` +
		`"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json",` +
		`"config":{"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","mediaType":"application/vnd.oci.empty.v1+json","size":2},` +
		`"layers":[{"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","size":2}],` +
		`"mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2,` +
		`"subject":{"digest":"sha256:` + strings.Repeat("a", 64) + `","mediaType":"application/vnd.oci.image.manifest.v1+json","size":123}}`
	got, _ := json.Marshal(m)
	if string(got) != want {
		t.Errorf("manifest\n%s\nwant\n%s", got, want)
	}
}

// TestRegistryGarbage: a referrers list that is not an index, a bundle
// blob that is not what its manifest says, a referrer about another
// image, and an unreachable registry are refused precisely; the same
// registry without the fault lists the bundle (the control).
func TestRegistryGarbage(t *testing.T) {
	bundleData := []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`)
	cases := []struct {
		name    string
		fault   func(w http.ResponseWriter, r *http.Request) bool
		wantErr string // from Bundles
		wantBad string // on the one Found
	}{
		{name: "control"},
		{name: "garbage referrers", wantErr: "index", fault: func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.Contains(r.URL.Path, "/referrers/") {
				return false
			}
			w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
			w.Write([]byte(`{"schemaVersion":2,"manifests":[{"digest":1}`))
			return true
		}},
		{name: "duplicate keys", wantErr: "index", fault: func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.Contains(r.URL.Path, "/referrers/") {
				return false
			}
			w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
			w.Write([]byte(`{"schemaVersion":2,"schemaVersion":2,"manifests":[]}`))
			return true
		}},
		{name: "registry down", wantErr: "referrers of", fault: func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.Contains(r.URL.Path, "/referrers/") {
				return false
			}
			http.Error(w, "boom", http.StatusInternalServerError)
			return true
		}},
		{name: "changed blob", wantBad: "checksum", fault: func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/blobs/sha256:"+sha(bundleData)) {
				return false
			}
			w.Write([]byte(strings.Replace(string(bundleData), "v0.3", "v0.4", 1)))
			return true
		}},
		{name: "longer blob", wantBad: "checksum", fault: func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/blobs/sha256:"+sha(bundleData)) {
				return false
			}
			w.Write(append(bundleData, ' '))
			return true
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var armed bool
			host := serve(t, true, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if armed && c.fault != nil && c.fault(w, r) {
						return
					}
					h.ServeHTTP(w, r)
				})
			})
			subject, desc := pushImage(t, host, "one")
			if _, err := oci.Attach(subject, desc, bundleData, "https://slsa.dev/provenance/v1", created); err != nil {
				t.Fatal(err)
			}
			armed = true
			found, err := oci.Bundles(subject)
			switch {
			case c.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), subject.String()) {
					t.Fatalf("err %v, want one naming %s and %q", err, subject, c.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			case len(found) != 1:
				t.Fatalf("%d bundles, want 1", len(found))
			case c.wantBad == "":
				if found[0].Err != nil || string(found[0].Data) != string(bundleData) {
					t.Fatalf("control: %v %q", found[0].Err, found[0].Data)
				}
			case found[0].Err == nil || !errors.Is(found[0].Err, oci.ErrReferrer) || !strings.Contains(found[0].Err.Error(), c.wantBad):
				t.Fatalf("found %q, err %v; want %q", found[0].Data, found[0].Err, c.wantBad)
			}
		})
	}
}

// TestRegistryHangs: a registry that stops answering the referrers
// request is an error once ResponseTimeout has passed; the same registry
// answering is read (the control).
func TestRegistryHangs(t *testing.T) {
	var hang atomic.Bool
	release := make(chan struct{})
	host := serve(t, true, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hang.Load() && strings.Contains(r.URL.Path, "/referrers/") {
				select {
				case <-release:
				case <-r.Context().Done():
				}
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	defer close(release)
	subject, desc := pushImage(t, host, "one")
	if _, err := oci.Attach(subject, desc, []byte(`{}`), "https://sigstore.dev/cosign/sign/v1", created); err != nil {
		t.Fatal(err)
	}
	defer func(d time.Duration) { oci.ResponseTimeout = d }(oci.ResponseTimeout)
	oci.ResponseTimeout = 100 * time.Millisecond
	if found, err := oci.Bundles(subject, oci.Options(context.Background())...); err != nil || len(found) != 1 {
		t.Fatalf("control: %d bundles, %v", len(found), err)
	}
	hang.Store(true)
	if _, err := oci.Bundles(subject, oci.Options(context.Background())...); err == nil || !strings.Contains(err.Error(), "referrers of") {
		t.Fatalf("a hanging registry: %v, want an error", err)
	}
}

// TestOtherReferrersIgnored: a referrer that is not a Sigstore bundle (an
// SBOM artifact pushed by another tool) is not a bundle and not an error.
func TestOtherReferrersIgnored(t *testing.T) {
	host := serve(t, false, nil)
	subject, desc := pushImage(t, host, "one")
	img := imagetest.Build(t, nil, []imagetest.Entry{{Name: "sbom.json", Data: "{}"}})
	m, _ := img.Manifest()
	m = m.DeepCopy()
	m.Subject = &desc
	raw, _ := json.Marshal(m)
	if err := remote.Write(subject.Context().Tag("sbom"), img); err != nil {
		t.Fatal(err)
	}
	h, _, _ := v1.SHA256(strings.NewReader(string(raw)))
	if err := remote.Put(subject.Context().Digest(h.String()), rawTaggable(raw)); err != nil {
		t.Fatal(err)
	}
	found, err := oci.Bundles(subject)
	if err != nil || len(found) != 0 {
		t.Fatalf("%d bundles, %v; want none", len(found), err)
	}
	if _, err := oci.Attach(subject, desc, []byte(`{}`), "https://sigstore.dev/cosign/sign/v1", created); err != nil {
		t.Fatal(err)
	}
	if found, err := oci.Bundles(subject); err != nil || len(found) != 1 {
		t.Fatalf("control: %d bundles, %v; want 1", len(found), err)
	}
}

type rawTaggable []byte

func (r rawTaggable) RawManifest() ([]byte, error) { return r, nil }
func (r rawTaggable) MediaType() (types.MediaType, error) {
	return types.OCIManifestSchema1, nil
}

func sha(b []byte) string {
	h, _, _ := v1.SHA256(strings.NewReader(string(b)))
	return h.Hex
}
