// Package ecosystems registers the lockfile readers of pkg/sbom/ecosystem
// (npm, Python, Rust, PHP, Ruby, .NET, Java's Gradle and pom.xml), Java
// archives and the package databases of installed systems (dpkg status and
// distroless status.d, apk, rpm) with the catalog: one registration line
// per file kind. Rust binaries are read through the executable cataloger
// (gobin.RegisterOther). Each reads its file through the catalog's File,
// so it works the same in a directory and inside an archive.
package ecosystems

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing/fstest"

	"github.com/vouchdev/vouch/internal/safefile"
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
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/rpm"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ruby"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/rust"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/swift"
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
	{"swift-package-resolved", "Package.resolved", []string{"Package.resolved"}, swift.PackageResolved},
	{"dotnet-deps-json", ".NET deps.json", []string{"*.deps.json"}, dotnet.DepsJSON},
	{"java-pom", "Maven pom.xml", []string{"pom.xml"}, java.POM},
}

// databases are the package databases of an installed system, read where
// a root file system keeps them: at lists those places, relative to the
// root; one ending in "/" is a directory whose files together are the
// database, read gets the directory and reads it once.
// The names they match are common ("status", "Packages", any name in
// status.d), so sniff must accept the first bytes too.
var databases = []struct {
	name, what string
	globs, at  []string
	sniff      func(head []byte) bool
	// read returns the reader for a run whose temporary directory (for
	// private copies of a database) is tempDir.
	read func(tempDir string) dbReader
}{
	{"debian-dpkg-status", "dpkg status database", []string{"status"}, []string{"var/lib/dpkg/status"}, prefix("Package: "), noCopy(debian.Status)},
	{"alpine-apk-installed", "apk installed database", []string{"installed"}, []string{"lib/apk/db/installed"}, prefix("C:"), noCopy(alpine.Installed)},
	{"debian-dpkg-status-d", "dpkg status.d entry (distroless)", []string{"*"}, []string{"var/lib/dpkg/status.d/"}, prefix("Package: "), noCopy(debian.StatusDir)},
	{"rpm-database", "rpm database", rpm.Names, rpmPlaces(), rpm.IsDatabase, rpm.DatabaseIn},
}

// dbReader reads the package database at path in the root file system
// fsys.
type dbReader = func(ctx context.Context, fsys fs.FS, path string) (*sbom.Fragment, error)

// noCopy is the read of a database reader that makes no temporary files.
func noCopy(r dbReader) func(string) dbReader { return func(string) dbReader { return r } }

// prefix is a sniff for files that start with magic.
func prefix(magic string) func([]byte) bool {
	return func(head []byte) bool { return bytes.HasPrefix(head, []byte(magic)) }
}

// rpmPlaces is every directory and name rpm keeps its database under.
func rpmPlaces() []string {
	var at []string
	for _, d := range rpm.Dirs {
		for _, n := range rpm.Names {
			at = append(at, d+n)
		}
	}
	return at
}

func init() {
	// Executables have one cataloger (Go's), which asks these for a file
	// without Go build info.
	gobin.RegisterOther(rustBinary)
	// A Java archive is a zip, but the archive cataloger claims only
	// release archives' names (*.zip, *.tar.gz): a .jar is Java's, as a
	// file and as an entry of a release archive.
	cataloger.Register(cataloger.Registration{
		Name: "java-archive", What: "Java archive", Globs: java.ArchiveGlobs, FoldCase: true, Artifact: true,
		Sniff: func(_ string, head []byte) bool { return !foreignArchive(head) },
		New: func(cfg cataloger.Config) cataloger.Cataloger {
			return cataloger.PerFile("java-archive", javaArchive(cfg.TempDir))
		},
	})
	for _, k := range kinds {
		cataloger.Register(cataloger.Registration{
			Name: k.name, What: k.what, Globs: k.globs,
			New: func(cataloger.Config) cataloger.Cataloger { return cataloger.PerFile(k.name, fileReader(k.read)) },
		})
	}
	for _, d := range databases {
		cataloger.Register(cataloger.Registration{
			Name: d.name, What: d.what, Globs: d.globs, System: true,
			Sniff: func(_ string, head []byte) bool { return d.sniff(head) },
			New: func(cfg cataloger.Config) cataloger.Cataloger {
				return cataloger.PerFile(d.name, databaseReader(d.at, d.read(cfg.TempDir)))
			},
		})
	}
}

