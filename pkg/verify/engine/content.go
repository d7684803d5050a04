package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
	"github.com/vouchdev/vouch/pkg/verify/policy"
)

// MaxContentSize is the largest artifact [Spool] keeps for re-deriving its
// components (policy sbom.matchArtifact): the largest entry the catalog
// reads inside an archive. A larger artifact is still hashed in full; its
// contents are then not re-derived, and the requirement fails.
var MaxContentSize = cataloger.DefaultLimits().MaxEntrySize

// Content is an artifact's bytes, kept while they were hashed, for a
// policy that re-derives the artifact's components from them
// (sbom.matchArtifact).
//
// # The bytes verified are the bytes re-derived from
//
// [Spool] reads the artifact once: every byte read is written to a private
// temporary file and hashed in the same pass, so the file holds exactly
// the bytes whose digests the bundles are verified against. The engine
// never reads the artifact's own path again: the catalog reads the copy,
// in a directory only this process's user can enter (os.MkdirTemp, 0700),
// which is removed by [Content.Close]. The copy keeps the artifact's base
// name, because the catalog's registry recognises files by name as well as
// by their first bytes (app.tar.gz, app.jar).
type Content struct {
	name    string
	dir     string // the private directory holding the copy; "" when none was kept
	path    string
	digests map[string]string
	err     error // why the bytes were not kept (too large)
}

