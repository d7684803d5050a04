package oci

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/internal/strictjson"
)

// An OCI image layout carries an image's referrers as a registry without
// the referrers API would: manifests listed in index.json whose subject is
// the image (as oras and vouch write them), or an index under the tag
// sha256-<hex> (annotation org.opencontainers.image.ref.name).

// refNameAnnotation names an index.json entry (its tag).
const refNameAnnotation = "org.opencontainers.image.ref.name"

// maxIndexJSON bounds a layout's index.json.
const maxIndexJSON = 4 << 20

// fallbackTag matches the tag of a referrers index.
var fallbackTag = regexp.MustCompile(`^sha256-[0-9a-f]{64}$`)

// layoutStore reads blobs of a layout directory, refusing what is not a
// regular file (a FIFO would block) and what is over the limit.
type layoutStore struct{ dir string }

func (l layoutStore) path(h v1.Hash) string {
	// h comes from JSON through v1.Hash, whose parser admits only an
	// algorithm name and hex: no path separator reaches the file name.
	return filepath.Join(l.dir, "blobs", h.Algorithm, h.Hex)
}

func (l layoutStore) manifest(d v1.Hash) ([]byte, error) {
	return safefile.Read("manifest", l.path(d), maxManifest)
}

func (l layoutStore) blob(d v1.Descriptor) ([]byte, error) {
	return safefile.Read("blob", l.path(d.Digest), d.Size+1)
}

// index reads the layout's index.json.
func (l layoutStore) index() (*v1.IndexManifest, error) {
	p := filepath.Join(l.dir, "index.json")
	raw, err := safefile.Read("OCI layout index", p, maxIndexJSON)
	if err != nil {
		return nil, err
	}
	im, err := parseIndex(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return im, nil
}

// isReferrer says whether an index.json entry is a referrers index or a
// manifest with a subject, rather than an image.
func (l layoutStore) isReferrer(d v1.Descriptor) (bool, error) {
	if fallbackTag.MatchString(d.Annotations[refNameAnnotation]) {
		return true, nil
	}
	if !d.MediaType.IsImage() {
		return false, nil
	}
	raw, err := l.manifest(d.Digest)
	if err != nil {
		return false, err
	}
	if _, err := checkBlob(raw, d); err != nil {
		return false, fmt.Errorf("manifest %s: %w", d.Digest, err)
	}
	var m manifest
	if err := strictjson.Unmarshal(raw, &m, 32); err != nil {
		return false, fmt.Errorf("manifest %s: %w", d.Digest, err)
	}
	return m.Subject != nil, nil
}

// LayoutImage returns the descriptor of the one image in the OCI layout
// at dir (an image manifest or a multi-platform index), leaving out the
// referrers attached to it.
func LayoutImage(dir string) (v1.Descriptor, error) {
	l := layoutStore{dir}
	im, err := l.index()
	if err != nil {
		return v1.Descriptor{}, err
	}
	var images []v1.Descriptor
	for _, d := range im.Manifests {
		ref, err := l.isReferrer(d)
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("%s: %w", dir, err)
		}
		if !ref {
			images = append(images, d)
		}
	}
	if len(images) != 1 {
		return v1.Descriptor{}, fmt.Errorf("%s: index.json: want one image besides its referrers, found %d", dir, len(images))
	}
	return images[0], nil
}

// LayoutBundles lists the Sigstore bundles attached to the image subject
// in the OCI layout at dir, as [Bundles] does for a registry.
func LayoutBundles(dir string, subject v1.Hash) ([]Found, error) {
	l := layoutStore{dir}
	im, err := l.index()
	if err != nil {
		return nil, err
	}
	var descs []v1.Descriptor
	for _, d := range im.Manifests {
		tag := d.Annotations[refNameAnnotation]
		switch {
		case tag == subject.Algorithm+"-"+subject.Hex && d.MediaType.IsIndex():
			raw, err := safefile.Read("referrers index", l.path(d.Digest), maxIndexJSON)
			if err == nil {
				_, err = checkBlob(raw, d)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: referrers index %s: %w", dir, tag, err)
			}
			idx, err := parseIndex(raw)
			if err != nil {
				return nil, fmt.Errorf("%s: referrers index %s: %w", dir, tag, err)
			}
			descs = append(descs, idx.Manifests...)
		case d.MediaType.IsImage() && d.Digest != subject:
			descs = append(descs, d)
		}
	}
	if len(descs) > maxReferrers {
		return nil, fmt.Errorf("%s: %d referrers, more than the limit of %d", dir, len(descs), maxReferrers)
	}
	return collect(l, descs, subject, true, func(h v1.Hash) string { return "oci-dir:" + dir + "@" + h.String() }), nil
}

// AttachLayout writes bundleData into the OCI layout at dir as a referrer
// of the image subject (the manifest cosign would push), listed in
// index.json, and returns the referrer's digest.
func AttachLayout(dir string, subject v1.Descriptor, bundleData []byte, predicateType string, created time.Time) (v1.Hash, error) {
	raw, _, err := Referrer(subject, bundleData, predicateType, created)
	if err != nil {
		return v1.Hash{}, err
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		return v1.Hash{}, err
	}
	// The config, the bundle, then the manifest: h and n end as its.
	var h v1.Hash
	var n int64
	for _, blob := range [][]byte{[]byte("{}"), bundleData, raw} {
		if h, n, err = v1.SHA256(bytes.NewReader(blob)); err != nil {
			return v1.Hash{}, err
		}
		if err := p.WriteBlob(h, io.NopCloser(bytes.NewReader(blob))); err != nil {
			return v1.Hash{}, fmt.Errorf("%s: %w", dir, err)
		}
	}
	desc := v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: h, Size: n, ArtifactType: ArtifactType,
		Annotations: map[string]string{AnnotationPredicateType: predicateType}}
	if err := p.AppendDescriptor(desc); err != nil {
		return v1.Hash{}, fmt.Errorf("%s: index.json: %w", dir, err)
	}
	return h, nil
}
