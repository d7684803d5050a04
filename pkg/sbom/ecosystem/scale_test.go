package ecosystem_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/dotnet"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/npm"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/php"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/python"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ruby"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/rust"
)

type gen struct {
	name string
	file string
	read func(context.Context, string, []byte) (*sbom.Fragment, error)
	make func(n int) string
}

var gens = []gen{
	{"yarn1", "yarn.lock", npm.YarnLock, func(n int) string {
		var b strings.Builder
		b.WriteString("# yarn lockfile v1\n\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "p%d@^1.0.0:\n  version \"1.0.%d\"\n  resolved \"https://registry.yarnpkg.com/p%d/-/p%d-1.0.%d.tgz\"\n  integrity sha512-AAAA\n  dependencies:\n    p%d \"^1.0.0\"\n\n", i, i, i, i, i, (i+1)%n)
		}
		return b.String()
	}},
	{"cargo", "Cargo.lock", rust.CargoLock, func(n int) string {
		var b strings.Builder
		b.WriteString("version = 3\n\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "[[package]]\nname = \"p%d\"\nversion = \"1.0.%d\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"aa\"\ndependencies = [\n \"p%d\",\n]\n\n", i, i, (i+1)%n)
		}
		return b.String()
	}},
	{"composer", "composer.lock", php.ComposerLock, func(n int) string {
		var ps []string
		for i := 0; i < n; i++ {
			ps = append(ps, fmt.Sprintf(`{"name":"v/p%d","version":"1.0.%d","license":["MIT"],"require":{"v/p%d":"^1"}}`, i, i, (i+1)%n))
		}
		return `{"packages":[` + strings.Join(ps, ",") + `],"packages-dev":[]}`
	}},
	{"gemfile", "Gemfile.lock", ruby.GemfileLock, func(n int) string {
		var b strings.Builder
		b.WriteString("GEM\n  remote: https://rubygems.org/\n  specs:\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "    p%d (1.0.%d)\n      p%d (>= 0)\n", i, i, (i+1)%n)
		}
		b.WriteString("\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  p0\n")
		return b.String()
	}},
	{"poetry", "poetry.lock", python.Poetry, func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "[[package]]\nname = \"p%d\"\nversion = \"1.0.%d\"\ndescription = \"\"\noptional = false\npython-versions = \"*\"\nfiles = []\n\n[package.dependencies]\np%d = \"*\"\n\n", i, i, (i+1)%n)
		}
		b.WriteString("[metadata]\nlock-version = \"2.0\"\npython-versions = \"*\"\ncontent-hash = \"x\"\n")
		return b.String()
	}},
	{"requirements", "requirements.txt", python.Requirements, func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "p%d==1.0.%d\n    # via p%d\n", i, i, (i+1)%n)
		}
		return b.String()
	}},
	{"nuget", "packages.lock.json", dotnet.PackagesLock, func(n int) string {
		var ps []string
		for i := 0; i < n; i++ {
			ps = append(ps, fmt.Sprintf(`"P%d":{"type":"Transitive","resolved":"1.0.%d","contentHash":"AA==","dependencies":{"P%d":"1.0.%d"}}`, i, i, (i+1)%n, (i+1)%n))
		}
		return `{"version":1,"dependencies":{"net8.0":{` + strings.Join(ps, ",") + `}}}`
	}},
	{"pnpm9", "pnpm-lock.yaml", npm.PnpmLock, func(n int) string {
		var b strings.Builder
		b.WriteString("lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      p0:\n        specifier: ^1\n        version: 1.0.0\npackages:\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "  p%d@1.0.%d:\n    resolution: {integrity: sha512-AA}\n", i, i)
		}
		b.WriteString("snapshots:\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "  p%d@1.0.%d:\n    dependencies:\n      p%d: 1.0.%d\n", i, i, (i+1)%n, (i+1)%n)
		}
		return b.String()
	}},
	{"pipfile", "Pipfile.lock", python.Pipfile, func(n int) string {
		var ps []string
		for i := 0; i < n; i++ {
			ps = append(ps, fmt.Sprintf(`"p%d":{"version":"==1.0.%d","hashes":[]}`, i, i))
		}
		return `{"_meta":{"pipfile-spec":6},"default":{` + strings.Join(ps, ",") + `},"develop":{}}`
	}},
	{"uv", "uv.lock", python.UV, func(n int) string {
		var b strings.Builder
		b.WriteString("version = 1\nrequires-python = \">=3.8\"\n\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "[[package]]\nname = \"p%d\"\nversion = \"1.0.%d\"\nsource = { registry = \"https://pypi.org/simple\" }\ndependencies = [\n    { name = \"p%d\" },\n]\n\n", i, i, (i+1)%n)
		}
		return b.String()
	}},
	{"berry", "yarn.lock", npm.YarnLock, func(n int) string {
		var b strings.Builder
		b.WriteString("__metadata:\n  version: 8\n  cacheKey: 10c0\n\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "\"p%d@npm:^1.0.0\":\n  version: 1.0.%d\n  resolution: \"p%d@npm:1.0.%d\"\n  dependencies:\n    p%d: \"npm:^1.0.0\"\n  checksum: 10c0/aa\n  languageName: node\n  linkType: hard\n\n", i, i, i, i, (i+1)%n)
		}
		return b.String()
	}},
	{"depsjson", "app.deps.json", dotnet.DepsJSON, func(n int) string {
		var ts, ls []string
		for i := 0; i < n; i++ {
			ts = append(ts, fmt.Sprintf(`"P%d/1.0.%d":{"dependencies":{"P%d":"1.0.%d"}}`, i, i, (i+1)%n, (i+1)%n))
			ls = append(ls, fmt.Sprintf(`"P%d/1.0.%d":{"type":"package","serviceable":true,"sha512":"sha512-AA=="}`, i, i))
		}
		return `{"runtimeTarget":{"name":".NETCoreApp,Version=v8.0"},"targets":{".NETCoreApp,Version=v8.0":{` + strings.Join(ts, ",") + `}},"libraries":{` + strings.Join(ls, ",") + `}}`
	}},
}

