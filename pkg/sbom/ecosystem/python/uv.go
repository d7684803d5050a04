package python

import (
	"context"
	"fmt"

	"github.com/BurntSushi/toml"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/uvlock"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// uvLock is the part of uv.lock vouch reads itself.
type uvLock struct {
	Package []uvPackage `toml:"package"`
}

type uvPackage struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
	Source  struct {
		Registry  string `toml:"registry"`
		Virtual   string `toml:"virtual"`
		Editable  string `toml:"editable"`
		Git       string `toml:"git"`
		URL       string `toml:"url"`
		Path      string `toml:"path"`
		Directory string `toml:"directory"`
	} `toml:"source"`
	Sdist struct {
		Hash string `toml:"hash"`
	} `toml:"sdist"`
	Wheels []struct {
		Hash string `toml:"hash"`
	} `toml:"wheels"`
	Dependencies         []uvDep            `toml:"dependencies"`
	OptionalDependencies map[string][]uvDep `toml:"optional-dependencies"`
	DevDependencies      map[string][]uvDep `toml:"dev-dependencies"`
}

type uvDep struct {
	Name    string `toml:"name"`
	Version string `toml:"version"` // set when the lockfile holds several versions
}

// root reports whether p is the project the lockfile was made for.
func (p *uvPackage) root() bool { return p.Source.Virtual == "." || p.Source.Editable == "." }

// UV reads the uv.lock at path. The project itself (source virtual or
// editable ".") is the primary component; what only its dev-dependencies
// groups pull in is development, as uv sync --no-dev would leave it out.
func UV(ctx context.Context, path string, data []byte) (*sbom.Fragment, error) {
	var lock uvLock
	if err := toml.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	fromScalibr, _, err := run(ctx, &uvlock.Extractor{}, path, data)
	if err != nil {
		return nil, err
	}
	b := ecosystem.NewBuilder(path)
	seen := map[string]bool{}
	var pkgs []ecosystem.LockPackage
	var roots []string
	for i := range lock.Package {
		p := &lock.Package[i]
		if p.Name == "" {
			b.Warn("package[%d] has no name", i)
			continue
		}
		c := uvComponent(p, path)
		stored := b.Add(c)
		lp := ecosystem.LockPackage{Name: p.Name, Version: p.Version, ID: stored.ID}
		if p.root() {
			stored.Type = sbom.TypeApplication
			roots = append(roots, stored.ID)
			b.SetPrimary(stored.ID)
		}
		if p.Source.Virtual != "." { // scalibr lists an editable root, not a virtual one
			seen[key(p.Name, p.Version)] = true
		}
		lp.Deps = uvDeps(p.Dependencies, false)
		for _, extra := range sortedKeys(p.OptionalDependencies) {
			lp.Deps = append(lp.Deps, uvDeps(p.OptionalDependencies[extra], true)...)
		}
		for _, g := range sortedKeys(p.DevDependencies) {
			for _, d := range uvDeps(p.DevDependencies[g], false) {
				d.Dev = true
				lp.Deps = append(lp.Deps, d)
			}
		}
		pkgs = append(pkgs, lp)
	}
	ecosystem.Graph(b, pkgs, pep503)
	prod := ecosystem.Production(pkgs, roots, pep503)
	for _, lp := range pkgs {
		if !prod[lp.ID] {
			ecosystem.MarkDevelopment(b.Get(lp.ID))
		}
	}
	if len(roots) > 1 {
		b.Warn("%d packages have source \".\": the project is %s", len(roots), roots[len(roots)-1])
	}
	b.CrossCheck(fromScalibr, seen)
	return b.Fragment(), nil
}

// uvComponent builds the component of one uv.lock package.
func uvComponent(p *uvPackage, path string) sbom.Component {
	c := ecosystem.Library(PURL(p.Name, p.Version), p.Name, p.Version, path)
	hashes := []string{}
	if p.Sdist.Hash != "" {
		hashes = append(hashes, p.Sdist.Hash)
	}
	for _, w := range p.Wheels {
		hashes = append(hashes, w.Hash)
	}
	if len(hashes) > 0 {
		c.SetProperty(PropDistHashes, joinSorted(hashes))
	}
	for _, s := range []struct{ kind, v string }{{"git", p.Source.Git}, {"url", p.Source.URL}, {"path", p.Source.Path}, {"directory", p.Source.Directory}, {"editable", p.Source.Editable}} {
		if s.v != "" && s.v != "." {
			c.SetProperty(ecosystem.PropResolved, s.kind+"+"+s.v)
		}
	}
	return c
}

func uvDeps(deps []uvDep, optional bool) []ecosystem.Dep {
	out := make([]ecosystem.Dep, 0, len(deps))
	for _, d := range deps {
		out = append(out, ecosystem.Dep{Name: d.Name, Version: d.Version, Optional: optional})
	}
	return out
}
