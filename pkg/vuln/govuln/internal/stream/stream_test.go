package stream

import (
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
