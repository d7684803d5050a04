package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// launchScript is the start of a "fully executable" jar (Spring Boot's
// launch.script, sbt-assembly's prependShellScript): a shell script the
// zip's central directory ignores, so that `./app.jar` and `java -jar
// app.jar` both run it. Such a jar does not start with the zip magic.
const launchScript = "#!/bin/bash\n# launch script\nexec java -jar \"$0\" \"$@\"\n"

// TestReview3ExecutableJar: a Java archive with a launch script before
// its zip is read like the same jar without one, on disk and inside a
// release archive; a file named .jar that is no zip at all is reported as
// not read, never silently dropped (the SBOM would otherwise be complete
// without it).
func TestReview3ExecutableJar(t *testing.T) {
	jansi := readFixture(t, "../ecosystem/java/testdata/jars/jansi.jar")
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, root string)
		want    int
		notRead []string
	}{
		{"control: plain jar", func(t *testing.T, root string) {
			write(t, filepath.Join(root, "lib", "jansi.jar"), jansi)
		}, 1, nil},
		{"control: plain jar in tar.gz", func(t *testing.T, root string) {
			writeTarGzFiles(t, filepath.Join(root, "app.tar.gz"), map[string]string{"lib/jansi.jar": jansi})
		}, 1, nil},
		{"executable jar", func(t *testing.T, root string) {
			write(t, filepath.Join(root, "lib", "jansi.jar"), launchScript+jansi)
		}, 1, nil},
		{"executable jar in tar.gz", func(t *testing.T, root string) {
			writeTarGzFiles(t, filepath.Join(root, "app.tar.gz"), map[string]string{"lib/jansi.jar": launchScript + jansi})
		}, 1, nil},
		{"executable jar in zip", func(t *testing.T, root string) {
			writeZipFiles(t, filepath.Join(root, "app.zip"), map[string]string{"lib/jansi.jar": launchScript + jansi})
		}, 1, nil},
		{"not a zip, in tar.gz", func(t *testing.T, root string) {
			writeTarGzFiles(t, filepath.Join(root, "app.tar.gz"), map[string]string{"lib/jansi.jar": "not a zip at all"})
		}, 0, []string{"app.tar.gz!lib/jansi.jar"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, got := catalogTree(t, tc.setup, "pkg:maven/")
			if got != tc.want {
				t.Errorf("%d maven components, want %d", got, tc.want)
			}
			checkNotRead(t, res, "", tc.notRead, "Java archive")
		})
	}
}

// TestReview3NestedArchive: a release archive inside a release archive is
// not read (archives are DiskOnly), so it must be reported as not read,
// never left out in silence: the jars or binaries inside it would be
// missing from an SBOM marked complete, and sbom.matchArtifact would pass
// an SBOM that omits them. The controls: the jar directly in the archive,
// and an entry merely named .zip that is no archive.
func TestReview3NestedArchive(t *testing.T) {
	jansi := readFixture(t, "../ecosystem/java/testdata/jars/jansi.jar")
	var inner strings.Builder
	innerZip := filepath.Join(t.TempDir(), "inner.zip")
	writeZipFiles(t, innerZip, map[string]string{"lib/jansi.jar": jansi})
	inner.WriteString(mustRead(t, innerZip))
	innerTgz := filepath.Join(t.TempDir(), "inner.tar.gz")
	writeTarGzFiles(t, innerTgz, map[string]string{"lib/jansi.jar": jansi})
	for _, tc := range []struct {
		name    string
		files   map[string]string
		want    int
		notRead []string
	}{
		{"control: the jar itself", map[string]string{"lib/jansi.jar": jansi}, 1, nil},
		{"control: a text named .zip", map[string]string{"lib/jansi.jar": jansi, "NOTES.zip": "not an archive"}, 1, nil},
		{"a zip in the tar.gz", map[string]string{"dist/inner.zip": inner.String()}, 0, []string{"app.tar.gz!dist/inner.zip"}},
		{"a tar.gz in the tar.gz", map[string]string{"dist/inner.tar.gz": mustRead(t, innerTgz)}, 0, []string{"app.tar.gz!dist/inner.tar.gz"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, got := catalogTree(t, func(t *testing.T, root string) {
				writeTarGzFiles(t, filepath.Join(root, "app.tar.gz"), tc.files)
			}, "pkg:maven/")
			if got != tc.want {
				t.Errorf("%d maven components, want %d", got, tc.want)
			}
			checkNotRead(t, res, "", tc.notRead, "release archive inside")
		})
	}
}

// TestReview3RPMCopyInTempDir: the private copy of an rpm database is made
// under the run's TempDir (--tempdir), never the system's: with $TMPDIR
// naming no directory, the run still reads the database. The control is
// the same run with a working $TMPDIR and no TempDir.
func TestReview3RPMCopyInTempDir(t *testing.T) {
	rpmdb := gunzipFixture(t, "../ecosystem/rpm/testdata/mariner2/var/lib/rpm/rpmdb.sqlite.gz")
	root := t.TempDir()
	write(t, filepath.Join(root, "var/lib/rpm/rpmdb.sqlite"), rpmdb)
	write(t, filepath.Join(root, "etc/os-release"), readFixture(t, "../ecosystem/rpm/testdata/mariner2/etc/os-release"))
	for _, tc := range []struct {
		name, tmpdir, tempDir string
	}{
		{"control: the system's temporary directory", t.TempDir(), ""},
		{"--tempdir, with no $TMPDIR", filepath.Join(root, "no-such-dir"), t.TempDir()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("TMPDIR", tc.tmpdir)
			res := run(t, []string{root}, Options{TempDir: tc.tempDir})
			if got := countPURLs(res, "pkg:rpm/mariner/"); got != 129 {
				t.Errorf("%d mariner rpms, want 129; errors %v", got, res.Errors)
			}
		})
	}
}

// TestReview3InstalledFIFO: a FIFO (or another special file) where an
// installed tree has a package.json is reported, never opened: opening a
// FIFO for reading blocks until a writer comes, so the scan would hang.
// The control is the same tree with a regular package.json there.
func TestReview3InstalledFIFO(t *testing.T) {
	for _, tc := range []struct {
		name string
		fifo bool
	}{{"control: a regular package.json", false}, {"a FIFO package.json", true}} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			write(t, filepath.Join(root, "package.json"), `{"name":"app","version":"1.0.0","dependencies":{"left-pad":"1.3.0","evil":"1.0.0"}}`)
			write(t, filepath.Join(root, "node_modules/left-pad/package.json"), `{"name":"left-pad","version":"1.3.0"}`)
			write(t, filepath.Join(root, "node_modules/.yarn-integrity"), "{}")
			evil := filepath.Join(root, "node_modules/evil/package.json")
			if tc.fifo {
				if err := os.MkdirAll(filepath.Dir(evil), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := syscall.Mkfifo(evil, 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				write(t, evil, `{"name":"evil","version":"1.0.0"}`)
			}
			done := make(chan *Result, 1)
			go func() { done <- run(t, []string{root}, Options{}) }()
			select {
			case res := <-done:
				want := 3 // the project, left-pad and evil
				if tc.fifo {
					want = 2
				}
				if got := countPURLs(res, "pkg:npm/"); got != want {
					t.Errorf("%d npm packages, want %d", got, want)
				}
			case <-time.After(30 * time.Second):
				// Unblock the reader so the test can end.
				if f, err := os.OpenFile(evil, os.O_WRONLY, 0); err == nil {
					f.Close()
				}
				t.Fatal("the scan hangs on a FIFO")
			}
		})
	}
}
