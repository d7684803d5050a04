package sbommatch

import (
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// TestReview3ClaimedHashes: every digest the SBOM states is compared, not
// only the first of its algorithm, and whatever the algorithm's spelling:
// a second, wrong SHA-256 of a binary, or one spelled "sha256", is a
// misstatement. The controls state the same digests rightly.
func TestReview3ClaimedHashes(t *testing.T) {
	wrong := strings.Repeat("0", 64)
	addHash := func(alg sbom.HashAlgorithm, value func(c *sbom.Component) string) func(*sbom.Document) {
		return func(d *sbom.Document) {
			c := component(d, "hello")
			c.Hashes = append(c.Hashes, sbom.Hash{Algorithm: alg, Value: value(c)})
		}
	}
	same := func(c *sbom.Component) string { return strings.ToUpper(c.Hash(sbom.SHA256)) }
	forged := func(*sbom.Component) string { return wrong }
	for _, tc := range []struct {
		name    string
		claimed func(*sbom.Document)
		want    []string
	}{
		{"control: the digest stated twice", addHash(sbom.SHA256, same), nil},
		{"control: the digest spelled sha256", func(d *sbom.Document) {
			c := component(d, "hello")
			c.Hashes[0].Algorithm = "sha256"
		}, nil},
		{"a second, wrong SHA-256", addHash(sbom.SHA256, forged),
			[]string{"pkg:golang/example.com/hello (file hello): hash SHA-256: SBOM " + wrong}},
		{"a wrong digest spelled sha256", func(d *sbom.Document) {
			c := component(d, "hello")
			c.Hashes = []sbom.Hash{{Algorithm: "sha256", Value: wrong}}
		}, []string{"pkg:golang/example.com/hello (file hello): hash SHA-256: SBOM " + wrong}},
		{"a wrong digest spelled sha-256", func(d *sbom.Document) {
			c := component(d, "hello")
			c.Hashes = []sbom.Hash{{Algorithm: "sha-256", Value: wrong}}
		}, []string{"pkg:golang/example.com/hello (file hello): hash SHA-256: SBOM " + wrong}},
		{"the archive's own digest stated twice, the second wrong", func(d *sbom.Document) {
			a := component(d, "hello_linux_amd64.tar.gz")
			a.Hashes = append(a.Hashes, sbom.Hash{Algorithm: sbom.SHA256, Value: wrong})
		}, []string{"pkg:generic/hello_linux_amd64.tar.gz: hash SHA-256: SBOM " + wrong}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			claimed, digests := sample()
			derived, _ := sample()
			tc.claimed(claimed)
			res := Compare(claimed, derived, digests)
			check(t, "differences", res.Diffs, tc.want)
			check(t, "unshown", res.Unshown, nil)
		})
	}
}

// TestReview3PurlQualifiers: a purl qualifier the SBOM states must agree
// with the artifact's — an rpm's epoch is part of its version (a higher
// one makes a vulnerable package look patched), its arch and a Maven
// classifier name another file. Qualifiers the SBOM leaves out are not
// misstatements (an rpm's epoch excepted: none means 0), and the controls
// state them rightly.
func TestReview3PurlQualifiers(t *testing.T) {
	const real = "pkg:rpm/fedora/openssl-libs@3.0.9-2.fc39?arch=x86_64&distro=fedora-39&epoch=1"
	withRPM := func(purl string) func(*sbom.Document) {
		return func(d *sbom.Document) {
			d.Components = append(d.Components, sbom.Component{ID: "rpm", Type: sbom.TypeLibrary, Name: "openssl-libs", Version: "3.0.9-2.fc39", PURL: purl})
		}
	}
	for _, tc := range []struct {
		name, derived, claimed string
		want                   []string
	}{
		{"control: the same purl", real, real, nil},
		{"control: qualifiers in another order", real, "pkg:rpm/fedora/openssl-libs@3.0.9-2.fc39?epoch=1&distro=fedora-39&arch=x86_64", nil},
		{"control: arch and distro left out", real, "pkg:rpm/fedora/openssl-libs@3.0.9-2.fc39?epoch=1", nil},
		{"control: epoch 0 stated, none shown", "pkg:rpm/fedora/zlib@1.2.13-4.fc39", "pkg:rpm/fedora/zlib@1.2.13-4.fc39?epoch=0", nil},
		{"a higher epoch", real, "pkg:rpm/fedora/openssl-libs@3.0.9-2.fc39?arch=x86_64&distro=fedora-39&epoch=9",
			[]string{"pkg:rpm/fedora/openssl-libs: purl qualifier epoch: SBOM 9, artifact 1"}},
		{"the epoch left out", real, "pkg:rpm/fedora/openssl-libs@3.0.9-2.fc39?arch=x86_64",
			[]string{"pkg:rpm/fedora/openssl-libs: purl qualifier epoch: SBOM 0, artifact 1"}},
		{"another arch", real, "pkg:rpm/fedora/openssl-libs@3.0.9-2.fc39?arch=aarch64&epoch=1",
			[]string{"pkg:rpm/fedora/openssl-libs: purl qualifier arch: SBOM aarch64, artifact x86_64"}},
		{"another Maven classifier", "pkg:maven/org.example/lib@1.0?classifier=linux-x86_64", "pkg:maven/org.example/lib@1.0?classifier=sources",
			[]string{"pkg:maven/org.example/lib: purl qualifier classifier: SBOM sources, artifact linux-x86_64"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			claimed, digests := sample()
			derived, _ := sample()
			withRPM(tc.claimed)(claimed)
			withRPM(tc.derived)(derived)
			res := Compare(claimed, derived, digests)
			check(t, "differences", res.Diffs, tc.want)
			check(t, "unshown", res.Unshown, nil)
		})
	}
}

// TestReview3DuplicateListing: a component the artifact shows, listed a
// second time at the same version with a wrong digest, is a misstatement,
// not an extra listing ("unshown"): a consumer keeping the last listing of
// a purl would record the wrong digest. The controls: the same listing
// twice, and two binaries of one module each with its own digest.
func TestReview3DuplicateListing(t *testing.T) {
	wrong := strings.Repeat("0", 64)
	again := func(edit func(*sbom.Component)) func(*sbom.Document) {
		return func(d *sbom.Document) {
			c := *component(d, "hello")
			c.ID = "file:hello-again"
			c.Hashes = append([]sbom.Hash(nil), c.Hashes...)
			edit(&c)
			d.Components = append(d.Components, c)
		}
	}
	for _, tc := range []struct {
		name             string
		claimed, derived func(*sbom.Document)
		want             []string
	}{
		{"control: listed twice alike", again(func(*sbom.Component) {}), nil, nil},
		{"control: two binaries, each its digest", twoBinaries, twoBinaries, nil},
		{"listed again with a wrong digest", again(func(c *sbom.Component) { c.Hashes[0].Value = wrong }), nil,
			[]string{"pkg:golang/example.com/hello (file hello): hash SHA-256: SBOM " + wrong}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			claimed, digests := sample()
			derived, _ := sample()
			tc.claimed(claimed)
			if tc.derived != nil {
				tc.derived(derived)
			}
			res := Compare(claimed, derived, digests)
			check(t, "differences", res.Diffs, tc.want)
			check(t, "unshown", res.Unshown, nil)
		})
	}
}
