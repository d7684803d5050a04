package python

import (
	"bufio"
	"bytes"
	"context"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/language/python/requirements"
	"github.com/google/osv-scalibr/stats"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// Requirements reads the pip requirements file at path. Only pins
// ("name==1.2.3", "===") name a version; any other requirement is kept
// without one, with a warning, since the file does not say what is
// installed; the file is then read only in part (Builder.Partial). --hash values are kept as distribution hashes. Files it
// includes with -r or -c are not read: each is a warning, for the caller
// to catalogue on its own. pip-compile's "# via" annotations give the graph
// and the project's direct dependencies (see viaGraph).
func Requirements(ctx context.Context, path string, data []byte) (*sbom.Fragment, error) {
	pkgs, err := ecosystem.Extract(ctx, &requirements.Extractor{Stats: stats.NoopCollector{}}, path, data)
	if err != nil {
		return nil, err
	}
	b := ecosystem.NewBuilder(path)
	unpinned := 0
	for _, p := range pkgs {
		version := p.Version
		md, _ := p.Metadata.(*requirements.Metadata)
		if md == nil || (md.VersionComparator != "==" && md.VersionComparator != "===") {
			b.Warn("%s: not pinned with ==: its version is unknown", requirementText(p.Name, md))
			version = ""
			unpinned++
		}
		c := ecosystem.Library(PURL(p.Name, version), p.Name, version, path)
		if md != nil && len(md.HashCheckingModeValues) > 0 {
			c.SetProperty(PropDistHashes, joinSorted(md.HashCheckingModeValues))
		}
		b.Add(c)
	}
	if unpinned > 0 {
		// A range says what is asked for, not what is installed: neither
		// its version nor what it pulls in is in the file.
		b.Partial("%d requirement(s) not pinned with ==: their versions, and the packages they need, are unknown", unpinned)
	}
	warnUnread(b, data)
	viaGraph(b, data)
	return b.Fragment(), nil
}

// viaGraph records the graph pip-compile writes as "# via" annotations
// below each requirement: the packages that need it, and the input files
// ("-r requirements.in", "project (pyproject.toml)") that ask for it
// directly, which make it a direct dependency of the lockfile's
// anonymous root. pip-compile annotates every requirement with all that
// pulled it in, so when each one is annotated the graph is complete; a
// hand-written file has no annotations and no graph.
func viaGraph(b *ecosystem.Builder, data []byte) {
	via, all := viaAnnotations(data)
	if len(via) == 0 {
		return
	}
	ids := map[string][]string{}
	for _, c := range b.Fragment().Components {
		ids[pep503(c.Name)] = append(ids[pep503(c.Name)], c.ID)
	}
	var root string
	for _, name := range sortedKeys(via) {
		for _, from := range via[name] {
			var sources []string
			if from == "" {
				if root == "" {
					root = b.Root()
				}
				sources = []string{root}
			} else {
				sources = ids[from]
			}
			for _, src := range sources {
				for _, to := range ids[name] {
					b.Edge(src, to)
				}
			}
		}
	}
	if !all {
		return
	}
	for _, list := range ids {
		for _, id := range list {
			b.Complete(id)
		}
	}
	if root != "" {
		b.Complete(root)
	}
}

// viaAnnotations maps each requirement (by PEP 503 name) to what its
// "# via" lines name: packages by PEP 503 name, input files as "". all
// says whether every requirement had an annotation.
func viaAnnotations(data []byte) (map[string][]string, bool) {
	via := map[string][]string{}
	all := true
	current, inVia := "", false
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(nil, ecosystem.MaxFileSize)
	for s.Scan() {
		line := s.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case line != "" && line[0] != ' ' && line[0] != '\t' && line[0] != '#' && line[0] != '-':
			if current != "" && via[current] == nil {
				all = false
			}
			current, inVia = pep503(requirementName(line)), false
		case current == "" || !strings.HasPrefix(trimmed, "#"):
			inVia = false
		case trimmed == "# via":
			inVia = true
		case strings.HasPrefix(trimmed, "# via "):
			via[current] = append(via[current], viaEntry(strings.TrimPrefix(trimmed, "# via ")))
			inVia = false
		case inVia && strings.HasPrefix(trimmed, "#   "):
			via[current] = append(via[current], viaEntry(strings.TrimPrefix(trimmed, "#   ")))
		default:
			inVia = false
		}
	}
	if current != "" && via[current] == nil {
		all = false
	}
	return via, all
}

// viaEntry is one "# via" entry: "" for an input file ("-r x.in",
// "-c x.txt", "name (pyproject.toml)"), else the package's PEP 503 name.
func viaEntry(e string) string {
	e = strings.TrimSpace(e)
	if strings.HasPrefix(e, "-r ") || strings.HasPrefix(e, "-c ") || strings.Contains(e, "(") {
		return ""
	}
	return pep503(requirementName(e))
}

func requirementText(name string, md *requirements.Metadata) string {
	if md != nil && md.Requirement != "" {
		return md.Requirement
	}
	return name
}

// warnUnread warns about lines that name packages vouch does not list:
// included files, editable installs and direct URL references.
func warnUnread(b *ecosystem.Builder, data []byte) {
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(nil, ecosystem.MaxFileSize)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimSpace(s.Text())
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		switch f := fields[0]; {
		case f == "-r" || f == "--requirement" || f == "-c" || f == "--constraint" ||
			strings.HasPrefix(f, "-r") || strings.HasPrefix(f, "--requirement=") ||
			strings.HasPrefix(f, "-c") || strings.HasPrefix(f, "--constraint="):
			b.Warn("line %d: %q includes another file, which is not read with this one", n, line)
		case f == "-e" || f == "--editable" || strings.HasPrefix(f, "--editable="):
			b.Warn("line %d: %q is an editable install: vouch lists no version for it", n, line)
		case !strings.HasPrefix(f, "#") && (strings.Contains(line, "://") && !strings.HasPrefix(f, "-")):
			b.Warn("line %d: %q is a direct reference: vouch lists no version for it", n, line)
		}
	}
}
