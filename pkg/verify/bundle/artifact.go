package bundle

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/vouchdev/vouch/pkg/verify"
)

// Artifact is what a bundle is verified against: a file, streamed from
// disk and never loaded whole, or a digest.
type Artifact struct {
	path      string
	algorithm string // "sha256" or "sha512" for a digest
	digest    []byte
}

// ArtifactFile is the file at path.
func ArtifactFile(path string) Artifact { return Artifact{path: path} }

// digestSizes are the digest algorithms an artifact digest may use, with
// their lengths in bytes.
var digestSizes = map[string]int{"sha256": 32, "sha512": 64}

// ArtifactDigest parses "sha256:<hex>" or "sha512:<hex>".
func ArtifactDigest(s string) (Artifact, error) {
	alg, hexDigest, ok := strings.Cut(s, ":")
	size, known := digestSizes[alg]
	if !ok || !known {
		return Artifact{}, fmt.Errorf("%w: artifact digest %q: expected sha256:<64 hex> or sha512:<128 hex>", ErrPolicy, s)
	}
	d, err := hex.DecodeString(hexDigest)
	if err != nil || len(d) != size {
		return Artifact{}, fmt.Errorf("%w: artifact digest %q: expected %d hex digits after %q", ErrPolicy, s, 2*size, alg+":")
	}
	return Artifact{algorithm: alg, digest: d}, nil
}

// ParseIntegrity reads a Subresource Integrity value as npm writes it in
// package-lock.json and the registry's "dist.integrity"
// ("sha512-<base64>"; "sha256-<base64>" too) and returns the artifact
// digest "sha512:<hex>". ok is false for what is not of that form; err
// says why a value of that form is unusable (a weak algorithm such as
// npm's legacy sha1, a wrong length, bad base64).
func ParseIntegrity(s string) (digest string, ok bool, err error) {
	alg, b64, found := strings.Cut(s, "-")
	if !found || strings.ContainsAny(s, ": \t") {
		return "", false, nil
	}
	switch alg {
	case "sha256", "sha512":
	case "sha1", "sha384", "md5":
		return "", true, fmt.Errorf("%w: integrity %q: %s is not accepted (want sha512-<base64> or sha256-<base64>)", ErrPolicy, s, alg)
	default:
		return "", false, nil
	}
	d, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(d) != digestSizes[alg] {
		return "", true, fmt.Errorf("%w: integrity %q: expected %s- and the base64 of %d bytes", ErrPolicy, s, alg, digestSizes[alg])
	}
	return alg + ":" + hex.EncodeToString(d), true, nil
}

// BoundDigest is the artifact digest to show for verified evidence: in
// the algorithm the statements' subjects bind. Statements that name the
// artifact by SHA-512 only (npm's) show its SHA-512; otherwise, and for
// message signatures, the SHA-256. digests are the artifact's ("sha256",
// "sha512" → hex); "" when it has none of them.
func BoundDigest(evidence []verify.Evidence, digests map[string]string) string {
	bound := map[string]bool{}
	for _, ev := range evidence {
		for _, sub := range ev.Statement.GetSubject() {
			for alg, v := range sub.GetDigest() {
				if digests[alg] != "" && strings.EqualFold(v, digests[alg]) {
					bound[alg] = true
				}
			}
		}
	}
	for _, alg := range []string{"sha256", "sha512"} {
		if bound[alg] && digests[alg] != "" {
			return alg + ":" + digests[alg]
		}
	}
	for _, alg := range []string{"sha256", "sha512"} {
		if digests[alg] != "" {
			return alg + ":" + digests[alg]
		}
	}
	return ""
}

// ParseArtifact reads a command-line FILE_OR_DIGEST as the sigstore
// conformance protocol does: a well-formed sha256/sha512 digest that is not
// an existing path is a digest, anything else a file. An npm integrity
// ("sha512-<base64>", see [ParseIntegrity]) that is not a path is the
// digest it encodes.
func ParseArtifact(s string) Artifact {
	if d, ok, err := ParseIntegrity(s); ok && err == nil {
		if _, statErr := os.Stat(s); statErr != nil {
			s = d
		}
	}
	if a, err := ArtifactDigest(s); err == nil {
		if _, statErr := os.Stat(s); statErr != nil {
			return a
		}
	}
	return ArtifactFile(s)
}

// IsDigest reports whether the artifact is a digest rather than a file.
func (a Artifact) IsDigest() bool { return a.digest != nil }

// String is the file path or "alg:hex".
func (a Artifact) String() string {
	if a.IsDigest() {
		return a.algorithm + ":" + hex.EncodeToString(a.digest)
	}
	return a.path
}

// Algorithm is the digest's algorithm ("sha256", "sha512"); "" for a file.
func (a Artifact) Algorithm() string { return a.algorithm }
