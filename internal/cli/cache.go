package cli

import (
	"fmt"
	"path/filepath"

	"github.com/vouchdev/vouch/internal/diskcache"
)

// licenseCacheFile is the licence cache's file in its directory,
// <cache dir>/licenses/.
const licenseCacheFile = "cache.json"

// openLicenseCache opens the licence cache of a run (internal/diskcache):
// $VOUCH_CACHE_DIR/licenses, else os.UserCacheDir()/vouch/licenses. It
// returns nil, and the run scans every licence text, with --no-cache, when
// no cache directory is known, or when the cache cannot be used; the last
// is a warning only when the user named the directory, since a read-only
// or shared home is no problem of the run's.
func (e *env) openLicenseCache(noCache, quiet bool) *diskcache.Cache {
	if noCache {
		return nil
	}
	dir, explicit := diskcache.Dir()
	if dir == "" {
		return nil
	}
	c, err := diskcache.Open(filepath.Join(dir, "licenses"), licenseCacheFile)
	if err != nil {
		if explicit && !quiet {
			fmt.Fprintf(e.stderr, "vouch: warning: $%s: %v; licences are scanned without a cache\n", diskcache.EnvDir, err)
		}
		return nil
	}
	return c
}

// flushLicenseCache writes what the run added to the cache; failing to is
// a warning, since the SBOM does not depend on it.
func (e *env) flushLicenseCache(c *diskcache.Cache, quiet bool) {
	if err := c.Flush(); err != nil && !quiet {
		fmt.Fprintf(e.stderr, "vouch: warning: licence cache not updated: %v\n", err)
	}
}
