package python

import (
	"context"
	"fmt"
	"slices"

	"github.com/BurntSushi/toml"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/poetrylock"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// poetryLock is the part of poetry.lock vouch reads itself.
type poetryLock struct {
	Package []struct {
		Name     string   `toml:"name"`
		Version  string   `toml:"version"`
		Optional bool     `toml:"optional"`
		Category string   `toml:"category"` // Poetry 1: "main" or "dev"
		Groups   []string `toml:"groups"`   // Poetry 2: dependency groups
		Files    []struct {
			Hash string `toml:"hash"`
		} `toml:"files"`
		Source struct {
			Type string `toml:"type"`
			URL  string `toml:"url"`
		} `toml:"source"`
		// Dependencies are a version string, a table, or an array of
		// tables (one per marker).
		Dependencies map[string]any `toml:"dependencies"`
	} `toml:"package"`
}

// Poetry reads the poetry.lock at path. The lockfile does not name the
// project itself, so the fragment has no primary component; packages of
// no "main" group (Poetry 2) or of category "dev" (Poetry 1) are
// development ones, optional ones are those only extras install.
func Poetry(ctx context.Context, path string, data []byte) (*sbom.Fragment, error) {
	var lock poetryLock
	if err := toml.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	fromScalibr, _, err := run(ctx, &poetrylock.Extractor{}, path, data)
	if err != nil {
		return nil, err
	}
	b := ecosystem.NewBuilder(path)
	seen := map[string]bool{}
	var pkgs []ecosystem.LockPackage
	for i, p := range lock.Package {
		if p.Name == "" || p.Version == "" {
			b.Skip("package[%d]: name %q, version %q: both are required", i, p.Name, p.Version)
			continue
		}
		c := ecosystem.Library(PURL(p.Name, p.Version), p.Name, p.Version, path)
		var hashes []string
		for _, f := range p.Files {
			hashes = append(hashes, f.Hash)
		}
		if len(hashes) > 0 {
			c.SetProperty(PropDistHashes, joinSorted(hashes))
		}
		if p.Source.Type != "" && p.Source.Type != "legacy" {
			c.SetProperty(ecosystem.PropResolved, p.Source.Type+"+"+p.Source.URL)
		}
		switch {
		case p.Category == "dev" || (len(p.Groups) > 0 && !slices.Contains(p.Groups, "main")):
			ecosystem.MarkDevelopment(&c)
		case p.Optional:
			c.Scope = sbom.ScopeOptional
		}
		stored := b.Add(c)
		seen[key(p.Name, p.Version)] = true
		lp := ecosystem.LockPackage{Name: p.Name, Version: p.Version, ID: stored.ID}
		for _, dep := range sortedKeys(p.Dependencies) {
			lp.Deps = append(lp.Deps, ecosystem.Dep{Name: dep, Optional: poetryOptional(p.Dependencies[dep])})
		}
		pkgs = append(pkgs, lp)
	}
	ecosystem.Graph(b, pkgs, pep503)
	b.CrossCheck(fromScalibr, seen)
	return b.Fragment(), nil
}

// poetryOptional reports whether a dependency is only installed with an
// extra: every one of its constraint tables says optional = true.
func poetryOptional(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		opt, _ := v["optional"].(bool)
		return opt
	case []map[string]any:
		for _, t := range v {
			if opt, _ := t["optional"].(bool); !opt {
				return false
			}
		}
		return len(v) > 0
	case []any:
		for _, t := range v {
			if !poetryOptional(t) {
				return false
			}
		}
		return len(v) > 0
	}
	return false
}
