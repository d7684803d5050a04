package govuln

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
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
	recs := zipRecords(goDB)
	t.Setenv(diskcache.EnvDir, t.TempDir())
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
			ms, err := AnalyzeBinary(context.Background(), recs, bins[p])
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
	recs := zipRecords(goDB)
	t.Setenv(diskcache.EnvDir, t.TempDir())
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
			ms, err := AnalyzeModule(context.Background(), recs, dir, lvl)
			if err != nil {
				t.Fatal(err)
			}
			compare(t, levelsOf(t, ms), want)
		})
	}
}
