package pep740

import (
	"regexp"
	"strings"

	"github.com/vouchdev/vouch/pkg/verify/npm"
)

// nameRuns are the runs PyPI's name normalization folds into one "-"
// (PEP 503).
var nameRuns = regexp.MustCompile(`[-_.]+`)

// NormalizeName is a project name as PyPI compares names (PEP 503):
// lower-case, each run of "-", "_" and "." one "-".
func NormalizeName(name string) string {
	return nameRuns.ReplaceAllString(strings.ToLower(name), "-")
}

// DistributionPURL returns the package URL of the release a distribution
// filename belongs to, pkg:pypi/<normalized name>@<version>: an sdist is
// NAME-VERSION.tar.gz (or .zip), a wheel NAME-VERSION[-BUILD]-PY-ABI-PLATFORM.whl
// (PEP 427, PEP 625). ok is false for anything else.
func DistributionPURL(filename string) (string, bool) {
	var name, version string
	switch {
	case strings.HasSuffix(filename, ".whl"):
		parts := strings.Split(strings.TrimSuffix(filename, ".whl"), "-")
		if len(parts) != 5 && len(parts) != 6 {
			return "", false
		}
		name, version = parts[0], parts[1]
	case strings.HasSuffix(filename, ".tar.gz"), strings.HasSuffix(filename, ".zip"):
		stem := strings.TrimSuffix(strings.TrimSuffix(filename, ".tar.gz"), ".zip")
		i := strings.LastIndex(stem, "-")
		if i < 0 {
			return "", false
		}
		name, version = stem[:i], stem[i+1:]
	default:
		return "", false
	}
	if name == "" || version == "" || strings.ContainsAny(filename, "/\\@?#%") {
		return "", false
	}
	return "pkg:pypi/" + NormalizeName(name) + "@" + strings.ToLower(version), true
}

// SubjectPURL is the canonical package URL a statement subject's name
// stands for: a PyPI package URL with its name normalized, a distribution
// filename's release ([DistributionPURL]), or any other package URL in
// npm.CanonicalPURL's spelling. ok is false for a name that is neither.
func SubjectPURL(name string) (string, bool) {
	if !strings.HasPrefix(name, "pkg:") {
		return DistributionPURL(name)
	}
	c, ok := npm.CanonicalPURL(name)
	if !ok {
		return "", false
	}
	rest, isPyPI := strings.CutPrefix(c, "pkg:pypi/")
	if !isPyPI || strings.ContainsAny(rest, "?#/") {
		return c, true
	}
	i := strings.LastIndex(rest, "@")
	if i <= 0 || i == len(rest)-1 {
		return "", false
	}
	return "pkg:pypi/" + NormalizeName(rest[:i]) + "@" + strings.ToLower(rest[i+1:]), true
}

// IsPyPIPURL reports whether a package URL is of type pypi.
func IsPyPIPURL(purl string) bool {
	c, ok := npm.CanonicalPURL(purl)
	return ok && strings.HasPrefix(c, "pkg:pypi/")
}
