package bundle

import (
	"encoding/hex"
	"fmt"
	"os"
	"strings"
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

// ParseArtifact reads a command-line FILE_OR_DIGEST as the sigstore
// conformance protocol does: a well-formed sha256/sha512 digest that is not
// an existing path is a digest, anything else a file.
func ParseArtifact(s string) Artifact {
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
