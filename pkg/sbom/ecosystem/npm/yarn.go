package npm

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/yarnlock"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// yarnEntry is one block of a yarn v1 lockfile: the specifiers it
// satisfies ("name@range"), what it resolved to, and its dependencies as
// specifiers.
type yarnEntry struct {
	specifiers []string
	name       string
	version    string
	resolved   string
	integrity  string
	deps       []string // "name@range"
	optional   map[string]bool
	// workspace is a berry workspace's directory ("." for the root),
	// "" for a package.
	workspace string
}

// YarnLock reads the yarn.lock at path: Yarn 1's format ("# yarn lockfile
// v1") and Yarn 2+ (berry, a YAML file with "__metadata:"). Neither
// records development dependencies: every package is required. Yarn 1's
// lockfile does not name the project, so its fragment has no primary
// component; a berry lockfile's root workspace is the primary one.
func YarnLock(ctx context.Context, path string, data []byte) (*sbom.Fragment, error) {
	berry := bytes.Contains(data, []byte("\n__metadata:")) || bytes.HasPrefix(data, []byte("__metadata:"))
	pkgs, err := ecosystem.Extract(ctx, &yarnlock.Extractor{}, path, data)
	if err != nil {
		return nil, err
	}
	b := ecosystem.NewBuilder(path)
	fromScalibr, seen := map[string]bool{}, map[string]bool{}
	for _, p := range pkgs {
		fromScalibr[p.Name+"@"+p.Version] = true
	}
	var entries []*yarnEntry
	if berry {
		if entries, err = parseBerry(b, data); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	} else {
		entries = parseYarn(b, data)
	}
	bySpec := map[string]string{}
	for _, e := range entries {
		stored := b.Add(yarnComponent(e, path))
		if e.workspace == "." {
			b.SetPrimary(stored.ID)
		}
		if e.workspace == "" {
			seen[e.name+"@"+e.version] = true
		}
		for _, s := range e.specifiers {
			bySpec[s] = stored.ID
		}
	}
	yarnGraph(b, entries, bySpec)
	b.CrossCheck(fromScalibr, seen)
	return b.Fragment(), nil
}

// yarnComponent is the component of one lockfile entry.
func yarnComponent(e *yarnEntry, path string) sbom.Component {
	c := ecosystem.Library(PURL(e.name, e.version), e.name, e.version, path)
	c.Hashes = integrity(e.integrity)
	if e.resolved != "" && !isRegistry(strings.SplitN(e.resolved, "#", 2)[0]) {
		c.SetProperty(ecosystem.PropResolved, e.resolved)
	}
	if e.workspace != "" {
		c.Type = sbom.TypeApplication
		c.SetProperty(sbom.PropSourcePath, e.workspace)
	}
	return c
}

// yarnGraph records each entry's dependencies, resolved through the
// specifiers the entries satisfy. An entry with several specifiers is one
// package: its first specifier names it.
func yarnGraph(b *ecosystem.Builder, entries []*yarnEntry, bySpec map[string]string) {
	for _, e := range entries {
		from := bySpec[e.specifiers[0]]
		complete := true
		for _, d := range e.deps {
			to, ok := bySpec[d]
			if !ok {
				if !e.optional[d] {
					b.Warn("%s@%s depends on %s, which the lockfile does not hold", e.name, e.version, d)
					complete = false
				}
				continue
			}
			b.Edge(from, to)
		}
		if complete {
			b.Complete(from)
		}
	}
}

// parseYarn reads the blocks of a yarn v1 lockfile: a header of
// specifiers in column 0, fields at two spaces, dependency lists at four.
func parseYarn(b *ecosystem.Builder, data []byte) []*yarnEntry {
	var entries []*yarnEntry
	var cur *yarnEntry
	list := ""
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(nil, ecosystem.MaxFileSize)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimRight(s.Text(), "\r")
		text := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case text == "" || strings.HasPrefix(text, "#"):
		case indent == 0:
			cur = &yarnEntry{optional: map[string]bool{}}
			for _, spec := range strings.Split(strings.TrimSuffix(text, ":"), ",") {
				cur.specifiers = append(cur.specifiers, unquote(spec))
			}
			cur.name = specName(cur.specifiers[0])
			entries = append(entries, cur)
		case cur == nil:
			b.Warn("line %d: a field outside any package", n)
		case indent == 2 && strings.HasSuffix(text, ":"):
			list = strings.TrimSuffix(text, ":")
		case indent == 2:
			key, value, _ := strings.Cut(text, " ")
			list = ""
			switch key {
			case "version":
				cur.version = unquote(value)
			case "resolved":
				cur.resolved = unquote(value)
			case "integrity":
				cur.integrity = unquote(value)
			}
		case indent == 4 && (list == "dependencies" || list == "optionalDependencies"):
			name, rng, _ := strings.Cut(text, " ")
			spec := unquote(name) + "@" + unquote(rng)
			cur.deps = append(cur.deps, spec)
			cur.optional[spec] = list == "optionalDependencies"
		}
	}
	var out []*yarnEntry
	for _, e := range entries {
		if e.name == "" || e.version == "" {
			b.Skip("%q: no package name or version", strings.Join(e.specifiers, ", "))
			continue
		}
		out = append(out, e)
	}
	return out
}

// specName returns the package name of a specifier: "@scope/name@^1"
// gives "@scope/name"; an alias "alias@npm:real@^1" gives "real".
func specName(spec string) string {
	if i := strings.LastIndex(spec, "@npm:"); i > 0 {
		return specName(spec[i+len("@npm:"):])
	}
	at := strings.Index(strings.TrimPrefix(spec, "@"), "@")
	if at < 0 {
		return spec
	}
	if strings.HasPrefix(spec, "@") {
		at++
	}
	return spec[:at]
}

func unquote(s string) string { return strings.Trim(strings.TrimSpace(s), `"`) }
