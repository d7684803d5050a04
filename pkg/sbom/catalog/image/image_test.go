package image_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image/imagetest"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
	"github.com/vouchdev/vouch/pkg/sbom/format"
)

// Real fixtures of the repository: a Debian 12 system's dpkg status and
// os-release (705 packages), npm lockfiles, each with the ground truth its
// ecosystem's own tool computed (see their ORIGIN files).
const (
	debian  = "../../ecosystem/debian/testdata/debian12/"
	npmWS   = "../../ecosystem/npm/testdata/ws/"
	express = "../../ecosystem/npm/testdata/v3-express/"
	react   = "../../ecosystem/npm/testdata/v1-react/"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// goBinary is a small real Go binary built once, offline.
func goBinary(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vouch-image-")
		if err != nil {
			binErr = err
			return
		}
		for name, body := range map[string]string{
			"go.mod":  "module example.com/imgapp\n\ngo 1.22\n",
			"main.go": "package main\n\nfunc main() { println(\"hello\") }\n",
		} {
			if binErr = os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); binErr != nil {
				return
			}
		}
		binPath = filepath.Join(dir, "imgapp")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOPROXY=off", "GOWORK=off", "CGO_ENABLED=0", "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		tb.Fatal(binErr)
	}
	return binPath
}

// labels of the test image, as a build stamps them.
var labels = map[string]string{
	image.LabelSource:   "https://github.com/vouchdev/example",
	image.LabelRevision: "0123456789abcdef0123456789abcdef01234567",
	image.LabelVersion:  "1.0.0",
	image.LabelLicenses: "Apache-2.0",
}

// testImage is a Debian base layer, a layer adding a Go binary and three
// npm projects, and a layer deleting one project's lockfile (whiteout) and
// hiding another's directory (opaque).
func testImage(tb testing.TB) v1.Image {
	return imagetest.Build(tb, labels,
		[]imagetest.Entry{
			{Name: "etc/", Dir: true},
			{Name: "etc/os-release", Src: debian + "etc/os-release"},
			{Name: "var/lib/dpkg/status", Src: debian + "var/lib/dpkg/status"},
		},
		[]imagetest.Entry{
			{Name: "usr/local/bin/imgapp", Src: goBinary(tb)},
			{Name: "srv/web/package-lock.json", Src: npmWS + "package-lock.json"},
			{Name: "app/package-lock.json", Src: express + "package-lock.json"},
			{Name: "opt/tool/package-lock.json", Src: react + "package-lock.json"},
		},
		[]imagetest.Entry{
			{Name: "app/.wh.package-lock.json"},
			{Name: "opt/tool/.wh..wh..opq"},
			{Name: "opt/tool/README", Data: "replaced\n"},
		},
	)
}

