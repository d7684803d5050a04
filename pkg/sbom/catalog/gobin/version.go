package gobin

import (
	"fmt"
	"runtime/debug"
	"slices"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// resolution is a resolved main-module version and where it came from.
type resolution struct {
	version  string
	source   string // one of the sbom.VersionFrom* values
	warnings []string
}

// resolveVersion picks the main module's version in the order the package
// documentation gives. It is a pure function of the build info, so that the
// whole order is table-tested without building tagged releases.
func resolveVersion(bi *debug.BuildInfo, flag string, tagFor func(string) (string, bool)) resolution {
	if flag != "" {
		return resolution{version: flag, source: sbom.VersionFromFlag}
	}
	var res resolution
	modified := setting(bi, "vcs.modified") == "true"
	if rev := setting(bi, "vcs.revision"); rev != "" && tagFor != nil {
		if tag, ok := tagFor(rev); ok && tag != "" {
			res = resolution{version: tag, source: sbom.VersionFromGitTag}
			if modified {
				res.warnings = append(res.warnings, fmt.Sprintf(
					"built from a modified working tree at %s: the binary may differ from release %s", rev, tag))
			}
			return res
		}
	}
	mv := bi.Main.Version
	if isRelease(mv) {
		return resolution{version: mv, source: sbom.VersionFromBuild}
	}
	lv, lwarn := ldflagsVersion(setting(bi, "-ldflags"))
	if lwarn != "" {
		res.warnings = append(res.warnings, lwarn)
	}
	if lv != "" {
		res.version, res.source = lv, sbom.VersionFromLdflags
		return res
	}
	if module.IsPseudoVersion(mv) {
		res.version, res.source = mv, sbom.VersionFromPseudo
		res.warnings = append(res.warnings, fmt.Sprintf(
			"main module version %s is a pseudo-version: no release tag was found for the built commit; pass --version to name the release", mv))
		return res
	}
	res.source = sbom.VersionUnknown
	what := "build info has none"
	switch {
	case mv == "(devel)":
		what = "build info says (devel)"
	case mv != "":
		what = fmt.Sprintf("build info has %q, not a semantic version", mv)
	}
	res.warnings = append(res.warnings, fmt.Sprintf(
		"main module version unknown (%s, no release tag, no -X ...version=vX.Y.Z in -ldflags): pass --version", what))
	return res
}

// isRelease reports whether v is a semantic version that is neither a
// pseudo-version nor "(devel)". "+dirty" builds of a tagged commit count:
// the suffix keeps the SBOM honest about the modified tree.
func isRelease(v string) bool {
	return fullSemver(v) && !module.IsPseudoVersion(v)
}

// fullSemver reports whether v is a semantic version with all three
// numbers: x/mod/semver also accepts the shorthands "v1" and "v1.2", which a
// version variable set to a branch or series name ("1.2") must not pass for.
func fullSemver(v string) bool {
	core, _, _ := strings.Cut(v, "+")
	core, _, _ = strings.Cut(core, "-")
	return semver.IsValid(v) && strings.Count(core, ".") == 2
}

// setting returns the value of a build setting, or "".
func setting(bi *debug.BuildInfo, key string) string {
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// ldflagsVersion finds a semantic version set with -X in the recorded
// -ldflags, on a variable whose name ends in "version" or "Version"
// ("main.version", "example.com/cli/internal/build.Version"). The value is
// kept as written; without its "v" it must still be semantic
// ("1.2.3"). Several different versions are ambiguous: none is chosen, and
// the warning says why.
func ldflagsVersion(ldflags string) (version, warning string) {
	args := splitQuoted(ldflags)
	var found []string
	for i := 0; i < len(args); i++ {
		var val string
		switch a := args[i]; {
		case a == "-X" || a == "--X":
			if i+1 >= len(args) {
				continue
			}
			i++
			val = args[i]
		case strings.HasPrefix(a, "-X="):
			val = a[len("-X="):]
		case strings.HasPrefix(a, "--X="):
			val = a[len("--X="):]
		default:
			continue
		}
		name, v, ok := strings.Cut(val, "=")
		if !ok || !(strings.HasSuffix(name, "version") || strings.HasSuffix(name, "Version")) {
			continue
		}
		if fullSemver(v) || (!strings.HasPrefix(v, "v") && fullSemver("v"+v)) {
			found = append(found, v)
		}
	}
	slices.Sort(found)
	found = slices.Compact(found)
	switch len(found) {
	case 0:
		return "", ""
	case 1:
		return found[0], ""
	}
	return "", fmt.Sprintf("-ldflags set several versions (%s): none is used", strings.Join(found, ", "))
}

// splitQuoted splits s at unquoted spaces, removing single or double quotes
// around a field, the way the go command splits -ldflags (cmd/internal/quoted).
// An unterminated quote runs to the end of s.
func splitQuoted(s string) []string {
	var (
		out   []string
		cur   strings.Builder
		quote rune
		in    bool
	)
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}
