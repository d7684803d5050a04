package trust

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tuf"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// The embedded snapshots of the public-good and staging trusted roots, used
// offline when no TUF cache exists. See snapshot/ORIGIN.
var (
	//go:embed snapshot/production.trusted_root.json
	productionSnapshot []byte
	//go:embed snapshot/staging.trusted_root.json
	stagingSnapshot []byte
)

// SnapshotDate is the validity start of the newest key in the embedded
// public-good snapshot (Rekor v2 log2025-1). Bundles depending on keys
// Sigstore added later verify only online or from a fresher TUF cache.
const SnapshotDate = "2025-09-23"

// TrustedRootTarget is the TUF target holding the Sigstore TrustedRoot.
const TrustedRootTarget = "trusted_root.json"

// cacheValidityDays is how long a TUF refresh is trusted before the next
// run refreshes again: one network round trip per day, not per run.
const cacheValidityDays = 1

// maxTUFDownload bounds any one TUF metadata or target download.
const maxTUFDownload = 16 << 20

// Options configures [PublicGood].
type Options struct {
	// CacheDir holds the TUF metadata and targets; default
	// os.UserCacheDir()/vouch/tuf.
	CacheDir string
	// Offline never touches the network: the TUF cache if it holds a
	// verified trusted root, else the embedded snapshot.
	Offline bool
	// Staging selects the Sigstore staging instance instead of public good.
	Staging bool
	// HTTPClient fetches TUF metadata online; default http.DefaultClient.
	HTTPClient *http.Client
}

// Root is a trusted root together with where it came from.
type Root struct {
	*root.TrustedRoot
	// Source says where the root came from, for reports: "tuf <mirror>",
	// "tuf cache <dir>" or "embedded snapshot <date>".
	Source string
}

// PublicGood returns the Sigstore public-good (or staging) trusted root.
//
// Online, sigstore-go's TUF client, anchored in its embedded TUF root,
// refreshes the metadata at most once a day into the cache and returns the
// verified trusted_root.json target; a failed refresh is an error, never a
// silent fallback. Offline, the network is never used: the cached target
// if the cache verifies, else the embedded snapshot (see [SnapshotDate]).
func PublicGood(ctx context.Context, opts Options) (*Root, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	mirror, tufRoot, snapshot := tuf.DefaultMirror, tuf.DefaultRoot(), productionSnapshot
	if opts.Staging {
		mirror, tufRoot, snapshot = tuf.StagingMirror, tuf.StagingRoot(), stagingSnapshot
	}
	cacheDir := opts.CacheDir
	if cacheDir == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			cacheDir = filepath.Join(dir, "vouch", "tuf")
		}
	}

	if opts.Offline {
		if cacheDir != "" {
			if tr, err := fromCache(ctx, cacheDir, mirror, tufRoot); err == nil {
				return &Root{TrustedRoot: tr, Source: "tuf cache " + cacheDir}, nil
			}
		}
		tr, err := ParseTrustedRoot(snapshot)
		if err != nil {
			return nil, fmt.Errorf("embedded trusted root snapshot: %w", err)
		}
		return &Root{TrustedRoot: tr, Source: "embedded snapshot " + SnapshotDate}, nil
	}

	topts := &tuf.Options{
		Root:              tufRoot,
		RepositoryBaseURL: mirror,
		CachePath:         cacheDir,
		CacheValidity:     cacheValidityDays,
		Fetcher:           &httpFetcher{ctx: ctx, client: opts.HTTPClient},
		Context:           ctx,
	}
	if cacheDir == "" {
		topts.DisableLocalCache = true
	} else if err := os.MkdirAll(cacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("tuf cache %q: %w", cacheDir, err)
	}
	client, err := tuf.New(topts)
	if err != nil {
		return nil, fmt.Errorf("update sigstore trusted root through TUF from %s (offline mode uses the cache or the embedded snapshot): %w", mirror, err)
	}
	data, err := client.GetTarget(TrustedRootTarget)
	if err != nil {
		return nil, fmt.Errorf("fetch %s through TUF from %s: %w", TrustedRootTarget, mirror, err)
	}
	tr, err := ParseTrustedRoot(data)
	if err != nil {
		return nil, fmt.Errorf("TUF target %s from %s: %w", TrustedRootTarget, mirror, err)
	}
	return &Root{TrustedRoot: tr, Source: "tuf " + mirror}, nil
}

// fromCache reads the trusted root from an existing TUF cache without the
// network: metadata must verify from disk (ForceCache) and the fetcher
// refuses every download, so an expired or partial cache is an error.
func fromCache(ctx context.Context, cacheDir, mirror string, tufRoot []byte) (*root.TrustedRoot, error) {
	// Without cached metadata there is nothing to read, and sigstore-go
	// would otherwise start writing a fresh cache.
	if _, err := os.Stat(filepath.Join(cacheDir, tuf.URLToPath(mirror), "timestamp.json")); err != nil {
		return nil, err
	}
	client, err := tuf.New(&tuf.Options{
		Root:              tufRoot,
		RepositoryBaseURL: mirror,
		CachePath:         cacheDir,
		ForceCache:        true,
		Fetcher:           offlineFetcher{},
		Context:           ctx,
	})
	if err != nil {
		return nil, err
	}
	data, err := client.GetTarget(TrustedRootTarget)
	if err != nil {
		return nil, err
	}
	return ParseTrustedRoot(data)
}

// errOffline is what the offline fetcher answers every download with.
var errOffline = errors.New("offline: network access disabled")

type offlineFetcher struct{}

func (offlineFetcher) DownloadFile(url string, _ int64, _ time.Duration) ([]byte, error) {
	return nil, fmt.Errorf("download %s: %w", url, errOffline)
}

// httpFetcher is the TUF fetcher for online mode: bounded reads, the
// caller's context, one attempt (a retry loop belongs to the caller).
type httpFetcher struct {
	ctx    context.Context
	client *http.Client
}

func (f *httpFetcher) DownloadFile(url string, maxLength int64, _ time.Duration) ([]byte, error) {
	if maxLength <= 0 || maxLength > maxTUFDownload {
		maxLength = maxTUFDownload
	}
	req, err := http.NewRequestWithContext(f.ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "vouch")
	client := f.client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// go-tuf reads a 403/404 on the next root version as "no
		// rotation": it must see its own error type.
		return nil, &metadata.ErrDownloadHTTP{StatusCode: resp.StatusCode, URL: url}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxLength+1))
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", url, err)
	}
	if int64(len(data)) > maxLength {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("download %s: larger than %d bytes", url, maxLength)}
	}
	return data, nil
}
