// Package swift reads SwiftPM's Package.resolved into vouch's model.
//
// osv-scalibr's extractor lists the pins of versions 2 and 3; vouch reads
// the file itself for all three versions (version 1 keeps its pins under
// "object" and names the repository "repositoryURL") and builds purls as
// purl-spec's swift type asks: the repository's host and owner path as the
// namespace, its last path segment as the name
// (pkg:swift/github.com/apple/swift-nio@2.62.0). Package.resolved is a
// flat list: it records neither the graph nor development dependencies,
// so the fragment has components and no edges.
package swift

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/language/swift/packageresolved"
	"github.com/google/osv-scalibr/stats"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// PropRevision is the git commit a pin resolves to.
const PropRevision = "vouch:swift:revision"

// resolved is Package.resolved: version 1 holds the pins under "object",
// versions 2 and 3 at the top level.
type resolved struct {
	Version int   `json:"version"`
	Pins    []pin `json:"pins"`
	Object  struct {
		Pins []pin `json:"pins"`
	} `json:"object"`
}

// pin is one resolved package. Version 1 names it "package" and its
// repository "repositoryURL"; versions 2 and 3 "identity" and "location".
type pin struct {
	Package       string `json:"package"`
	RepositoryURL string `json:"repositoryURL"`
	Identity      string `json:"identity"`
	Kind          string `json:"kind"`
	Location      string `json:"location"`
	State         struct {
		Branch   *string `json:"branch"`
		Revision string  `json:"revision"`
		Version  *string `json:"version"`
	} `json:"state"`
}

// PURL returns the purl of a Swift package fetched from location, a git
// repository URL ("https://github.com/apple/swift-nio.git",
// "git@github.com:apple/swift-nio.git"), and its name: the repository's
// last path segment. ok is false when location names no host and
// repository path.
func PURL(location, version string) (purl, name string, ok bool) {
	host, p, ok := splitLocation(location)
	if !ok {
		return "", "", false
	}
	i := strings.LastIndex(p, "/")
	if i <= 0 || i == len(p)-1 {
		return "", "", false
	}
	name = p[i+1:]
	return ecosystem.PURL("swift", host+"/"+p[:i], name, version), name, true
}

// splitLocation returns a repository URL's host and path, without a
// trailing ".git" or "/".
func splitLocation(location string) (host, p string, ok bool) {
	if u, err := url.Parse(location); err == nil && u.Host != "" {
		host, p = u.Hostname(), u.Path
	} else if at, rest, found := strings.Cut(location, "@"); found && !strings.Contains(at, "/") {
		// scp-like syntax: git@github.com:owner/repo.git
		host, p, ok = strings.Cut(rest, ":")
		if !ok {
			return "", "", false
		}
	} else {
		return "", "", false
	}
	p = strings.Trim(p, "/")
	p = strings.TrimSuffix(p, ".git")
	if host == "" || p == "" || strings.Contains(p, "//") {
		return "", "", false
	}
	return strings.ToLower(host), p, true
}

// PackageResolved reads the Package.resolved at path, versions 1 to 3.
func PackageResolved(ctx context.Context, path string, data []byte) (*sbom.Fragment, error) {
	var file resolved
	if err := strictjson.Unmarshal(data, &file, ecosystem.MaxDepth); err != nil {
		return nil, fmt.Errorf("%s: %w", path, strictjson.Explain(data, err))
	}
	pins := file.Pins
	switch file.Version {
	case 1:
		pins = file.Object.Pins
	case 2, 3:
	default:
		return nil, fmt.Errorf("%s: version is %d, vouch reads 1, 2 and 3", path, file.Version)
	}
	b := ecosystem.NewBuilder(path)
	fromScalibr, seen := map[string]bool{}, map[string]bool{}
	if file.Version > 1 {
		pkgs, err := ecosystem.Extract(ctx, &packageresolved.Extractor{Stats: stats.NoopCollector{}}, path, data)
		if err != nil {
			return nil, err
		}
		for _, p := range pkgs {
			fromScalibr[p.Name+"@"+p.Version] = true
		}
	}
	for i, p := range pins {
		if key, ok := add(b, i, p); ok && file.Version > 1 {
			seen[key] = true
		}
	}
	if file.Version > 1 {
		b.CrossCheck(fromScalibr, seen)
	}
	return b.Fragment(), nil
}

// add adds the component of pins[i] and returns the key scalibr would
// list it under (its location without scheme and ".git", @version), for
// the cross-check.
func add(b *ecosystem.Builder, i int, p pin) (string, bool) {
	location := p.Location
	if location == "" {
		location = p.RepositoryURL
	}
	version := ""
	if p.State.Version != nil {
		version = *p.State.Version
	}
	// A pin to a branch or a bare commit has no version: the commit is
	// what identifies the code.
	v := version
	if v == "" {
		v = p.State.Revision
	}
	purl, name, ok := PURL(location, v)
	if !ok {
		b.Warn("pins[%d].location: expected a git repository URL with a host and a path, found %q (identity %q, kind %q): not catalogued",
			i, location, p.Identity+p.Package, p.Kind)
		return "", false
	}
	if v == "" {
		b.Warn("pins[%d] (%s): no version and no revision", i, location)
	}
	c := ecosystem.Library(purl, name, v, b.Path)
	c.SetProperty(ecosystem.PropResolved, location)
	if p.State.Revision != "" {
		c.SetProperty(PropRevision, p.State.Revision)
	}
	b.Add(c)
	key := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(location, "https://"), "http://"), ".git")
	return key + "@" + version, true
}
