package catalog

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
	"github.com/vouchdev/vouch/pkg/sbom/format"
)

// Fixtures: real manifests (pkg/sbom/catalog/manifests/testdata/ORIGIN)
// and real lockfiles (pkg/sbom/ecosystem/*/testdata/ORIGIN).
const (
	manifestsDir = "manifests/testdata/"
	ecoDir       = "../ecosystem/"
	npmLock      = ecoDir + "npm/testdata/v3-express/package-lock.json"
)

// readFixture returns a fixture's content.
func readFixture(t *testing.T, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("fixture %s: %v", src, err)
	}
	return string(data)
}

// TestManifestsNeedTheirLockfile: a manifest of every kind vouch knows,
// alone, is a warning and a not-read status naming it, and the document
// is incomplete, in a directory and in an archive; with a lockfile of its
// ecosystem beside it (or, for workspaces, above it) it is complete.
func TestManifestsNeedTheirLockfile(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string // path in the tree -> fixture
		notRead []string          // the manifests without a lockfile
	}{
		{"npm alone", map[string]string{"package.json": manifestsDir + "sigstore-js/package.json"}, []string{"package.json"}},
		{"npm with package-lock", map[string]string{"package.json": manifestsDir + "sigstore-js/package.json", "package-lock.json": ecoDir + "npm/testdata/sigstore-js/package-lock.json"}, nil},
		{"npm workspace member", map[string]string{"package.json": ecoDir + "npm/testdata/ws/project/package.json", "packages/a/package.json": ecoDir + "npm/testdata/ws/project/packages/a/package.json", "package-lock.json": ecoDir + "npm/testdata/ws/package-lock.json"}, nil},
		{"npm lockfile in a sibling", map[string]string{"a/package.json": manifestsDir + "sigstore-js/package.json", "b/package-lock.json": npmLock}, []string{"a/package.json"}},
		{"npm installed package", map[string]string{"package.json": manifestsDir + "sigstore-js/package.json", "package-lock.json": npmLock, "node_modules/express/package.json": ecoDir + "npm/testdata/node-modules/express/package.json"}, nil},
		{"pyproject alone", map[string]string{"pyproject.toml": manifestsDir + "requests/pyproject.toml"}, []string{"pyproject.toml"}},
		{"pyproject with uv.lock", map[string]string{"pyproject.toml": manifestsDir + "requests/pyproject.toml", "uv.lock": ecoDir + "python/testdata/uv/uv.lock"}, nil},
		{"setup.py and setup.cfg alone", map[string]string{"setup.py": manifestsDir + "six/setup.py", "setup.cfg": manifestsDir + "six/setup.cfg"}, []string{"setup.cfg", "setup.py"}},
		{"setup.py with requirements", map[string]string{"setup.py": manifestsDir + "six/setup.py", "setup.cfg": manifestsDir + "six/setup.cfg", "requirements.txt": ecoDir + "python/testdata/requirements-hashes/requirements.txt"}, nil},
		{"Pipfile alone", map[string]string{"Pipfile": manifestsDir + "pipenv/Pipfile"}, []string{"Pipfile"}},
		{"Pipfile with Pipfile.lock", map[string]string{"Pipfile": manifestsDir + "pipenv/Pipfile", "Pipfile.lock": ecoDir + "python/testdata/pipenv/Pipfile.lock"}, nil},
		{"Cargo workspace without Cargo.lock", map[string]string{"Cargo.toml": manifestsDir + "ripgrep/Cargo.toml", "crates/globset/Cargo.toml": manifestsDir + "ripgrep/crates/globset/Cargo.toml"}, []string{"Cargo.toml", "crates/globset/Cargo.toml"}},
		{"Cargo workspace with Cargo.lock at its root", map[string]string{"Cargo.toml": manifestsDir + "ripgrep/Cargo.toml", "crates/globset/Cargo.toml": manifestsDir + "ripgrep/crates/globset/Cargo.toml", "Cargo.lock": ecoDir + "rust/testdata/ripgrep-v4/Cargo.lock"}, nil},
		{"composer.json alone", map[string]string{"composer.json": manifestsDir + "composer/composer.json"}, []string{"composer.json"}},
		{"composer.json with composer.lock", map[string]string{"composer.json": manifestsDir + "composer/composer.json", "composer.lock": ecoDir + "php/testdata/composer-2026/composer.lock"}, nil},
		{"Gemfile alone", map[string]string{"Gemfile": manifestsDir + "minima/Gemfile"}, []string{"Gemfile"}},
		{"Gemfile with Gemfile.lock", map[string]string{"Gemfile": manifestsDir + "minima/Gemfile", "Gemfile.lock": ecoDir + "ruby/testdata/devise/Gemfile.lock"}, nil},
		{"csproj alone", map[string]string{"src/Api/Api.csproj": manifestsDir + "bitwarden-api/Api.csproj"}, []string{"src/Api/Api.csproj"}},
		{"csproj with packages.lock.json", map[string]string{"src/Api/Api.csproj": manifestsDir + "bitwarden-api/Api.csproj", "src/Api/packages.lock.json": ecoDir + "dotnet/testdata/bitwarden-api/packages.lock.json"}, nil},
		{"fsproj alone", map[string]string{"Giraffe.fsproj": manifestsDir + "giraffe/Giraffe.fsproj"}, []string{"Giraffe.fsproj"}},
		{"fsproj with packages.lock.json", map[string]string{"Giraffe.fsproj": manifestsDir + "giraffe/Giraffe.fsproj", "packages.lock.json": ecoDir + "dotnet/testdata/simpletweaks/packages.lock.json"}, nil},
		{"build.gradle alone", map[string]string{"build.gradle": manifestsDir + "gs-rest-service/build.gradle"}, []string{"build.gradle"}},
		{"build.gradle.kts alone", map[string]string{"build.gradle.kts": manifestsDir + "gs-rest-service-kotlin/build.gradle.kts"}, []string{"build.gradle.kts"}},
		{"build.gradle with gradle.lockfile", map[string]string{"build.gradle": manifestsDir + "gs-rest-service/build.gradle", "gradle.lockfile": ecoDir + "java/testdata/terra-cli/gradle.lockfile"}, nil},
		{"Package.swift alone", map[string]string{"Package.swift": manifestsDir + "swift-argument-parser/Package.swift"}, []string{"Package.swift"}},
	}
	for _, tc := range tests {
		files := map[string]string{}
		for dst, src := range tc.files {
			files[dst] = readFixture(t, src)
		}
		t.Run(tc.name+"/directory", func(t *testing.T) {
			root := t.TempDir()
			for name, data := range files {
				write(t, filepath.Join(root, name), data)
			}
			checkNotRead(t, run(t, []string{root}, Options{}), "", tc.notRead, "without a lockfile")
		})
		t.Run(tc.name+"/tar.gz", func(t *testing.T) {
			root := t.TempDir()
			writeTarGzFiles(t, filepath.Join(root, "src.tar.gz"), files)
			res := run(t, []string{root}, Options{})
			checkNotRead(t, res, "src.tar.gz!", tc.notRead, "without a lockfile")
			want := sbom.CompletenessComplete
			if len(tc.notRead) > 0 {
				want = sbom.CompletenessIncomplete
			}
			if dep := dependencyOf(res.Document, "file:src.tar.gz"); dep == nil || dep.Completeness != want {
				t.Errorf("archive dependency %+v: want %s", dep, want)
			}
		})
	}
}

