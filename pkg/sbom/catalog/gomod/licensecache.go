package gomod

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/google/licensecheck"

	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

// Licence results are cached between runs by the content of the licence
// file, not by the module that holds it.
//
// The key is the SHA-256 of the file's bytes together with a fingerprint of
// the scan (licensecheck's version and vouch's own thresholds and licence
// lists). It names the whole input of the computation: an entry is reused
// only for the very bytes it was computed from, by the same scanner. That is
// stronger than keying by module@version or by the go.sum h1: hash, which
// the go command checked when it downloaded the module but which nothing
// re-checks once the files sit extracted in the module cache: an edited
// module cache misses instead of being served its old licences. Keying by
// content also covers licence files outside any module (a local
// replacement, the main module, a binary's source checkout), and shares one
// entry among the many modules with byte-identical licence texts.
//
// What a cache can still do is answer wrongly for bytes it saw: it is kept
// only where no other account can write it (internal/diskcache checks owner
// and mode), the one who can is the user who can equally rewrite the module
// cache the licences come from, and a value naming anything but licence IDs
// the scanner itself can produce is discarded and the text rescanned.
// `--no-cache` scans everything afresh.

// cacheKey is the cache key of the licence text whose SHA-256 is sum.
func cacheKey(sum [sha256.Size]byte) string {
	return "license/" + scanFingerprint() + "/" + hex.EncodeToString(sum[:])
}

// scanFingerprint identifies the scan: licensecheck's module version and
// every setting of vouch's that changes what a text yields.
var scanFingerprint = sync.OnceValue(func() string {
	version := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/google/licensecheck" {
				version = d.Version + " " + d.Sum
			}
		}
	}
	h := sha256.New()
	fmt.Fprintf(h, "licensecheck %s\nmin %d fast %d\ncommon %s\nnotSPDX %s\n", version, minCoverage, fastCoverage,
		strings.Join(commonLicenses, " "), strings.Join(slices.Sorted(maps.Keys(notSPDX)), " "))
	return hex.EncodeToString(h.Sum(nil))[:16]
})

// knownIDs are the IDs scanLicenseText can return: licensecheck's built-in
// licences, those off the SPDX list as LicenseRef-.
var knownIDs = sync.OnceValue(func() map[string]bool {
	ids := map[string]bool{}
	for _, l := range licensecheck.BuiltinLicenses() {
		id := l.ID
		if notSPDX[id] {
			id = "LicenseRef-" + id
		}
		ids[id] = true
	}
	return ids
})

// cachedIDs returns the IDs cache holds under key, when they are all IDs
// the scanner could have produced ("" is a text with no licence found).
func cachedIDs(cache cataloger.Cache, key string) ([]string, bool) {
	if cache == nil {
		return nil, false
	}
	v, ok := cache.Get(key)
	if !ok {
		return nil, false
	}
	ids := strings.Fields(v)
	for _, id := range ids {
		if !knownIDs()[id] {
			return nil, false
		}
	}
	if len(ids) == 0 {
		return nil, true
	}
	return ids, true
}

// warmUp starts building the licence scanners (see [Prewarm]) when a run
// meets its first go.mod, so that the work overlaps with reading the
// module's requirements. Not before: a tree without Go modules scans no
// licence text, and building them costs about a second of CPU. Nor with a
// licence cache that has entries: then most texts are not scanned at all,
// and the scanners are built on the first miss.
func warmUp(cfg cataloger.Config) { WarmUp(cfg.LicenseCache) }

// WarmUp starts building the licence scanners in the background, once per
// process, unless cache already holds results (then most texts are not
// scanned at all): what a cataloger about to scan licence files (a go.mod,
// an installed package tree) calls first, so that the build overlaps with
// its reading.
func WarmUp(cache cataloger.Cache) {
	if cache != nil && cache.Len() > 0 {
		return
	}
	prewarmOnce.Do(Prewarm)
}

// prewarmOnce starts the scanners' construction once per process.
var prewarmOnce sync.Once
