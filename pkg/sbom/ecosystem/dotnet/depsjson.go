package dotnet

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/language/dotnet/depsjson"
	"github.com/google/osv-scalibr/stats"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// depsFile is the part of a .NET <app>.deps.json vouch reads: the
// libraries the app was built with, keyed "Name/Version", and per target
// (".NETCoreApp,Version=v8.0", with "/rid" for a runtime-specific build)
// what each library depends on.
type depsFile struct {
	RuntimeTarget struct {
		Name string `json:"name"`
	} `json:"runtimeTarget"`
	Targets   map[string]map[string]depsTarget `json:"targets"`
	Libraries map[string]depsLibrary           `json:"libraries"`
}

type depsTarget struct {
	Dependencies map[string]string `json:"dependencies"`
}

type depsLibrary struct {
	Type   string `json:"type"` // package, project, referenceassembly, reference, runtimepack
	SHA512 string `json:"sha512"`
}

// frameworkSupplied are library types the installed .NET runtime (its
// shared framework) supplies rather than the app: they are not NuGet
// packages the app ships, and the runtime's own SBOM lists them.
var frameworkSupplied = map[string]bool{"referenceassembly": true, "reference": true}

// DepsJSON reads the <app>.deps.json at path, written by the .NET SDK next
// to a built app: every package and project library with its SHA-512, and
// the graph of the runtime target. The project named like the file is the
// fragment's primary component. The file lists what the app runs with, so
// nothing in it is development-only.
func DepsJSON(ctx context.Context, path string, data []byte) (*sbom.Fragment, error) {
	var deps depsFile
	if err := strictjson.Unmarshal(data, &deps, ecosystem.MaxDepth); err != nil {
		return nil, fmt.Errorf("%s: %w", path, strictjson.Explain(data, err))
	}
	if len(deps.Libraries) == 0 {
		return nil, fmt.Errorf("%s: libraries: expected the app's libraries, found none", path)
	}
	scalibr, err := ecosystem.Extract(ctx, &depsjson.Extractor{Stats: stats.NoopCollector{}}, path, data)
	if err != nil {
		return nil, err
	}
	b := ecosystem.NewBuilder(path)
	fromScalibr := map[string]bool{}
	for _, p := range scalibr {
		if m, ok := p.Metadata.(*depsjson.Metadata); !ok || !frameworkSupplied[m.Type] {
			fromScalibr[strings.ToLower(p.Name)+"@"+p.Version] = true
		}
	}
	ids, seen := depsLibraries(b, path, deps.Libraries)
	depsGraph(b, deps, ids)
	b.CrossCheck(fromScalibr, seen)
	return b.Fragment(), nil
}

// depsLibraries adds the components of the libraries and returns their
// IDs by lower-cased "name/version" (NuGet names do not depend on case),
// and the name@version keys read, for the cross-check.
func depsLibraries(b *ecosystem.Builder, file string, libs map[string]depsLibrary) (map[string]string, map[string]bool) {
	app := strings.TrimSuffix(path.Base(file), ".deps.json")
	ids, seen := map[string]string{}, map[string]bool{}
	for _, key := range slices.Sorted(maps.Keys(libs)) {
		lib := libs[key]
		name, version, ok := strings.Cut(key, "/")
		if !ok || name == "" || version == "" || strings.Contains(version, "/") {
			b.Warn("libraries[%q]: expected \"name/version\"", key)
			continue
		}
		if frameworkSupplied[lib.Type] {
			continue
		}
		c := ecosystem.Library(PURL(name, version), name, version, file)
		if lib.Type == "project" {
			c.SetProperty(PropProject, "true")
			if strings.EqualFold(name, app) {
				c.Type = sbom.TypeApplication
				b.SetPrimary(c.ID)
			}
		}
		if lib.SHA512 != "" {
			c.Hashes = depsHash(b, key, lib.SHA512)
		}
		ids[strings.ToLower(key)] = b.Add(c).ID
		seen[strings.ToLower(name)+"@"+version] = true
	}
	return ids, seen
}

// depsHash decodes a library's "sha512-<base64>" (the .nupkg's SHA-512).
func depsHash(b *ecosystem.Builder, key, sri string) []sbom.Hash {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sri, "sha512-"))
	if !strings.HasPrefix(sri, "sha512-") || err != nil || len(raw) != 64 {
		b.Warn("libraries[%q].sha512: expected sha512-<base64 SHA-512>, found %q", key, sri)
		return nil
	}
	return []sbom.Hash{{Algorithm: sbom.SHA512, Value: hex.EncodeToString(raw)}}
}

// depsGraph records each library's dependencies in the runtime target (in
// every target when the file names none). A dependency the libraries do
// not hold is a warning, unless the framework supplies it.
func depsGraph(b *ecosystem.Builder, deps depsFile, ids map[string]string) {
	targets := slices.Sorted(maps.Keys(deps.Targets))
	if rt := deps.RuntimeTarget.Name; rt != "" {
		if _, ok := deps.Targets[rt]; !ok {
			b.Warn("runtimeTarget.name %q: no such entry in targets", rt)
			return
		}
		targets = []string{rt}
	}
	for _, t := range targets {
		for _, key := range slices.Sorted(maps.Keys(deps.Targets[t])) {
			from, ok := ids[strings.ToLower(key)]
			if !ok {
				continue // a framework-supplied library, or warned about
			}
			complete := true
			entry := deps.Targets[t][key]
			for _, name := range slices.Sorted(maps.Keys(entry.Dependencies)) {
				dep := strings.ToLower(name + "/" + entry.Dependencies[name])
				if to, ok := ids[dep]; ok {
					b.Edge(from, to)
				} else if !frameworkSupplied[deps.Libraries[libraryKey(deps.Libraries, dep)].Type] {
					b.Warn("targets[%q][%q] depends on %s %s, which libraries does not hold", t, key, name, entry.Dependencies[name])
					complete = false
				}
			}
			if complete {
				b.Complete(from)
			}
		}
	}
}

// libraryKey returns the key of libs whose lower-case form is lower, or "".
func libraryKey(libs map[string]depsLibrary, lower string) string {
	for k := range libs {
		if strings.ToLower(k) == lower {
			return k
		}
	}
	return ""
}