// checkNotRead checks that exactly the files want (prefixed) are not read,
// each with a warning, a status and a document property saying why, and
// that the document is complete only when want is empty.
func checkNotRead(t *testing.T, res *Result, prefix string, want []string, why string) {
	t.Helper()
	var got []string
	for _, st := range res.Files {
		if st.NotRead != "" {
			got = append(got, st.Path)
			if !strings.Contains(st.NotRead, why) {
				t.Errorf("%s not read because %q, want it to say %q", st.Path, st.NotRead, why)
			}
		}
	}
	var wantPaths []string
	for _, w := range want {
		wantPaths = append(wantPaths, prefix+w)
	}
	if strings.Join(got, "\n") != strings.Join(wantPaths, "\n") {
		t.Errorf("not read: %q, want %q (statuses %+v)", got, wantPaths, res.Files)
	}
	props := map[string]bool{}
	for _, p := range res.Document.Properties {
		if p.Name == sbom.PropNotCatalogued {
			props[p.Value[:strings.Index(p.Value, ": ")]] = true
		}
	}
	for _, p := range wantPaths {
		if !props[p] {
			t.Errorf("no %s property for %s: %v", sbom.PropNotCatalogued, p, res.Document.Properties)
		}
		if !hasWarning(res, p, why) {
			t.Errorf("no warning for %s saying %q: %v", p, why, res.Warnings)
		}
	}
	if len(props) != len(wantPaths) {
		t.Errorf("%d %s properties, want %d", len(props), sbom.PropNotCatalogued, len(wantPaths))
	}
	wantC := sbom.CompletenessComplete
	if len(want) > 0 {
		wantC = sbom.CompletenessIncomplete
	}
	if res.Document.Completeness != wantC {
		t.Errorf("document completeness %q, want %q", res.Document.Completeness, wantC)
	}
}

