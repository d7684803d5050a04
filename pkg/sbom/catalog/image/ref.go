package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/vouchdev/vouch/internal/safefile"
)

// Schemes vouch reads an image from, as syft spells them.
const (
	DockerArchive = "docker-archive" // a `docker save` tarball
	OCIArchive    = "oci-archive"    // a tar of an OCI image layout
	OCIDir        = "oci-dir"        // an OCI image layout directory
	Registry      = "registry"       // a reference to pull: host/repo:tag or host/repo@sha256:…
)

// Schemes lists the schemes in the order help text names them.
var Schemes = []string{DockerArchive, OCIArchive, OCIDir, Registry}

// Ref is an image named on the command line: a scheme and what follows it.
type Ref struct {
	Scheme string
	Target string // a path, or the registry reference
}

// String is the reference as the user writes it.
func (r Ref) String() string { return r.Scheme + ":" + r.Target }

// ErrNotImage says a plain path is neither a docker nor an OCI archive nor
// an OCI layout.
var ErrNotImage = errors.New("not an image")

// Parse reads "SCHEME:TARGET" with one of [Schemes]; ok is false for any
// other argument (a plain path).
func Parse(arg string) (ref Ref, ok bool) {
	scheme, target, found := strings.Cut(arg, ":")
	if !found {
		return Ref{}, false
	}
	for _, s := range Schemes {
		if scheme == s {
			return Ref{Scheme: s, Target: target}, true
		}
	}
	return Ref{}, false
}

// Detect says whether the plain path p is an image: a directory holding an
// OCI layout ("oci-layout" file), or a tar holding one (oci-archive) or a
// docker save manifest.json (docker-archive). A tar holding both, as
// docker save writes since Docker 25, is read as the OCI archive, whose
// index names the image's real manifest. Anything else is [ErrNotImage].
func Detect(p string) (Ref, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return Ref{}, err
	}
	if fi.IsDir() {
		if isRegular(filepath.Join(p, "oci-layout")) {
			return Ref{Scheme: OCIDir, Target: p}, nil
		}
		return Ref{}, ErrNotImage
	}
	if !fi.Mode().IsRegular() || !strings.HasSuffix(strings.ToLower(p), ".tar") {
		return Ref{}, ErrNotImage
	}
	names, err := tarNames(p, maxIndexEntries)
	if err != nil {
		return Ref{}, ErrNotImage
	}
	switch {
	case names["oci-layout"] && names["index.json"]:
		return Ref{Scheme: OCIArchive, Target: p}, nil
	case names["manifest.json"]:
		return Ref{Scheme: DockerArchive, Target: p}, nil
	}
	return Ref{}, ErrNotImage
}

func isRegular(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// maxIndexEntries bounds the entries of an image archive's outer tar
// (blobs, not the files of its layers): a real one holds a few dozen.
const maxIndexEntries = 10_000

// tarNames lists the cleaned names of the regular entries of the tar at p.
func tarNames(p string, limit int) (map[string]bool, error) {
	f, _, err := safefile.Open("image archive", p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names := map[string]bool{}
	tr := tar.NewReader(f)
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return names, nil
		}
		if err != nil {
			return nil, err
		}
		if n >= limit {
			return nil, fmt.Errorf("more than %d entries", limit)
		}
		if hdr.Typeflag == tar.TypeReg {
			names[strings.TrimPrefix(filepath.ToSlash(filepath.Clean(hdr.Name)), "./")] = true
		}
	}
}

// Image is an opened image and what its source says about it beyond its
// manifest.
type Image struct {
	v1.Image
	Ref Ref
	// Repository is where the image lives ("registry.example/app"), ""
	// when its source does not say.
	Repository string
	// Tags are the full references its source names it by
	// ("registry.example/app:1.0"), sorted.
	Tags []string
	// close releases what opening it took (an open archive).
	close func() error
}

// Close releases the image's source.
func (i *Image) Close() error {
	if i.close == nil {
		return nil
	}
	return i.close()
}

// Open opens the image ref names. Registry credentials come from the
// Docker config and its credential helpers (authn.DefaultKeychain).
func Open(ctx context.Context, ref Ref) (*Image, error) {
	var img *Image
	var err error
	switch ref.Scheme {
	case DockerArchive:
		img, err = openDockerArchive(ref)
	case OCIArchive:
		img, err = openOCIArchive(ref)
	case OCIDir:
		img, err = openOCIDir(ref)
	case Registry:
		img, err = openRegistry(ctx, ref)
	default:
		err = fmt.Errorf("unknown scheme %q (want one of %s)", ref.Scheme, strings.Join(Schemes, ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", ref, err)
	}
	return img, nil
}

// openDockerArchive reads a docker save tarball holding one image. Since
// Docker 25 it also holds the image's OCI layout, whose index names the
// manifest the registry knows: that is read, with the tags of docker's
// manifest.json. An older one's manifest is made up from its layers, as
// go-containerregistry would push it.
func openDockerArchive(ref Ref) (*Image, error) {
	opener := func() (io.ReadCloser, error) {
		f, _, err := safefile.Open("docker archive", ref.Target)
		return f, err
	}
	m, err := tarball.LoadManifest(opener)
	if err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	if len(m) != 1 {
		return nil, fmt.Errorf("manifest.json: want exactly one image, found %d", len(m))
	}
	var out *Image
	if names, err := tarNames(ref.Target, maxIndexEntries); err == nil && names["oci-layout"] && names["index.json"] {
		if out, err = openOCIArchive(ref); err != nil {
			return nil, err
		}
		out.Tags, out.Repository = nil, ""
	} else {
		img, err := tarball.Image(opener, nil)
		if err != nil {
			return nil, err
		}
		out = &Image{Image: img, Ref: ref}
	}
	for _, t := range m[0].RepoTags {
		tag, err := name.NewTag(t)
		if err != nil {
			out.Close()
			return nil, fmt.Errorf("manifest.json: RepoTags: %q: %w", t, err)
		}
		out.addTag(tag)
	}
	return out, nil
}

// openRegistry pulls the manifest and config of a registry reference;
// layers are fetched as they are read.
func openRegistry(ctx context.Context, ref Ref) (*Image, error) {
	r, err := name.ParseReference(ref.Target)
	if err != nil {
		return nil, err
	}
	// An index for several platforms gives the image for linux on this
	// machine's architecture, as from an OCI layout.
	img, err := remote.Image(r, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain),
		remote.WithPlatform(v1.Platform{OS: "linux", Architecture: runtime.GOARCH}))
	if err != nil {
		return nil, err
	}
	out := &Image{Image: img, Ref: ref, Repository: r.Context().Name()}
	if tag, ok := r.(name.Tag); ok {
		out.addTag(tag)
	}
	return out, nil
}

// addTag records a tag, and its repository when none is known yet.
func (i *Image) addTag(t name.Tag) {
	i.Tags = append(i.Tags, t.Name())
	if i.Repository == "" {
		i.Repository = t.Context().Name()
	}
}
