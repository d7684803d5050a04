package rust

import (
	"compress/zlib"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"errors"
	"fmt"
	"io"
	"path"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// PropCargoKind is "build" on a crate cargo-auditable recorded as a build
// dependency (a build script's or proc-macro's): compiled and run at build
// time, not linked into the binary.
const PropCargoKind = "vouch:cargo:kind"

// maxAuditJSON bounds the decompressed .dep-v0 section. Real ones are a
// few hundred bytes per crate; a section that inflates beyond this is a
// zip bomb, not a dependency list.
const maxAuditJSON = 64 << 20

// sectionNames are where cargo-auditable stores its data: ".dep-v0" in
// ELF and PE, "__dep_v0" in Mach-O's __DATA segment; rust-audit 0.1 used
// ".rust-deps-v0", "rdep-v0" and "rust-deps-v0".
var sectionNames = []string{".dep-v0", "__dep_v0", ".rust-deps-v0", "rdep-v0", "rust-deps-v0"}

// ErrNoAuditData means an executable carries no cargo-auditable section:
// it is no Rust binary vouch can read (or one built without
// cargo-auditable).
var ErrNoAuditData = errors.New("no cargo-auditable .dep-v0 section")

// auditInfo is the JSON cargo-auditable embeds (auditable-serde's
// VersionInfo).
type auditInfo struct {
	Packages []struct {
		Name         string `json:"name"`
		Version      string `json:"version"`
		Source       string `json:"source"`
		Kind         string `json:"kind"`
		Dependencies []int  `json:"dependencies"`
		Root         bool   `json:"root"`
		// Features is cargo-auditable < 0.5's list of enabled features.
		Features []string `json:"features"`
	} `json:"packages"`
}

// Binary reads the cargo-auditable dependency list of the executable r
// (ELF, PE or Mach-O), reported as rel, whose bytes hash to d. It returns
// [ErrNoAuditData] for an executable without one. The root crate is the
// binary (an application component, "file:"+rel, with the crate's purl);
// every crate compiled into it is a library, and the graph the section
// records is complete. Build dependencies are listed out of scope with
// [PropCargoKind] "build".
func Binary(r io.ReaderAt, rel string, d digest.Digests) (frag *sbom.Fragment, err error) {
	// The debug/* parsers read untrusted bytes and are not ours: a panic in
	// them is a malformed file, not a crash of the whole scan.
	defer func() {
		if p := recover(); p != nil {
			frag, err = nil, fmt.Errorf("%s: malformed executable: %v", rel, p)
		}
	}()
	sec, err := auditSection(r)
	if err != nil {
		return nil, err
	}
	data, err := inflate(sec)
	if err != nil {
		return nil, fmt.Errorf("%s: .dep-v0: %w", rel, err)
	}
	return Audit(rel, data, d)
}

// auditSection returns the reader of the executable's cargo-auditable
// section.
func auditSection(r io.ReaderAt) (io.Reader, error) {
	if f, err := elf.NewFile(r); err == nil {
		for _, n := range sectionNames {
			if s := f.Section(n); s != nil && s.Type != elf.SHT_NOBITS {
				return s.Open(), nil
			}
		}
		return nil, ErrNoAuditData
	}
	if f, err := pe.NewFile(r); err == nil {
		for _, n := range sectionNames {
			if s := f.Section(n); s != nil {
				return s.Open(), nil
			}
		}
		return nil, ErrNoAuditData
	}
	if f, err := machoFile(r); err == nil {
		for _, n := range sectionNames {
			if s := f.Section(n); s != nil {
				return s.Open(), nil
			}
		}
		return nil, ErrNoAuditData
	}
	return nil, fmt.Errorf("%w (not an ELF, PE or Mach-O file)", ErrNoAuditData)
}

// machoFile opens a thin Mach-O file or the first architecture of a fat
// one: every slice of a universal binary is built from the same crates.
func machoFile(r io.ReaderAt) (*macho.File, error) {
	if f, err := macho.NewFile(r); err == nil {
		return f, nil
	}
	ff, err := macho.NewFatFile(r)
	if err != nil {
		return nil, err
	}
	if len(ff.Arches) == 0 {
		return nil, errors.New("universal binary with no architecture")
	}
	return ff.Arches[0].File, nil
}

// inflate decompresses the zlib stream of the section, refusing more than
// maxAuditJSON bytes.
func inflate(sec io.Reader) ([]byte, error) {
	zr, err := zlib.NewReader(sec)
	if err != nil {
		return nil, fmt.Errorf("not zlib-compressed: %w", err)
	}
	defer zr.Close()
	data, err := io.ReadAll(io.LimitReader(zr, maxAuditJSON+1))
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	if len(data) > maxAuditJSON {
		return nil, fmt.Errorf("decompresses to more than %d bytes", maxAuditJSON)
	}
	return data, nil
}

// Audit reads cargo-auditable's decompressed JSON, found in the binary rel.
func Audit(rel string, data []byte, d digest.Digests) (*sbom.Fragment, error) {
	var info auditInfo
	if err := strictjson.Unmarshal(data, &info, ecosystem.MaxDepth); err != nil {
		return nil, fmt.Errorf("%s: .dep-v0: %w", rel, err)
	}
	b := ecosystem.NewBuilder(rel)
	ids := make([]string, len(info.Packages))
	roots := 0
	for i, p := range info.Packages {
		if p.Name == "" || p.Version == "" {
			b.Skip(".dep-v0 packages[%d]: name %q, version %q: both are required", i, p.Name, p.Version)
			continue
		}
		c := ecosystem.Library(PURL(p.Name, p.Version), p.Name, p.Version, rel)
		if p.Root {
			roots++
			c = rootComponent(c, rel, d)
			b.SetPrimary(c.ID)
		}
		if p.Source != "crates.io" && p.Source != "local" && p.Source != "" {
			c.SetProperty(ecosystem.PropResolved, p.Source)
		}
		if p.Kind == "build" {
			c.Scope = sbom.ScopeExcluded
			c.SetProperty(PropCargoKind, "build")
		}
		ids[i] = b.Add(c).ID
	}
	if roots != 1 {
		b.Warn(".dep-v0 marks %d packages as the root, want 1: the binary's own crate is unknown", roots)
	}
	if roots == 0 {
		// The binary is still the fragment's component, as a file.
		c := rootComponent(sbom.Component{Name: path.Base(rel), Scope: sbom.ScopeRequired}, rel, d)
		b.SetPrimary(b.Add(c).ID)
	}
	for i, p := range info.Packages {
		if ids[i] == "" {
			continue
		}
		complete := true
		for _, dep := range p.Dependencies {
			if dep < 0 || dep >= len(ids) || ids[dep] == "" {
				b.Warn(".dep-v0 packages[%d] (%s %s): dependency %d is not a listed package", i, p.Name, p.Version, dep)
				complete = false
				continue
			}
			b.Edge(ids[i], ids[dep])
		}
		if complete {
			b.Complete(ids[i])
		}
	}
	return b.Fragment(), nil
}

// rootComponent turns the root crate's component into the binary's: an
// application identified by its file, as Go binaries are, so that two
// binaries of one crate stay two components.
func rootComponent(c sbom.Component, rel string, d digest.Digests) sbom.Component {
	base := path.Base(rel)
	c.ID = "file:" + rel
	c.Type = sbom.TypeApplication
	c.FileName = base
	c.Size = d.Size
	c.Hashes = d.Hashes()
	c.SetProperty(sbom.PropSourcePath, rel)
	return c
}
