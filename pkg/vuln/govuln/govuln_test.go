package govuln

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/internal/diskcache"
	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// reference runs govulncheck v1.9.0 in its own process on the flat copy of
// the database and returns, per "module advisory", the deepest level it
// reports — read here with no code of the package under test.
func reference(t *testing.T, args ...string) map[string]string {
	t.Helper()
	full := append([]string{"-db", "file://" + flatDB(t), "-format", "json"}, args...)
	cmd := exec.Command(os.Args[0], full...)
	cmd.Env = append(os.Environ(), envGovulncheck+"=1", "GOPROXY=off", "GOTOOLCHAIN=local")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("govulncheck %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	levels := map[string]string{}
	depth := map[string]int{vuln.Required: 1, vuln.Imported: 2, vuln.Called: 3}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m struct {
			Finding *struct {
				OSV   string `json:"osv"`
				Trace []struct {
					Module, Package, Function string
				} `json:"trace"`
			} `json:"finding"`
		}
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if m.Finding == nil {
			continue
		}
		fr := m.Finding.Trace[0]
		lvl := vuln.Required
		if fr.Function != "" {
			lvl = vuln.Called
		} else if fr.Package != "" {
			lvl = vuln.Imported
		}
		k := fr.Module + " " + m.Finding.OSV
		if depth[lvl] > depth[levels[k]] {
			levels[k] = lvl
		}
	}
	return levels
}

// levelsOf is reference's map for vouch's matches; it fails on a match
// that breaks the package's contract (ecosystem, purl, severity).
func levelsOf(t *testing.T, ms []vuln.Match) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, m := range ms {
		k := m.Component.Name + " " + m.Vulnerability.ID
		if _, dup := got[k]; dup {
			t.Errorf("%s reported twice", k)
		}
		got[k] = m.Vulnerability.Reachability
		if m.Component.Ecosystem != "Go" || !strings.HasPrefix(m.Component.PURL, "pkg:golang/") || m.Vulnerability.Severity == "" {
			t.Errorf("%s: component %+v severity %q", k, m.Component, m.Vulnerability.Severity)
		}
		if (m.Vulnerability.Reachability == vuln.Called) != (len(m.Vulnerability.Symbols) > 0) {
			t.Errorf("%s: %s with symbols %v", k, m.Vulnerability.Reachability, m.Vulnerability.Symbols)
		}
	}
	return got
}

// compare fails unless vouch and govulncheck report the same advisories
// per module at the same level.
func compare(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("govulncheck found nothing: the fixture is not vulnerable")
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: vouch %q, govulncheck %q", k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: vouch %q, govulncheck nothing", k, g)
		}
	}
}

// TestBinaryMatchesGovulncheck is the acceptance test: on real binaries
// built from real vulnerable module versions, vouch reports what
// govulncheck -mode binary reports on the same database, and each program
// reaches golang.org/x/text's language advisories at the level it is
// named after.
func TestBinaryMatchesGovulncheck(t *testing.T) {
	bins := builtPrograms(t)
	db := openDB(t)
	// The level of GO-2021-0113 (language.Parse) and GO-2022-1059
	// (language.ParseAcceptLanguage, never called) in each program.
	expect := map[string][2]string{
		"called":   {vuln.Called, vuln.Imported},
		"imported": {vuln.Imported, vuln.Imported},
		"required": {vuln.Required, vuln.Required},
	}
	for _, p := range programs {
		t.Run(p, func(t *testing.T) {
			want := reference(t, "-mode", "binary", bins[p])
			nonet.Forbid(t)
			ms, err := Analyze(context.Background(), db, bins[p])
			if err != nil {
				t.Fatal(err)
			}
			got := levelsOf(t, ms)
			compare(t, got, want)
			e := expect[p]
			if got["golang.org/x/text GO-2021-0113"] != e[0] || got["golang.org/x/text GO-2022-1059"] != e[1] {
				t.Errorf("x/text levels %q, %q; want %q", got["golang.org/x/text GO-2021-0113"], got["golang.org/x/text GO-2022-1059"], e)
			}
			checkCalled(t, p, ms)
		})
	}
}

// checkCalled checks the details of one called match: its symbols, fixed
// version, aliases and purl.
func checkCalled(t *testing.T, program string, ms []vuln.Match) {
	t.Helper()
	i := slices.IndexFunc(ms, func(m vuln.Match) bool {
		return m.Component.Name == "golang.org/x/text" && m.Vulnerability.ID == "GO-2021-0113"
	})
	if i < 0 {
		t.Fatal("no GO-2021-0113 for golang.org/x/text")
	}
	m := ms[i]
	var syms []string
	if program == "called" {
		syms = []string{"golang.org/x/text/language.Parse"}
	}
	if m.Component.PURL != "pkg:golang/golang.org/x/text@v0.3.5" || m.Vulnerability.FixedVersion != "v0.3.7" ||
		!slices.Equal(m.Vulnerability.Symbols, syms) || !slices.Contains(m.Vulnerability.Aliases, "CVE-2021-38561") {
		t.Errorf("GO-2021-0113: %+v", m)
	}
}