// hasWarning reports whether a warning or an error of res names path and
// says why.
func hasWarning(res *Result, path, why string) bool {
	for _, w := range res.Warnings {
		if w.Path == path && strings.Contains(w.Message, why) {
			return true
		}
	}
	for _, e := range res.Errors {
		if e.Path == path && strings.Contains(e.Error(), why) {
			return true
		}
	}
	return false
}

// TestUnreadableFilesMarkIncomplete: a file of a known kind that vouch
// cannot read — corrupt, of a format version it does not read, too large,
// a link — is named with why, in a directory and in an archive, and the
// document is incomplete: its own property says which file, and the root
// over several sources has an incomplete list. Each attack has a control:
// the same tree with the real lockfile, complete.
func TestUnreadableFilesMarkIncomplete(t *testing.T) {
	real := readFixture(t, npmLock)
	poetry := readFixture(t, ecoDir+"python/testdata/poetry-2/poetry.lock")
	outside := filepath.Join(t.TempDir(), "package-lock.json")
	write(t, outside, real)
	tests := []struct {
		name  string
		setup func(t *testing.T, lock string) // writes web/package-lock.json
		why   string                          // "" for a control
	}{
		{"control: the real lockfile", func(t *testing.T, lock string) { write(t, lock, real) }, ""},
		{"corrupt", func(t *testing.T, lock string) { write(t, lock, real[:300]) }, "unexpected end of JSON input"},
		{"unsupported lockfileVersion", func(t *testing.T, lock string) {
			write(t, lock, strings.Replace(real, `"lockfileVersion": 3`, `"lockfileVersion": 99`, 1))
		}, "lockfileVersion is 99"},
		{"too large", func(t *testing.T, lock string) {
			write(t, lock, "")
			if err := os.Truncate(lock, ecosystem.MaxFileSize+1); err != nil {
				t.Fatal(err)
			}
		}, "more than the"},
		{"a symbolic link", func(t *testing.T, lock string) {
			if err := os.MkdirAll(filepath.Dir(lock), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, lock); err != nil {
				t.Fatal(err)
			}
		}, "is a symbolic link to"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			write(t, filepath.Join(root, "py", "poetry.lock"), poetry)
			// A source naming its project: the component the SBOM describes.
			write(t, filepath.Join(root, "app.tiny"), tinyFile("app", "1.0.0"))
			tc.setup(t, filepath.Join(root, "web", "package-lock.json"))
			res := run(t, []string{root}, Options{})
			var want []string
			if tc.why != "" {
				want = []string{"web/package-lock.json"}
			}
			checkNotRead(t, res, "", want, tc.why)
			// What the SBOM describes lacks a part: its own list says so
			// (SPDX 3 states completeness on relationships only).
			prim := dependencyOf(res.Document, res.Document.Primary)
			if tc.why != "" && (prim == nil || prim.Completeness != sbom.CompletenessIncomplete) {
				t.Errorf("primary %q dependency %+v: want incomplete", res.Document.Primary, prim)
			}
			if tc.why == "" && prim != nil && prim.Completeness == sbom.CompletenessIncomplete {
				t.Errorf("control: primary dependency %+v is incomplete", prim)
			}
		})
	}
	// Inside an archive, the same corrupt lockfile is the archive's
	// warning and status; the good one is read.
	for _, corrupt := range []bool{false, true} {
		lock := real
		var want []string
		if corrupt {
			lock, want = real[:300], []string{"src.tar.gz!web/package-lock.json"}
		}
		root := t.TempDir()
		writeTarGzFiles(t, filepath.Join(root, "src.tar.gz"), map[string]string{"web/package-lock.json": lock, "py/poetry.lock": poetry})
		checkNotRead(t, run(t, []string{root}, Options{}), "", want, "not catalogued")
	}
}

