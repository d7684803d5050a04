package vuln

import (
	"archive/zip"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	"github.com/google/osv-scalibr/enricher/vulnmatch/osvlocal"
	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/inventory"
	"github.com/google/osv-scalibr/plugin/config"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
)

// ecosystemCases are, per ecosystem folder of testdata/osv, components
// naming versions the real advisories there affect, versions they do not
// (fixed, before introduced, other packages), and edge forms (prerelease,
// scoped and namespaced names, case).
var ecosystemCases = map[string][]string{
	"npm": {
		"pkg:npm/lodash@4.17.20", "pkg:npm/lodash@4.17.21", "pkg:npm/lodash-es@4.17.15",
		"pkg:npm/lodash.template@4.5.0", "pkg:npm/%40babel/core@7.0.0",
	},
	"PyPI": {
		"pkg:pypi/requests@2.30.0", "pkg:pypi/requests@2.31.0", "pkg:pypi/requests@2.2.1",
		"pkg:pypi/requests@2.25.1", "pkg:pypi/django@4.2.0",
	},
	"Maven": {
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.12.1",
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.3", "pkg:maven/org.apache.logging.log4j/log4j-core@2.15.0",
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.12.2", "pkg:maven/org.apache.logging.log4j/log4j-api@2.14.1",
	},
	"crates.io": {"pkg:cargo/regex@1.5.4", "pkg:cargo/regex@1.5.5", "pkg:cargo/regex@0.1.80", "pkg:cargo/regex-syntax@0.6.25"},
	"RubyGems":  {"pkg:gem/nokogiri@1.10.10", "pkg:gem/nokogiri@1.11.0.rc3", "pkg:gem/nokogiri@1.11.0", "pkg:gem/rack@2.2.3"},
	"NuGet":     {"pkg:nuget/Newtonsoft.Json@12.0.3", "pkg:nuget/Newtonsoft.Json@13.0.1", "pkg:nuget/NUnit@3.13.3"},
	"Packagist": {
		"pkg:composer/guzzlehttp/guzzle@7.4.3", "pkg:composer/guzzlehttp/guzzle@6.5.6", "pkg:composer/guzzlehttp/guzzle@7.4.4",
		"pkg:composer/guzzlehttp/guzzle@3.8.1", "pkg:composer/guzzlehttp/psr7@1.8.2",
	},
	"Debian": {
		"pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy2?arch=amd64&distro=debian-7", "pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy3?arch=amd64&distro=debian-7",
		"pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy2?arch=amd64&distro=debian-8", "pkg:deb/debian/nginx-common@1.2.1-2.2%2Bwheezy2?distro=wheezy&upstream=nginx",
		"pkg:deb/debian/libc6@2.13-38%2Bdeb7u4?distro=debian-7&upstream=glibc",
	},
	"Alpine": {
		"pkg:apk/alpine/mariadb@10.5.15-r0?arch=x86_64&distro=alpine-3.14.2", "pkg:apk/alpine/mariadb@10.5.16-r0?arch=x86_64&distro=alpine-3.14.2",
		"pkg:apk/alpine/mariadb-client@10.4.24-r0?distro=alpine-3.12.0&upstream=mariadb", "pkg:apk/alpine/mariadb@10.6.7-r0?distro=alpine-3.18.4",
		"pkg:apk/alpine/musl@1.2.2-r3?distro=alpine-3.14.2",
	},
	"Go": {
		"pkg:golang/stdlib@go1.21.0", "pkg:golang/stdlib@go1.26.8", "pkg:golang/golang.org/x/net@v0.17.0",
		"pkg:golang/github.com/gin-gonic/gin@v1.6.0", "pkg:golang/golang.org/x/crypto@v0.0.0-20200622213623-75b288015ac9",
		"pkg:golang/gopkg.in/yaml.v2@v2.2.2", "pkg:golang/github.com/dgrijalva/jwt-go@v3.2.0%2Bincompatible",
		"pkg:golang/github.com/spf13/cobra@v1.10.2", "pkg:golang/github.com/golang-jwt/jwt/v4@v4.0.0",
	},
}

