package gobin

import (
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
)

func TestResolveVersionOrder(t *testing.T) {
	const rev = "0123456789abcdef0123456789abcdef01234567"
	const pseudo = "v1.2.4-0.20250101120000-0123456789ab"
	tags := func(rev2 string) (string, bool) {
		if rev2 == rev {
			return "v1.2.3", true
		}
		return "", false
	}
	info := func(mainVersion string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "example.com/m", Version: mainVersion}}
		for _, kv := range settings {
			k, v, _ := strings.Cut(kv, "=")
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: k, Value: v})
		}
		return bi
	}
	for _, tc := range []struct {
		name          string
		bi            *debug.BuildInfo
		flag          string
		tags          func(string) (string, bool)
		version, from string
		warning       string // substring of the only warning, "" for none
	}{
		{"flag beats everything", info(pseudo, "vcs.revision="+rev, "-ldflags=-X main.version=v0.9.0"), "v9.9.9", tags, "v9.9.9", sbom.VersionFromFlag, ""},
		{"tag beats build info", info("v1.0.0", "vcs.revision="+rev), "", tags, "v1.2.3", sbom.VersionFromGitTag, ""},
		{"tag on a modified tree warns", info(pseudo+"+dirty", "vcs.revision="+rev, "vcs.modified=true"), "", tags, "v1.2.3", sbom.VersionFromGitTag, "modified working tree"},
		{"no tag for the revision", info("v1.0.0", "vcs.revision=ffff"), "", tags, "v1.0.0", sbom.VersionFromBuild, ""},
		{"no tag lookup", info("v1.0.0", "vcs.revision="+rev), "", nil, "v1.0.0", sbom.VersionFromBuild, ""},
		{"release beats ldflags", info("v1.0.0", "-ldflags=-X main.version=v0.9.0"), "", nil, "v1.0.0", sbom.VersionFromBuild, ""},
		{"incompatible release", info("v2.0.0+incompatible"), "", nil, "v2.0.0+incompatible", sbom.VersionFromBuild, ""},
		{"dirty tagged build is still its release", info("v1.0.0+dirty"), "", nil, "v1.0.0+dirty", sbom.VersionFromBuild, ""},
		{"ldflags beat pseudo", info(pseudo, "-ldflags=-s -w -X main.version=v0.9.0"), "", nil, "v0.9.0", sbom.VersionFromLdflags, ""},
		{"ldflags on devel", info("(devel)", "-ldflags=-X 'example.com/m/internal/build.Version=2.1.0'"), "", nil, "2.1.0", sbom.VersionFromLdflags, ""},
		{"ldflags not semver", info(pseudo, "-ldflags=-X main.version=dev"), "", nil, pseudo, sbom.VersionFromPseudo, "pseudo-version"},
		{"pseudo", info(pseudo), "", nil, pseudo, sbom.VersionFromPseudo, "pseudo-version"},
		{"dirty pseudo", info(pseudo + "+dirty"), "", nil, pseudo + "+dirty", sbom.VersionFromPseudo, "pseudo-version"},
		{"devel", info("(devel)"), "", nil, "", sbom.VersionUnknown, "build info says (devel)"},
		{"empty", info(""), "", nil, "", sbom.VersionUnknown, "build info has none"},
		{"garbage", info("v1.2"), "", nil, "", sbom.VersionUnknown, `"v1.2", not a semantic version`},
		{"empty tag ignored", info("(devel)", "vcs.revision="+rev), "", func(string) (string, bool) { return "", true }, "", sbom.VersionUnknown, "pass --version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := resolveVersion(tc.bi, tc.flag, tc.tags)
			if got.version != tc.version || got.source != tc.from {
				t.Errorf("got %q from %q, want %q from %q", got.version, got.source, tc.version, tc.from)
			}
			switch {
			case tc.warning == "" && len(got.warnings) != 0:
				t.Errorf("unexpected warnings %q", got.warnings)
			case tc.warning != "" && (len(got.warnings) != 1 || !strings.Contains(got.warnings[0], tc.warning)):
				t.Errorf("warnings %q, want one containing %q", got.warnings, tc.warning)
			}
		})
	}
}

func TestLdflagsVersion(t *testing.T) {
	for _, tc := range []struct {
		ldflags, want string
		warn          bool
	}{
		{"-X main.version=v1.2.3", "v1.2.3", false},
		{"-s -w -X=main.Version=1.2.3", "1.2.3", false},
		{"--X main.appVersion=v1.2.3-rc.1", "v1.2.3-rc.1", false},
		{`-X "main.version=v1.2.3+meta"`, "v1.2.3+meta", false},
		{"-X main.commit=v1.2.3", "", false},                            // not a version variable
		{"-X main.version=1.2", "", false},                              // a series, not a version
		{"-X main.version=latest", "", false},                           // not semantic
		{"-X main.version", "", false},                                  // no value
		{"-X", "", false},                                               // dangling flag
		{"-X main.version=v1.0.0 -X b.Version=v1.0.0", "v1.0.0", false}, // agree
		{"-X main.version=v1.0.0 -X b.Version=v2.0.0", "", true},        // ambiguous
		{"", "", false},
		{"-X 'main.version=v1.2.3", "v1.2.3", false}, // unterminated quote runs to the end
	} {
		got, warn := ldflagsVersion(tc.ldflags)
		if got != tc.want || (warn != "") != tc.warn {
			t.Errorf("ldflagsVersion(%q) = %q, %q; want %q, warning %v", tc.ldflags, got, warn, tc.want, tc.warn)
		}
	}
}

func TestSplitQuoted(t *testing.T) {
	for in, want := range map[string][]string{
		`-s -w`:                               {"-s", "-w"},
		`-X 'a.b=c d'  -extldflags "-static"`: {"-X", "a.b=c d", "-extldflags", "-static"},
		`''`:                                  {""},
		"\t-s\n":                              {"-s"},
	} {
		if got := splitQuoted(in); !slices.Equal(got, want) {
			t.Errorf("splitQuoted(%q) = %q, want %q", in, got, want)
		}
	}
}