// TestIncompleteInEveryFormat: what the catalog marks reaches every
// format: CycloneDX's compositions and metadata properties, SPDX 2.3's
// document notes, SPDX 3.0.1's completeness extension; a complete
// document says complete (control).
func TestIncompleteInEveryFormat(t *testing.T) {
	for _, corrupt := range []bool{false, true} {
		root := t.TempDir()
		lock := readFixture(t, npmLock)
		if corrupt {
			lock = lock[:300]
		}
		write(t, filepath.Join(root, "web", "package-lock.json"), lock)
		write(t, filepath.Join(root, "py", "poetry.lock"), readFixture(t, ecoDir+"python/testdata/poetry-2/poetry.lock"))
		doc := run(t, []string{root}, Options{}).Document
		for _, f := range []struct{ spec, complete, incomplete string }{
			{"cyclonedx-json@1.6", `"aggregate": "complete"`, `"aggregate": "incomplete"`},
			{"spdx-json@2.3", `vouch:completeness complete`, `vouch:completeness incomplete`},
			{"spdx-json@3.0", `"complete"`, `"incomplete"`},
		} {
			out := encode(t, f.spec, doc)
			named := strings.Contains(out, sbom.PropNotCatalogued) && strings.Contains(out, "web/package-lock.json")
			switch {
			case corrupt && (!strings.Contains(out, f.incomplete) || !named):
				t.Errorf("%s of a document missing a lockfile: want %s and %s naming it", f.spec, f.incomplete, sbom.PropNotCatalogued)
			case !corrupt && (strings.Contains(out, f.incomplete) || !strings.Contains(out, f.complete) || named):
				t.Errorf("%s of a complete document: want %s and no %s", f.spec, f.complete, sbom.PropNotCatalogued)
			}
		}
	}
}

func encode(t *testing.T, spec string, doc *sbom.Document) string {
	t.Helper()
	var buf bytes.Buffer
	s, err := format.ParseSpec(spec)
	if err == nil {
		var enc format.Encoder
		if enc, err = format.NewEncoder(s); err == nil {
			err = enc.Encode(&buf, doc)
		}
	}
	if err != nil {
		t.Fatalf("encode %s: %v", spec, err)
	}
	return buf.String()
}

