package engine_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ita "github.com/in-toto/attestation/go/v1"

	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
	"github.com/vouchdev/vouch/pkg/sbom/format"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/verify/sbommatch"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// matchMain links two modules vouch itself requires, so that the build
// works offline from the module cache and the binary's build info lists
// real dependencies with their h1: sums.
const matchMain = `package main

import (
	"github.com/package-url/packageurl-go"
	"golang.org/x/mod/semver"
)

func main() { println(semver.IsValid("v1.0.0"), packageurl.TypeGolang) }
`

// matchFixture is a real Go binary built by the test, release archives
// holding it and a real npm lockfile, and a key that signs SBOM
// attestations about them.
type matchFixture struct {
	bin, tgz, zip string
	signer        *sign.Signer
	key           *trust.Key
}

func newMatchFixture(t *testing.T) *matchFixture {
	t.Helper()
	dir := t.TempDir()
	mod := filepath.Join(dir, "src")
	for name, body := range map[string]string{
		"go.mod":  "module example.com/matchapp\n\ngo 1.22\n\nrequire (\n\tgithub.com/package-url/packageurl-go v0.1.7\n\tgolang.org/x/mod v0.42.0\n)\n",
		"main.go": matchMain,
	} {
		writeFile(t, filepath.Join(mod, name), []byte(body))
	}
	f := &matchFixture{bin: filepath.Join(dir, "matchapp")}
	cmd := exec.Command("go", "build", "-o", f.bin, ".")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOSUMDB=off", "CGO_ENABLED=0", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	exe, err := os.ReadFile(f.bin)
	if err != nil {
		t.Fatal(err)
	}
	lock, err := os.ReadFile("testdata/match/package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	entries := []archiveEntry{{"matchapp/bin/matchapp", exe, 0o755}, {"matchapp/package-lock.json", lock, 0o644}}
	f.tgz, f.zip = filepath.Join(dir, "matchapp.tar.gz"), filepath.Join(dir, "matchapp.zip")
	writeFile(t, f.tgz, tarGz(t, entries))
	writeFile(t, f.zip, zipOf(t, entries))
	f.signer, f.key = newSigner(t)
	return f
}

type archiveEntry struct {
	name string
	data []byte
	mode int64
}

func tarGz(t *testing.T, entries []archiveEntry) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: e.mode, Size: int64(len(e.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipOf(t *testing.T, entries []archiveEntry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.SetMode(os.FileMode(e.mode))
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// honestSBOM is the SBOM vouch's own catalog makes of the file at path, as
// `vouch sbom` and `vouch release` do.
func honestSBOM(t *testing.T, path string) *sbom.Document {
	t.Helper()
	res, err := catalog.Run(context.Background(), []string{path}, catalog.Options{Created: time.Unix(1700000000, 0).UTC()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("catalog %s: %v", path, res.Errors)
	}
	return res.Document
}

// attestSBOM signs an SBOM attestation about the file at path, in the
// format spec ("cyclonedx-json@1.6", "spdx-json@2.3").
func (f *matchFixture) attestSBOM(t *testing.T, path string, doc *sbom.Document, spec string) []byte {
	t.Helper()
	s, err := format.ParseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := format.NewEncoder(s)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := enc.Encode(&buf, doc); err != nil {
		t.Fatal(err)
	}
	d, err := digest.File(path)
	if err != nil {
		t.Fatal(err)
	}
	pt := attest.PredicateCycloneDX
	if strings.HasPrefix(spec, "spdx") {
		pt = attest.PredicateSPDX
	}
	st, err := attest.NewStatement([]*ita.ResourceDescriptor{attest.NewSubject(filepath.Base(path), d)}, pt, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	payload, err := attest.MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.signer.Attest(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// verifyContent verifies the file at path as `vouch verify` does with a
// policy that re-derives it: one read, spooled as name.
func (f *matchFixture) verifyContent(t *testing.T, path, name string, b []byte, pol *policy.Policy) *engine.Result {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	c, err := engine.Spool(fh, name, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	subj := engine.Subject{Name: name, Content: c}
	res, err := newVerifier(t, f.key).Verify(context.Background(), subj, []engine.Bundle{{Name: "sbom.sigstore.json", Data: b}}, pol)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func matchPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	p := &policy.Policy{APIVersion: policy.APIVersion, Kind: policy.Kind, SBOM: &policy.SBOM{MatchArtifact: true}}
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	return p
}

// Tampering with an honest SBOM, as a dishonest publisher would.

// omit removes the components of package key and every reference to them.
func omit(key string) func(*sbom.Document) {
	return func(d *sbom.Document) {
		var gone []string
		d.Components = slices.DeleteFunc(d.Components, func(c sbom.Component) bool {
			if sbommatch.Key(&c) == key {
				gone = append(gone, c.ID)
				return true
			}
			return false
		})
		for i := range d.Dependencies {
			d.Dependencies[i].DependsOn = slices.DeleteFunc(d.Dependencies[i].DependsOn, func(id string) bool { return slices.Contains(gone, id) })
		}
		d.Dependencies = slices.DeleteFunc(d.Dependencies, func(dep sbom.Dependency) bool { return slices.Contains(gone, dep.Ref) })
	}
}

// edit changes the first component of package key.
func edit(key string, fn func(*sbom.Component)) func(*sbom.Document) {
	return func(d *sbom.Document) {
		for i := range d.Components {
			if sbommatch.Key(&d.Components[i]) == key {
				fn(&d.Components[i])
				return
			}
		}
		panic("no component " + key)
	}
}

func setVersion(v string) func(*sbom.Component) {
	return func(c *sbom.Component) {
		c.PURL = strings.Replace(c.PURL, "@"+c.Version, "@"+v, 1)
		c.Version = v
	}
}

func setHash(alg sbom.HashAlgorithm, v string) func(*sbom.Component) {
	return func(c *sbom.Component) {
		for i := range c.Hashes {
			if c.Hashes[i].Algorithm == alg {
				c.Hashes[i].Value = v
				return
			}
		}
		panic("no " + string(alg) + " hash on " + c.ID)
	}
}

func addExtra(d *sbom.Document) {
	d.Components = append(d.Components, sbom.Component{ID: "pkg:golang/example.com/testonly@v1.0.0", Type: sbom.TypeLibrary,
		Name: "example.com/testonly", Version: "v1.0.0", PURL: "pkg:golang/example.com/testonly@v1.0.0"})
}

const (
	keyApp    = "pkg:golang/example.com/matchapp"
	keyXMod   = "pkg:golang/golang.org/x/mod"
	keyPURL   = "pkg:golang/github.com/package-url/packageurl-go"
	keyChalk  = "pkg:npm/chalk"
	keyPretty = "pkg:npm/prettier" // a development dependency
	zeros64   = "0000000000000000000000000000000000000000000000000000000000000000"
)

// TestMatchArtifact: an honest SBOM made by vouch's own catalog passes
// sbom.matchArtifact for a real Go binary and for release archives holding
// it and an npm lockfile; each tampering of that SBOM — a component
// omitted, a version misstated, a digest changed — is a failing finding
// with what the artifact shows (expected) and what the SBOM says (found).
// Listing more than the artifact shows passes, reported apart.
func TestMatchArtifact(t *testing.T) {
	f := newMatchFixture(t)
	pol := matchPolicy(t)
	type want struct {
		message, expected, found string // of the failing sbom.match-artifact finding; "" for a pass
	}
	cases := []struct {
		name   string
		file   func() string
		as     string // the name the artifact is verified under; "" its own
		spec   string
		tamper func(*sbom.Document)
		want   want
	}{
		{name: "binary honest", file: func() string { return f.bin }},
		{name: "binary honest spdx", file: func() string { return f.bin }, spec: "spdx-json@2.3"},
		{name: "binary renamed", file: func() string { return f.bin }, as: "matchapp-linux-amd64"},
		{name: "binary lists more", file: func() string { return f.bin }, tamper: addExtra},
		{name: "binary omits a module", file: func() string { return f.bin }, tamper: omit(keyXMod),
			want: want{keyXMod + ": omitted from the SBOM", "v0.42.0", "not listed"}},
		{name: "binary omits stdlib", file: func() string { return f.bin }, tamper: omit("pkg:golang/stdlib"),
			want: want{"pkg:golang/stdlib: omitted from the SBOM", "go1.", "not listed"}},
		{name: "binary misstates a version", file: func() string { return f.bin }, tamper: edit(keyPURL, setVersion("v0.1.6")),
			want: want{keyPURL + ": version misstated", "version v0.1.7", "version v0.1.6"}},
		{name: "binary misstates its own hash", file: func() string { return f.bin }, tamper: edit(keyApp, setHash(sbom.SHA256, zeros64)),
			want: want{keyApp + " (file matchapp): hash SHA-256 in the SBOM differs", "hash SHA-256 ", "hash SHA-256 " + zeros64}},
		{name: "binary misstates a module sum", file: func() string { return f.bin },
			tamper: edit(keyXMod, func(c *sbom.Component) {
				c.SetProperty(sbom.PropGoH1, "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
			}),
			want: want{keyXMod + ": vouch:golang:h1 in the SBOM differs", "vouch:golang:h1 h1:", "h1:AAAA"}},
		{name: "tar.gz honest", file: func() string { return f.tgz }},
		{name: "tar.gz honest spdx", file: func() string { return f.tgz }, spec: "spdx-json@2.3"},
		{name: "tar.gz renamed", file: func() string { return f.tgz }, as: "download.tar.gz"},
		{name: "zip honest", file: func() string { return f.zip }},
		{name: "tar.gz omits its binary", file: func() string { return f.tgz }, tamper: omit(keyApp),
			want: want{keyApp + " (file matchapp): omitted from the SBOM", "listed", "not listed"}},
		{name: "tar.gz leaves out a development dependency", file: func() string { return f.tgz }, tamper: omit(keyPretty)},
		{name: "tar.gz omits a lockfile package", file: func() string { return f.tgz }, tamper: omit(keyChalk),
			want: want{keyChalk + ": omitted from the SBOM", "version 4.1.2", "not listed"}},
		{name: "tar.gz omits one of two versions", file: func() string { return f.tgz },
			tamper: func(d *sbom.Document) {
				d.Components = slices.DeleteFunc(d.Components, func(c sbom.Component) bool { return c.PURL == "pkg:npm/debug@2.6.9" })
				for i := range d.Dependencies {
					d.Dependencies[i].DependsOn = slices.DeleteFunc(d.Dependencies[i].DependsOn, func(id string) bool { return strings.HasPrefix(id, "pkg:npm/debug@2.6.9") })
				}
				d.Dependencies = slices.DeleteFunc(d.Dependencies, func(dep sbom.Dependency) bool { return strings.HasPrefix(dep.Ref, "pkg:npm/debug@2.6.9") })
			},
			want: want{"pkg:npm/debug: version misstated", "version 2.6.9", "version 4.4.3"}},
		{name: "zip misstates a lockfile version", file: func() string { return f.zip }, tamper: edit(keyChalk, setVersion("4.0.0")),
			want: want{keyChalk + ": version misstated", "version 4.1.2", "version 4.0.0"}},
		{name: "zip misstates a development dependency's version", file: func() string { return f.zip }, tamper: edit(keyPretty, setVersion("1.0.0")),
			want: want{keyPretty + ": version misstated", "version 3.", "version 1.0.0"}},
		{name: "zip misstates a lockfile integrity", file: func() string { return f.zip },
			tamper: edit(keyChalk, setHash(sbom.SHA512, strings.Repeat("ab", 64))),
			want:   want{keyChalk + ": hash SHA-512 in the SBOM differs", "hash SHA-512 ", "hash SHA-512 " + strings.Repeat("ab", 64)}},
		{name: "tar.gz misstates the archive's own hash", file: func() string { return f.tgz },
			tamper: func(d *sbom.Document) {
				edit(sbommatch.Key(d.Component(d.Primary)), setHash(sbom.SHA512, strings.Repeat("cd", 64)))(d)
			},
			want: want{"hash SHA-512 in the SBOM differs", "hash SHA-512 ", "hash SHA-512 " + strings.Repeat("cd", 64)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.file()
			doc := honestSBOM(t, path)
			if tc.tamper != nil {
				tc.tamper(doc)
			}
			spec := tc.spec
			if spec == "" {
				spec = "cyclonedx-json@1.6"
			}
			as := tc.as
			if as == "" {
				as = filepath.Base(path)
			}
			res := f.verifyContent(t, path, as, f.attestSBOM(t, path, doc, spec), pol)
			if tc.want.message == "" {
				if !res.Verified || !hasFinding(res.Findings, policy.FindingMatch, verify.StatusPass) {
					t.Fatalf("honest SBOM refused:\n%s", findingsText(res.Findings))
				}
				if tc.tamper == nil && hasFinding(res.Findings, policy.FindingMatchUnshown, verify.StatusPass) {
					t.Errorf("vouch's own SBOM lists components the artifact does not show:\n%s", findingsText(res.Findings))
				}
				return
			}
			if res.Verified {
				t.Fatalf("tampered SBOM accepted:\n%s", findingsText(res.Findings))
			}
			var fails []verify.Finding
			for _, fd := range res.Findings {
				if fd.Status != verify.StatusPass {
					fails = append(fails, fd)
				}
			}
			if len(fails) != 1 || fails[0].ID != policy.FindingMatch || !strings.Contains(fails[0].Message, tc.want.message) ||
				!strings.Contains(fails[0].Expected, tc.want.expected) || !strings.Contains(fails[0].Found, tc.want.found) {
				t.Fatalf("want one failing %s %q (expected ~%q, found ~%q); got:\n%s", policy.FindingMatch,
					tc.want.message, tc.want.expected, tc.want.found, findingsText(res.Findings))
			}
		})
	}
	t.Run("listing more is reported apart", func(t *testing.T) {
		doc := honestSBOM(t, f.bin)
		addExtra(doc)
		res := f.verifyContent(t, f.bin, "matchapp", f.attestSBOM(t, f.bin, doc, "cyclonedx-json@1.6"), pol)
		if !hasFinding(res.Findings, policy.FindingMatchUnshown, verify.StatusPass) ||
			!strings.Contains(findingsText(res.Findings), "pkg:golang/example.com/testonly: listed in the SBOM (v1.0.0), not shown by the artifact") {
			t.Fatalf("the extra component is not reported:\n%s", findingsText(res.Findings))
		}
	})
}

// TestMatchArtifactFailsClosed: sbom.matchArtifact is never met by an
// artifact whose components cannot be re-derived — one known by digest
// only, a kind no cataloger reads, a corrupt archive, one over the size
// kept — while the same SBOM about the readable artifact passes (the
// control: the verifier does not refuse everything).
func TestMatchArtifactFailsClosed(t *testing.T) {
	f := newMatchFixture(t)
	pol := matchPolicy(t)
	dir := t.TempDir()
	notes := filepath.Join(dir, "NOTES.txt")
	writeFile(t, notes, bytes.Repeat([]byte("release notes\n"), 20))
	corrupt := filepath.Join(dir, "broken.tar.gz")
	tgz, err := os.ReadFile(f.tgz)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, corrupt, tgz[:len(tgz)/2])
	bin := f.attestSBOM(t, f.bin, honestSBOM(t, f.bin), "cyclonedx-json@1.6")

	control := f.verifyContent(t, f.bin, "matchapp", bin, pol)
	if !control.Verified {
		t.Fatalf("control refused:\n%s", findingsText(control.Findings))
	}
	cases := []struct {
		name  string
		res   func(t *testing.T) *engine.Result
		found string
	}{
		{"digest only", func(t *testing.T) *engine.Result {
			res, err := newVerifier(t, f.key).Verify(context.Background(), subjectOf(t, f.bin), []engine.Bundle{{Name: "sbom.sigstore.json", Data: bin}}, pol)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}, "given as a digest"},
		{"unknown kind", func(t *testing.T) *engine.Result {
			return f.verifyContent(t, notes, "NOTES.txt", f.attestSBOM(t, notes, &sbom.Document{Name: "notes"}, "cyclonedx-json@1.6"), pol)
		}, "NOTES.txt"},
		{"corrupt archive", func(t *testing.T) *engine.Result {
			return f.verifyContent(t, corrupt, "broken.tar.gz", f.attestSBOM(t, corrupt, &sbom.Document{Name: "broken"}, "cyclonedx-json@1.6"), pol)
		}, "broken.tar.gz"},
		{"over the size kept", func(t *testing.T) *engine.Result {
			defer func(old int64) { engine.MaxContentSize = old }(engine.MaxContentSize)
			engine.MaxContentSize = 1 << 10
			return f.verifyContent(t, f.bin, "matchapp", bin, pol)
		}, "over the limit of 1024"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.res(t)
			if res.Verified || !hasFinding(res.Findings, policy.FindingMatch, verify.StatusFail) ||
				!strings.Contains(findingsText(res.Findings), tc.found) {
				t.Fatalf("want a failing %s naming %q; got verified=%v:\n%s", policy.FindingMatch, tc.found, res.Verified, findingsText(res.Findings))
			}
		})
	}
}

// TestSpool: the bytes kept are the bytes hashed, in one read; a subject
// whose digests are not its content's is refused; Close removes the copy.
func TestSpool(t *testing.T) {
	data := bytes.Repeat([]byte("vouch spool\n"), 100_000) // over Digest's in-place size
	c, err := engine.Spool(bytes.NewReader(data), "../../evil/app.tar.gz", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want, err := engine.Digest(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	got := c.Digests()
	if got["sha256"] != want["sha256"] || got["sha512"] != want["sha512"] {
		t.Fatalf("digests %v, want %v", got, want)
	}
	other := subjectOf(t, writeTemp(t, []byte("another artifact")))
	_, err = newVerifier(t).Verify(context.Background(), engine.Subject{Name: "x", Digests: other.Digests, Content: c},
		[]engine.Bundle{{Name: "b", Err: engine.ErrNoBundle}}, emptyPolicy(t))
	if err == nil || !strings.Contains(err.Error(), "is not that of its content") {
		t.Fatalf("mismatched digests: err = %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func writeTemp(t *testing.T, data []byte) string {
	p := filepath.Join(t.TempDir(), "artifact")
	writeFile(t, p, data)
	return p
}

// listCataloger reads a ".vouchtest" file, one "name@version" a line: a
// stand-in for an ecosystem vouch does not have yet (the JARs of issue 9).
func listCataloger(_ context.Context, f cataloger.File) (*sbom.Fragment, error) {
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, err
	}
	frag := &sbom.Fragment{}
	for _, line := range strings.Fields(string(data)) {
		name, version, _ := strings.Cut(line, "@")
		purl := "pkg:generic/" + name + "@" + version
		frag.Components = append(frag.Components, sbom.Component{ID: purl, Type: sbom.TypeLibrary, Name: name, Version: version, PURL: purl})
	}
	return frag, nil
}

func init() {
	cataloger.Register(cataloger.Registration{Name: "engine-test-list", What: "test package list", Globs: []string{"*.vouchtest"},
		New: func(cataloger.Config) cataloger.Cataloger {
			return cataloger.PerFile("engine-test-list", listCataloger)
		}})
}

// TestMatchArtifactAnyRegisteredKind: the artifact is re-derived by the
// catalog registry, not by a list of kinds in the engine: a kind registered
// anywhere (here by this test; next, the JAR cataloger) is checked as Go
// binaries and archives are, with no change to the engine or the policy.
func TestMatchArtifactAnyRegisteredKind(t *testing.T) {
	s, key := newSigner(t)
	f := &matchFixture{signer: s, key: key}
	pol := matchPolicy(t)
	path := filepath.Join(t.TempDir(), "deps.vouchtest")
	writeFile(t, path, []byte("left@1.0.0\nright@2.0.0\n"))
	honest := f.verifyContent(t, path, "deps.vouchtest", f.attestSBOM(t, path, honestSBOM(t, path), "cyclonedx-json@1.6"), pol)
	if !honest.Verified {
		t.Fatalf("honest SBOM refused:\n%s", findingsText(honest.Findings))
	}
	doc := honestSBOM(t, path)
	omit("pkg:generic/right")(doc)
	res := f.verifyContent(t, path, "deps.vouchtest", f.attestSBOM(t, path, doc, "cyclonedx-json@1.6"), pol)
	if res.Verified || !strings.Contains(findingsText(res.Findings), "pkg:generic/right: omitted from the SBOM") {
		t.Fatalf("omission not found:\n%s", findingsText(res.Findings))
	}
}
