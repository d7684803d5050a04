package manifests

import (
	"errors"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

func kind(name string) manifest {
	for _, m := range table {
		if m.name == name {
			return m
		}
	}
	panic(name)
}

// TestPost: the post step's judgement on reported paths — beside, above
// (workspaces only), in the same archive only, a lockfile that failed is
// still found, an installed package's manifest is dropped when something
// reads its tree and names the tree as not read otherwise — each with the
// control that flips it.
func TestPost(t *testing.T) {
	tests := []struct {
		name     string
		kind     string
		manifest string
		others   []string
		want     string // "ok", "missing" or "dropped"
	}{
		{"beside", "npm-manifest", "web/package.json", []string{"web/yarn.lock"}, "ok"},
		{"none", "npm-manifest", "web/package.json", []string{"web/README.md"}, "missing"},
		{"sibling directory", "npm-manifest", "web/package.json", []string{"api/package-lock.json"}, "missing"},
		{"workspace root above", "rust-manifest", "crates/a/Cargo.toml", []string{"Cargo.lock"}, "ok"},
		{"no workspace for composer", "php-manifest", "sub/composer.json", []string{"composer.lock"}, "missing"},
		{"lockfile a level too deep", "rust-manifest", "Cargo.toml", []string{"crates/a/Cargo.lock"}, "missing"},
		{"installed tree beside", "npm-manifest", "app/package.json", []string{"app/node_modules/.package-lock.json"}, "ok"},
		{"installed package's manifest", "npm-manifest", "app/node_modules/x/package.json", []string{"app/node_modules/.package-lock.json"}, "dropped"},
		{"installed package's manifest, project locked", "npm-manifest", "app/node_modules/x/package.json", []string{"app/yarn.lock"}, "dropped"},
		{"installed package's manifest, nothing reads the tree", "npm-manifest", "app/node_modules/x/package.json", []string{"app/node_modules/README.md"}, "tree"},
		{"another ecosystem's manifest in an installed tree", "python-manifest", "app/node_modules/x/setup.py", nil, "dropped"},
		{"in an archive", "npm-manifest", "dist/a.tgz!web/package.json", []string{"dist/a.tgz!web/package-lock.json"}, "ok"},
		{"archive root", "npm-manifest", "dist/a.tgz!package.json", []string{"dist/a.tgz!package-lock.json"}, "ok"},
		{"not above an archive's root", "npm-manifest", "dist/a.tgz!package.json", []string{"dist/package-lock.json"}, "missing"},
		{"requirements glob", "python-manifest", "setup.py", []string{"requirements-dev.txt"}, "ok"},
		{"csproj glob", "dotnet-manifest", "src/App.csproj", []string{"src/packages.lock.json"}, "ok"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := kind(tc.kind)
			all := []cataloger.Found{{Kind: m.name, Path: tc.manifest, Fragment: &sbom.Fragment{}}}
			for i, o := range tc.others {
				f := cataloger.Found{Kind: "other", Path: o, Fragment: &sbom.Fragment{}}
				if i == 0 {
					f.Err = errors.New("a lockfile that failed is still a lockfile found")
				}
				all = append(all, f)
			}
			out := m.post(all)
			got := "dropped"
			for _, f := range out {
				if f.Path == "app/node_modules" && len(f.Fragment.Files) == 1 && strings.Contains(f.Fragment.Files[0].NotRead, "installed npm tree") {
					got = "tree"
				}
				if f.Path != tc.manifest {
					continue
				}
				got = "ok"
				if len(f.Fragment.Files) == 1 && strings.Contains(f.Fragment.Files[0].NotRead, "without a lockfile") {
					got = "missing"
				}
			}
			if got != tc.want || len(out) != len(all)-btoi(got == "dropped") {
				t.Errorf("%s: %s (%d of %d found kept), want %s", tc.manifest, got, len(out), len(all), tc.want)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// FuzzPost: reported paths come from the tree and from archive entry
// names, so any string may reach the post step. It must not panic, must
// keep every file that is not one of its manifests, and must count the
// lockfile named beside a manifest as covering it.
func FuzzPost(f *testing.F) {
	for _, p := range []string{"web/package.json", "a.tgz!package.json", "!", "/", "x!/y!z/Cargo.toml", "node_modules", ""} {
		f.Add(p, "Cargo.lock")
	}
	f.Fuzz(func(t *testing.T, p, other string) {
		for _, m := range table {
			lock := dirOf(p) + strings.TrimPrefix(m.locks[0], "node_modules/")
			all := []cataloger.Found{
				{Kind: m.name, Path: p, Fragment: &sbom.Fragment{}},
				{Kind: "other", Path: other, Fragment: &sbom.Fragment{}},
				{Kind: "other", Path: lock, Fragment: &sbom.Fragment{}},
			}
			out := m.post(all)
			if len(out) < 2 || out[len(out)-1].Path != lock {
				t.Fatalf("%s: other files dropped: %+v", m.name, out)
			}
			for _, o := range out {
				if o.Kind == m.name && len(o.Fragment.Files) > 0 {
					t.Fatalf("%s at %q with %q beside it: %v", m.name, p, lock, o.Fragment.Files)
				}
			}
		}
	})
}
