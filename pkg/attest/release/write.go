package release

import (
	"fmt"
	"os"
	"path/filepath"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/internal/atomicfile"
)

// Write writes every file of the release, all or nothing, with
// [atomicfile.WriteAll]: each file is first written and synced beside its
// destination, and only once all of them exist are they renamed into place;
// a failure leaves the output directory as it was. An output directory that
// does not exist yet is created.
func (r *Release) Write() error {
	files := make([]atomicfile.File, len(r.Files))
	for i, f := range r.Files {
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			return fmt.Errorf("create output directory: %w", err)
		}
		// Outputs are public: SBOMs, signatures, checksums.
		files[i] = atomicfile.File{Path: f.Path, Data: f.Data, Perm: atomicfile.Public}
	}
	return atomicfile.WriteAll(files)
}

// filePURL is the content-derived purl package catalog gives files without
// a package identity: pkg:generic/NAME?checksum=sha256:HEX.
func filePURL(name, sha256 string) string {
	q := packageurl.QualifiersFromMap(map[string]string{"checksum": "sha256:" + sha256})
	return packageurl.NewPackageURL(packageurl.TypeGeneric, "", name, "", q, "").ToString()
}