func run(tb testing.TB, src string, scope image.Scope) *catalog.Result {
	tb.Helper()
	res, err := catalog.Run(context.Background(), []string{src}, catalog.Options{
		Created: time.Unix(1700000000, 0).UTC(), ImageScope: scope, Tool: sbom.Tool{Name: "vouch", Version: "test"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range res.Errors {
		tb.Errorf("%s: %v", src, e)
	}
	return res
}

func encode(tb testing.TB, doc *sbom.Document, f string) []byte {
	tb.Helper()
	spec, err := format.ParseSpec(f)
	if err != nil {
		tb.Fatal(err)
	}
	enc, err := format.NewEncoder(spec)
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := enc.Encode(&buf, doc); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// packages lists name@version of the components of purl type typ.
func packages(doc *sbom.Document, typ string) []string {
	var out []string
	for _, c := range doc.Components {
		if strings.HasPrefix(c.PURL, "pkg:"+typ+"/") {
			out = append(out, c.Name+"@"+c.Version)
		}
	}
	return out
}

func diffIDs(tb testing.TB, img v1.Image) []string {
	tb.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, h := range cf.RootFS.DiffIDs {
		out = append(out, h.String())
	}
	return out
}

// TestImageSources: the same image as a docker archive (as go-containerregistry
// and as Docker 25's docker save write it), an OCI layout directory and
// archive, and from a registry (plain paths detected too)
// gives byte-identical CycloneDX and SPDX documents; its dpkg and npm
// packages are exactly those its own database and surviving lockfile
// list; each component names the layer it came from; the image is the
// root with its digest, tags and labels.
func TestImageSources(t *testing.T) {
	img := testImage(t)
	ids := diffIDs(t, img)
	host := imagetest.Registry(t)
	ref := host + "/vouch/app:1.0"
	imagetest.Push(t, ref, img)
	dir := t.TempDir()
	docker := imagetest.DockerArchive(t, dir, ref, img)
	ociDir := imagetest.OCIDir(t, dir, ref, img)
	ociTar := imagetest.OCIArchive(t, dir, ref, img)
	docker25 := imagetest.DockerSave25(t, dir, ref, img)
	sources := []string{
		"registry:" + ref, "docker-archive:" + docker, "oci-dir:" + ociDir, "oci-archive:" + ociTar,
		"docker-archive:" + docker25, docker, ociDir, ociTar, docker25,
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	var first map[string][]byte
	for _, src := range sources {
		res := run(t, src, "")
		out := map[string][]byte{}
		for _, f := range []string{"cyclonedx-json", "spdx-json", "spdx-json@3.0"} {
			out[f] = encode(t, res.Document, f)
		}
		if first == nil {
			first = out
			checkContents(t, res.Document, ids, digest.String(), ref)
			continue
		}
		for f, b := range out {
			if !bytes.Equal(b, first[f]) {
				t.Errorf("%s: %s differs from the registry's", src, f)
			}
		}
	}
}

func checkContents(t *testing.T, doc *sbom.Document, ids []string, digest, ref string) {
	t.Helper()
	want := append(ecotest.Load(t, debian+"truth.json").Packages, ecotest.Load(t, npmWS+"truth.json").Packages...)
	// A lockfile's own project (a root: nothing in it depends on it, the
	// image holds it) is not a package it installs.
	var projects []string
	for _, d := range doc.Dependencies {
		if d.Ref == doc.Primary {
			for _, id := range d.DependsOn {
				if c := doc.Component(id); c != nil && strings.HasPrefix(c.PURL, "pkg:npm/") {
					projects = append(projects, c.Name+"@"+c.Version)
				}
			}
		}
	}
	got := slices.DeleteFunc(append(packages(doc, "deb"), packages(doc, "npm")...), func(p string) bool {
		return slices.Contains(projects, p)
	})
	ecotest.Score(t, "image deb+npm", got, want, 1.0)
	root := doc.Component(doc.Primary)
	if root == nil || root.Type != image.TypeContainer || root.Hash(sbom.SHA256) != strings.TrimPrefix(digest, "sha256:") {
		t.Fatalf("root %+v: want the image, manifest %s", root, digest)
	}
	if !strings.Contains(root.PURL, "@"+digest+"?") || root.Version != "1.0.0" {
		t.Errorf("root purl %s version %s", root.PURL, root.Version)
	}
	for name, want := range map[string]string{
		image.PropTag: ref, image.PropLabelPrefix + image.LabelRevision: labels[image.LabelRevision],
		image.PropPlatform: "linux/amd64", image.PropScope: "squashed",
	} {
		if got, _ := root.Property(name); got != want {
			t.Errorf("root %s = %q, want %q", name, got, want)
		}
	}
	if root.Licenses.Declared != "Apache-2.0" {
		t.Errorf("root licence %q", root.Licenses.Declared)
	}
	for _, c := range doc.Components {
		layer, _ := c.Property(image.PropLayer)
		switch {
		case c.ID == root.ID:
			continue
		case strings.HasPrefix(c.PURL, "pkg:deb/debian/") && strings.Contains(c.PURL, "distro=debian-12"):
			if layer != ids[0] {
				t.Errorf("%s: layer %s, want the base layer %s", c.PURL, layer, ids[0])
			}
		case strings.HasPrefix(c.PURL, "pkg:npm/"), c.Name == "example.com/imgapp":
			if layer != ids[1] {
				t.Errorf("%s: layer %s, want the second layer %s", c.ID, layer, ids[1])
			}
		case strings.HasPrefix(c.PURL, "pkg:deb/"):
			t.Errorf("%s: no distribution from the image's os-release", c.PURL)
		}
	}
	if !slices.ContainsFunc(doc.Components, func(c sbom.Component) bool { return c.Name == "example.com/imgapp" }) {
		t.Error("the Go binary's main module is missing")
	}
}

// TestImageWhiteouts: the squashed image has none of the packages of the
// lockfile a whiteout deletes or of the directory an opaque whiteout
// hides; all layers has them, with the layer that holds them.
func TestImageWhiteouts(t *testing.T) {
	img := testImage(t)
	ids := diffIDs(t, img)
	p := imagetest.DockerArchive(t, t.TempDir(), "example.test/app:1", img)
	deleted := map[string]string{"express": "whiteout", "react": "opaque directory"}
	for _, tc := range []struct {
		scope   image.Scope
		present bool
	}{{image.Squashed, false}, {image.AllLayers, true}} {
		doc := run(t, "docker-archive:"+p, tc.scope).Document
		for name, how := range deleted {
			i := slices.IndexFunc(doc.Components, func(c sbom.Component) bool {
				return c.Name == name && strings.HasPrefix(c.PURL, "pkg:npm/")
			})
			if (i >= 0) != tc.present {
				t.Errorf("%s: %s (deleted by an %s) present %v, want %v", tc.scope, name, how, i >= 0, tc.present)
				continue
			}
			if i >= 0 {
				if layer, _ := doc.Components[i].Property(image.PropLayer); layer != ids[1] {
					t.Errorf("%s: %s from layer %s, want %s", tc.scope, name, layer, ids[1])
				}
			}
		}
		// The control: what no layer deletes is there in both scopes.
		if !slices.Contains(packages(doc, "npm"), "chalk@4.1.2") || len(packages(doc, "deb")) != 705 {
			t.Errorf("%s: the surviving packages are missing", tc.scope)
		}
	}
}

// TestOpaqueKeepsItsOwnLayer: an opaque directory hides what the layers
// below put in it, not what its own layer puts there, before or after the
// marker.
func TestOpaqueKeepsItsOwnLayer(t *testing.T) {
	img := imagetest.Build(t, nil,
		[]imagetest.Entry{{Name: "app/old/package-lock.json", Src: express + "package-lock.json"}},
		[]imagetest.Entry{
			{Name: "app/new/package-lock.json", Src: npmWS + "package-lock.json"},
			{Name: "app/.wh..wh..opq"},
			{Name: "app/later/package-lock.json", Src: react + "package-lock.json"},
		},
	)
	doc := run(t, "docker-archive:"+imagetest.DockerArchive(t, t.TempDir(), "example.test/app:1", img), "").Document
	for name, want := range map[string]bool{"express": false, "chalk": true, "react": true} {
		got := slices.ContainsFunc(doc.Components, func(c sbom.Component) bool { return c.Name == name })
		if got != want {
			t.Errorf("%s present %v, want %v", name, got, want)
		}
	}
}

// TestDockerSaveLegacy: a docker save archive from before Docker 25
// (uncompressed layer.tar files, no registry manifest) gives the same
// components, each with the same layer, as the image from the registry;
// only the image's own manifest digest is made up.
func TestDockerSaveLegacy(t *testing.T) {
	img := testImage(t)
	host := imagetest.Registry(t)
	ref := host + "/vouch/app:1.0"
	imagetest.Push(t, ref, img)
	want := run(t, "registry:"+ref, "").Document
	got := run(t, imagetest.DockerSaveLegacy(t, t.TempDir(), ref, img), "").Document
	layers := func(doc *sbom.Document) map[string]string {
		out := map[string]string{}
		for _, c := range doc.Components {
			if c.ID != doc.Primary {
				out[c.ID], _ = c.Property(image.PropLayer)
			}
		}
		return out
	}
	w, g := layers(want), layers(got)
	if len(w) < 700 || !maps.Equal(w, g) {
		t.Errorf("legacy archive: %d components with layers, registry %d; equal %v", len(g), len(w), maps.Equal(w, g))
	}
}

// TestMultiPlatform: from an index for two platforms, in an OCI layout and
// in a registry, the image for linux on this machine's architecture is
// read; the other (a control that the choice matters) is not.
func TestMultiPlatform(t *testing.T) {
	mine := imagetest.Build(t, nil, []imagetest.Entry{{Name: "app/package-lock.json", Src: npmWS + "package-lock.json"}})
	other := imagetest.Build(t, nil, []imagetest.Entry{{Name: "app/package-lock.json", Src: express + "package-lock.json"}})
	otherArch := "s390x"
	if runtime.GOARCH == otherArch {
		otherArch = "amd64"
	}
	idx := imagetest.Index(t, map[string]v1.Image{runtime.GOARCH: mine, otherArch: other})
	host := imagetest.Registry(t)
	ref, err := name.ParseReference(host + "/vouch/multi:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "oci")
	if _, err := layout.Write(dir, idx); err != nil {
		t.Fatal(err)
	}
	digest, err := mine.Digest()
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"registry:" + ref.String(), "oci-dir:" + dir} {
		doc := run(t, src, "").Document
		root := doc.Component(doc.Primary)
		if root == nil || root.Hash(sbom.SHA256) != digest.Hex {
			t.Errorf("%s: root %v, want the %s image %s", src, root, runtime.GOARCH, digest)
		}
		if !slices.Contains(packages(doc, "npm"), "chalk@4.1.2") || slices.ContainsFunc(doc.Components, func(c sbom.Component) bool { return c.Name == "express" }) {
			t.Errorf("%s: not the packages of the %s image", src, runtime.GOARCH)
		}
	}
}

// TestRealRegistrySources: the test image pushed to Debian's
// docker-registry (the distribution registry, not go-containerregistry's)
// and read by tag gives the same bytes, in every format, as its docker
// archive and OCI layout; read by digest, the same bytes as they give
// once the tag is taken out of them (a digest names no tag). The control:
// a different image pushed there does not.
func TestRealRegistrySources(t *testing.T) {
	img := testImage(t)
	host := imagetest.RealRegistry(t)
	ref := host + "/vouch/app:1.0"
	imagetest.Push(t, ref, img)
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	other := imagetest.Build(t, labels, []imagetest.Entry{{Name: "app/package-lock.json", Src: express + "package-lock.json"}})
	imagetest.Push(t, host+"/vouch/other:1.0", other)
	dir := t.TempDir()
	local := map[string]*sbom.Document{}
	for _, src := range []string{"docker-archive:" + imagetest.DockerArchive(t, dir, ref, img), "oci-dir:" + imagetest.OCIDir(t, dir, ref, img)} {
		local[src] = run(t, src, "").Document
	}
	for _, tc := range []struct {
		src         string
		untag, same bool
	}{
		{"registry:" + ref, false, true},
		{"registry:" + host + "/vouch/app@" + digest.String(), true, true},
		{"registry:" + host + "/vouch/other:1.0", false, false},
	} {
		got := encodeAll(t, run(t, tc.src, "").Document)
		for lsrc, doc := range local {
			if tc.untag {
				doc = untag(t, doc)
			}
			want := encodeAll(t, doc)
			for f, b := range got {
				if same := bytes.Equal(b, want[f]); same != tc.same {
					t.Errorf("%s: %s identical to %s's: %v, want %v", tc.src, f, lsrc, same, tc.same)
				}
			}
		}
	}
}

// encodeAll is doc in every format TestImageSources compares.
func encodeAll(tb testing.TB, doc *sbom.Document) map[string][]byte {
	out := map[string][]byte{}
	for _, f := range []string{"cyclonedx-json", "spdx-json", "spdx-json@3.0"} {
		out[f] = encode(tb, doc, f)
	}
	return out
}

// untag is a copy of doc whose root names no tag: no tag property, no tag
// qualifier in its purl (and so its ID and the edges naming it).
func untag(tb testing.TB, doc *sbom.Document) *sbom.Document {
	tb.Helper()
	out := *doc
	out.Components = slices.Clone(doc.Components)
	root := out.Component(doc.Primary)
	before, tag, ok := strings.Cut(root.PURL, "&tag=")
	if !ok || strings.Contains(tag, "&") {
		tb.Fatalf("root purl %s: want the tag as its last qualifier", root.PURL)
	}
	root.PURL, root.ID = before, before
	root.Properties = slices.DeleteFunc(slices.Clone(root.Properties), func(p sbom.Property) bool { return p.Name == image.PropTag })
	out.Primary = before
	rename := func(id string) string {
		if id == doc.Primary {
			return before
		}
		return id
	}
	out.Dependencies = nil
	for _, d := range doc.Dependencies {
		d.Ref = rename(d.Ref)
		var on []string
		for _, id := range d.DependsOn {
			on = append(on, rename(id))
		}
		d.DependsOn = on
		out.Dependencies = append(out.Dependencies, d)
	}
	return &out
}