// Spool reads r to its end, once, hashing it and copying it into a new
// private directory under tempDir ("" is [os.TempDir]) as a file named
// after name's base name. Bytes past [MaxContentSize] are hashed but not
// kept: the Content then has digests and no bytes, and re-deriving fails.
// The caller must Close it.
func Spool(r io.Reader, name, tempDir string) (*Content, error) {
	base := filepath.Base(filepath.FromSlash(name))
	if base == "." || base == ".." || base == string(filepath.Separator) || strings.ContainsRune(base, 0) {
		base = "artifact"
	}
	dir, err := os.MkdirTemp(tempDir, "vouch-verify-")
	if err != nil {
		return nil, fmt.Errorf("keep a copy of %s to re-derive its components: %w", name, err)
	}
	c := &Content{name: name, dir: dir, path: filepath.Join(dir, base)}
	f, err := os.OpenFile(c.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("keep a copy of %s to re-derive its components: %w", name, err)
	}
	w := &cappedWriter{f: f, limit: MaxContentSize}
	sums, err := digest.Reader(io.TeeReader(r, w))
	if cerr := f.Close(); w.err == nil && cerr != nil {
		w.err = cerr
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	if w.err != nil {
		c.Close()
		return nil, fmt.Errorf("keep a copy of %s to re-derive its components: %w", name, w.err)
	}
	c.digests = map[string]string{"sha256": sums.SHA256, "sha512": sums.SHA512}
	if w.over {
		c.err = fmt.Errorf("%s is %d bytes, over the limit of %d for re-deriving its components", name, sums.Size, MaxContentSize)
		os.RemoveAll(c.dir)
		c.dir, c.path = "", ""
	}
	return c, nil
}

// Digests are the SHA-256 and SHA-512 of the bytes read.
func (c *Content) Digests() map[string]string {
	out := make(map[string]string, len(c.digests))
	for k, v := range c.digests {
		out[k] = v
	}
	return out
}

// Close removes the copy. It is safe to call more than once.
func (c *Content) Close() error {
	if c == nil || c.dir == "" {
		return nil
	}
	err := os.RemoveAll(c.dir)
	c.dir, c.path = "", ""
	return err
}

// cappedWriter writes to f until limit bytes were written, then only
// counts: hashing goes on over the whole input. A write failure is
// remembered, so that it is told apart from a read failure of the source.
type cappedWriter struct {
	f     *os.File
	limit int64
	n     int64
	over  bool
	err   error
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if w.over || w.err != nil {
		return len(p), nil
	}
	if w.n+int64(len(p)) > w.limit {
		w.over = true
		return len(p), nil
	}
	n, err := w.f.Write(p)
	w.n += int64(n)
	if err != nil {
		w.err = err
	}
	return len(p), nil
}

// deriveFunc is the policy's way to re-derive the artifact; nil without
// content (a digest-only subject), which fails the requirement.
func (c *Content) deriveFunc() func(context.Context) (*policy.Derived, error) {
	if c == nil {
		return nil
	}
	return func(ctx context.Context) (*policy.Derived, error) {
		doc, warnings, err := c.derive(ctx)
		if err != nil {
			return nil, err
		}
		return &policy.Derived{Document: doc, Warnings: warnings}, nil
	}
}

// derive catalogs the spooled artifact with the registry of every
// ecosystem compiled in, within the archive limits. An artifact the
// catalog cannot read (an unknown kind, an archive over its limits, a
// source that fails, a file of a known kind left unread) is an error:
// re-deriving must not pass on a partial view. Other warnings are
// returned with the document.
func (c *Content) derive(ctx context.Context) (*sbom.Document, []string, error) {
	if c.err != nil {
		return nil, nil, c.err
	}
	if c.path == "" {
		return nil, nil, errors.New("the artifact's copy was already removed")
	}
	return deriveSource(ctx, c.path, c.dir)
}

// DeriveSource re-derives, for the policy, the components of an artifact
// that is not a file vouch read: a catalog source such as a container
// image by digest (registry:REPO@sha256:..., oci-dir:PATH), with the
// catalog and the rules [Content] uses; check, when not nil, is given the
// document first, to tie it to the digest verified (an image's own
// digest in its root component). It is [Subject.Derive].
func DeriveSource(src string, check func(*sbom.Document) error) func(context.Context) (*policy.Derived, error) {
	return func(ctx context.Context) (*policy.Derived, error) {
		dir, err := os.MkdirTemp("", "vouch-verify-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		doc, warnings, err := deriveSource(ctx, src, dir)
		if err == nil && check != nil {
			err = check(doc)
		}
		if err != nil {
			return nil, err
		}
		return &policy.Derived{Document: doc, Warnings: warnings}, nil
	}
}

// deriveSource catalogs src, its temporary files in dir.
func deriveSource(ctx context.Context, src, dir string) (*sbom.Document, []string, error) {
	res, err := catalog.Run(ctx, []string{src}, catalog.Options{
		TempDir: dir,
		// Licences are not compared: do not read the verifier's module
		// cache for them.
		ModCache: filepath.Join(dir, "no-module-cache"),
		Limits:   cataloger.DefaultLimits(),
		Created:  time.Unix(0, 0).UTC(),
		Workers:  1,
	})
	if err != nil {
		return nil, nil, err
	}
	if len(res.Errors) > 0 {
		var msgs []string
		for _, e := range res.Errors {
			msgs = append(msgs, e.Error())
		}
		// Each error names the file (the artifact's name, "!" and an
		// entry's inside an archive).
		return nil, nil, errors.New(strings.Join(msgs, "; "))
	}
	if err := notRead(res.Files); err != nil {
		return nil, nil, err
	}
	var warnings []string
	for _, w := range res.Warnings {
		warnings = append(warnings, w.String())
	}
	return res.Document, warnings, nil
}

// notRead is an error naming every file of a kind the catalog reads that
// it left out of the derived document (unreadable, shadowed, a link, a
// manifest without its lockfile), or nil. Such a file may ship exactly
// what an SBOM omits: the rest of the artifact is not a basis for a pass.
func notRead(files []sbom.FileStatus) error {
	var msgs []string
	for _, f := range files {
		if f.NotRead != "" {
			msgs = append(msgs, f.Path+": "+f.NotRead)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%d file(s) of the artifact could not be catalogued: %s", len(msgs), strings.Join(msgs, "; "))
}
