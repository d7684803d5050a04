// Package ecosystems registers the lockfile readers of pkg/sbom/ecosystem
// (npm, Python, Rust, PHP, Ruby, .NET, Java's Gradle) and the package
// databases of installed systems (dpkg, apk) with the catalog: one registration
// line per file kind. Each reads its file through the catalog's File, so it
// works the same in a directory and inside an archive.
package ecosystems

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing/fstest"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/gobin"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/alpine"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/debian"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/dotnet"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/java"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/npm"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/php"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/python"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ruby"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/rust"
)

// reader reads one lockfile's bytes into a fragment.
type reader func(ctx context.Context, path string, data []byte) (*sbom.Fragment, error)

// kinds are the lockfiles vouch reads, by name.
var kinds = []struct {
	name, what string
	globs      []string
	read       reader
}{
	{"npm-package-lock", "npm package-lock.json", []string{"package-lock.json", "npm-shrinkwrap.json"}, npm.PackageLock},
	{"npm-yarn-lock", "yarn.lock", []string{"yarn.lock"}, npm.YarnLock},
	{"npm-pnpm-lock", "pnpm-lock.yaml", []string{"pnpm-lock.yaml"}, npm.PnpmLock},
	{"python-poetry", "poetry.lock", []string{"poetry.lock"}, python.Poetry},
	{"python-uv", "uv.lock", []string{"uv.lock"}, python.UV},
	{"python-pipfile", "Pipfile.lock", []string{"Pipfile.lock"}, python.Pipfile},
	{"python-requirements", "requirements file", []string{"requirements.txt", "requirements-*.txt", "requirements_*.txt"}, python.Requirements},
	{"rust-cargo-lock", "Cargo.lock", []string{"Cargo.lock"}, rust.CargoLock},
	{"php-composer-lock", "composer.lock", []string{"composer.lock"}, php.ComposerLock},
	{"ruby-gemfile-lock", "Gemfile.lock", []string{"Gemfile.lock", "gems.locked"}, ruby.GemfileLock},
	{"dotnet-packages-lock", "packages.lock.json", []string{"packages.lock.json"}, dotnet.PackagesLock},
	{"java-gradle-lockfile", "gradle.lockfile", []string{"gradle.lockfile"}, java.GradleLockfile},
}

// databases are the package databases of an installed system, read where
// a root file system keeps them.
var databases = []struct {
	name, what, glob, at, magic string
	read                        func(ctx context.Context, fsys fs.FS, path string) (*sbom.Fragment, error)
}{
	{"debian-dpkg-status", "dpkg status database", "status", "var/lib/dpkg/status", "Package: ", debian.Status},
	{"alpine-apk-installed", "apk installed database", "installed", "lib/apk/db/installed", "C:", alpine.Installed},
}

func init() {
	// Executables have one cataloger (Go's), which asks these for a file
	// without Go build info.
	gobin.RegisterOther(rustBinary)
	for _, k := range kinds {
		cataloger.Register(cataloger.Registration{
			Name: k.name, What: k.what, Globs: k.globs,
			New: func(cataloger.Config) cataloger.Cataloger { return cataloger.PerFile(k.name, fileReader(k.read)) },
		})
	}
	for _, d := range databases {
		cataloger.Register(cataloger.Registration{
			Name: d.name, What: d.what, Globs: []string{d.glob},
			// "status" and "installed" are common names: the first bytes
			// must look like the database too.
			Sniff: func(_ string, head []byte) bool { return bytes.HasPrefix(head, []byte(d.magic)) },
			New: func(cataloger.Config) cataloger.Cataloger {
				return cataloger.PerFile(d.name, databaseReader(d.at, d.read))
			},
		})
	}
}

// databaseReader reads a package database found at …/at: on disk, in the
// root file system around it (its etc/os-release names the distribution);
// inside an archive, on its own.
func databaseReader(at string, read func(ctx context.Context, fsys fs.FS, path string) (*sbom.Fragment, error)) cataloger.FileFunc {
	return func(ctx context.Context, f cataloger.File) (*sbom.Fragment, error) {
		if !strings.HasSuffix("/"+f.Path(), "/"+at) {
			return &sbom.Fragment{}, nil // a file of that name elsewhere: not a database
		}
		if p, ok := f.Local(); ok {
			root := strings.TrimSuffix(filepath.ToSlash(p), at)
			return read(ctx, os.DirFS(filepath.FromSlash(root)), at)
		}
		data, err := readAll(f)
		if err != nil {
			return nil, err
		}
		return read(ctx, fstest.MapFS{at: &fstest.MapFile{Data: data, Mode: 0o444}}, at)
	}
}

// fileReader reads the file once, within ecosystem.MaxFileSize, and hands
// its bytes to read.
func fileReader(read reader) cataloger.FileFunc {
	return func(ctx context.Context, f cataloger.File) (*sbom.Fragment, error) {
		data, err := readAll(f)
		if err != nil {
			return nil, err
		}
		return read(ctx, f.Path(), data)
	}
}

// readAll reads a file once, within ecosystem.MaxFileSize.
func readAll(f cataloger.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, ecosystem.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path(), err)
	}
	if len(data) > ecosystem.MaxFileSize {
		return nil, fmt.Errorf("%s: more than the %d bytes vouch reads of a lockfile or package database", f.Path(), ecosystem.MaxFileSize)
	}
	return data, nil
}

// rustBinary reads a Rust executable's cargo-auditable section; an
// executable without one is not Rust's to read.
func rustBinary(_ context.Context, r io.ReaderAt, rel string, d digest.Digests) (*sbom.Fragment, bool, error) {
	frag, err := rust.Binary(r, rel, d)
	if errors.Is(err, rust.ErrNoAuditData) {
		return nil, false, nil
	}
	return frag, true, err
}
