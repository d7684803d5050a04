// Package php reads Composer's composer.lock into vouch's model.
//
// osv-scalibr's extractor gives the package list; vouch reads the same file
// for the declared licences, the dist checksums and the graph (require,
// resolved through what each package provides or replaces), which scalibr
// does not report. Platform requirements (php, ext-*, lib-*, the
// composer-*-api packages) are not packages and are left out.
package php

import (
	"context"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/language/php/composerlock"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// composerLock is the part of composer.lock vouch reads itself.
type composerLock struct {
	Packages    []composerPackage `json:"packages"`
	PackagesDev []composerPackage `json:"packages-dev"`
}

type composerPackage struct {
	Name    string            `json:"name"`
	Version string            `json:"version"`
	License []string          `json:"license"`
	Require map[string]string `json:"require"`
	Provide map[string]string `json:"provide"`
	Replace map[string]string `json:"replace"`
	Source  struct {
		Type      string `json:"type"`
		URL       string `json:"url"`
		Reference string `json:"reference"`
	} `json:"source"`
	Dist struct {
		Type   string `json:"type"`
		URL    string `json:"url"`
		Shasum string `json:"shasum"`
	} `json:"dist"`
}

// PURL returns the purl of a Composer package: the vendor is the
// namespace, both lower-cased as Composer itself treats names.
func PURL(name, version string) string {
	vendor, pkg, ok := strings.Cut(strings.ToLower(name), "/")
	if !ok {
		vendor, pkg = "", vendor
	}
	return ecosystem.PURL("composer", vendor, pkg, version)
}

// platform reports whether a requirement names the platform, not a package.
func platform(name string) bool {
	n := strings.ToLower(name)
	return n == "php" || strings.HasPrefix(n, "php-") || strings.HasPrefix(n, "ext-") || strings.HasPrefix(n, "lib-") ||
		n == "composer-plugin-api" || n == "composer-runtime-api" || n == "composer" || n == "hhvm"
}

// ComposerLock reads the composer.lock at path. packages-dev are
// development components. The lockfile does not name the project, so the
// fragment has no primary component.
func ComposerLock(ctx context.Context, path string, data []byte) (*sbom.Fragment, error) {
	var lock composerLock
	if err := strictjson.Unmarshal(data, &lock, ecosystem.MaxDepth); err != nil {
		return nil, fmt.Errorf("%s: %w", path, strictjson.Explain(data, err))
	}
	b := ecosystem.NewBuilder(path)
	var fromScalibr map[string]bool // nil: no cross-check
	seen := map[string]bool{}
	// osv-scalibr's extractor finds a line number for every package by
	// parsing the whole file again: quadratic, so it cross-checks vouch's
	// reading only up to ecosystem.CrossCheckLimit.
	if len(data) <= ecosystem.CrossCheckLimit {
		scalibr, err := ecosystem.Extract(ctx, &composerlock.Extractor{}, path, data)
		if err != nil {
			return nil, err
		}
		fromScalibr = map[string]bool{}
		for _, p := range scalibr {
			fromScalibr[strings.ToLower(p.Name)+"@"+p.Version] = true
		}
	}
	var pkgs []ecosystem.LockPackage
	// providers maps a name to the packages that are, provide or replace it.
	providers := map[string][]string{}
	for _, section := range []struct {
		name string
		list []composerPackage
		dev  bool
	}{{"packages", lock.Packages, false}, {"packages-dev", lock.PackagesDev, true}} {
		for i, p := range section.list {
			if p.Name == "" || p.Version == "" {
				b.Skip("%s[%d]: name %q, version %q: both are required", section.name, i, p.Name, p.Version)
				continue
			}
			c := component(p, path)
			b.SetDeclared(&c, license(p.License))
			if section.dev {
				ecosystem.MarkDevelopment(&c)
			}
			stored := b.Add(c)
			seen[strings.ToLower(p.Name)+"@"+p.Version] = true
			lp := ecosystem.LockPackage{Name: p.Name, Version: p.Version, ID: stored.ID}
			for _, n := range slices.Sorted(maps.Keys(p.Require)) {
				if !platform(n) {
					lp.Deps = append(lp.Deps, ecosystem.Dep{Name: n})
				}
			}
			pkgs = append(pkgs, lp)
			for _, n := range append([]string{p.Name}, slices.Concat(slices.Collect(maps.Keys(p.Provide)), slices.Collect(maps.Keys(p.Replace)))...) {
				providers[strings.ToLower(n)] = append(providers[strings.ToLower(n)], stored.ID)
			}
		}
	}
	ecosystem.GraphWith(b, pkgs, func(d ecosystem.Dep) []string { return providers[strings.ToLower(d.Name)] })
	b.CrossCheck(fromScalibr, seen)
	return b.Fragment(), nil
}

// license returns a package's licences as one expression: several are a
// disjunction, Composer's meaning of a list.
func license(list []string) string {
	switch len(list) {
	case 0:
		return ""
	case 1:
		return list[0]
	}
	return "(" + strings.Join(list, " OR ") + ")"
}

// component builds the component of one locked package; the dist shasum
// is a SHA-1 of the archive.
func component(p composerPackage, path string) sbom.Component {
	c := ecosystem.Library(PURL(p.Name, p.Version), p.Name, p.Version, path)
	if raw, err := hex.DecodeString(p.Dist.Shasum); err == nil && len(raw) == 20 {
		c.Hashes = []sbom.Hash{{Algorithm: sbom.SHA1, Value: strings.ToLower(p.Dist.Shasum)}}
	}
	if p.Source.URL != "" {
		c.SetProperty(ecosystem.PropResolved, p.Source.Type+"+"+p.Source.URL+"@"+p.Source.Reference)
	}
	return c
}
