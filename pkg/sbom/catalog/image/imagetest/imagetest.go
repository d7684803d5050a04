// Package imagetest builds container images for tests with
// go-containerregistry, from files the test names, and writes them in
// every form vouch reads: a docker save archive, an OCI layout directory
// and archive, and an in-process registry on loopback.
package imagetest

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Entry is one tar entry of a layer: a regular file (Data, or the file at
// Src), a directory (Dir), a symlink (Link), a hard link (Hard) or a
// device (Device). A name starting ".wh." (or a path ending in one) is a
// whiteout as the OCI image spec writes it.
type Entry struct {
	Name   string
	Data   string
	Src    string
	Dir    bool
	Link   string
	Hard   string
	Device bool
}

// LayerTar is the tar of entries, in their order.
func LayerTar(tb testing.TB, entries []Entry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	when := time.Unix(1700000000, 0)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.Name, Mode: 0o644, ModTime: when, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		data := []byte(e.Data)
		if e.Src != "" {
			b, err := os.ReadFile(e.Src)
			if err != nil {
				tb.Fatal(err)
			}
			data, hdr.Mode = b, 0o755
		}
		switch {
		case e.Dir:
			hdr.Typeflag, hdr.Mode, data = tar.TypeDir, 0o755, nil
		case e.Link != "":
			hdr.Typeflag, hdr.Linkname, data = tar.TypeSymlink, e.Link, nil
		case e.Hard != "":
			hdr.Typeflag, hdr.Linkname, data = tar.TypeLink, e.Hard, nil
		case e.Device:
			hdr.Typeflag, data = tar.TypeChar, nil
		}
		hdr.Size = int64(len(data))
		if err := tw.WriteHeader(hdr); err != nil {
			tb.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// FromTars is an image of the raw layer tars given (bottom first), as
// they are, for fuzzing.
func FromTars(tb testing.TB, tars ...[]byte) v1.Image {
	tb.Helper()
	var ls []v1.Layer
	for _, data := range tars {
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
		if err != nil {
			tb.Fatal(err)
		}
		ls = append(ls, l)
	}
	img, err := mutate.AppendLayers(empty.Image, ls...)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

// Build is an image of the layers given (bottom first), each a gzipped
// layer made with tarball.LayerFromOpener, with the config's labels.
func Build(tb testing.TB, labels map[string]string, layers ...[]Entry) v1.Image {
	tb.Helper()
	var tars [][]byte
	for _, entries := range layers {
		tars = append(tars, LayerTar(tb, entries))
	}
	img := FromTars(tb, tars...)
	cf, err := img.ConfigFile()
	if err != nil {
		tb.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Created = v1.Time{Time: time.Unix(1700000000, 0).UTC()}
	cf.Config.Labels = labels
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

// DockerArchive writes img as `docker save` does, tagged ref, to a file
// in dir, and returns its path.
func DockerArchive(tb testing.TB, dir, ref string, img v1.Image) string {
	tb.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(dir, "docker.tar")
	if err := tarball.WriteToFile(p, tag, img); err != nil {
		tb.Fatal(err)
	}
	return p
}

// OCIDir writes img as an OCI layout directory in dir, its index entry
// annotated with ref as containerd and skopeo name it.
func OCIDir(tb testing.TB, dir, ref string, img v1.Image) string {
	tb.Helper()
	p := filepath.Join(dir, "oci")
	l, err := layout.Write(p, empty.Index)
	if err != nil {
		tb.Fatal(err)
	}
	if err := l.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref})); err != nil {
		tb.Fatal(err)
	}
	return p
}

// OCIArchive writes img as a tar of an OCI layout in dir.
func OCIArchive(tb testing.TB, dir, ref string, img v1.Image) string {
	tb.Helper()
	return layoutTar(tb, filepath.Join(dir, "oci.tar"), ref, img, nil)
}

// DockerSave25 writes img as docker save does since Docker 25, to a file
// in dir: an OCI layout, and docker's manifest.json naming the same blobs
// with the image's tag.
func DockerSave25(tb testing.TB, dir, ref string, img v1.Image) string {
	tb.Helper()
	m, err := img.Manifest()
	if err != nil {
		tb.Fatal(err)
	}
	blob := func(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }
	entry := map[string]any{"Config": blob(m.Config.Digest), "RepoTags": []string{ref}}
	var layers []string
	for _, l := range m.Layers {
		layers = append(layers, blob(l.Digest))
	}
	entry["Layers"] = layers
	data, err := json.Marshal([]any{entry})
	if err != nil {
		tb.Fatal(err)
	}
	return layoutTar(tb, filepath.Join(dir, "docker25.tar"), ref, img, map[string][]byte{"manifest.json": data})
}

// DockerSaveLegacy writes img as docker save did before Docker 25, to a
// file in dir: the config, each layer as an uncompressed layer.tar, and
// manifest.json; no registry manifest.
func DockerSaveLegacy(tb testing.TB, dir, ref string, img v1.Image) string {
	tb.Helper()
	cfgName, err := img.ConfigName()
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := img.RawConfigFile()
	if err != nil {
		tb.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		tb.Fatal(err)
	}
	files := map[string][]byte{cfgName.Hex + ".json": raw}
	entry := map[string]any{"Config": cfgName.Hex + ".json", "RepoTags": []string{ref}}
	var names []string
	for _, l := range layers {
		id, err := l.DiffID()
		if err != nil {
			tb.Fatal(err)
		}
		rc, err := l.Uncompressed()
		if err != nil {
			tb.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		files[id.Hex+"/layer.tar"] = data
		names = append(names, id.Hex+"/layer.tar")
	}
	entry["Layers"] = names
	if files["manifest.json"], err = json.Marshal([]any{entry}); err != nil {
		tb.Fatal(err)
	}
	src := tb.TempDir()
	for name, data := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(src, name)), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, name), data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	p := filepath.Join(dir, "docker-legacy.tar")
	tarDir(tb, src, p)
	return p
}

// layoutTar writes img's OCI layout, and the extra files, as a tar at p.
func layoutTar(tb testing.TB, p, ref string, img v1.Image, extra map[string][]byte) string {
	src := OCIDir(tb, tb.TempDir(), ref, img)
	for name, data := range extra {
		if err := os.WriteFile(filepath.Join(src, name), data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	tarDir(tb, src, p)
	return p
}

// tarDir writes the files below src as a tar at p.
func tarDir(tb testing.TB, src, p string) {
	tb.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(data))}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = os.WriteFile(p, buf.Bytes(), 0o644)
	}
	if err != nil {
		tb.Fatal(err)
	}
}

// Registry starts go-containerregistry's in-process registry on loopback
// and returns its host ("127.0.0.1:PORT").
func Registry(tb testing.TB) string {
	tb.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	tb.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// Push uploads img to ref, in a registry Registry started.
func Push(tb testing.TB, ref string, img v1.Image) {
	tb.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		tb.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		tb.Fatal(err)
	}
}

// Index is an index of imgs, each for the platform linux/ARCH given by
// its key, as a multi-platform build pushes it.
func Index(tb testing.TB, imgs map[string]v1.Image) v1.ImageIndex {
	tb.Helper()
	var adds []mutate.IndexAddendum
	for arch, img := range imgs {
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	return mutate.AppendManifests(empty.Index, adds...)
}

// RealRegistry starts Debian's docker-registry (the CNCF distribution
// registry, which has no referrers API) on a free loopback port, storing
// in a temporary directory, and returns its host. Without the program the
// test is skipped, or fails under CI=true, where .ci/run installs it.
func RealRegistry(tb testing.TB) string {
	tb.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("docker-registry is not installed (.ci/run installs Debian's docker-registry)")
		}
		tb.Skip("docker-registry is not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	host := l.Addr().String()
	l.Close()
	dir := tb.TempDir()
	cfg := "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: " + filepath.Join(dir, "data") +
		"\n  delete:\n    enabled: true\nhttp:\n  addr: " + host + "\n"
	if err := os.WriteFile(filepath.Join(dir, "config.yml"), []byte(cfg), 0o644); err != nil {
		tb.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", filepath.Join(dir, "config.yml"))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("docker-registry: %v", err)
	}
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + host + "/v2/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return host
			}
		}
	}
	tb.Fatalf("docker-registry did not answer on %s within 15s:\n%s", host, logs.String())
	return ""
}
