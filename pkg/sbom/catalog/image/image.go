// Package image catalogs container images: a docker save archive, an OCI
// image layout (a directory or a tar of one) or an image in a registry.
//
// An image is one more [cataloger.Source] of the catalog: its layers are
// read bottom first, each layer's tar streamed once, and every regular file
// is matched against the run's registry and handed, as a stream, to the
// cataloger that claims it, as an archive's entries are. What a later layer
// deletes (a ".wh." whiteout, a ".wh..wh..opq" opaque directory) or
// replaces is dropped again, so the default [Squashed] scope describes the
// file system a container starts with; [AllLayers] keeps every layer's
// files. Package databases (dpkg, apk, rpm) are read once every layer is
// read, with the image's final etc/os-release, which names their
// distribution. Every component records the layer it was found in
// ([PropLayer]), and the image is the root component: its manifest digest,
// config digest, tags and OCI labels.
//
// # Safety
//
// Layers are untrusted. Nothing is written by its name: entries that
// climb out of the root or are absolute, hard links out of the tree, and
// devices are skipped; the decompressed bytes of all layers together count
// against the archive [cataloger.Limits]; each layer's content must have
// the digest the image's config lists (rootfs.diff_ids), and the config the
// digest the manifest names, so the SBOM describes the manifest it names.
// Memory holds the bookkeeping of the files catalogued and the largest
// file a cataloger reads, never a layer.
package image

import (
	"context"
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/archive"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// Kind is the name images are counted under in a run's sources.
const Kind = "image"

// TypeContainer is the component type of an image (CycloneDX's
// "container").
const TypeContainer sbom.ComponentType = "container"

// Property names of image SBOMs.
const (
	// PropLayer is, on every component found in an image, the digest of
	// the uncompressed layer it was found in (the config's diff_id), as
	// syft's layerID.
	PropLayer = "vouch:layerDigest"
	// PropConfigDigest is the image's config digest, on the image.
	PropConfigDigest = "vouch:image:config-digest"
	// PropTag is one full reference the image's source names it by.
	PropTag = "vouch:image:tag"
	// PropLabelPrefix prefixes each label of the image's config.
	PropLabelPrefix = "vouch:image:label:"
	// PropPlatform is the image's os/architecture[/variant].
	PropPlatform = "vouch:image:platform"
	// PropScope is the scope catalogued: "squashed" or "all-layers".
	PropScope = "vouch:image:scope"
)

// OCI annotation keys the image's own component reads from its labels.
const (
	LabelSource   = "org.opencontainers.image.source"
	LabelRevision = "org.opencontainers.image.revision"
	LabelVersion  = "org.opencontainers.image.version"
	LabelLicenses = "org.opencontainers.image.licenses"
	LabelURL      = "org.opencontainers.image.url"
)

// Options configure [Catalog].
type Options struct {
	// Scope is [Squashed] ("" too) or [AllLayers].
	Scope Scope
	// Config is the run's: limits, temporary directory, registry.
	Config cataloger.Config
}

// Catalog reads every layer of img and returns the image's fragment: the
// image as primary component, what its files consist of, and the files of
// known kinds that could not be read. It fails for an image whose
// manifest, config or layers cannot be read or do not match their
// digests, one past its limits, and a cancelled context.
func Catalog(ctx context.Context, img *Image, opts Options) (*sbom.Fragment, error) {
	scope := opts.Scope
	if scope == "" {
		scope = Squashed
	}
	if scope != Squashed && scope != AllLayers {
		return nil, fmt.Errorf("image scope %q: want %s or %s", scope, Squashed, AllLayers)
	}
	meta, err := readMeta(img)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", img.Ref, err)
	}
	cfg := opts.Config
	if cfg.Registry == nil {
		cfg.Registry = cataloger.Default()
	}
	w := &walker{
		ctx: ctx, set: cfg.Registry.With(cfg), scope: scope, tempDir: cfg.TempDir, layers: meta.layers,
		meter: archive.NewMeter(ctx, img.Ref.String(), cfg.Limits), system: map[string]sysFile{}, held: map[string]bool{},
	}
	if err := w.walk(); err != nil {
		return nil, fmt.Errorf("image %s: %w", img.Ref, err)
	}
	b := ecosystem.NewBuilder(filePath(""))
	root := meta.root(img, scope)
	// The licences the image declares: an SPDX expression, else kept as
	// text with a warning.
	b.SetDeclared(&root, meta.file.Config.Labels[LabelLicenses])
	frag := w.fragment(root)
	frag.Warnings = append(frag.Warnings, b.Fragment().Warnings...)
	return frag, nil
}

// meta is what an image's manifest and config say.
type meta struct {
	manifest v1.Hash
	config   v1.Hash
	file     *v1.ConfigFile
	layers   []layerSource
}

