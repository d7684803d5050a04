// Package oci attaches Sigstore bundles to container images in an OCI
// registry, and lists them back, as cosign v2.6.5 does with
// --new-bundle-format: each bundle is the one layer of an OCI 1.1 artifact
// manifest whose subject is the image's manifest. A registry without the
// referrers API gets the referrers index under the fallback tag
// sha256-<hex> (OCI distribution spec 1.1, "Referrers Tag Schema");
// go-containerregistry's remote package keeps that index on push and reads
// it when /v2/<name>/referrers/<digest> answers 404.
package oci

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
)

// Media types and annotations of cosign's bundle referrers.
const (
	// ArtifactType is the artifactType of the referrer manifest and the
	// media type of its one layer: a Sigstore bundle v0.3.
	ArtifactType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// bundlePrefix matches every bundle version, as cosign reads them.
	bundlePrefix = "application/vnd.dev.sigstore.bundle"
	// emptyMediaType is the config of an artifact without one (OCI 1.1).
	emptyMediaType = "application/vnd.oci.empty.v1+json"

	AnnotationCreated       = "org.opencontainers.image.created"
	AnnotationContent       = "dev.sigstore.bundle.content"
	AnnotationPredicateType = "dev.sigstore.bundle.predicateType"
)

// maxReferrers bounds the referrers read for one image: an attacker who
// can push to the repository must not make a verification read forever.
const maxReferrers = 1000

// maxManifest bounds one referrer manifest (a few hundred bytes in
// practice).
const maxManifest = 1 << 20

// ResponseTimeout bounds the wait for a registry's answer to one request:
// a registry that accepts and never answers is an error, not a hang.
var ResponseTimeout = time.Minute

// Options are go-containerregistry's remote options: the context, the
// Docker config's credentials and a transport whose requests time out
// ([ResponseTimeout]); extra ones come last and win.
func Options(ctx context.Context, extra ...remote.Option) []remote.Option {
	tr := remote.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = ResponseTimeout
	return append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithTransport(tr)}, extra...)
}

// Resolve turns a registry reference into the digest of the manifest it
// names, once: a tag is read once, and the digest is what callers sign
// and verify afterwards, so a tag moved meanwhile changes nothing.
func Resolve(ref string, opts ...remote.Option) (name.Digest, v1.Descriptor, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return name.Digest{}, v1.Descriptor{}, fmt.Errorf("image %s: %w", ref, err)
	}
	desc, err := remote.Get(r, opts...)
	if err != nil {
		return name.Digest{}, v1.Descriptor{}, fmt.Errorf("image %s: %w", ref, err)
	}
	if d, ok := r.(name.Digest); ok && d.DigestStr() != desc.Digest.String() {
		return name.Digest{}, v1.Descriptor{}, fmt.Errorf("image %s: the registry's manifest has digest %s", ref, desc.Digest)
	}
	return r.Context().Digest(desc.Digest.String()), desc.Descriptor, nil
}

// manifest is an OCI 1.1 image manifest with the artifactType that
// go-containerregistry's v1.Manifest lacks.
type manifest struct {
	v1.Manifest
	ArtifactType string `json:"artifactType,omitempty"`
}

func (m manifest) RawManifest() ([]byte, error)        { return json.Marshal(m) }
func (m manifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// Referrer builds the artifact manifest cosign writes for a bundle about
// subject: config the empty descriptor, the bundle its one layer,
// annotated with its predicate type and creation time.
func Referrer(subject v1.Descriptor, bundleData []byte, predicateType string, created time.Time) (raw []byte, layer v1.Layer, err error) {
	layer = static.NewLayer(bundleData, ArtifactType)
	ld, err := descriptorOf(layer)
	if err != nil {
		return nil, nil, err
	}
	cd, err := descriptorOf(emptyConfig())
	if err != nil {
		return nil, nil, err
	}
	cd.MediaType, cd.ArtifactType = emptyMediaType, ArtifactType
	m := manifest{Manifest: v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        cd,
		Layers:        []v1.Descriptor{ld},
		Subject:       &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations: map[string]string{
			AnnotationCreated:       created.UTC().Format(time.RFC3339),
			AnnotationContent:       "dsse-envelope",
			AnnotationPredicateType: predicateType,
		},
	}, ArtifactType: ArtifactType}
	raw, err = m.RawManifest()
	return raw, layer, err
}

// emptyConfig is the two-byte "{}" config blob, pushed as cosign pushes it.
func emptyConfig() v1.Layer {
	return static.NewLayer([]byte("{}"), types.OCIConfigJSON)
}

