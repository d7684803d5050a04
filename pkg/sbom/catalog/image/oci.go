package image

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/internal/strictjson"
)

// maxJSON bounds an index, manifest or config read from an image source.
const maxJSON = 4 << 20

// blobs opens the blobs of an OCI image layout by the path the layout
// keeps them at ("index.json", "blobs/sha256/<hex>").
type blobs interface {
	open(name string) (io.ReadCloser, error)
}

// dirBlobs is an OCI layout directory, confined to it (os.Root): a blob
// that is a link out of the layout is not read.
type dirBlobs struct{ root *os.Root }

func (d dirBlobs) open(name string) (io.ReadCloser, error) {
	f, err := d.root.Open(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s: not a regular file (%s)", name, fi.Mode().Type())
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// tarBlobs is a tar of an OCI layout: its entries are indexed once and
// each blob is read in place.
type tarBlobs struct {
	f       *os.File
	entries map[string]*io.SectionReader
}

func (t *tarBlobs) open(name string) (io.ReadCloser, error) {
	s, ok := t.entries[name]
	if !ok {
		return nil, fmt.Errorf("%s: not in the archive", name)
	}
	return io.NopCloser(io.NewSectionReader(s, 0, s.Size())), nil
}

// indexTar records where every regular entry of the tar f holds its data.
func indexTar(f *os.File) (*tarBlobs, error) {
	t := &tarBlobs{f: f, entries: map[string]*io.SectionReader{}}
	tr := tar.NewReader(f)
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		if n >= maxIndexEntries {
			return nil, fmt.Errorf("more than %d entries: not an image archive", maxIndexEntries)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		// The reader sits at the entry's data now.
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, err
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		t.entries[name] = io.NewSectionReader(f, off, hdr.Size)
	}
}

func openOCIDir(ref Ref) (*Image, error) {
	root, err := os.OpenRoot(ref.Target)
	if err != nil {
		return nil, err
	}
	img, err := layoutImage(ref, dirBlobs{root})
	if err != nil {
		root.Close()
		return nil, err
	}
	img.close = root.Close
	return img, nil
}

func openOCIArchive(ref Ref) (*Image, error) {
	f, _, err := safefile.Open("OCI archive", ref.Target)
	if err != nil {
		return nil, err
	}
	t, err := indexTar(f)
	if err == nil {
		var img *Image
		if img, err = layoutImage(ref, t); err == nil {
			img.close = f.Close
			return img, nil
		}
	}
	f.Close()
	return nil, err
}

// readJSON reads the blob at name, within maxJSON and without duplicate
// keys.
func readJSON(b blobs, name string) ([]byte, error) {
	r, err := b.open(name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxJSON+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxJSON {
		return nil, fmt.Errorf("%s: more than %d bytes", name, maxJSON)
	}
	if err := strictjson.Check(data, strictjson.DefaultMaxDepth); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}

// readBlob reads the JSON blob d names and checks it has d's digest.
func readBlob(b blobs, d v1.Descriptor) ([]byte, error) {
	data, err := readJSON(b, blobPath(d.Digest))
	if err != nil {
		return nil, err
	}
	if got, _, _ := v1.SHA256(bytes.NewReader(data)); got != d.Digest {
		return nil, fmt.Errorf("%s: digest is %s, the descriptor says %s", blobPath(d.Digest), got, d.Digest)
	}
	return data, nil
}

func blobPath(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

// layoutImage finds the one image of a layout's index.json: an index
// naming one image, or one index of images for several platforms, of
// which the one for linux and this machine's architecture is read.
func layoutImage(ref Ref, b blobs) (*Image, error) {
	data, err := readJSON(b, "index.json")
	if err != nil {
		return nil, err
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	desc, err := oneImage(b, withoutReferrers(idx.Manifests), "index.json", true)
	if err != nil {
		return nil, err
	}
	raw, err := readBlob(b, desc)
	if err != nil {
		return nil, err
	}
	core := &layoutCore{b: b, raw: raw, mt: desc.MediaType}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", blobPath(desc.Digest), err)
	}
	core.m = m
	if core.config, err = readBlob(b, m.Config); err != nil {
		return nil, err
	}
	img, err := partial.CompressedToImage(core)
	if err != nil {
		return nil, err
	}
	out := &Image{Image: img, Ref: ref}
	out.layoutName(desc.Annotations)
	return out, nil
}

// withoutReferrers leaves out what a layout lists beside its image about
// it (vouch sign --image oci-dir:, oras): artifacts, whose artifactType is
// not an image config's media type (go-containerregistry writes that one
// for images), and a referrers index under a sha256-<hex> tag.
func withoutReferrers(descs []v1.Descriptor) []v1.Descriptor {
	var out []v1.Descriptor
	for _, d := range descs {
		tag := d.Annotations["org.opencontainers.image.ref.name"]
		artifact := d.ArtifactType != "" && d.ArtifactType != string(types.OCIConfigJSON) && d.ArtifactType != string(types.DockerConfigJSON)
		if artifact || (strings.HasPrefix(tag, "sha256-") && len(tag) == len("sha256-")+64) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// layoutName takes the image's name from its index entry's annotations:
// containerd's full name, else an OCI ref.name that is a full reference
// (the spec allows a bare tag, "1.0", which names no repository).
func (i *Image) layoutName(ann map[string]string) {
	for _, key := range []string{"io.containerd.image.name", "org.opencontainers.image.ref.name"} {
		n := ann[key]
		if !strings.Contains(n, "/") {
			continue
		}
		if t, err := name.NewTag(n); err == nil {
			i.addTag(t)
			return
		}
	}
}

// oneImage picks the image among descs: the only one, or in a nested
// index (followed once), the one for linux on this architecture.
func oneImage(b blobs, descs []v1.Descriptor, where string, nested bool) (v1.Descriptor, error) {
	if len(descs) == 1 && descs[0].MediaType.IsImage() {
		return descs[0], nil
	}
	if len(descs) == 1 && descs[0].MediaType.IsIndex() && nested {
		data, err := readBlob(b, descs[0])
		if err != nil {
			return v1.Descriptor{}, err
		}
		idx, err := v1.ParseIndexManifest(bytes.NewReader(data))
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("%s: %w", blobPath(descs[0].Digest), err)
		}
		return oneImage(b, idx.Manifests, blobPath(descs[0].Digest), false)
	}
	want := v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	var found []v1.Descriptor
	for _, d := range descs {
		if d.MediaType.IsImage() && d.Platform != nil && d.Platform.Satisfies(want) {
			found = append(found, d)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return v1.Descriptor{}, fmt.Errorf("%s: want one image (or one for %s/%s), found %d manifests", where, want.OS, want.Architecture, len(descs))
}

// layoutCore is an image of a layout as go-containerregistry's partial
// package builds one from its manifest and config.
type layoutCore struct {
	b      blobs
	raw    []byte
	mt     types.MediaType
	m      *v1.Manifest
	config []byte
}

func (c *layoutCore) RawConfigFile() ([]byte, error)      { return c.config, nil }
func (c *layoutCore) MediaType() (types.MediaType, error) { return c.mt, nil }
func (c *layoutCore) RawManifest() ([]byte, error)        { return c.raw, nil }

func (c *layoutCore) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	for _, d := range c.m.Layers {
		if d.Digest == h {
			return &layoutLayer{b: c.b, d: d}, nil
		}
	}
	return nil, fmt.Errorf("layer %s: not in the manifest", h)
}

// layoutLayer is one layer blob of a layout.
type layoutLayer struct {
	b blobs
	d v1.Descriptor
}

func (l *layoutLayer) Digest() (v1.Hash, error)            { return l.d.Digest, nil }
func (l *layoutLayer) Size() (int64, error)                { return l.d.Size, nil }
func (l *layoutLayer) MediaType() (types.MediaType, error) { return l.d.MediaType, nil }
func (l *layoutLayer) Compressed() (io.ReadCloser, error)  { return l.b.open(blobPath(l.d.Digest)) }
