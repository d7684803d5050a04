package gomod

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/google/licensecheck"
	"golang.org/x/mod/module"

	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

// minCoverage is the share of a licence file's words (in percent) that
// licensecheck's matches must cover for the file to count. Below it the file
// is mostly something else (a README-like text, a long list of third-party
// notices) and naming only the matched part would overstate what is known.
const minCoverage = 75

// fastCoverage is the coverage at which the small common-licence scanner's
// answer is final. When a common licence's pattern accounts for (nearly)
// every word, no other built-in licence can cover more, so the full scanner
// would give the same answer; below it the full scanner decides.
const fastCoverage = 99

// commonLicenses are the licences of nearly all Go modules (the permissive
// ones first, then the copyleft and documentation licences found in module
// roots). licensecheck's full built-in set (over 500 licences) takes more than
// a second of CPU to compile; a scanner for these builds in under a tenth of
// that. The full set is compiled, once per process, only when a file is not
// (almost) entirely made of these.
var commonLicenses = []string{
	"0BSD", "Apache-2.0", "BSD-2-Clause", "BSD-2-Clause-Patent", "BSD-3-Clause", "BSL-1.0",
	"BlueOak-1.0.0", "CC0-1.0", "ISC", "MIT", "MIT-0", "NCSA", "PostgreSQL", "Unlicense",
	"WTFPL", "X11", "Zlib",
	"AGPL-3.0", "CDDL-1.0", "CDDL-1.1", "EPL-1.0", "EPL-2.0", "EUPL-1.2", "GPL-2.0",
	"GPL-2.0-or-later", "GPL-3.0", "GPL-3.0-or-later", "LGPL-2.1", "LGPL-2.1-or-later",
	"LGPL-3.0", "MPL-2.0",
	"CC-BY-4.0", "CC-BY-SA-4.0",
}

var fastScanner = sync.OnceValue(func() *licensecheck.Scanner {
	var list []licensecheck.License
	for _, l := range licensecheck.BuiltinLicenses() {
		if l.LRE != "" && slices.Contains(commonLicenses, l.ID) {
			list = append(list, l)
		}
	}
	s, err := licensecheck.NewScanner(list)
	if err != nil {
		// The patterns are licensecheck's own; if they fail to compile the
		// full scanner (which panics on the same error) is no better, so
		// fall back to it and let every file take the slow path.
		return nil
	}
	return s
})

// notSPDX maps licensecheck's IDs that are not on the SPDX licence list to
// LicenseRef- identifiers, so that every expression vouch writes is valid SPDX.
// (licensecheck/licenses/README.md lists its additions to SPDX.)
var notSPDX = map[string]bool{
	"Aladdin-9": true, "Anti996": true, "BSD-1-Clause-Clear": true, "BSD-3-Clause-NoTrademark": true,
	"CommonsClause": true, "CC-BY-NC-SA-3.0-US": true, "LGPL-2.0-or-3.0": true, "GFDL-1.1": true,
	"GFDL-1.2": true, "GFDL-1.3": true, "GooglePatentClause": true, "GooglePatentsFile": true,
	"MIT-NoAd": true, "Prosperity-3.0.0": true,
}

// sourceExts are extensions of files named like licences that are code
// (licensecheck's own license.go, for one).
var sourceExts = map[string]bool{
	".go": true, ".s": true, ".c": true, ".h": true, ".py": true, ".js": true, ".ts": true,
	".rs": true, ".java": true, ".json": true, ".yaml": true, ".yml": true, ".toml": true,
	".html": true, ".css": true, ".sh": true, ".proto": true, ".tmpl": true, ".xml": true,
}

