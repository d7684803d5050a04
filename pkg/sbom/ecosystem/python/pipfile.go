package python

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/language/python/pipfilelock"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// pipfileLock is the part of Pipfile.lock vouch reads itself.
type pipfileLock struct {
	Default map[string]pipfileEntry `json:"default"`
	Develop map[string]pipfileEntry `json:"develop"`
}

type pipfileEntry struct {
	Version string   `json:"version"` // "==1.2.3"
	Hashes  []string `json:"hashes"`
	Git     string   `json:"git"`
	Ref     string   `json:"ref"`
	Path    string   `json:"path"`
	File    string   `json:"file"`
}

// Pipfile reads the Pipfile.lock at path. The lockfile is flat: it gives
// no graph and does not name the project. Packages only in "develop" are
// development ones.
func Pipfile(ctx context.Context, path string, data []byte) (*sbom.Fragment, error) {
	var lock pipfileLock
	if err := strictjson.Unmarshal(data, &lock, ecosystem.MaxDepth); err != nil {
		return nil, fmt.Errorf("%s: %w", path, strictjson.Explain(data, err))
	}
	fromScalibr, _, err := run(ctx, &pipfilelock.Extractor{}, path, data)
	if err != nil {
		return nil, err
	}
	b := ecosystem.NewBuilder(path)
	seen := map[string]bool{}
	for _, section := range []struct {
		name    string
		entries map[string]pipfileEntry
		dev     bool
	}{{"default", lock.Default, false}, {"develop", lock.Develop, true}} {
		for _, name := range sortedKeys(section.entries) {
			e := section.entries[name]
			if name == "" {
				b.Skip("%s: an entry with no package name", section.name)
				continue
			}
			version, pinned := strings.CutPrefix(e.Version, "==")
			if !pinned {
				b.Warn("%s.%s: version %q is not pinned with ==: its version is unknown", section.name, name, e.Version)
				version = ""
			}
			c := ecosystem.Library(PURL(name, version), name, version, path)
			if len(e.Hashes) > 0 {
				c.SetProperty(PropDistHashes, joinSorted(e.Hashes))
			}
			if src := pipfileSource(e); src != "" {
				c.SetProperty(ecosystem.PropResolved, src)
			}
			if section.dev && b.Get(c.ID) == nil {
				ecosystem.MarkDevelopment(&c)
			}
			b.Add(c)
			if version != "" {
				seen[key(name, version)] = true
			}
		}
	}
	b.CrossCheck(fromScalibr, seen)
	return b.Fragment(), nil
}

func pipfileSource(e pipfileEntry) string {
	switch {
	case e.Git != "":
		return "git+" + e.Git + "@" + e.Ref
	case e.Path != "":
		return "path+" + e.Path
	case e.File != "":
		return "file+" + e.File
	}
	return ""
}
