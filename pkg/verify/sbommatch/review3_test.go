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