// isLicenseFile reports whether a file name is a licence file: LICENSE*,
// LICENCE* or COPYING* in any case, such as LICENSE, LICENSE.md,
// LICENSE-APACHE, COPYING.LESSER. NOTICE files are attributions, not licences.
func isLicenseFile(name string) bool {
	lower := strings.ToLower(name)
	// "MIT-LICENSE" (Rails and many Ruby and JavaScript projects) names
	// the licence before the word.
	base := strings.TrimSuffix(lower, filepath.Ext(lower))
	for _, suffix := range []string{"-license", "_license", "-licence", "_licence"} {
		if strings.HasSuffix(base, suffix) && len(base) > len(suffix) && !sourceExts[filepath.Ext(lower)] {
			return true
		}
	}
	for _, p := range []string{"license", "licence", "copying", "unlicense"} {
		rest, ok := strings.CutPrefix(lower, p)
		if !ok {
			continue
		}
		if rest == "" {
			return true
		}
		if strings.ContainsRune("-_.", rune(rest[0])) {
			return !sourceExts[filepath.Ext(lower)]
		}
	}
	return false
}

// detectLicense returns the SPDX expression of the licence files in dir,
// consulting cache (which may be nil) for texts scanned in earlier runs.
// found reports whether dir holds any licence file; expr is "" when none of
// them was identified.
func detectLicense(cache cataloger.Cache, dir string) (expr string, found bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", false
	}
	var ids []string
	for _, e := range entries {
		if !e.Type().IsRegular() || !isLicenseFile(e.Name()) {
			continue
		}
		found = true
		data, err := readLimited(filepath.Join(dir, e.Name()), MaxLicenseSize)
		if err != nil {
			continue
		}
		ids = append(ids, scanLicense(cache, data)...)
	}
	slices.Sort(ids)
	return strings.Join(slices.Compact(ids), " AND "), found
}

// scanLicense returns the SPDX IDs of the licences in one file's text, or
// nil when they cover less than minCoverage of it.
func scanLicense(cache cataloger.Cache, text []byte) []string {
	// Many modules ship byte-identical licence files (every golang.org/x
	// module, the Apache text): scan each distinct text once per process,
	// and once per machine when a cache is kept.
	sum := sha256.Sum256(text)
	if ids, ok := scanned.Load(sum); ok {
		return ids.([]string)
	}
	key := cacheKey(sum)
	if ids, ok := cachedIDs(cache, key); ok {
		scanned.Store(sum, ids)
		return ids
	}
	ids := scanLicenseText(text)
	scanned.Store(sum, ids)
	if cache != nil {
		cache.Put(key, strings.Join(ids, " "))
	}
	return ids
}

// scanned memoises scanLicense by the SHA-256 of the text.
var scanned sync.Map

// Prewarm builds the licence scanners in the background. Building its
// automaton costs a few hundred milliseconds of CPU; a caller that will scan
// licences soon (the catalog, before walking a tree) starts it early so that
// the work overlaps with reading files.
func Prewarm() {
	go fastScanner()
	// The full scanner is the fallback for texts the common set does not
	// cover; trees of any size almost always have one.
	go licensecheck.Scan(nil)
}

func scanLicenseText(text []byte) []string {
	var cov licensecheck.Coverage
	if s := fastScanner(); s != nil {
		cov = s.Scan(text)
	}
	if cov.Percent < fastCoverage {
		cov = licensecheck.Scan(text)
	}
	if cov.Percent < minCoverage {
		return nil
	}
	ids := make([]string, 0, len(cov.Match))
	for _, m := range cov.Match {
		id := m.ID
		if notSPDX[id] {
			id = "LicenseRef-" + id
		}
		ids = append(ids, id)
	}
	return ids
}

// ModuleLicense returns the SPDX expression of the licence files of module
// path@version as extracted in the module cache (modCache "" means the
// default location), or "" when the module is not there or its licence is
// not identified. Other catalogers use it for modules they know only by
// name and version, such as those listed in a binary's build info. cache
// (nil for none) keeps scan results between runs.
func ModuleLicense(cache cataloger.Cache, modCache, path, version string) string {
	if modCache == "" {
		modCache = defaultModCache()
	}
	c := &reader{modCache: modCache}
	_, dir := c.cacheDirs(module.Version{Path: path, Version: version})
	if dir == "" {
		return ""
	}
	expr, _ := detectLicense(cache, dir)
	return expr
}

// DirLicense returns the SPDX expression of the licence files in dir (a
// module's root), or "" when there are none or none is identified. cache
// (nil for none) keeps scan results between runs.
func DirLicense(cache cataloger.Cache, dir string) string {
	expr, _ := detectLicense(cache, dir)
	return expr
}
