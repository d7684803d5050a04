package attest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	ita "github.com/in-toto/attestation/go/v1"

	"github.com/vouchdev/vouch/internal/parallel"
	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
)

// NewSubject returns the subject named name with d's SHA-256 and SHA-512
// digests: for callers that already digested the artifact (a release reads
// each artifact once for its SBOM, its signature and its subject).
func NewSubject(name string, d digest.Digests) *ita.ResourceDescriptor {
	return &ita.ResourceDescriptor{
		Name: name,
		Digest: map[string]string{
			string(ita.AlgorithmSHA256): d.SHA256,
			string(ita.AlgorithmSHA512): d.SHA512,
		},
	}
}

// SubjectsFromFiles digests the named files and returns one subject per file,
// named by its base name and sorted by name. Each file is read once for both
// digests; files are read in parallel, at most GOMAXPROCS at a time.
//
// Two different paths with the same base name are refused: their subjects
// could not be told apart by name. The same path named twice counts once.
// Only regular files (or symbolic links to them) are read: a directory or a
// device is an error, not a silent skip.
func SubjectsFromFiles(ctx context.Context, paths []string) ([]*ita.ResourceDescriptor, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no artifacts to digest")
	}
	files, err := uniqueFiles(paths)
	if err != nil {
		return nil, err
	}
	subjects := make([]*ita.ResourceDescriptor, len(files))
	err = parallel.Each(ctx, len(files), 0, func(ctx context.Context, i int) error {
		d, err := digestFile(ctx, files[i])
		if err != nil {
			return err
		}
		subjects[i] = NewSubject(filepath.Base(files[i]), d)
		return nil
	})
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("digest artifacts: %w", err)
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(subjects, func(a, b *ita.ResourceDescriptor) int { return strings.Compare(a.Name, b.Name) })
	return subjects, nil
}

// uniqueFiles cleans and de-duplicates paths and refuses base-name clashes.
func uniqueFiles(paths []string) ([]string, error) {
	seen := map[string]string{} // base name -> path
	var out []string
	for _, p := range paths {
		c := filepath.Clean(p)
		base := filepath.Base(c)
		if prev, ok := seen[base]; ok {
			if prev == c {
				continue
			}
			return nil, fmt.Errorf("%s and %s: two artifacts named %q; subjects are named by base name and must be unique", prev, p, base)
		}
		seen[base] = c
		out = append(out, c)
	}
	return out, nil
}

func digestFile(ctx context.Context, path string) (digest.Digests, error) {
	// Opened without blocking: a FIFO would otherwise wait for a writer.
	f, _, err := safefile.Open("artifact", path)
	if errors.Is(err, safefile.ErrNotRegular) {
		if fi, serr := os.Stat(path); serr == nil && fi.IsDir() {
			return digest.Digests{}, fmt.Errorf("%s: is a directory; name the artifact files in it", path)
		}
	}
	if err != nil {
		return digest.Digests{}, err
	}
	defer f.Close()
	d, err := digest.Reader(ctxReader{ctx, f})
	if err != nil {
		return digest.Digests{}, fmt.Errorf("read %s: %w", path, err)
	}
	return d, nil
}

// ctxReader stops a long read when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
