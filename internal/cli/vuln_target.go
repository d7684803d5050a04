package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/image"
	"github.com/vouchdev/vouch/pkg/sbom/format"
)

// vulnTargetExists fails early, with one error naming TARGET, when target is
// neither an image named with its scheme nor something on disk. A
// missing path would otherwise reach the catalogue, whose per-source
// error, incomplete-SBOM warning and summary say the same thing three
// times and never that "alpine:3.18" wants a scheme to be an image.
func vulnTargetExists(target string) error {
	if _, ok := image.Parse(target); ok {
		return nil
	}
	_, err := os.Lstat(target)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return nil // present, or unreadable: the catalogue says why
	}
	e := &exitError{code: ExitError, err: fmt.Errorf("TARGET %s: expected an SBOM, a file or directory, or an image (docker-archive:, oci-archive:, oci-dir:, registry:), found no such file or directory", target)}
	if looksLikeImage(target) {
		e.hint = fmt.Sprintf("to read the image from its registry, name it registry:%s (or save it and name docker-archive:FILE.tar)", target)
	}
	return e
}

// looksLikeImage reports whether target reads as an image reference with a
// tag or digest ("alpine:3.18", "ghcr.io/o/app@sha256:…") rather than as
// a path.
func looksLikeImage(target string) bool {
	if strings.HasPrefix(target, "/") || strings.HasPrefix(target, ".") || !strings.ContainsAny(target, ":@") {
		return false
	}
	_, err := name.ParseReference(target)
	return err == nil
}

// unreadableTarget is the error of a TARGET the catalogue could not
// read wholly. A TARGET that is one file of no kind the catalogue knows
// ([catalog.ErrNotASource]) is said to be neither an SBOM, with what it
// looked like, nor a file 'vouch sbom' reads: a user passing a JSON file
// expects it read as an SBOM and should learn why it was not.
func unreadableTarget(ctx context.Context, target string, errs []*catalog.SourceError) error {
	e := &exitError{code: ExitError, err: fmt.Errorf("%d source(s) in %s could not be read, so their components cannot be matched", len(errs), target),
		hint: "fix or --exclude them, or match an SBOM of what ships"}
	if len(errs) != 1 || !errors.Is(errs[0].Err, catalog.ErrNotASource) {
		return e
	}
	fh, fi, err := safefile.Open("TARGET", target)
	if err != nil {
		return e
	}
	defer fh.Close()
	if !fi.Mode().IsRegular() {
		return e
	}
	if _, _, derr := format.Decode(ctx, io.LimitReader(fh, 4096)); errors.Is(derr, format.ErrUnrecognized) {
		e.err = fmt.Errorf("TARGET %s: expected an SBOM or a file 'vouch sbom' reads, found neither (%v)", target, derr)
		e.hint = "name an SBOM (CycloneDX or SPDX), a directory, a lockfile, a binary, an archive or an image ('vouch sbom --help' lists what is read)"
	}
	return e
}
