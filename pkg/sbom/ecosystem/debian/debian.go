// Package debian reads dpkg's database of installed packages
// (var/lib/dpkg/status, and distroless images' var/lib/dpkg/status.d/*)
// into vouch's model.
//
// osv-scalibr's extractor gives the installed packages; vouch builds the
// purls (pkg:deb/<distro>/name@version?arch=...&distro=<id>-<version>) and
// reads the same paragraphs for the graph: Depends and Pre-Depends,
// resolved through Provides, with alternatives. Licences come from the
// packages' machine-readable (DEP-5) copyright files (copyright.go).
package debian

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/textproto"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/os/dpkg"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// PURL returns the purl of a Debian package per purl-spec's deb type.
func PURL(namespace, name, version, arch, distro string) string {
	if namespace == "" {
		namespace = "debian"
	}
	return ecosystem.PURL("deb", namespace, name, version, "arch", arch, "distro", distro)
}

// Status reads the dpkg status file at path (slash-separated, relative to
// root, as "var/lib/dpkg/status") in the system whose root is fsys; the
// distribution comes from fsys's etc/os-release. Only installed packages
// are listed. The database names no primary component. A package's
// declared licence is read from its machine-readable
// usr/share/doc/<package>/copyright in fsys, where there is one.
func Status(ctx context.Context, fsys fs.FS, path string) (*sbom.Fragment, error) {
	ext, err := dpkg.New(nil)
	if err != nil {
		return nil, err
	}
	db, err := ecosystem.ReadDatabase(ctx, ext, fsys, path, "debian")
	if err != nil {
		return nil, err
	}
	b, seen := db.B, map[string]bool{}
	distroless := strings.Contains(path, "status.d")
	var pkgs []ecosystem.Installed
	for _, h := range paragraphs(b, db.Data) {
		if !installed(h.Get("Status"), distroless) {
			continue
		}
		name, ver, arch := h.Get("Package"), h.Get("Version"), h.Get("Architecture")
		if name == "" || ver == "" {
			b.Warn("package %q, version %q: both are required", name, ver)
			continue
		}
		c := ecosystem.Library(PURL(db.ID, name, ver, arch, db.Distro), name, ver, path)
		if m := h.Get("Maintainer"); m != "" {
			c.Supplier = ecosystem.Supplier(m)
		}
		copyrightLicense(fsys, name, &c)
		stored := b.Add(c)
		seen[name+"@"+ver] = true
		pkgs = append(pkgs, ecosystem.Installed{
			Name: name, Version: ver, Arch: arch, ID: stored.ID,
			Depends:  append(relations(h.Get("Pre-Depends")), relations(h.Get("Depends"))...),
			Provides: provides(h.Get("Provides")),
		})
	}
	ecosystem.InstalledGraph(b, pkgs, func(string) bool { return false })
	b.CrossCheck(db.Scalibr, seen)
	return b.Fragment(), nil
}

// paragraphs splits a deb822 file into its paragraphs.
func paragraphs(b *ecosystem.Builder, data []byte) []textproto.MIMEHeader {
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(data)))
	var out []textproto.MIMEHeader
	for {
		h, err := r.ReadMIMEHeader()
		if len(h) > 0 {
			out = append(out, h)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				b.Warn("after %d packages: %v", len(out), err)
			}
			return out
		}
	}
}

// installed reports whether a Status field says the package is installed
// ("install ok installed"); distroless status.d entries have none.
func installed(status string, distroless bool) bool {
	if status == "" {
		return distroless
	}
	f := strings.Fields(status)
	return len(f) == 3 && f[2] == "installed"
}

// relations parses a Depends-style field: groups separated by ",",
// alternatives by "|", each a name with an optional ":arch" and
// "(version constraint)" and "[arch list]", which are dropped.
func relations(field string) [][]string {
	var groups [][]string
	for _, g := range strings.Split(field, ",") {
		var alts []string
		for _, a := range strings.Split(g, "|") {
			if n := relName(a); n != "" {
				alts = append(alts, n)
			}
		}
		if len(alts) > 0 {
			groups = append(groups, alts)
		}
	}
	return groups
}

func relName(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " ([<"); i >= 0 {
		s = s[:i]
	}
	s, _, _ = strings.Cut(s, ":")
	return s
}

// provides parses a Provides field into the virtual names.
func provides(field string) []string {
	var out []string
	for _, g := range relations(field) {
		out = append(out, g...)
	}
	return out
}
