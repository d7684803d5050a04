package check

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
	"github.com/vouchdev/vouch/pkg/sbom/sbomtest"
)

// mitLicense is a LICENSE file licensecheck recognises as MIT.
const mitLicense = `MIT License

Copyright (c) 2026 Example Org

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`

// fixtureModule writes a module that links two modules vouch itself
// requires (so that it builds offline from the module cache) and, when
// binary is set, builds it into the module's directory.
func fixtureModule(t *testing.T, binary bool) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":  "module example.com/hello\n\ngo 1.22\n\nrequire (\n\tgithub.com/package-url/packageurl-go v0.1.7\n\tgolang.org/x/mod v0.42.0\n)\n",
		"main.go": "package main\n\nimport (\n\t\"github.com/package-url/packageurl-go\"\n\t\"golang.org/x/mod/semver\"\n)\n\nfunc main() { println(semver.IsValid(\"v1.0.0\"), packageurl.TypeGolang) }\n",
		"LICENSE": mitLicense,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "mod", "tidy")
	if binary {
		cmd = exec.Command("go", "build", "-trimpath", "-o", "hello", ".")
	}
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOSUMDB=off", "CGO_ENABLED=0",
		"GOTOOLCHAIN=local", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
	return dir
}

// ownDocuments are vouch's own SBOMs: the sample document every encoder's
// goldens are made from, and catalog.Run over a module's source and over
// the module with its binary.
func ownDocuments(t *testing.T) map[string]*sbom.Document {
	t.Helper()
	docs := map[string]*sbom.Document{"sample": sbomtest.Sample()}
	for _, binary := range []bool{false, true} {
		dir := fixtureModule(t, binary)
		res, err := catalog.Run(context.Background(), []string{dir}, catalog.Options{
			Version: "v1.0.0",
			Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			Tool:    sbom.Tool{Vendor: "vouchdev", Name: "vouch", Version: "v0.0.0-test"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Errors) > 0 {
			t.Fatalf("catalog: %v", res.Errors)
		}
		docs[fmt.Sprintf("catalog(binary=%v)", binary)] = res.Document
	}
	return docs
}

// producerGaps are the findings vouch's own SBOMs still get, by document
// and profile, as "rule component". The rules are right and the producer is
// not (yet): each entry is a field a cataloger or encoder must fill, and is
// removed when it does. TestOwnSBOMs fails when a gap closes or a new one
// opens, so this table is always the exact list.
var producerGaps = map[string]map[string][]string{
	// A module's source: go.mod modules carry only their h1: sums, which
	// are properties, not hashes (CISA: Component Hash).
	"catalog(binary=false)": {
		CISAProfile: {
			CISAHash + " pkg:golang/example.com/hello@v1.0.0",
			CISAHash + " pkg:golang/github.com/package-url/packageurl-go@v0.1.7",
			CISAHash + " pkg:golang/golang.org/x/mod@v0.42.0",
		},
	},
	// A module with its binary: licences come from the module cache and the
	// binary inherits its module's; only CISA's hash on modules stays open.
	"catalog(binary=true)": {
		CISAProfile: {
			CISAHash + " pkg:golang/github.com/package-url/packageurl-go@v0.1.7",
			CISAHash + " pkg:golang/golang.org/x/mod@v0.42.0",
			CISAHash + " pkg:golang/stdlib@go1.26.8",
		},
	},
	// The sample: x/mod has only a declared licence on purpose (encoders
	// must write NOASSERTION for the concluded one); modules have no hashes.
	"sample": {
		BSIProfile: {
			BSIDistributionLicence + " pkg:golang/golang.org/x/mod@v0.42.0",
		},
		CISAProfile: {
			CISAHash + " pkg:golang/github.com/spf13/cobra@v1.10.2",
			CISAHash + " pkg:golang/golang.org/x/mod@v0.42.0",
			CISAHash + " pkg:golang/stdlib@go1.26.8",
		},
	},
}

// TestOwnSBOMs: vouch's own SBOMs, written as CycloneDX 1.6 (JSON and XML),
// CycloneDX 1.7 and SPDX 3.0.1 and read back, meet every profile except for
// the listed producer gaps — the same in every format.
func TestOwnSBOMs(t *testing.T) {
	docs := ownDocuments(t)
	for _, name := range slices.Sorted(maps.Keys(docs)) {
		for _, spec := range []string{"cyclonedx-json@1.6", "cyclonedx-xml@1.6", "cyclonedx-json@1.7", "spdx-json@3.0"} {
			in := input(t, name+" as "+spec, encode(t, docs[name], spec))
			for _, p := range profilesUnderTest {
				rep := run(t, in, p)
				var got []string
				for _, f := range rep.Findings {
					got = append(got, f.ID+" "+f.Component)
				}
				want := producerGaps[name][p]
				if !slices.Equal(got, want) {
					t.Errorf("%s: %s findings:\n got %q\nwant %q", in.Name, p, got, want)
				}
				if rep.Checks == 0 || rep.Pass != (len(want) == 0) {
					t.Errorf("%s: %s: pass=%v checks=%d", in.Name, p, rep.Pass, rep.Checks)
				}
			}
		}
	}
}

// TestOwnSPDX2FailsFormatOnly: vouch's SPDX 2.3 output (JSON and
// tag-value) of a document that passes bsi-tr-03183-2 in CycloneDX fails
// only the format rule: TR-03183-2 v2.1.0 no longer accepts SPDX 2.
func TestOwnSPDX2FailsFormatOnly(t *testing.T) {
	dir := fixtureModule(t, false)
	res, err := catalog.Run(context.Background(), []string{dir}, catalog.Options{
		Version: "v1.0.0", Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Tool: sbom.Tool{Vendor: "vouchdev", Name: "vouch", Version: "v0.0.0-test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range []string{"spdx-json@2.3", "spdx-tag-value@2.3"} {
		in := input(t, spec, encode(t, res.Document, spec))
		rep := run(t, in, BSIProfile)
		if got := ruleIDs(rep); !slices.Equal(got, []string{BSIFormat}) || len(rep.Findings) != 1 || rep.Pass {
			t.Errorf("%s: findings %+v, want only %s", spec, rep.Findings, BSIFormat)
		}
		if f := rep.Findings[0]; f.Field != "spdxVersion" || !strings.Contains(f.Found, "SPDX 2.3") {
			t.Errorf("%s: format finding %+v", spec, f)
		}
		if rep := run(t, in, NTIAProfile); len(rep.Findings) != 0 {
			t.Errorf("%s: ntia findings %+v, want none", spec, rep.Findings)
		}
	}
}
