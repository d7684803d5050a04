package rpm

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	rpmdb "github.com/erikvarga/go-rpmdb/pkg"

	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// relations are what each installed package requires and provides, by
// name@version-release: capabilities (names, sonames, "config(x)") and
// the files it installs, which satisfy path requirements ("/bin/sh").
type relations map[string]struct{ requires, provides []string }

// readRelations reads the Requires and Provides headers scalibr does not
// report, with go-rpmdb (the library under scalibr's extractor) over the
// checked private copy of the database at copyPath.
func readRelations(ctx context.Context, copyPath string) (relations, error) {
	db, err := rpmdb.Open(copyPath)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	pkgs, err := db.ListPackagesWithContext(ctx)
	if err != nil {
		return nil, err
	}
	rels := relations{}
	for _, p := range pkgs {
		files, _ := p.InstalledFileNames() // a package without a file list provides no path
		r := rels[p.Name+"@"+p.Version+"-"+p.Release]
		r.requires = append(r.requires, p.Requires...)
		r.provides = append(append(r.provides, p.Provides...), files...)
		rels[p.Name+"@"+p.Version+"-"+p.Release] = r
	}
	return rels, nil
}

// copyOut copies name in fsys to the file dst, within MaxFileSize.
func copyOut(fsys fs.FS, name, dst string) error {
	src, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer src.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(out, io.LimitReader(src, ecosystem.MaxFileSize+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > ecosystem.MaxFileSize {
		err = fmt.Errorf("%s: more than the %d bytes vouch reads", name, ecosystem.MaxFileSize)
	}
	return err
}

// notPackage says which requirements no package is expected to provide:
// rpm's own features ("rpmlib(...)") and rich dependencies ("(a or b)"),
// which vouch does not evaluate.
func notPackage(req string) bool {
	return strings.HasPrefix(req, "rpmlib(") || strings.HasPrefix(req, "(")
}

// installed turns the relations of the listed packages into the shared
// shape of ecosystem.InstalledGraph: each requirement its own group.
func (r relations) installed(key, id string) ecosystem.Installed {
	rel := r[key]
	name, _, _ := strings.Cut(key, "@")
	in := ecosystem.Installed{Name: name, ID: id, Provides: rel.provides}
	for _, req := range rel.requires {
		in.Depends = append(in.Depends, []string{req})
	}
	return in
}