// BenchmarkLockfileScaling reads generated lockfiles of 2,000, 8,000 and
// 32,000 packages (each depending on the next) per format: time per
// package must stay flat as the file grows (it did not for pnpm, whose
// YAML decoding was quadratic, nor for package-lock.json and composer.lock
// while osv-scalibr's line finder read every file).
//
//	go test ./pkg/sbom/ecosystem -run '^$' -bench LockfileScaling
func BenchmarkLockfileScaling(b *testing.B) {
	for _, g := range gens {
		for _, n := range []int{2000, 8000, 32000} {
			data := []byte(g.make(n))
			b.Run(fmt.Sprintf("%s/n=%d", g.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := g.read(context.Background(), g.file, data); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/package")
			})
		}
	}
}

// TestLargeLockfilesReadAlone: a lockfile larger than CrossCheckLimit is
// read by vouch alone, every package found and no cross-check warning;
// below the limit, both readers agree on the same generated content.
func TestLargeLockfilesReadAlone(t *testing.T) {
	for _, g := range gens {
		for _, n := range []int{300, 6000} {
			data := []byte(g.make(n))
			frag, err := g.read(context.Background(), g.file, data)
			if err != nil {
				t.Fatalf("%s n=%d: %v", g.name, n, err)
			}
			libs := 0
			for _, c := range frag.Components {
				if strings.HasPrefix(c.ID, "pkg:") && c.Name != "p" {
					libs++
				}
			}
			if libs < n {
				t.Errorf("%s n=%d (%d bytes): %d packages", g.name, n, len(data), libs)
			}
			for _, w := range frag.Warnings {
				if strings.Contains(w.Message, "osv-scalibr") {
					t.Errorf("%s n=%d: %s", g.name, n, w)
					break
				}
			}
		}
	}
}
