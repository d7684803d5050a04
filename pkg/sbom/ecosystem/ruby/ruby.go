// Package ruby reads Bundler's Gemfile.lock into vouch's model.
//
// osv-scalibr's extractor gives the gem list; vouch reads the same file for
// what scalibr does not report: platform-specific gems
// ("nokogiri (1.18.0-x86_64-linux-gnu)", whose platform scalibr drops), the
// project itself (a PATH source at "."), the graph of each spec's
// dependencies and the project's DEPENDENCIES, and the .gem checksums.
package ruby

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/language/ruby/gemfilelock"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// PURL returns the purl of a gem, with its platform as purl-spec's
// "platform" qualifier when it is not plain "ruby".
func PURL(name, version, platform string) string {
	if platform == "ruby" {
		platform = ""
	}
	return ecosystem.PURL("gem", "", name, version, "platform", platform)
}

// spec is one locked gem of a source section.
type spec struct {
	name, version, platform string
	text                    string // "name (version[-platform])" as written
	section, remote         string
	revision                string // a GIT source's commit
	deps                    []string
}

// lockfile is what vouch reads of a Gemfile.lock.
type lockfile struct {
	specs        []*spec
	dependencies []string // the Gemfile's direct dependencies
	// checksums maps "name (version[-platform])" to the .gem's SHA-256
	// (Bundler 2.6's CHECKSUMS section).
	checksums map[string]string
}

// parse reads the sections of a Gemfile.lock. Only the layout Bundler
// writes is understood: a section name in column 0, "  key: value" lines,
// specs at 4 spaces and their dependencies at 6.
func parse(data []byte) lockfile {
	lock := lockfile{checksums: map[string]string{}}
	var section, remote, revision string
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(nil, ecosystem.MaxFileSize)
	for s.Scan() {
		line := strings.TrimRight(s.Text(), "\r")
		indent := len(line) - len(strings.TrimLeft(line, " "))
		text := strings.TrimSpace(line)
		switch {
		case text == "":
		case indent == 0:
			section, remote, revision = text, "", ""
		case section == "DEPENDENCIES" && indent == 2:
			name, _, _ := strings.Cut(text, " ")
			lock.dependencies = append(lock.dependencies, strings.TrimSuffix(name, "!"))
		case section == "CHECKSUMS" && indent == 2:
			if gem, sum, ok := strings.Cut(text, " sha256="); ok {
				lock.checksums[gem] = sum
			}
		case indent == 2 && strings.HasPrefix(text, "remote: "):
			remote = strings.TrimPrefix(text, "remote: ")
		case indent == 2 && strings.HasPrefix(text, "revision: "):
			revision = strings.TrimPrefix(text, "revision: ")
		case indent == 4 && isSource(section):
			name, version, platform := nameVersion(text)
			lock.specs = append(lock.specs, &spec{text: text, name: name, version: version, platform: platform, section: section, remote: remote, revision: revision})
		case indent == 6 && isSource(section) && len(lock.specs) > 0:
			name, _, _ := strings.Cut(text, " ")
			last := lock.specs[len(lock.specs)-1]
			last.deps = append(last.deps, name)
		}
	}
	return lock
}

func isSource(section string) bool {
	return section == "GEM" || section == "GIT" || section == "PATH" || section == "PLUGIN SOURCE"
}

// nameVersion splits "name (version[-platform])". Gem versions contain no
// "-" (Gem::Version forbids it), so the first "-" starts the platform.
func nameVersion(text string) (name, version, platform string) {
	name, rest, ok := strings.Cut(text, " (")
	if !ok {
		return text, "", ""
	}
	rest = strings.TrimSuffix(rest, ")")
	version, platform, _ = strings.Cut(rest, "-")
	return name, version, platform
}

// GemfileLock reads the Gemfile.lock at path. A gem of a PATH source at
// "." is the project and the fragment's primary component; without one (an
// application, not a gem) the primary is the lockfile's anonymous root.
// DEPENDENCIES are the primary's edges. Bundler records no groups in the lockfile,
// so development gems cannot be told apart.
func GemfileLock(ctx context.Context, path string, data []byte) (*sbom.Fragment, error) {
	scalibr, err := ecosystem.Extract(ctx, &gemfilelock.Extractor{}, path, data)
	if err != nil {
		return nil, err
	}
	lock := parse(data)
	b := ecosystem.NewBuilder(path)
	fromScalibr, seen := map[string]bool{}, map[string]bool{}
	for _, p := range scalibr {
		fromScalibr[p.Name+"@"+p.Version] = true
	}
	var pkgs []ecosystem.LockPackage
	root := ""
	for _, sp := range lock.specs {
		if sp.name == "" || sp.version == "" {
			b.Skip("%s: spec %q has no version", sp.section, sp.name)
			continue
		}
		c := ecosystem.Library(PURL(sp.name, sp.version, sp.platform), sp.name, sp.version, path)
		if sum, ok := lock.checksums[sp.text]; ok {
			if raw, err := hex.DecodeString(sum); err == nil && len(raw) == 32 {
				c.Hashes = []sbom.Hash{{Algorithm: sbom.SHA256, Value: strings.ToLower(sum)}}
			} else {
				b.Warn("CHECKSUMS: %s: %q is not a SHA-256 in hex", sp.text, sum)
			}
		}
		switch {
		case sp.section == "PATH" && sp.remote == ".":
			c.Type = sbom.TypeApplication
			root = c.ID
		case sp.section == "GIT":
			c.SetProperty(ecosystem.PropResolved, "git+"+sp.remote+"@"+sp.revision)
		case sp.section == "PATH":
			c.SetProperty(ecosystem.PropResolved, "path+"+sp.remote)
		}
		stored := b.Add(c)
		seen[sp.name+"@"+sp.version] = true
		lp := ecosystem.LockPackage{Name: sp.name, Version: sp.version, ID: stored.ID}
		for _, d := range sp.deps {
			// Bundler itself is the installer, not a locked gem.
			lp.Deps = append(lp.Deps, ecosystem.Dep{Name: d, Optional: d == "bundler"})
		}
		pkgs = append(pkgs, lp)
	}
	if root == "" && len(lock.dependencies) > 0 {
		// An application's lockfile: no gem is the project, but its
		// DEPENDENCIES are still the project's direct dependencies.
		root = b.Root()
		pkgs = append(pkgs, ecosystem.LockPackage{Name: ".", ID: root})
	}
	if root != "" {
		b.SetPrimary(root)
		for i := range pkgs {
			if pkgs[i].ID == root {
				for _, d := range lock.dependencies {
					pkgs[i].Deps = append(pkgs[i].Deps, ecosystem.Dep{Name: d})
				}
			}
		}
	}
	ecosystem.Graph(b, pkgs, func(s string) string { return s })
	b.CrossCheck(fromScalibr, seen)
	return b.Fragment(), nil
}
