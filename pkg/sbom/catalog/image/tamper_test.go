package image_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vouchdev/vouch/pkg/sbom/catalog"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image/imagetest"
)

// blob is the path of a blob of the layout at dir.
func blob(dir string, h v1.Hash) string { return filepath.Join(dir, "blobs", h.Algorithm, h.Hex) }

// TestTamperedLayout: an OCI layout whose layer, config or manifest is not
// what the manifest, the config's diff_ids or the index name is refused,
// naming what was expected and found; the untouched layout is read.
func TestTamperedLayout(t *testing.T) {
	img := imagetest.Build(t, labels, []imagetest.Entry{{Name: "app/package-lock.json", Src: wsLock}})
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	other := imagetest.LayerTar(t, []imagetest.Entry{{Name: "app/package-lock.json", Data: "{}"}})
	for _, tc := range []struct {
		name   string
		tamper func(dir string) error
		want   string
	}{
		{"control", func(string) error { return nil }, ""},
		{"layer replaced", func(dir string) error {
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(other)
			zw.Close()
			return os.WriteFile(blob(dir, m.Layers[0].Digest), gz.Bytes(), 0o644)
		}, "rootfs.diff_ids says " + mustConfig(t, img).RootFS.DiffIDs[0].String()},
		{"config label changed", func(dir string) error {
			p := blob(dir, m.Config.Digest)
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, bytes.Replace(data, []byte("Apache-2.0"), []byte("Apache-2.1"), 1), 0o644)
		}, "the descriptor says " + m.Config.Digest.String()},
		{"manifest changed", func(dir string) error {
			p := blob(dir, digest)
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, append(data, ' '), 0o644)
		}, "the descriptor says " + digest.String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := imagetest.OCIDir(t, t.TempDir(), "example.test/app:1", img)
			if err := tc.tamper(dir); err != nil {
				t.Fatal(err)
			}
			res, err := catalog.Run(context.Background(), []string{"oci-dir:" + dir}, catalog.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if len(res.Errors) > 0 || len(packages(res.Document, "npm")) == 0 {
					t.Fatalf("control: errors %v", res.Errors)
				}
				return
			}
			if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), tc.want) {
				t.Fatalf("errors %v, want one saying %q", res.Errors, tc.want)
			}
			if len(res.Document.Components) != 0 {
				t.Errorf("a tampered image still gave %d components", len(res.Document.Components))
			}
		})
	}
}

func mustConfig(t *testing.T, img v1.Image) *v1.ConfigFile {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cf
}

// TestRegistryGarbage: a registry answering garbage, or nothing, fails the
// image; the image by digest from a real (in-process) registry is read.
func TestRegistryGarbage(t *testing.T) {
	img := imagetest.Build(t, labels, []imagetest.Entry{{Name: "app/package-lock.json", Src: wsLock}})
	host := imagetest.Registry(t)
	imagetest.Push(t, host+"/vouch/app:1", img)
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		json.NewEncoder(w).Encode(map[string]any{"schemaVersion": 2, "layers": "not a list"})
	}))
	defer garbage.Close()
	g := strings.TrimPrefix(garbage.URL, "http://")
	for _, tc := range []struct {
		ref string
		ok  bool
	}{
		{host + "/vouch/app@" + digest.String(), true},
		{g + "/vouch/app:1", false},
		{host + "/vouch/missing:1", false},
	} {
		res, err := catalog.Run(context.Background(), []string{"registry:" + tc.ref}, catalog.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if ok := len(res.Errors) == 0 && len(packages(res.Document, "npm")) > 0; ok != tc.ok {
			t.Errorf("%s: read %v (errors %v), want %v", tc.ref, ok, res.Errors, tc.ok)
		}
		if !tc.ok && len(res.Errors) > 0 && !strings.Contains(res.Errors[0].Error(), "registry:"+tc.ref) {
			t.Errorf("the error does not name the image: %v", res.Errors[0])
		}
	}
}
