package release

import (
	"fmt"
	"os"
	"path/filepath"

	packageurl "github.com/package-url/packageurl-go"
)

// Write writes every file of the release in two phases: first each one to a
// temporary file beside its destination (synced to disk), then, once all of
// them exist, renames them into place. A failure in the first phase removes
// the temporary files and leaves the output directory as it was; only a
// failing rename — which does not happen for files in one directory short of
// the directory vanishing — could leave some outputs new and others old, and
// the error then names what was written.
//
// An output directory that does not exist yet is created.
func (r *Release) Write() error {
	dirs := map[string]bool{}
	for _, f := range r.Files {
		dir := filepath.Dir(f.Path)
		if dirs[dir] {
			continue
		}
		dirs[dir] = true
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create output directory: %w", err)
		}
	}
	temps := make([]string, 0, len(r.Files))
	cleanup := func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}
	for _, f := range r.Files {
		t, err := stage(f)
		if err != nil {
			cleanup()
			return err
		}
		temps = append(temps, t)
	}
	for i, f := range r.Files {
		if err := os.Rename(temps[i], f.Path); err != nil {
			var written []string
			for _, g := range r.Files[:i] {
				written = append(written, g.Path)
			}
			cleanup()
			return fmt.Errorf("write %s: %w (already in place: %v)", f.Path, err, written)
		}
	}
	return nil
}

// stage writes f's content to a hidden temporary file next to f.Path
// (".NAME.tmp*", which Expand skips) and returns its name.
func stage(f File) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(f.Path), "."+filepath.Base(f.Path)+".tmp*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", f.Path, err)
	}
	_, err = tmp.Write(f.Data)
	if err == nil {
		// Outputs are public: SBOMs, signatures, checksums.
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("write %s: %w", f.Path, err)
	}
	return tmp.Name(), nil
}

// filePURL is the content-derived purl package catalog gives files without
// a package identity: pkg:generic/NAME?checksum=sha256:HEX.
func filePURL(name, sha256 string) string {
	q := packageurl.QualifiersFromMap(map[string]string{"checksum": "sha256:" + sha256})
	return packageurl.NewPackageURL(packageurl.TypeGeneric, "", name, "", q, "").ToString()
}
