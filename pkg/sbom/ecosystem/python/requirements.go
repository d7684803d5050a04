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
// installed. --hash values are kept as distribution hashes. Files it
// includes with -r or -c are not read: each is a warning, for the caller
// to catalogue on its own.
func Requirements(ctx context.Context, path string, data []byte) (*sbom.Fragment, error) {
	pkgs, err := ecosystem.Extract(ctx, &requirements.Extractor{Stats: stats.NoopCollector{}}, path, data)
	if err != nil {
		return nil, err
	}
	b := ecosystem.NewBuilder(path)
	for _, p := range pkgs {
		version := p.Version
		md, _ := p.Metadata.(*requirements.Metadata)
		if md == nil || (md.VersionComparator != "==" && md.VersionComparator != "===") {
			b.Warn("%s: not pinned with ==: its version is unknown", requirementText(p.Name, md))
			version = ""
		}
		c := ecosystem.Library(PURL(p.Name, version), p.Name, version, path)
		if md != nil && len(md.HashCheckingModeValues) > 0 {
			c.SetProperty(PropDistHashes, joinSorted(md.HashCheckingModeValues))
		}
		b.Add(c)
	}
	warnUnread(b, data)
	return b.Fragment(), nil
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