// readMeta reads img's manifest and config and pairs each layer with the
// diff_id its content must have.
func readMeta(img *Image) (*meta, error) {
	raw, err := img.RawManifest()
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	manifest, _, err := v1.SHA256(strings.NewReader(string(raw)))
	if err != nil {
		return nil, err
	}
	rawCfg, err := img.RawConfigFile()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	config, _, _ := v1.SHA256(strings.NewReader(string(rawCfg)))
	if config != m.Config.Digest {
		return nil, fmt.Errorf("config: digest is %s, the manifest's config.digest says %s", config, m.Config.Digest)
	}
	file, err := v1.ParseConfigFile(strings.NewReader(string(rawCfg)))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", config, err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	if len(layers) != len(file.RootFS.DiffIDs) || len(layers) != len(m.Layers) {
		return nil, fmt.Errorf("manifest lists %d layers, config rootfs.diff_ids %d", len(m.Layers), len(file.RootFS.DiffIDs))
	}
	out := &meta{manifest: manifest, config: config, file: file}
	for i, l := range layers {
		out.layers = append(out.layers, layerSource{DiffID: file.RootFS.DiffIDs[i].String(), Size: m.Layers[i].Size, Open: l.Uncompressed})
	}
	return out, nil
}

// root is the image's own component.
func (m *meta) root(img *Image, scope Scope) sbom.Component {
	labels := m.file.Config.Labels
	name := "image"
	if img.Repository != "" {
		name = img.Repository
	}
	tag := ""
	if len(img.Tags) == 1 {
		_, tag, _ = cutTag(img.Tags[0])
	}
	purl := ecosystem.PURL("oci", "", strings.ToLower(lastSegment(name)), m.manifest.String(),
		"repository_url", img.Repository, "tag", tag)
	c := sbom.Component{ID: purl, PURL: purl, Type: TypeContainer, Name: name, Scope: sbom.ScopeRequired,
		Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: m.manifest.Hex}}}
	switch {
	case labels[LabelVersion] != "":
		c.Version = labels[LabelVersion]
		c.SetProperty(sbom.PropVersionSource, "label")
	case tag != "":
		c.Version = tag
		c.SetProperty(sbom.PropVersionSource, "tag")
	default:
		c.Version = m.manifest.String()
		c.SetProperty(sbom.PropVersionSource, "digest")
	}
	c.SetProperty(PropConfigDigest, m.config.String())
	c.SetProperty(PropPlatform, platform(m.file))
	c.SetProperty(PropScope, string(scope))
	for _, t := range img.Tags {
		c.Properties = append(c.Properties, sbom.Property{Name: PropTag, Value: t})
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		c.Properties = append(c.Properties, sbom.Property{Name: PropLabelPrefix + k, Value: labels[k]})
	}
	if u := labels[LabelSource]; strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "git+") {
		c.References = append(c.References, sbom.ExternalRef{Type: sbom.RefVCS, URL: u})
	}
	if u := labels[LabelURL]; strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		c.References = append(c.References, sbom.ExternalRef{Type: sbom.RefWebsite, URL: u})
	}
	return c
}

// cutTag splits "repo:tag" at the tag's colon (not a registry port's).
func cutTag(ref string) (repo, tag string, ok bool) {
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return ref, "", false
	}
	return ref[:i], ref[i+1:], true
}

func lastSegment(repo string) string {
	return repo[strings.LastIndex(repo, "/")+1:]
}

func platform(f *v1.ConfigFile) string {
	p := f.OS + "/" + f.Architecture
	if f.Variant != "" {
		p += "/" + f.Variant
	}
	return p
}

// fragment is the image, what its files gave and what could not be read.
func (w *walker) fragment(root sbom.Component) *sbom.Fragment {
	frag := &sbom.Fragment{Primary: root.ID}
	top := sbom.Dependency{Ref: root.ID, Completeness: sbom.CompletenessComplete}
	var found []cataloger.Found
	for _, f := range w.found {
		found = append(found, f.Found)
	}
	found = w.set.Post(found)
	comps := []sbom.Component{root}
	seen := map[string]bool{root.ID: true}
	for _, f := range found {
		top.DependsOn = append(top.DependsOn, archive.Tops(f.Fragment)...)
		for _, c := range f.Fragment.Components {
			if !seen[c.ID] {
				seen[c.ID] = true
				comps = append(comps, c)
			}
		}
		frag.Dependencies = append(frag.Dependencies, f.Fragment.Dependencies...)
		frag.Warnings = append(frag.Warnings, f.Fragment.Warnings...)
	}
	frag.Files = cataloger.Statuses(found)
	for _, n := range w.notRead {
		frag.Files = append(frag.Files, n.FileStatus)
	}
	if slices.ContainsFunc(frag.Files, func(st sbom.FileStatus) bool { return st.NotRead != "" }) {
		top.Completeness = sbom.CompletenessIncomplete
	}
	slices.Sort(top.DependsOn)
	top.DependsOn = slices.Compact(top.DependsOn)
	frag.Components = comps
	frag.Dependencies = append([]sbom.Dependency{top}, frag.Dependencies...)
	frag.Warnings = append(w.warnings, frag.Warnings...)
	return frag
}