// TestStatusesAreGeneric: the statuses are keyed by the registration that
// claimed a file, whatever it is: a cataloger registered from a test gets
// its own, read or not.
func TestStatusesAreGeneric(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "a.tiny"), tinyFile("alpha", "1.0.0"))
	write(t, filepath.Join(root, "b.tiny"), "TINY\n"+strings.Repeat("x", 80))
	res := run(t, []string{root}, Options{})
	var got []string
	for _, st := range res.Files {
		got = append(got, st.Kind+" "+filepath.Base(st.Path)+" "+strings.Repeat("*", st.Components)+" "+st.NotRead)
	}
	want := []string{"tiny a.tiny * ", `tiny b.tiny  line 2: expected "name version", found "` + strings.Repeat("x", 80) + `"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("statuses:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// tarEntry is one entry of a crafted archive: a file, or a link when
// link is set.
type tarEntry struct {
	name, data, link string
}

// writeTarGzEntries writes the entries in order, so that later entries
// can shadow earlier ones.
func writeTarGzEntries(t *testing.T, p string, entries []tarEntry) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: tar.TypeReg}
		if e.link != "" {
			hdr = &tar.Header{Name: e.name, Mode: 0o777, Typeflag: tar.TypeSymlink, Linkname: e.link}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, e.data)
	}
	tw.Close()
	gz.Close()
	write(t, p, buf.String())
}

// TestArchiveLinksAreNotRead: in a release archive, a lockfile that is a
// link (escaping the archive), a lockfile a later link shadows and one
// whose name escapes the archive are each named, not read, and make the
// document incomplete, while the archive itself still counts as read.
// Control: the same lockfile as a plain entry.
func TestArchiveLinksAreNotRead(t *testing.T) {
	lock := readFixture(t, npmLock)
	tests := []struct {
		name    string
		entries []tarEntry
		notRead string // the entry not read; "" for the control
		why     string
	}{
		{"control", []tarEntry{{name: "web/package-lock.json", data: lock}}, "", ""},
		{"lockfile is a symlink", []tarEntry{{name: "web/package-lock.json", link: "../../../etc/passwd"}}, "web/package-lock.json", "a symlink to \"../../../etc/passwd\", outside the archive, not a regular file"},
		{"lockfile shadowed by a link", []tarEntry{{name: "web/package-lock.json", data: lock}, {name: "web/package-lock.json", link: "/srv/other.json"}}, "web/package-lock.json", "shadowed by a later entry"},
		{"lockfile escaping", []tarEntry{{name: "../package-lock.json", data: lock}}, "../package-lock.json", "escapes its root"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeTarGzEntries(t, filepath.Join(root, "src.tar.gz"), tc.entries)
			res := run(t, []string{root}, Options{})
			var want []string
			if tc.notRead != "" {
				want = []string{"src.tar.gz!" + tc.notRead}
			}
			checkNotRead(t, res, "", want, tc.why)
			arch := false
			for _, st := range res.Files {
				arch = arch || (st.Path == "src.tar.gz" && st.Kind == string(KindArchive) && st.NotRead == "")
			}
			if !arch {
				t.Errorf("the archive itself is not read: %+v", res.Files)
			}
		})
	}
}

// TestPartlyReadIsNotComplete: a file read without error that gives only
// part of what it stands for — a Maven pom.xml names its direct
// dependencies only (its fragment marks its own dependency list
// incomplete), a requirements file with ranges names no versions and not
// what they pull in (its fragment says it is partial) — is "not fully
// read" in the statuses and the document, in a directory and in an
// archive, and the document is incomplete. Controls: lockfiles of the
// same ecosystems (gradle.lockfile, pip-compile's pinned requirements)
// are complete.
func TestPartlyReadIsNotComplete(t *testing.T) {
	pom := readFixture(t, ecoDir+"java/testdata/commons-text/pom.xml")
	lock := readFixture(t, ecoDir+"java/testdata/terra-cli/gradle.lockfile")
	ranges := readFixture(t, manifestsDir+"requests/requirements-dev.txt")
	pinned := readFixture(t, ecoDir+"python/testdata/requirements-hashes/requirements.txt")
	poetry := readFixture(t, ecoDir+"python/testdata/poetry-2/poetry.lock")
	gems := readFixture(t, ecoDir+"ruby/testdata/devise/Gemfile.lock")
	// The same lockfiles with one entry made unreadable: no version.
	poetryBroken := strings.Replace(poetry, "name = \"anyio\"\nversion = \"4.13.0\"\n", "name = \"anyio\"\n", 1)
	gemsBroken := strings.Replace(gems, "    devise (5.0.3)\n", "    devise\n", 1)
	if poetryBroken == poetry || gemsBroken == gems {
		t.Fatal("fixtures changed: no entry to break")
	}
	tests := []struct {
		name, why string
		files     map[string]string
		notRead   []string
	}{
		{"pom.xml alone", "incomplete", map[string]string{"pom.xml": pom}, []string{"pom.xml"}},
		{"pom.xml in a module", "incomplete", map[string]string{"gradle.lockfile": lock, "text/pom.xml": pom}, []string{"text/pom.xml"}},
		{"gradle.lockfile alone", "", map[string]string{"gradle.lockfile": lock}, nil},
		{"requirements with ranges", "not pinned with ==", map[string]string{"requirements-dev.txt": ranges, "requirements.txt": pinned}, []string{"requirements-dev.txt"}},
		{"requirements pinned", "", map[string]string{"requirements.txt": pinned}, nil},
		{"poetry.lock with an entry without version", "both are required", map[string]string{"poetry.lock": poetryBroken}, []string{"poetry.lock"}},
		{"poetry.lock (control)", "", map[string]string{"poetry.lock": poetry}, nil},
		{"Gemfile.lock with a spec without version", "has no version", map[string]string{"Gemfile.lock": gemsBroken}, []string{"Gemfile.lock"}},
		{"Gemfile.lock (control)", "", map[string]string{"Gemfile.lock": gems}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name+"/directory", func(t *testing.T) {
			root := t.TempDir()
			for name, data := range tc.files {
				write(t, filepath.Join(root, name), data)
			}
			res := run(t, []string{root}, Options{})
			checkNotRead(t, res, "", tc.notRead, tc.why)
			checkNotFullyRead(t, res)
		})
		t.Run(tc.name+"/tar.gz", func(t *testing.T) {
			root := t.TempDir()
			writeTarGzFiles(t, filepath.Join(root, "src.tar.gz"), tc.files)
			res := run(t, []string{root}, Options{})
			checkNotRead(t, res, "src.tar.gz!", tc.notRead, tc.why)
			checkNotFullyRead(t, res)
		})
	}
}

// checkNotFullyRead checks that every status not read says so plainly
// and still counts the components its file gave.
func checkNotFullyRead(t *testing.T, res *Result) {
	t.Helper()
	for _, st := range res.Files {
		if st.NotRead == "" {
			continue
		}
		if !strings.HasPrefix(st.NotRead, "not fully read: ") || st.Components == 0 {
			t.Errorf("status %+v: want a \"not fully read: \" reason and the components it gave", st)
		}
	}
}

// TestUnsupportedZipEntryIsNotComplete: a zip entry stored with a
// compression method vouch cannot decompress is skipped, named with why
// (a warning, a not-read status), and the document is incomplete.
// Control: the same lockfile deflated.
func TestUnsupportedZipEntryIsNotComplete(t *testing.T) {
	lock := readFixture(t, npmLock)
	for _, tc := range []struct {
		name   string
		method uint16
		want   []string // not read
	}{
		{"method 99", 99, []string{"app.zip!package-lock.json"}},
		{"deflate (control)", zip.Deflate, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			method := zip.Store // rewritten below
			if tc.method == zip.Deflate {
				method = zip.Deflate
			}
			w, err := zw.CreateHeader(&zip.FileHeader{Name: "package-lock.json", Method: method})
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, lock)
			zw.Close()
			data := buf.Bytes()
			if tc.method != zip.Deflate {
				setZipMethod(t, data, tc.method)
			}
			root := t.TempDir()
			write(t, filepath.Join(root, "app.zip"), string(data))
			checkNotRead(t, run(t, []string{root}, Options{}), "", tc.want, "not supported")
		})
	}
}

// setZipMethod rewrites the compression method of every entry of a zip
// archive written by archive/zip (local and central headers).
func setZipMethod(t *testing.T, data []byte, method uint16) {
	t.Helper()
	n := 0
	for _, sig := range []struct {
		magic  string
		offset int
	}{{"PK\x03\x04", 8}, {"PK\x01\x02", 10}} {
		for i := 0; ; {
			j := bytes.Index(data[i:], []byte(sig.magic))
			if j < 0 {
				break
			}
			i += j
			binary.LittleEndian.PutUint16(data[i+sig.offset:], method)
			i += 4
			n++
		}
	}
	if n != 2 {
		t.Fatalf("rewrote %d headers, want 2", n)
	}
}

// TestInstalledTreeNothingReads: a real installed node_modules tree (npm
// 10's) without its hidden lockfile and with no lockfile for its project —
// a global install in usr/lib — is named as not read once, by its
// node_modules directory, instead of being silently left out. Control: the
// same tree with npm's node_modules/.package-lock.json is read, complete.
func TestInstalledTreeNothingReads(t *testing.T) {
	const src = ecoDir + "npm/testdata/installed/app/node_modules"
	for _, tc := range []struct {
		name       string
		hiddenLock bool
		notRead    []string
	}{
		{"without the hidden lockfile", false, []string{"usr/lib/node_modules"}},
		{"with it (control)", true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || (!tc.hiddenLock && d.Name() == ".package-lock.json") {
					return err
				}
				rel, _ := filepath.Rel(src, p)
				write(t, filepath.Join(root, "usr", "lib", "node_modules", rel), readFixture(t, p))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			res := run(t, []string{root}, Options{})
			checkNotRead(t, res, "", tc.notRead, "installed npm tree")
			if tc.hiddenLock && len(res.Document.Components) == 0 {
				t.Error("control: the installed tree gave no component")
			}
		})
	}
}