// TestModuleMatchesGovulncheck runs the source module levels: package and
// symbol level against govulncheck's own source mode on ./..., and the
// module level, read from go.mod alone, against the modules govulncheck's
// package level finds (every requirement of the fixture provides a
// package, so both name the same modules), each at level "required".
func TestModuleMatchesGovulncheck(t *testing.T) {
	builtPrograms(t) // extracts the fixture
	dir := fixtureDir()
	db := openDB(t)
	for _, lvl := range []Level{Module, Package, Symbol} {
		t.Run(string(lvl), func(t *testing.T) {
			scanLevel := lvl
			if lvl == Module {
				scanLevel = Package
			}
			want := reference(t, "-mode", "source", "-scan", string(scanLevel), "-C", dir, "./...")
			if lvl == Module {
				for k := range want {
					want[k] = vuln.Required
				}
			}
			nonet.Forbid(t)
			ms, err := AnalyzeModule(context.Background(), db, dir, lvl)
			if err != nil {
				t.Fatal(err)
			}
			compare(t, levelsOf(t, ms), want)
		})
	}
}

// TestModuleOffline: the package level of a module whose dependency is
// neither vendored nor in the module cache fails, saying why, and makes
// no download; its module level, read from go.mod, works (control).
func TestModuleOffline(t *testing.T) {
	dir := t.TempDir()
	gomod := "module example.com/offline\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.5\n"
	src := "package offline\n\nimport _ \"golang.org/x/text/language\"\n"
	for name, data := range map[string]string{"go.mod": gomod, "offline.go": src} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("GOMODCACHE", t.TempDir()) // empty: nothing to load from
	t.Setenv("GOFLAGS", "-mod=mod")     // dropped: it would let go update go.mod
	db := openDB(t)
	nonet.Forbid(t)
	_, err := AnalyzeModule(context.Background(), db, dir, Package)
	if err == nil || !strings.Contains(err.Error(), "vendor/ or the module cache") {
		t.Fatalf("package level: %v", err)
	}
	ms, err := AnalyzeModule(context.Background(), db, dir, Module)
	if err != nil {
		t.Fatal(err)
	}
	got := levelsOf(t, ms)
	if got["golang.org/x/text GO-2021-0113"] != vuln.Required {
		t.Errorf("module level: %v", got)
	}
}

// BenchmarkAnalyze analyses the "called" program against the whole
// Go database, its v1 layout already cached (the usual run).
func BenchmarkAnalyze(b *testing.B) {
	bin := builtPrograms(b)["called"]
	db := openDB(b)
	if _, err := Analyze(context.Background(), db, bin); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Analyze(context.Background(), db, bin); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCachePathEscaped: a cache directory whose name has a space, "#" and
// "?", or given relative to the working directory, still names the
// database govulncheck reads.
func TestCachePathEscaped(t *testing.T) {
	bin, err := filepath.Abs(builtPrograms(t)["required"])
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t)
	base := t.TempDir()
	for _, dir := range []string{filepath.Join(base, "a b#c?d"), filepath.Join("..", filepath.Base(base), "rel")} {
		t.Run(dir, func(t *testing.T) {
			t.Chdir(base)
			t.Setenv(diskcache.EnvDir, dir)
			ms, err := Analyze(context.Background(), db, bin)
			if err != nil {
				t.Fatal(err)
			}
			if got := levelsOf(t, ms); got["golang.org/x/text GO-2021-0113"] != vuln.Required {
				t.Errorf("%v", got)
			}
		})
	}
}

// TestAnalyzeCancelled: a cancelled run is an error, never an empty
// report.
func TestAnalyzeCancelled(t *testing.T) {
	bin := builtPrograms(t)["called"]
	db := openDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if ms, err := Analyze(ctx, db, bin); err == nil {
		t.Fatalf("cancelled: %d matches, no error", len(ms))
	}
	// Control: the database built, a cancelled analysis still fails.
	if _, err := Analyze(context.Background(), db, bin); err != nil {
		t.Fatal(err)
	}
	if ms, err := Analyze(ctx, db, bin); err == nil {
		t.Fatalf("cancelled on a cached database: %d matches, no error", len(ms))
	}
}