// TestSameAdvisoriesAsScalibr is the acceptance test of the matcher: for
// each ecosystem, osv-scalibr's own offline matcher (the osvlocal
// Enricher, its network refused) on the same database and the same
// packages reports exactly the advisory ids vouch reports, package by
// package. Each ecosystem has packages matched and packages not (the
// controls), so neither "everything" nor "nothing" passes.
func TestSameAdvisoriesAsScalibr(t *testing.T) {
	scalibrDir := t.TempDir()
	for eco, purls := range ecosystemCases {
		t.Run(eco, func(t *testing.T) {
			src := filepath.Join(goDB, eco)
			zipEcosystem(t, src, filepath.Join(scalibrDir, "osv-scalibr", eco, allZip))
			d := doc(purls...)

			db, err := Open(goDB)
			if err != nil {
				t.Fatal(err)
			}
			ms, err := db.Match(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			got := idsByPURL(ms)
			want := scalibrIDs(t, scalibrDir, d)
			hit, clean := 0, 0
			for _, p := range purls {
				if !slices.Equal(got[p], want[p]) {
					t.Errorf("%s: vouch reports %v, osv-scalibr %v", p, got[p], want[p])
				}
				if len(want[p]) > 0 {
					t.Logf("%s: %v", p, want[p])
					hit++
				} else {
					clean++
				}
			}
			if hit == 0 || clean == 0 {
				t.Errorf("%d packages affected, %d not: the case needs both", hit, clean)
			}
		})
	}
}

// zipEcosystem writes the all.zip osv-scalibr reads for an ecosystem
// folder (a copy of its all.zip, or its JSON files zipped).
func zipEcosystem(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(src, allZip)); err == nil {
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	files, err := filepath.Glob(filepath.Join(src, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: no OSV JSON files (%v)", src, err)
	}
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(filepath.Base(p))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// offlineClients gives osv-scalibr an HTTP client that refuses every
// request: its matcher must work from the local zip alone.
type offlineClients struct{ *config.DefaultClientFactories }

func (offlineClients) HTTPClient() *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return nil, errors.New("network refused in tests: " + r.URL.String())
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// scalibrIDs runs osv-scalibr's osvlocal Enricher, offline, on the
// packages of d (as vouch builds them) and returns the advisory ids per
// purl, sorted.
func scalibrIDs(t *testing.T, localPath string, d *sbom.Document) map[string][]string {
	t.Helper()
	cfg := &config.PluginConfig{
		ProtoConfig: &cpb.PluginConfig{PluginSpecific: []*cpb.PluginSpecificConfig{{
			Config: &cpb.PluginSpecificConfig_Osvlocal{Osvlocal: &cpb.OSVLocalConfig{LocalPath: localPath, Download: false}},
		}}},
		ClientFactories: offlineClients{config.NewDefaultClientFactories("vouch-test")},
	}
	e, err := osvlocal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	inv := &inventory.Inventory{}
	purlOf := map[*extractor.Package]string{}
	for i := range d.Components {
		p, ok := packageOf(&d.Components[i])
		if !ok {
			t.Fatalf("%s: not a package vouch matches", d.Components[i].PURL)
		}
		inv.Packages = append(inv.Packages, p.x)
		purlOf[p.x] = p.comp.PURL
	}
	if err := e.Enrich(context.Background(), nil, inv); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, pv := range inv.PackageVulns {
		p := purlOf[pv.Package]
		out[p] = append(out[p], pv.Vulnerability.GetId())
	}
	for p := range out {
		slices.Sort(out[p])
	}
	return out
}

// idsByPURL groups matches' advisory ids by component purl, sorted.
func idsByPURL(ms []Match) map[string][]string {
	out := map[string][]string{}
	for _, m := range ms {
		out[m.Component.PURL] = append(out[m.Component.PURL], m.Vulnerability.ID)
	}
	for p := range out {
		slices.Sort(out[p])
	}
	return out
}

// TestLockfilesSameAsScalibr: real lockfiles, catalogued as vouch sbom
// catalogues them, matched by vouch and by osv-scalibr's Enricher on the
// same packages and database: the same advisories per component, with
// components affected (at least want) and components not.
func TestLockfilesSameAsScalibr(t *testing.T) {
	for _, c := range []struct {
		dir, eco string
		want     int
	}{
		{"in-place-npm", "npm", 5},    // request, tough-cookie, semver, hosted-git-info twice
		{"python-fixture", "PyPI", 1}, // requests 2.20.0
		{"call-analysis-go-project", "Go", 3},
		// npm's lockfile of old releases: lodash, semver, hosted-git-info,
		// request and tough-cookie twice (4.1.2 and request's 2.5.0); not
		// lodash-es 4.17.21, the first fixed release.
		{"npm-old-versions", "npm", 6},
		// Real lockfiles vouch sbom's own tests read (see their ORIGIN),
		// whose versions have the fixes: Bitwarden's server API resolves
		// Newtonsoft.Json to 13.0.x (its packages ask for 12.0.2 and up),
		// terra-cli's Gradle lockfile has log4j-core 2.19.0; the Debian 12
		// and Alpine 3.18 package databases have neither nginx in Debian 7
		// nor mariadb in Alpine 3.12 to 3.16. No match, as osv-scalibr
		// finds none: the controls.
		{"../../sbom/ecosystem/dotnet/testdata/bitwarden-api", "NuGet", 0},
		{"../../sbom/ecosystem/java/testdata/terra-cli", "Maven", 0},
		{"../../sbom/ecosystem/debian/testdata/debian12", "Debian", 0},
		{"../../sbom/ecosystem/alpine/testdata/alpine318", "Alpine", 0},
	} {
		t.Run(c.dir, func(t *testing.T) {
			d := catalogued(t, filepath.Join("testdata", c.dir))
			if len(d.Components) == 0 {
				t.Fatal("no component catalogued")
			}
			scalibrDir := t.TempDir()
			zipEcosystem(t, filepath.Join(goDB, c.eco), filepath.Join(scalibrDir, "osv-scalibr", c.eco, allZip))
			db, err := Open(goDB)
			if err != nil {
				t.Fatal(err)
			}
			ms, err := db.Match(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			got, want := idsByPURL(ms), scalibrIDs(t, scalibrDir, d)
			hit := 0
			for _, comp := range d.Components {
				if !slices.Equal(got[comp.PURL], want[comp.PURL]) {
					t.Errorf("%s: vouch reports %v, osv-scalibr %v", comp.PURL, got[comp.PURL], want[comp.PURL])
				}
				if len(want[comp.PURL]) > 0 {
					t.Logf("%s: %v", comp.PURL, want[comp.PURL])
					hit++
				}
			}
			if hit < c.want || hit == len(d.Components) {
				t.Errorf("%d of %d components affected, want at least %d and not all", hit, len(d.Components), c.want)
			}
		})
	}
}

// catalogued is the SBOM vouch sbom makes of dir, its components of the
// ecosystems vouch vuln matches only.
func catalogued(t *testing.T, dir string) *sbom.Document {
	t.Helper()
	res, err := catalog.Run(context.Background(), []string{dir}, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("catalog errors: %v", res.Errors)
	}
	d := &sbom.Document{}
	for _, c := range res.Document.Components {
		if Supported(&c) {
			d.Components = append(d.Components, c)
		}
	}
	return d
}
