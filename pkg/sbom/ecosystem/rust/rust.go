// Package rust reads Cargo.lock files (format versions 1 to 4) and the
// dependency lists cargo-auditable embeds in Rust binaries into vouch's
// model.
//
// osv-scalibr's extractor gives the package list; vouch reads the same file
// for the graph (dependencies are "name", or "name version" where several
// versions are locked, with a "(source)" in version 1) and the .crate
// checksums, which scalibr does not report.
package rust

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/google/osv-scalibr/extractor/filesystem/language/rust/cargolock"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// registry is the source of crates.io packages; others are recorded.
const registry = "registry+https://github.com/rust-lang/crates.io-index"

// cargoLock is the part of Cargo.lock vouch reads itself.
type cargoLock struct {
	Package []struct {
		Name         string   `toml:"name"`
		Version      string   `toml:"version"`
		Source       string   `toml:"source"`
		Checksum     string   `toml:"checksum"`
		Dependencies []string `toml:"dependencies"`
	} `toml:"package"`
	// Metadata holds version 1's checksums:
	// "checksum name version (source)" = "<hex>".
	Metadata map[string]any `toml:"metadata"`
}

// PURL returns the purl of a crate: pkg:cargo/name@version.
func PURL(name, version string) string { return ecosystem.PURL("cargo", "", name, version) }

// CargoLock reads the Cargo.lock at path. The project is the package of
// the workspace (no source) that no other package depends on, and the
// fragment's primary component; where there are several, the lockfile's
// anonymous root depends on each. Cargo.lock does not say which
// dependencies are dev-dependencies, so every package is required.
func CargoLock(ctx context.Context, path string, data []byte) (*sbom.Fragment, error) {
	var lock cargoLock
	if err := toml.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	scalibr, err := ecosystem.Extract(ctx, &cargolock.Extractor{}, path, data)
	if err != nil {
		return nil, err
	}
	b := ecosystem.NewBuilder(path)
	fromScalibr, seen := map[string]bool{}, map[string]bool{}
	for _, p := range scalibr {
		fromScalibr[p.Name+"@"+p.Version] = true
	}
	var pkgs []ecosystem.LockPackage
	local := map[string]bool{} // IDs of the packages with no source: the workspace's own
	for i, p := range lock.Package {
		if p.Name == "" || p.Version == "" {
			b.Skip("package[%d]: name %q, version %q: both are required", i, p.Name, p.Version)
			continue
		}
		c := ecosystem.Library(PURL(p.Name, p.Version), p.Name, p.Version, path)
		sum := p.Checksum
		if sum == "" {
			sum, _ = lock.Metadata[fmt.Sprintf("checksum %s %s (%s)", p.Name, p.Version, p.Source)].(string)
		}
		if raw, err := hex.DecodeString(sum); err == nil && len(raw) == 32 {
			c.Hashes = []sbom.Hash{{Algorithm: sbom.SHA256, Value: strings.ToLower(sum)}}
		} else if sum != "" && sum != "<none>" {
			b.Warn("%s %s: checksum %q is not a SHA-256 in hex", p.Name, p.Version, sum)
		}
		if p.Source != registry && p.Source != "" {
			c.SetProperty(ecosystem.PropResolved, p.Source)
		}
		stored := b.Add(c)
		if p.Source == "" {
			local[stored.ID] = true
		}
		seen[p.Name+"@"+p.Version] = true
		lp := ecosystem.LockPackage{Name: p.Name, Version: p.Version, ID: stored.ID}
		for _, d := range p.Dependencies {
			f := strings.Fields(d)
			if len(f) == 0 {
				b.Warn("%s %s: an empty dependency", p.Name, p.Version)
				continue
			}
			dep := ecosystem.Dep{Name: f[0]}
			if len(f) > 1 {
				dep.Version = f[1]
			}
			lp.Deps = append(lp.Deps, dep)
		}
		pkgs = append(pkgs, lp)
	}
	ecosystem.Graph(b, pkgs, func(s string) string { return s })
	projectRoot(b, pkgs, local)
	b.CrossCheck(fromScalibr, seen)
	return b.Fragment(), nil
}

// projectRoot makes the workspace's top package the primary component:
// of the local packages, the ones no package depends on. Several (a
// virtual workspace) hang off the lockfile's anonymous root.
func projectRoot(b *ecosystem.Builder, pkgs []ecosystem.LockPackage, local map[string]bool) {
	needed := map[string]bool{}
	for _, p := range pkgs {
		for _, d := range p.Deps {
			needed[d.Name] = true
		}
	}
	var tops []string
	for _, p := range pkgs {
		if local[p.ID] && !needed[p.Name] && !slices.Contains(tops, p.ID) {
			tops = append(tops, p.ID)
		}
	}
	switch len(tops) {
	case 0:
		return
	case 1:
		b.Get(tops[0]).Type = sbom.TypeApplication
		b.SetPrimary(tops[0])
		return
	}
	root := b.Root()
	for _, id := range tops {
		b.Edge(root, id)
	}
	b.Complete(root)
}
