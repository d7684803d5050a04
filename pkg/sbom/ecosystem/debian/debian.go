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
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/textproto"
	"path"
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
	return read(ctx, fsys, []string{path}, false, true)
}

// StatusDir reads a distroless image's status.d directory at dir
// ("var/lib/dpkg/status.d"): one control paragraph per file, named after
// its package, beside a .md5sums file that is not read. Its entries have
// no Status field: every one is installed. The graph is resolved across
// all the files, as over one status file.
//
// dir may also name one entry of such a directory, as an archive holds
// it: it is read on its own, without the graph, since the packages it
// depends on are in other entries.
func StatusDir(ctx context.Context, fsys fs.FS, dir string) (*sbom.Fragment, error) {
	if info, err := fs.Stat(fsys, dir); err == nil && info.Mode().IsRegular() {
		return read(ctx, fsys, []string{dir}, true, false)
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasSuffix(e.Name(), ".md5sums") {
			files = append(files, path.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no package entry", dir)
	}
	return read(ctx, fsys, files, true, true)
}

// read reads the dpkg database made of files (one status file, or the
// entries of a status.d directory); with graph false, the relations are
// not resolved and every dependency list stays unknown.
func read(ctx context.Context, fsys fs.FS, files []string, distroless, graph bool) (*sbom.Fragment, error) {
	ext, err := dpkg.New(nil)
	if err != nil {
		return nil, err
	}
	var dbs []*ecosystem.Database
	scalibr := map[string]bool{}
	for _, f := range files {
		db, err := ecosystem.ReadDatabase(ctx, ext, fsys, f, "debian")
		if err != nil {
			return nil, err
		}
		maps.Copy(scalibr, db.Scalibr)
		dbs = append(dbs, db)
	}
	// Every file has the same root, so the first one's builder (with its
	// os-release warning, if any) is the database's.
	b, seen := dbs[0].B, map[string]bool{}
	var pkgs []ecosystem.Installed
	for _, db := range dbs {
		pkgs = append(pkgs, installedPackages(b, fsys, db, distroless, seen)...)
	}
	if graph {
		ecosystem.InstalledGraph(b, pkgs, func(string) bool { return false })
	}
	b.CrossCheck(scalibr, seen)
	return b.Fragment(), nil
}

// installedPackages adds the installed packages of one file to b and
// returns them for the graph; seen collects their name@version. Their
// licences come from the copyright files in fsys, the root file system.
func installedPackages(b *ecosystem.Builder, fsys fs.FS, db *ecosystem.Database, distroless bool, seen map[string]bool) []ecosystem.Installed {
	var pkgs []ecosystem.Installed
	for _, h := range paragraphs(b, db.Data) {
		if !installed(h.Get("Status"), distroless) {
			continue
		}
		name, ver, arch := h.Get("Package"), h.Get("Version"), h.Get("Architecture")
		if name == "" || ver == "" {
			b.Skip("package %q, version %q: both are required", name, ver)
			continue
		}
		c := ecosystem.Library(PURL(db.ID, name, ver, arch, db.Distro), name, ver, db.B.Path)
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
	return pkgs
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