func descriptorOf(l v1.Layer) (v1.Descriptor, error) {
	d, err := l.Digest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	n, err := l.Size()
	if err != nil {
		return v1.Descriptor{}, err
	}
	mt, err := l.MediaType()
	return v1.Descriptor{MediaType: mt, Digest: d, Size: n}, err
}

// rawManifest is a manifest pushed as the exact bytes built.
type rawManifest []byte

func (r rawManifest) RawManifest() ([]byte, error)        { return r, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// Attach pushes bundleData as a referrer of the image at subject, whose
// manifest descriptor is desc, and returns the referrer's reference.
func Attach(subject name.Digest, desc v1.Descriptor, bundleData []byte, predicateType string, created time.Time, opts ...remote.Option) (name.Digest, error) {
	raw, layer, err := Referrer(desc, bundleData, predicateType, created)
	if err != nil {
		return name.Digest{}, err
	}
	repo := subject.Context()
	for _, l := range []v1.Layer{emptyConfig(), layer} {
		if err := remote.WriteLayer(repo, l, opts...); err != nil {
			return name.Digest{}, fmt.Errorf("push bundle to %s: %w", repo, err)
		}
	}
	h, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return name.Digest{}, err
	}
	ref := repo.Digest(h.String())
	// Put also records the referrer under the fallback tag when the
	// registry has no referrers API.
	if err := remote.Put(ref, rawManifest(raw), opts...); err != nil {
		return name.Digest{}, fmt.Errorf("push bundle manifest to %s: %w", repo, err)
	}
	return ref, nil
}

// Found is one bundle attached to an image: its bytes, or why they could
// not be used (a referrer that claims to be a bundle but whose manifest or
// blob is wrong), named by the referrer's reference.
type Found struct {
	Name string
	Data []byte
	Err  error
}

// ErrReferrer marks a referrer that is not what it claims to be.
var ErrReferrer = errors.New("bad referrer")

// errOtherSubject marks a bundle about another image: a lie from a
// registry's referrers list, but only a neighbour in a layout, which lists
// every image's referrers together.
var errOtherSubject = errors.New("subject")

// Bundles lists the Sigstore bundles attached to the image at subject,
// through the referrers API or else the fallback tag. An error is an
// unreadable or garbled referrers list; a referrer that claims to be a
// bundle but is malformed is a Found with Err; referrers of other
// artifact types are ignored.
func Bundles(subject name.Digest, opts ...remote.Option) ([]Found, error) {
	idx, err := remote.Referrers(subject, opts...)
	if err != nil {
		return nil, fmt.Errorf("referrers of %s: %w", subject, err)
	}
	raw, err := idx.RawManifest()
	if err != nil {
		return nil, fmt.Errorf("referrers of %s: %w", subject, err)
	}
	im, err := parseIndex(raw)
	if err != nil {
		return nil, fmt.Errorf("referrers of %s: %w", subject, err)
	}
	h, err := v1.NewHash(subject.DigestStr())
	if err != nil {
		return nil, err
	}
	st := registryStore{repo: subject.Context(), opts: opts}
	return collect(st, im.Manifests, h, false, func(d v1.Hash) string { return subject.Context().Digest(d.String()).String() }), nil
}

// collect reads the bundles among the referrers descs of subject, naming
// each with nameOf. With scan, descs are candidates, not claimed
// referrers: those about another subject are left out.
func collect(st store, descs []v1.Descriptor, subject v1.Hash, scan bool, nameOf func(v1.Hash) string) []Found {
	var out []Found
	for _, d := range descs {
		// Registries that predate artifactType report the config's media
		// type instead (go-containerregistry's does): the empty one says
		// nothing, and the manifest itself decides.
		if d.ArtifactType != "" && d.ArtifactType != emptyMediaType && !strings.HasPrefix(d.ArtifactType, bundlePrefix) {
			continue
		}
		data, isBundle, err := fetchBundle(st, d.Digest, subject)
		if (!isBundle && err == nil) || (scan && errors.Is(err, errOtherSubject)) {
			continue
		}
		out = append(out, Found{Name: nameOf(d.Digest), Data: data, Err: err})
	}
	return out
}

// parseIndex reads a referrers index strictly, and bounds its length.
func parseIndex(raw []byte) (*v1.IndexManifest, error) {
	var im v1.IndexManifest
	if err := strictjson.Unmarshal(raw, &im, 32); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	if im.SchemaVersion != 2 {
		return nil, fmt.Errorf("index: schemaVersion %d, want 2", im.SchemaVersion)
	}
	if len(im.Manifests) > maxReferrers {
		return nil, fmt.Errorf("index: %d referrers, more than the limit of %d", len(im.Manifests), maxReferrers)
	}
	return &im, nil
}

