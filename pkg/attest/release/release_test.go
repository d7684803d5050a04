package release_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/attest/keys"
	"github.com/vouchdev/vouch/pkg/attest/provenance"
	"github.com/vouchdev/vouch/pkg/attest/release"
	"github.com/vouchdev/vouch/pkg/attest/sign"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
	"github.com/vouchdev/vouch/pkg/sbom/format"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// epoch is the SOURCE_DATE_EPOCH of every test release.
var epoch = time.Unix(1700000000, 0).UTC()

// newKey makes a key of alg, writes its public half to dir/NAME.pub and
// returns a Signer for it and the .pub path.
func newKey(t testing.TB, alg keys.Algorithm, dir string) (*sign.Signer, crypto.Signer, string) {
	t.Helper()
	k, err := keys.Generate(alg)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := keys.EncodePublic(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	pubPath := filepath.Join(dir, string(alg)+".pub")
	if err := os.WriteFile(pubPath, pub, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := sign.NewKeySigner(k, sign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s, k, pubPath
}

// fixtureDir holds one artifact of each kind release distinguishes: a Go
// binary (this test binary, which has build info), a .tar.gz holding it, and
// a plain file. The binary is copied once per test run.
var (
	fixtureOnce sync.Once
	fixtureSrc  string
	fixtureErr  error
)

func fixture(t testing.TB) string {
	t.Helper()
	fixtureOnce.Do(func() {
		var dir string
		if dir, fixtureErr = os.MkdirTemp("", "vouch-release-fixture"); fixtureErr != nil {
			return
		}
		fixtureSrc = dir
		exe, err := os.Executable()
		if err != nil {
			fixtureErr = err
			return
		}
		bin, err := os.ReadFile(exe)
		if err != nil {
			fixtureErr = err
			return
		}
		var tgz bytes.Buffer
		gz := gzip.NewWriter(&tgz)
		tw := tar.NewWriter(gz)
		tw.WriteHeader(&tar.Header{Name: "app", Mode: 0o755, Size: int64(len(bin)), ModTime: epoch, Typeflag: tar.TypeReg})
		tw.Write(bin)
		tw.Close()
		gz.Close()
		for name, data := range map[string][]byte{
			"app":            bin,
			"app_1.0.tar.gz": tgz.Bytes(),
			"notes.txt":      []byte("release notes\n"),
		} {
			if fixtureErr = os.WriteFile(filepath.Join(dir, name), data, 0o755); fixtureErr != nil {
				return
			}
		}
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	// A fresh copy per test, so tests may write beside the artifacts.
	dir := t.TempDir()
	for _, name := range []string{"app", "app_1.0.tar.gz", "notes.txt"} {
		data, err := os.ReadFile(filepath.Join(fixtureSrc, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range []string{fixtureSrc, bigDir} {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}

// options are a reproducible release: fixed times, no CI, no checkout.
func options(s *sign.Signer, out string) release.Options {
	return release.Options{
		Signer: s,
		OutDir: out,
		SBOM:   catalog.Options{Created: epoch, Version: "v1.0.0", Tool: sbom.Tool{Name: "vouch", Version: "test"}},
		Provenance: provenance.Options{
			Env:            func(string) string { return "" },
			ExternalParams: map[string]string{"inputs.version": "v1.0.0"},
			StartedOn:      epoch, FinishedOn: epoch,
		},
	}
}

func run(t testing.TB, args []string, opts release.Options) *release.Release {
	t.Helper()
	arts, err := release.Expand(args)
	if err != nil {
		t.Fatal(err)
	}
	r, err := release.Run(context.Background(), arts, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var artifactNames = []string{"app", "app_1.0.tar.gz", "notes.txt"}

func wantLayout() []string {
	var want []string
	for _, a := range artifactNames {
		for _, s := range []string{release.SuffixCycloneDX, release.SuffixSBOMBundle, release.SuffixSignature, release.SuffixSPDX} {
			want = append(want, a+s)
		}
	}
	want = append(want, release.ChecksumsName, release.ChecksumsBundleName, release.ProvenanceName)
	slices.Sort(want)
	return want
}

func TestLayoutAndBundlesVerify(t *testing.T) {
	dir := fixture(t)
	out := filepath.Join(t.TempDir(), "out")
	s, _, pub := newKey(t, keys.ECDSAP256, t.TempDir())
	r := run(t, []string{dir}, options(s, out))

	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if want := wantLayout(); !slices.Equal(got, want) {
		t.Fatalf("layout:\n got %q\nwant %q", got, want)
	}
	if len(r.Files) != len(got) {
		t.Errorf("Release.Files has %d entries, %d files on disk", len(r.Files), len(got))
	}

	key, err := trust.FromPublicKeyFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	verifyOK := func(bundlePath, artifact, wantPred string) *verify.Evidence {
		t.Helper()
		ev, err := bundle.VerifyFile(ctx, bundlePath, bundle.ArtifactFile(artifact), key, bundle.Policy{})
		if err != nil {
			t.Errorf("%s over %s: %v", filepath.Base(bundlePath), filepath.Base(artifact), err)
			return nil
		}
		if ev.PredicateType != wantPred {
			t.Errorf("%s: predicate type %q, want %q", filepath.Base(bundlePath), ev.PredicateType, wantPred)
		}
		return ev
	}
	var sums strings.Builder
	for _, a := range artifactNames {
		path := filepath.Join(dir, a)
		d, err := digest.File(path)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&sums, "%s  %s\n", d.SHA256, a)
		verifyOK(filepath.Join(out, a+release.SuffixSignature), path, "")
		v := verifyOK(filepath.Join(out, a+release.SuffixSBOMBundle), path, attest.PredicateCycloneDX)
		verifyOK(filepath.Join(out, release.ProvenanceName), path, attest.PredicateSLSAProvenanceV1)
		if v != nil {
			// The attested predicate is the CycloneDX file, member for member.
			pred, err := v.Statement.GetPredicate().MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			cdx, err := os.ReadFile(filepath.Join(out, a+release.SuffixCycloneDX))
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(t, pred, cdx) {
				t.Errorf("%s: attested predicate differs from %s", a, a+release.SuffixCycloneDX)
			}
			subj := v.Statement.GetSubject()
			if len(subj) != 1 || subj[0].GetName() != a || subj[0].GetDigest()["sha256"] != d.SHA256 || subj[0].GetDigest()["sha512"] != d.SHA512 {
				t.Errorf("%s: SBOM attestation subject %v, want %s with its digests", a, subj, a)
			}
		}
		// Release.Artifacts carries the same digests the files have.
		i := slices.IndexFunc(r.Artifacts, func(x release.Artifact) bool { return x.Name == a })
		if i < 0 || r.Artifacts[i].Digests != d {
			t.Errorf("%s: Release.Artifacts digests differ from digest.File", a)
		}
	}
	verifyOK(filepath.Join(out, release.ChecksumsBundleName), filepath.Join(out, release.ChecksumsName), "")
	gotSums, err := os.ReadFile(filepath.Join(out, release.ChecksumsName))
	if err != nil {
		t.Fatal(err)
	}
	if string(gotSums) != sums.String() {
		t.Errorf("checksums.txt:\n%s\nwant:\n%s", gotSums, sums.String())
	}

	// The provenance names every artifact.
	ev, err := bundle.VerifyFile(ctx, filepath.Join(out, release.ProvenanceName), bundle.ArtifactFile(filepath.Join(dir, "notes.txt")), key, bundle.Policy{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range ev.Statement.GetSubject() {
		names = append(names, s.GetName())
	}
	if !slices.Equal(names, artifactNames) {
		t.Errorf("provenance subjects %q, want %q", names, artifactNames)
	}

	// A changed artifact fails every bundle about it.
	changed := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(changed, []byte("tampered\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"notes.txt" + release.SuffixSignature, "notes.txt" + release.SuffixSBOMBundle, release.ProvenanceName} {
		_, err := bundle.VerifyFile(ctx, filepath.Join(out, b), bundle.ArtifactFile(changed), key, bundle.Policy{})
		if !errors.Is(err, bundle.ErrArtifact) && !errors.Is(err, bundle.ErrSignature) {
			t.Errorf("%s over a changed artifact: %v, want ErrArtifact or ErrSignature", b, err)
		}
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// The SBOMs of Go binaries and archives are exactly what package catalog
// (vouch sbom) makes of the same file.
func TestSBOMsAreCatalogs(t *testing.T) {
	dir := fixture(t)
	out := t.TempDir()
	s, _, _ := newKey(t, keys.Ed25519, t.TempDir())
	opts := options(s, out)
	run(t, []string{dir}, opts)
	for _, a := range []string{"app", "app_1.0.tar.gz"} {
		res, err := catalog.Run(context.Background(), []string{filepath.Join(dir, a)}, opts.SBOM)
		if err != nil || len(res.Errors) > 0 {
			t.Fatalf("catalog %s: %v %v", a, err, res.Errors)
		}
		for suffix, spec := range map[string]string{release.SuffixCycloneDX: release.CycloneDXSpec, release.SuffixSPDX: release.SPDXSpec} {
			sp, err := format.ParseSpec(spec)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := format.NewEncoder(sp)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := enc.Encode(&want, res.Document); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(out, a+suffix))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%s%s differs from catalog's SBOM of %s", a, suffix, a)
			}
		}
	}
	// The archive's SBOM lists the binary inside it.
	cdx, err := os.ReadFile(filepath.Join(out, "app_1.0.tar.gz"+release.SuffixCycloneDX))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(cdx, []byte(`"bom-ref": "file:app_1.0.tar.gz!app"`)) {
		t.Errorf("archive SBOM lacks the binary it holds")
	}
	// The plain file's SBOM is one file component with both digests.
	doc := decode(t, filepath.Join(out, "notes.txt"+release.SuffixSPDX))
	d, _ := digest.File(filepath.Join(dir, "notes.txt"))
	c := doc.Component(doc.Primary)
	if c == nil || c.Name != "notes.txt" || c.Hash(sbom.SHA256) != d.SHA256 || c.Hash(sbom.SHA512) != d.SHA512 {
		t.Errorf("notes.txt SBOM primary component = %+v, want notes.txt with its digests", c)
	}
}

func decode(t *testing.T, path string) *sbom.Document {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, _, err := format.Decode(context.Background(), f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return doc
}

func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// Same inputs, times and Ed25519 key: the same bytes, for every file,
// including a re-run into the directory holding the first run's outputs.
func TestReproducibleWithEd25519(t *testing.T) {
	dir := fixture(t)
	s, k, pub := newKey(t, keys.Ed25519, t.TempDir())
	run(t, []string{dir}, options(s, ""))
	first := readAll(t, dir)
	run(t, []string{dir}, options(s, ""))
	second := readAll(t, dir)
	if len(first) != len(artifactNames)+len(wantLayout()) {
		t.Fatalf("%d files after the first run, want %d", len(first), len(artifactNames)+len(wantLayout()))
	}
	for name, b := range first {
		if !bytes.Equal(b, second[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	if len(second) != len(first) {
		t.Errorf("second run: %d files, first %d: outputs were taken for artifacts", len(second), len(first))
	}

	// Ed25519 message signatures are Ed25519ph, which needs trusted material
	// that knows it (trust.FromPublicKey loads a pure Ed25519 verifier);
	// attestations are pure Ed25519.
	ctx := context.Background()
	ph, err := sign.KeyTrustedMaterial(k.Public(), true)
	if err != nil {
		t.Fatal(err)
	}
	key, err := trust.FromPublicKeyFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range artifactNames {
		path := filepath.Join(dir, a)
		if _, err := bundle.VerifyFile(ctx, filepath.Join(dir, a+release.SuffixSignature), bundle.ArtifactFile(path), ph, bundle.Policy{}); err != nil {
			t.Errorf("%s signature (Ed25519ph): %v", a, err)
		}

		if _, err := bundle.VerifyFile(ctx, filepath.Join(dir, a+release.SuffixSBOMBundle), bundle.ArtifactFile(path), key, bundle.Policy{}); err != nil {
			t.Errorf("%s SBOM attestation (Ed25519): %v", a, err)
		}
	}
}

// ECDSA signatures are randomised; everything else is not.
func TestECDSAOnlySignaturesDiffer(t *testing.T) {
	dir := fixture(t)
	s, _, _ := newKey(t, keys.ECDSAP256, t.TempDir())
	a, b := t.TempDir(), t.TempDir()
	run(t, []string{dir}, options(s, a))
	run(t, []string{dir}, options(s, b))
	x, y := readAll(t, a), readAll(t, b)
	for name := range x {
		same := bytes.Equal(x[name], y[name])
		isBundle := strings.HasSuffix(name, release.SuffixSignature)
		if isBundle == same {
			t.Errorf("%s: same bytes = %v, want %v", name, same, !isBundle)
		}
		if isBundle && strings.Contains(name, "sbom") || name == release.ProvenanceName {
			if !bytes.Equal(payload(t, x[name]), payload(t, y[name])) {
				t.Errorf("%s: DSSE payloads differ between runs", name)
			}
		}
	}
}

func payload(t *testing.T, b []byte) []byte {
	var v struct {
		DSSEEnvelope struct {
			Payload string `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.DSSEEnvelope.Payload == "" {
		t.Fatalf("not a DSSE bundle: %v", err)
	}
	return []byte(v.DSSEEnvelope.Payload)
}

// Any failure fails the whole release before anything is written.
func TestFailureWritesNothing(t *testing.T) {
	s, _, _ := newKey(t, keys.ECDSAP256, t.TempDir())
	cases := map[string]struct {
		setup func(dir string) release.Options
		want  error
	}{
		"corrupt archive": {func(dir string) release.Options {
			os.WriteFile(filepath.Join(dir, "broken.tar.gz"), append([]byte{0x1f, 0x8b}, bytes.Repeat([]byte("x"), 600)...), 0o644)
			return options(s, "")
		}, nil},
		"nothing known about the build": {func(dir string) release.Options {
			o := options(s, "")
			o.Provenance.ExternalParams = nil
			return o
		}, provenance.ErrNothingKnown},
		"cancelled": {func(dir string) release.Options { return options(s, "") }, context.Canceled},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := fixture(t)
			opts := c.setup(dir)
			before := readAll(t, dir)
			arts, err := release.Expand([]string{dir})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			if name == "cancelled" {
				cancel()
			}
			defer cancel()
			r, err := release.Run(ctx, arts, opts)
			if err == nil || r != nil {
				t.Fatalf("Run succeeded: %v", r)
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("error %v, want %v", err, c.want)
			}
			after := readAll(t, dir)
			if len(after) != len(before) {
				var extra []string
				for n := range after {
					if _, ok := before[n]; !ok {
						extra = append(extra, n)
					}
				}
				t.Errorf("a failed release wrote %q", extra)
			}
		})
	}
}

// A rename that fails (the destination is a directory) reports it and
// leaves no temporary file behind.
func TestWriteFailureLeavesNoTemporaries(t *testing.T) {
	dir := fixture(t)
	s, _, _ := newKey(t, keys.ECDSAP256, t.TempDir())
	out := t.TempDir()
	if err := os.Mkdir(filepath.Join(out, release.ChecksumsName), 0o755); err != nil {
		t.Fatal(err)
	}
	arts, _ := release.Expand([]string{dir})
	_, err := release.Run(context.Background(), arts, options(s, out))
	if err == nil || !strings.Contains(err.Error(), release.ChecksumsName) {
		t.Fatalf("error %v, want one naming %s", err, release.ChecksumsName)
	}
	for name := range readAll(t, out) {
		if strings.HasPrefix(name, ".") {
			t.Errorf("temporary file %s left behind", name)
		}
	}
}

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a", "b.zip", ".hidden", ".a.cdx.json.tmp123", "a.cdx.json", "a.spdx.json", "a.sigstore.json",
		"a.sbom.sigstore.json", "provenance.sigstore.json", "checksums.txt", "checksums.txt.sigstore.json"} {
		os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "c"), []byte("c"), 0o644)
	os.Symlink("a", filepath.Join(dir, "link"))
	other := filepath.Join(t.TempDir(), "x")
	os.WriteFile(other, []byte("x"), 0o644)

	got, err := release.Expand([]string{dir, other})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a"), filepath.Join(dir, "b.zip"), other}
	if !slices.Equal(got, want) {
		t.Errorf("Expand = %q, want %q", got, want)
	}

	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "checksums.txt"), nil, 0o644)
	if _, err := release.Expand([]string{empty}); !errors.Is(err, release.ErrNoArtifacts) {
		t.Errorf("directory of outputs only: %v, want ErrNoArtifacts", err)
	}
	if _, err := release.Expand([]string{filepath.Join(dir, "missing")}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing argument: %v, want ErrNotExist", err)
	}
}

func TestConflicts(t *testing.T) {
	s, _, _ := newKey(t, keys.ECDSAP256, t.TempDir())
	d1, d2 := t.TempDir(), t.TempDir()
	for _, d := range []string{d1, d2} {
		os.WriteFile(filepath.Join(d, "app"), []byte(d), 0o644)
	}
	os.WriteFile(filepath.Join(d2, "other"), []byte("o"), 0o644)
	ctx := context.Background()
	if _, err := release.Plan(ctx, []string{filepath.Join(d1, "app"), filepath.Join(d2, "app")}, options(s, t.TempDir())); !errors.Is(err, release.ErrConflict) {
		t.Errorf("two artifacts named app: %v, want ErrConflict", err)
	}
	if _, err := release.Plan(ctx, []string{filepath.Join(d1, "app"), filepath.Join(d2, "other")}, options(s, "")); !errors.Is(err, release.ErrConflict) {
		t.Errorf("two directories, no OutDir: %v, want ErrConflict", err)
	}
	os.WriteFile(filepath.Join(d1, "checksums.txt"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(d1, "app.cdx.json"), []byte("x"), 0o644)
	for _, arts := range [][]string{{filepath.Join(d1, "checksums.txt")}, {filepath.Join(d1, "app"), filepath.Join(d1, "app.cdx.json")}} {
		if _, err := release.Plan(ctx, arts, options(s, "")); !errors.Is(err, release.ErrConflict) {
			t.Errorf("%q: an output would overwrite an artifact: %v, want ErrConflict", arts, err)
		}
	}
	if _, err := release.Plan(ctx, []string{d1}, options(s, "")); err == nil {
		t.Error("a directory given to Plan: no error")
	}
	if _, err := release.Plan(ctx, []string{filepath.Join(d1, "app")}, release.Options{}); !errors.Is(err, sign.ErrInvalidOptions) {
		t.Errorf("no signer: %v, want ErrInvalidOptions", err)
	}
}

// TestOutputOverlap: an output that would replace an artifact is refused
// however the output directory is reached (symbolic link, hard link), and
// the same artifacts released elsewhere are not.
func TestOutputOverlap(t *testing.T) {
	s, _, _ := newKey(t, keys.ECDSAP256, t.TempDir())
	tests := []struct {
		name     string
		out      func(t *testing.T, dist string) string // the OutDir
		wantConf bool
	}{
		{"out is the artifacts' directory", func(t *testing.T, dist string) string { return dist }, true},
		{"out is a symbolic link to it", func(t *testing.T, dist string) string {
			link := filepath.Join(t.TempDir(), "link")
			if err := os.Symlink(dist, link); err != nil {
				t.Fatal(err)
			}
			return link
		}, true},
		{"out holds a hard link to an artifact under an output's name", func(t *testing.T, dist string) string {
			out := t.TempDir()
			if err := os.Link(filepath.Join(dist, "app.cdx.json"), filepath.Join(out, "app.cdx.json")); err != nil {
				t.Fatal(err)
			}
			return out
		}, true},
		{"out is a separate directory", func(t *testing.T, dist string) string { return t.TempDir() }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dist := t.TempDir()
			arts := []string{filepath.Join(dist, "app"), filepath.Join(dist, "app.cdx.json")}
			for _, a := range arts {
				if err := os.WriteFile(a, []byte("artifact "+a), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			rel, err := release.Plan(context.Background(), arts, options(s, tt.out(t, dist)))
			if tt.wantConf {
				if !errors.Is(err, release.ErrConflict) {
					t.Fatalf("Plan: %v, want ErrConflict", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if err := rel.Write(); err != nil {
				t.Fatal(err)
			}
			for _, a := range arts {
				if b, _ := os.ReadFile(a); string(b) != "artifact "+a {
					t.Errorf("%s changed: %q", a, b)
				}
			}
		})
	}
}

// Progress ends at the total, and never goes backwards.
func TestProgress(t *testing.T) {
	dir := fixture(t)
	s, _, _ := newKey(t, keys.ECDSAP256, t.TempDir())
	opts := options(s, t.TempDir())
	var last, total int64
	var calls int
	opts.Progress = func(done, tot int64) {
		calls++
		if done < last {
			t.Errorf("progress went back from %d to %d", last, done)
		}
		last, total = done, tot
	}
	run(t, []string{dir}, opts)
	var want int64
	for _, a := range artifactNames {
		fi, _ := os.Stat(filepath.Join(dir, a))
		want += fi.Size()
	}
	if calls == 0 || last != want || total != want {
		t.Errorf("progress ended at %d of %d after %d calls, want %d of %d", last, total, calls, want, want)
	}
}

// A P-384 key signs SHA-384 digests, which the one read does not produce
// for catalogued files: they are read again, plain files hash it on the way.
// Either way the signatures verify.
func TestP384Key(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sign.NewKeySigner(k, sign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Hash() != crypto.SHA384 {
		t.Fatalf("P-384 signer hashes with %v", s.Hash())
	}
	dir := fixture(t)
	out := t.TempDir()
	run(t, []string{dir}, options(s, out))
	pub, err := keys.EncodePublic(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	key, err := trust.FromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range artifactNames {
		if _, err := bundle.VerifyFile(context.Background(), filepath.Join(out, a+release.SuffixSignature), bundle.ArtifactFile(filepath.Join(dir, a)), key, bundle.Policy{}); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
}
