package gomod

import (
	"path"
	"strings"
	"testing"
)

// seeds adds every fixture file whose base name matches keep to f, and fails
// when there is none, so that a fuzz target cannot silently lose its corpus.
func seeds(f *testing.F, keep func(name string) bool) {
	n := 0
	for _, archive := range []string{"basic.txtar", "vendor.txtar", "errors.txtar", "modcache.txtar"} {
		for _, file := range readArchive(f, archive) {
			if keep(path.Base(file.Name)) {
				f.Add(file.Data)
				n++
			}
		}
	}
	if n == 0 {
		f.Fatal("no seeds: the fixtures in testdata/ are missing")
	}
}

func FuzzParse(f *testing.F) {
	seeds(f, func(name string) bool { return name == "go.mod" || strings.HasSuffix(name, ".mod") })
	f.Fuzz(func(t *testing.T, data []byte) {
		mf, err := Parse("go.mod", data)
		if err == nil && mf == nil {
			t.Fatal("nil file without an error")
		}
		if err != nil && !strings.Contains(err.Error(), "go.mod") {
			t.Fatalf("error %q does not name the file", err)
		}
		// Dependencies' go.mod files go through the lax parser.
		_, _ = parseDepGoMod("dep.mod", data)
	})
}

func FuzzParseGoSum(f *testing.F) {
	seeds(f, func(name string) bool { return name == "go.sum" })
	f.Fuzz(func(t *testing.T, data []byte) {
		sums, bad := parseGoSum(data)
		if bad < 0 || bad > strings.Count(string(data), "\n")+1 {
			t.Fatalf("bad line %d out of range", bad)
		}
		for mv, h := range sums {
			if !strings.HasPrefix(h, "h1:") || strings.HasSuffix(mv.Version, "/go.mod") {
				t.Fatalf("kept %v %q", mv, h)
			}
		}
	})
}

func FuzzParseModulesTxt(f *testing.F) {
	seeds(f, func(name string) bool { return name == "modules.txt" })
	f.Fuzz(func(t *testing.T, data []byte) {
		for p := range parseModulesTxt(data) {
			if p == "" || strings.ContainsAny(p, " \t") {
				t.Fatalf("module path %q", p)
			}
		}
	})
}
