package stream

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/vuln"
)

// TestParseStream reads a real govulncheck stream (testdata/called.json):
// one match per module and advisory at the deepest level, with the called
// symbols.
func TestParseStream(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "called.json"))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := Parse(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"golang.org/x/net GO-2025-3595":  vuln.Called,
		"golang.org/x/text GO-2021-0113": vuln.Called,
		"golang.org/x/text GO-2022-1059": vuln.Imported,
	}
	got := map[string]string{}
	for _, m := range ms {
		got[m.Component.Name+" "+m.Vulnerability.ID] = m.Vulnerability.Reachability
	}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
	net := ms[0] // sorted by purl: golang.org/x/net first
	wantSyms := "golang.org/x/net/html.Parse golang.org/x/net/html.ParseWithOptions golang.org/x/net/html.Tokenizer.Next"
	if got := strings.Join(net.Vulnerability.Symbols, " "); got != wantSyms || net.Vulnerability.FixedVersion != "v0.38.0" {
		t.Errorf("x/net: symbols %q fixed %q", got, net.Vulnerability.FixedVersion)
	}
}

// TestParseStreamRefuses: streams govulncheck would not write are errors,
// each next to a valid one (control).
func TestParseStreamRefuses(t *testing.T) {
	const (
		config  = `{"config":{"protocol_version":"v1.0.0"}}`
		osv     = `{"osv":{"id":"GO-1","aliases":["CVE-1"]}}`
		finding = `{"finding":{"osv":"GO-1","fixed_version":"v1.2.3","trace":[{"module":"example.com/m","version":"v1.0.0"}]}}`
	)
	cases := []struct {
		name, stream, want string
	}{
		{"control", config + osv + finding, ""},
		{"control stdlib", config + `{"SBOM":{"go_version":"go1.26.8"}}` + osv + `{"finding":{"osv":"GO-1","fixed_version":"v1.26.9","trace":[{"module":"stdlib","version":"v1.26.8"}]}}`, ""},
		{"empty", "", "no config"},
		{"no config first", osv + config + finding, "config message first"},
		{"other protocol", `{"config":{"protocol_version":"v2.0.0"}}` + osv + finding, "protocol_version"},
		{"finding before osv", config + finding + osv, "no osv message"},
		{"no trace", config + osv + `{"finding":{"osv":"GO-1"}}`, "trace[0].module"},
		{"null frame", config + osv + `{"finding":{"osv":"GO-1","trace":[null]}}`, "trace[0].module"},
		{"no id", config + osv + `{"finding":{"trace":[{"module":"m"}]}}`, "finding.osv"},
		{"osv without id", config + `{"osv":{"aliases":[]}}`, "osv.id"},
		{"duplicate key", config + `{"osv":{"id":"GO-1","id":"GO-2"}}`, "duplicate"},
		{"truncated", config + osv + `{"finding":`, "message 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ms, err := Parse(strings.NewReader(c.stream))
			if c.want == "" {
				if err != nil || len(ms) != 1 || ms[0].Vulnerability.Reachability != vuln.Required {
					t.Fatalf("%v, %v", ms, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestStdlibVersions: the standard library is named by Go's tags, as
// vouch's SBOMs name it.
func TestStdlibVersions(t *testing.T) {
	stream := `{"config":{"protocol_version":"v1.0.0"}}{"SBOM":{"go_version":"go1.26.8"}}{"osv":{"id":"GO-1"}}` +
		`{"finding":{"osv":"GO-1","fixed_version":"v1.26.9","trace":[{"module":"stdlib","version":"v1.26.8"}]}}`
	ms, err := Parse(strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	c := ms[0].Component
	if c.Version != "go1.26.8" || c.PURL != "pkg:golang/stdlib@go1.26.8" || ms[0].Vulnerability.FixedVersion != "go1.26.9" {
		t.Errorf("%+v fixed %q", c, ms[0].Vulnerability.FixedVersion)
	}
	for in, want := range map[string]string{
		"v1.26.8": "go1.26.8", "v1.20.0": "go1.20", "v1.21.0": "go1.21.0",
		"v1.21.0-rc.2": "go1.21rc2", "": "", "garbage": "garbage", "v1.x.0": "v1.x.0",
	} {
		if got := goTag(in); got != want {
			t.Errorf("goTag(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseStream: no stream makes the reader panic, and every match it
// returns names a module, an advisory and a known level.
func FuzzParseStream(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "called.json")); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"config":{"protocol_version":"v1.0.0"}}{"osv":{"id":"GO-1"}}{"finding":{"osv":"GO-1","trace":[{"module":"m","package":"p","function":"F","receiver":"*T"}]}}`))
	// A package govulncheck gave to a shorter module path than the SBOM's.
	f.Add([]byte(`{"config":{"protocol_version":"v1.0.0"}}{"SBOM":{"modules":[{"path":"m","version":"v1.0.0"},{"path":"m/v2","version":"v2.0.0"}]}}{"osv":{"id":"GO-1"}}{"finding":{"osv":"GO-1","trace":[{"module":"m","version":"v1.0.0","package":"m/v2/p","function":"F"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, err := Parse(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		for _, m := range ms {
			if m.Component.Name == "" || m.Vulnerability.ID == "" || level[m.Vulnerability.Reachability] == 0 {
				t.Fatalf("bad match %+v", m)
			}
		}
	})
}

// TestParseStreamOwnerModule reads three real govulncheck streams of the
// same cosign binary, where govulncheck gave packages of go-tuf/v2 and
// otel/sdk to a shorter module path (go-tuf v0.7.0, otel) at random: run 3
// gave go-tuf/v2's all to go-tuf/v2 and run 4 otel/sdk's all to otel/sdk
// (the controls, one advisory each). vouch's answer is the same for all:
// each advisory under the module that holds the package, "called", with
// that module's fixed version, and nothing under the shorter paths.
func TestParseStreamOwnerModule(t *testing.T) {
	want := map[string]string{
		"pkg:golang/github.com/theupdateframework/go-tuf/v2@v2.3.0 GO-2026-4348": "called fixed v2.3.1",
		"pkg:golang/go.opentelemetry.io/otel/sdk@v1.38.0 GO-2026-4394":           "called fixed v1.40.0",
	}
	for _, run := range []string{"cosign-run1.json", "cosign-run3.json", "cosign-run4.json"} {
		t.Run(run, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", run))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ms, err := Parse(f)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, m := range ms {
				got[m.Component.PURL+" "+m.Vulnerability.ID] = m.Vulnerability.Reachability + " fixed " + m.Vulnerability.FixedVersion
			}
			if !maps.Equal(got, want) {
				t.Errorf("got %v\nwant %v", got, want)
			}
		})
	}
}

// TestOwner: a frame keeps its module unless the SBOM names a longer one
// holding its package; a replacement module (not a prefix of the package)
// is kept.
func TestOwner(t *testing.T) {
	c := &collector{modules: map[string]string{"example.com/a": "v1.0.0", "example.com/a/v2": "v2.1.0", "example.com/ab": "v0.1.0"}}
	cases := []struct{ module, pkg, want string }{
		{"example.com/a", "example.com/a/v2/x", "example.com/a/v2 v2.1.0"},
		{"example.com/a", "example.com/a/x", "example.com/a v0.0.1"},          // control: right already
		{"example.com/a", "example.com/ab/x", "example.com/a v0.0.1"},         // not a path prefix: kept as given
		{"example.com/fork", "example.com/a/v2/x", "example.com/fork v0.0.1"}, // replacement
		{"example.com/a", "", "example.com/a v0.0.1"},                         // module-level finding
	}
	for _, c2 := range cases {
		fr := c.owner(&streamFrame{Module: c2.module, Version: "v0.0.1", Package: c2.pkg})
		if got := fr.Module + " " + fr.Version; got != c2.want {
			t.Errorf("%s %s: %s, want %s", c2.module, c2.pkg, got, c2.want)
		}
	}
}
