// Package alpine reads apk's database of installed packages
// (lib/apk/db/installed) into vouch's model.
//
// osv-scalibr's extractor gives the installed packages; vouch builds the
// purls (pkg:apk/<distro>/name@version?arch=...&distro=<id>-<version>) and
// reads the same records for the declared licence (L:), the maintainer
// and the graph: D: dependencies resolved through package names and what
// each package provides (p:, shared objects "so:" and commands "cmd:"
// included).
package alpine

import (
	"bufio"
	"bytes"
	"context"
	"io/fs"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/os/apk"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// PURL returns the purl of an Alpine package per purl-spec's apk type.
func PURL(namespace, name, version, arch, distro string) string {
	if namespace == "" {
		namespace = "alpine"
	}
	return ecosystem.PURL("apk", namespace, name, version, "arch", arch, "distro", distro)
}

// Installed reads the apk database at path (slash-separated, relative to
// root, as "lib/apk/db/installed") in the system whose root is fsys; the
// distribution comes from fsys's etc/os-release. The database names no
// primary component.
func Installed(ctx context.Context, fsys fs.FS, path string) (*sbom.Fragment, error) {
	ext, err := apk.New(nil)
	if err != nil {
		return nil, err
	}
	db, err := ecosystem.ReadDatabase(ctx, ext, fsys, path, "alpine")
	if err != nil {
		return nil, err
	}
	b, seen := db.B, map[string]bool{}
	var pkgs []ecosystem.Installed
	for _, r := range records(db.Data) {
		name, ver := r.get("P"), r.get("V")
		if name == "" || ver == "" {
			b.Skip("package %q, version %q: both are required", name, ver)
			continue
		}
		c := ecosystem.Library(PURL(db.ID, name, ver, r.get("A"), db.Distro), name, ver, path)
		b.SetDeclared(&c, r.get("L"))
		if m := r.get("m"); m != "" {
			c.Supplier = ecosystem.Supplier(m)
		}
		stored := b.Add(c)
		seen[name+"@"+ver] = true
		in := ecosystem.Installed{Name: name, Version: ver, Arch: r.get("A"), ID: stored.ID}
		for _, d := range strings.Fields(r.get("D")) {
			if !strings.HasPrefix(d, "!") { // a conflict, not a dependency
				in.Depends = append(in.Depends, []string{bare(d)})
			}
		}
		for _, p := range strings.Fields(r.get("p")) {
			in.Provides = append(in.Provides, bare(p))
		}
		in.Provides = append(in.Provides, r.files...)
		pkgs = append(pkgs, in)
	}
	ecosystem.InstalledGraph(b, pkgs, func(string) bool { return false })
	b.CrossCheck(db.Scalibr, seen)
	return b.Fragment(), nil
}

// bare strips a version constraint from a dependency or provided name
// ("musl>=1.2.3", "so:libz.so.1=1.2.13", "busybox~1.36").
func bare(s string) string {
	if i := strings.IndexAny(s, "=<>~"); i > 0 {
		return s[:i]
	}
	return s
}

// record is one package of the database: its single-letter fields (the
// first of each) and the files it owns, as "/dir/file".
type record struct {
	fields map[string]string
	files  []string
}

func (r record) get(k string) string { return r.fields[k] }

// records splits the database into packages: blank lines separate them,
// each line is "K:value"; F: names a directory and the R: lines after it
// the files in it.
func records(data []byte) []record {
	var out []record
	cur := record{fields: map[string]string{}}
	dir := ""
	flush := func() {
		if len(cur.fields) > 0 {
			out = append(out, cur)
		}
		cur, dir = record{fields: map[string]string{}}, ""
	}
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(nil, ecosystem.MaxFileSize)
	for s.Scan() {
		line := s.Text()
		k, v, ok := strings.Cut(line, ":")
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case !ok || len(k) != 1:
		case k == "F":
			dir = v
		case k == "R":
			cur.files = append(cur.files, "/"+strings.TrimPrefix(dir+"/"+v, "/"))
		default:
			if _, dup := cur.fields[k]; !dup {
				cur.fields[k] = v
			}
		}
	}
	flush()
	return out
}