// foreignArchive reports whether head starts a RAR or Parchive file,
// which share extensions with Java's resource adapter (.rar) and
// (.par) archives. Anything else named like a Java archive is one: a jar
// need not start with the zip magic (an executable jar starts with its
// launch script, which Java and the zip format skip), and a file that
// is not a zip at all must be reported as not read, not left out in
// silence.
func foreignArchive(head []byte) bool {
	for _, magic := range []string{"Rar!\x1a\x07", "PAR\x00", "PAR2\x00"} {
		if bytes.HasPrefix(head, []byte(magic)) {
			return true
		}
	}
	return false
}

// databaseReader reads a package database found at one of the places in
// at: on disk, in the root file system around it (its etc/os-release
// names the distribution, its packages' files may hold their licences),
// confined to it (os.Root); inside an archive, on its own. A database that
// is a directory is read with its first file found on disk, once per run;
// inside an archive, each of its files is read on its own.
func databaseReader(at []string, read dbReader) cataloger.FileFunc {
	var mu sync.Mutex
	done := map[string]bool{}
	return func(ctx context.Context, f cataloger.File) (*sbom.Fragment, error) {
		// On disk, the file's own path places it, so that a database named
		// directly (vouch sbom rootfs/var/lib/rpm/rpmdb.sqlite) is found
		// in its root file system.
		where := f.Path()
		p, local := f.Local()
		if local {
			if abs, err := filepath.Abs(p); err == nil {
				p = abs
			}
			where = filepath.ToSlash(p)
		}
		rel, ok := placeOf(where, at)
		if !ok {
			return &sbom.Fragment{}, nil // a file of that name elsewhere: not a database
		}
		name := rel
		if inDir(rel, at) {
			name = path.Dir(rel)
		}
		if local {
			root := filepath.FromSlash(strings.TrimSuffix(where, rel))
			mu.Lock()
			again := done[filepath.Join(root, name)]
			done[filepath.Join(root, name)] = true
			mu.Unlock()
			if again {
				return &sbom.Fragment{}, nil
			}
			fsys, release, err := rootFS(root)
			if err != nil {
				return nil, err
			}
			defer release()
			return read(ctx, fsys, name)
		}
		data, err := readAll(f)
		if err != nil {
			return nil, err
		}
		// A stream holds one file of a directory database at a time: it
		// is read on its own, with the system files (os-release) an
		// image's walk kept.
		fsys := fstest.MapFS{rel: &fstest.MapFile{Data: data, Mode: 0o444}}
		if sf, ok := f.(cataloger.SystemFile); ok {
			for name, data := range sf.SystemFiles() {
				if _, taken := fsys[name]; !taken {
					fsys[name] = &fstest.MapFile{Data: data, Mode: 0o444}
				}
			}
		}
		return read(ctx, fsys, rel)
	}
}

// inDir reports whether rel is a file of a database directory in at.
func inDir(rel string, at []string) bool {
	return slices.Contains(at, path.Dir(rel)+"/")
}

// placeOf returns the path of the file p relative to its root file
// system, if it lies at one of the places in at. An archive's entry
// ("image.tar.gz!var/lib/rpm/rpmdb.sqlite") is rooted at the archive.
func placeOf(p string, at []string) (string, bool) {
	p = strings.ReplaceAll(p, "!", "/")
	for _, a := range at {
		if strings.HasSuffix(a, "/") {
			a += path.Base(p)
		}
		if strings.HasSuffix("/"+p, "/"+a) {
			return a, true
		}
	}
	return "", false
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
	// A file on disk says its size: one too large is refused unread. In
	// an archive the size is the header's claim, so the read is bounded.
	if _, onDisk := f.Local(); onDisk && f.Size() > ecosystem.MaxFileSize {
		return nil, tooLarge(f)
	}
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
		return nil, tooLarge(f)
	}
	return data, nil
}

func tooLarge(f cataloger.File) error {
	return fmt.Errorf("%s: more than the %d bytes vouch reads of a lockfile or package database", f.Path(), ecosystem.MaxFileSize)
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

// javaArchive reads a Java archive, copied out of its release archive
// first when it is an entry of one (zip needs random access).
func javaArchive(tempDir string) cataloger.FileFunc {
	return func(ctx context.Context, f cataloger.File) (*sbom.Fragment, error) {
		p, d, remove, err := cataloger.Local(ctx, f, tempDir)
		defer remove()
		if err != nil {
			return nil, err
		}
		file, info, err := safefile.Open("Java archive "+f.Path(), p)
		if err != nil {
			return nil, err
		}
		defer file.Close()
		if d == nil {
			sums, err := digest.Reader(file)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.Path(), err)
			}
			d = &sums
		}
		return java.Archive(file, info.Size(), f.Path(), *d)
	}
}
