// Package rpm reads rpm's database of installed packages (rpmdb.sqlite,
// the NDB Packages.db and the Berkeley DB Packages, under var/lib/rpm,
// usr/lib/sysimage/rpm or usr/share/rpm) into vouch's model.
//
// osv-scalibr's extractor (go-rpmdb underneath, SQLite through the pure-Go
// modernc.org/sqlite: no cgo) lists the packages; vouch builds the purls
// per purl-spec's rpm type (pkg:rpm/<distro id>/name@version-release with
// arch, epoch and distro qualifiers) and takes the License header as the
// declared licence where it is an SPDX expression. The database is read
// from a private copy: SQLite may write journal files beside a database it
// opens, and vouch never writes into the tree it scans. That one copy is
// checked by vouch's own bounded code (check.go) before go-rpmdb, which
// trusts the lengths a database states, reads it, and both scalibr and
// the graph read it in place.
package rpm

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	pathpkg "path"
	"path/filepath"
	"strconv"

	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	scalibrrpm "github.com/google/osv-scalibr/extractor/filesystem/os/rpm"
	rpmmeta "github.com/google/osv-scalibr/extractor/filesystem/os/rpm/metadata"
	scalibrfs "github.com/google/osv-scalibr/fs"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// PropSourceRPM is the source package an rpm was built from.
const PropSourceRPM = "vouch:rpm:sourcerpm"

// PURL returns the purl of an rpm: pkg:rpm/<namespace>/name@version with
// arch, epoch (when not 0) and distro qualifiers. namespace is the
// os-release ID ("fedora", "rhel", "centos"); "" falls back to "rpm".
func PURL(namespace, name, version, arch string, epoch int, distro string) string {
	if namespace == "" {
		namespace = "rpm"
	}
	e := ""
	if epoch > 0 {
		e = strconv.Itoa(epoch)
	}
	return ecosystem.PURL("rpm", namespace, name, version, "arch", arch, "epoch", e, "distro", distro)
}

// Database reads the rpm database at path (slash-separated, relative to
// root, as "var/lib/rpm/rpmdb.sqlite") in the system whose root is fsys;
// the distribution comes from fsys's etc/os-release. The database names no
// primary component. The graph resolves each package's Requires through
// the Provides and installed files of the others.
func Database(ctx context.Context, fsys fs.FS, path string) (*sbom.Fragment, error) {
	return database(ctx, fsys, path, "")
}

// DatabaseIn is [Database] keeping its private copy of the database under
// tempDir (vouch's --tempdir; "" is the system's temporary directory).
func DatabaseIn(tempDir string) func(ctx context.Context, fsys fs.FS, path string) (*sbom.Fragment, error) {
	return func(ctx context.Context, fsys fs.FS, path string) (*sbom.Fragment, error) {
		return database(ctx, fsys, path, tempDir)
	}
}

func database(ctx context.Context, fsys fs.FS, path, tempDir string) (*sbom.Fragment, error) {
	dir, err := os.MkdirTemp(tempDir, "vouch-rpmdb-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, pathpkg.Base(path))
	if err := copyOut(fsys, path, db); err != nil {
		return nil, err
	}
	if err := checkDatabase(ctx, db); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pkgs, err := extract(ctx, dir, pathpkg.Base(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b := ecosystem.NewBuilder(path)
	id, version := ecosystem.OSRelease(fsys)
	distro := ""
	if id != "" && version != "" {
		distro = id + "-" + version
	}
	if id == "" {
		b.Warn("no etc/os-release: the distribution is unknown and purls say rpm")
	}
	rels, err := readRelations(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var graph []ecosystem.Installed
	for _, p := range pkgs {
		m, _ := p.Metadata.(*rpmmeta.Metadata)
		if p.Name == "" || p.Version == "" || m == nil {
			b.Skip("package %q, version %q: both are required", p.Name, p.Version)
			continue
		}
		// gpg-pubkey entries are imported signing keys, not software.
		if p.Name == "gpg-pubkey" {
			continue
		}
		c := ecosystem.Library(PURL(id, p.Name, p.Version, m.Architecture, m.Epoch, distro), p.Name, p.Version, path)
		if m.Vendor != "" {
			c.Supplier = sbom.Contact{Name: m.Vendor}
		}
		if m.SourceRPM != "" {
			c.SetProperty(PropSourceRPM, m.SourceRPM)
		}
		if len(p.Licenses) > 0 {
			b.SetDeclared(&c, p.Licenses[0])
		}
		graph = append(graph, rels.installed(p.Name+"@"+p.Version, b.Add(c).ID))
	}
	ecosystem.InstalledGraph(b, graph, notPackage)
	return b.Fragment(), nil
}

// extract lists the packages of the checked private copy dir/name with
// scalibr's extractor, given as a file on disk so that scalibr reads it in
// place instead of making a copy of its own outside vouch's control.
func extract(ctx context.Context, dir, name string) ([]*extractor.Package, error) {
	ext, err := scalibrrpm.New(nil)
	if err != nil {
		return nil, err
	}
	fsys := scalibrfs.DirFS(dir)
	info, err := fsys.Stat(name)
	if err != nil {
		return nil, err
	}
	inv, err := ext.Extract(ctx, &filesystem.ScanInput{FS: fsys, Root: dir, Path: name, Info: info})
	if err != nil {
		return nil, err
	}
	return inv.Packages, nil
}

// Dirs are where rpm keeps its database in a root file system.
var Dirs = []string{"var/lib/rpm/", "usr/lib/sysimage/rpm/", "usr/share/rpm/"}

// Names are the database's file names: SQLite (rpm ≥ 4.16), NDB (SUSE),
// Berkeley DB (older systems).
var Names = []string{"rpmdb.sqlite", "Packages.db", "Packages"}

// IsDatabase reports whether head, a file's first bytes, starts like one
// of the three database formats: SQLite's header string, NDB's "RpmP", or
// a Berkeley DB hash file's magic number at offset 12 (either byte
// order).
func IsDatabase(head []byte) bool {
	switch {
	case bytes.HasPrefix(head, []byte("SQLite format 3\x00")), bytes.HasPrefix(head, []byte("RpmP")):
		return true
	case len(head) < 16:
		return false
	}
	m := head[12:16]
	return bytes.Equal(m, []byte{0x61, 0x15, 0x06, 0x00}) || bytes.Equal(m, []byte{0x00, 0x06, 0x15, 0x61})
}