// store is where referrers are read from: a registry or a layout.
type store interface {
	// manifest returns the manifest with digest d, at most maxManifest
	// bytes (checked by the caller).
	manifest(d v1.Hash) ([]byte, error)
	// blob returns the blob d names, reading at most d.Size+1 bytes.
	blob(d v1.Descriptor) ([]byte, error)
}

// registryStore reads from the repository of a registry.
type registryStore struct {
	repo name.Repository
	opts []remote.Option
}

func (r registryStore) manifest(d v1.Hash) ([]byte, error) {
	desc, err := remote.Get(r.repo.Digest(d.String()), r.opts...)
	if err != nil {
		return nil, err
	}
	return desc.Manifest, nil
}

func (r registryStore) blob(d v1.Descriptor) ([]byte, error) {
	l, err := remote.Layer(r.repo.Digest(d.Digest.String()), r.opts...)
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, d.Size+1))
}

// fetchBundle reads the referrer manifest at ref through st and, when it
// is a Sigstore bundle artifact about subject, its one layer: read once,
// size-limited and checked against the manifest's digest.
func fetchBundle(st store, ref v1.Hash, subject v1.Hash) (data []byte, isBundle bool, err error) {
	if ref.Algorithm != "sha256" {
		return nil, true, fmt.Errorf("%w: manifest: digest algorithm %q, want sha256", ErrReferrer, ref.Algorithm)
	}
	raw, err := st.manifest(ref)
	if err != nil {
		return nil, true, fmt.Errorf("%w: manifest: %w", ErrReferrer, err)
	}
	if len(raw) > maxManifest {
		return nil, true, fmt.Errorf("%w: manifest: %d bytes, more than the limit of %d", ErrReferrer, len(raw), maxManifest)
	}
	if got := sha256Hex(raw); got != ref.Hex {
		return nil, true, fmt.Errorf("%w: manifest: digest sha256:%s, want %s", ErrReferrer, got, ref)
	}
	var m manifest
	if err := strictjson.Unmarshal(raw, &m, 32); err != nil {
		return nil, true, fmt.Errorf("%w: manifest: %w", ErrReferrer, err)
	}
	if !isBundleArtifact(&m) {
		return nil, false, nil
	}
	if m.Subject == nil || m.Subject.Digest != subject {
		got := "none"
		if m.Subject != nil {
			got = m.Subject.Digest.String()
		}
		return nil, true, fmt.Errorf("%w: manifest: %w %s, want %s", ErrReferrer, errOtherSubject, got, subject)
	}
	if len(m.Layers) != 1 {
		return nil, true, fmt.Errorf("%w: manifest: %d layers, want one bundle", ErrReferrer, len(m.Layers))
	}
	data, err = readBlob(st, m.Layers[0])
	if err != nil {
		return nil, true, fmt.Errorf("%w: layer %s: %w", ErrReferrer, m.Layers[0].Digest, err)
	}
	return data, true, nil
}

// isBundleArtifact says whether m carries a Sigstore bundle, by its
// artifactType or, as cosign reads it, its layer's media type.
func isBundleArtifact(m *manifest) bool {
	if strings.HasPrefix(m.ArtifactType, bundlePrefix) {
		return true
	}
	return len(m.Layers) == 1 && strings.HasPrefix(string(m.Layers[0].MediaType), bundlePrefix)
}

// readBlob reads the blob d names through st, at most
// bundle.MaxBundleSize bytes, and checks its size and digest.
func readBlob(st store, d v1.Descriptor) ([]byte, error) {
	if d.Digest.Algorithm != "sha256" {
		return nil, fmt.Errorf("digest algorithm %q, want sha256", d.Digest.Algorithm)
	}
	if d.Size < 0 || d.Size > bundle.MaxBundleSize {
		return nil, fmt.Errorf("size %d, want at most %d bytes", d.Size, bundle.MaxBundleSize)
	}
	data, err := st.blob(d)
	if err != nil {
		return nil, err
	}
	return checkBlob(data, d)
}

// checkBlob wants exactly d's size and digest.
func checkBlob(data []byte, d v1.Descriptor) ([]byte, error) {
	if int64(len(data)) != d.Size {
		return nil, fmt.Errorf("size %d bytes (or more), the manifest says %d", len(data), d.Size)
	}
	if got := sha256Hex(data); got != d.Digest.Hex {
		return nil, fmt.Errorf("content has digest sha256:%s", got)
	}
	return data, nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
