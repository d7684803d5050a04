package output

import (
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/check"
	"github.com/vouchdev/vouch/pkg/verify"
)

func TestVisible(t *testing.T) {
	tests := []struct{ in, want, lines string }{
		{"plain name@v1.2.3", "plain name@v1.2.3", "plain name@v1.2.3"},
		{"Grüße, 日本語", "Grüße, 日本語", "Grüße, 日本語"},
		{"\x1b[2J\x1b]0;pwned\x07", `\x1b[2J\x1b]0;pwned\x07`, `\x1b[2J\x1b]0;pwned\x07`},
		{"ok\rFAKE", `ok\rFAKE`, `ok\rFAKE`},
		{"a\nb", `a\nb`, "a\nb"},
		{"tab\there", `tab\there`, `tab\there`},
		{"back\bspace\x7f", `back\x08space\x7f`, `back\x08space\x7f`},
		{"csi \u009b31m", `csi \u009b31m`, `csi \u009b31m`},
		{"evil\u202egnp.exe", `evil\u202egnp.exe`, `evil\u202egnp.exe`},
		{"zero\u200bwidth\ufeff", `zero\u200bwidth\ufeff`, `zero\u200bwidth\ufeff`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`, `bad \xff\xfe utf8`},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := Visible(tt.in); got != tt.want {
			t.Errorf("Visible(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := VisibleLines(tt.in); got != tt.lines {
			t.Errorf("VisibleLines(%q) = %q, want %q", tt.in, got, tt.lines)
		}
	}
}

func FuzzVisible(f *testing.F) {
	for _, s := range []string{"a", "\x1b[31m", "\u202e", "\xff", "a\nb\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{Visible(s), VisibleLines(s)} {
			for i := 0; i < len(out); i++ {
				if c := out[i]; c < 0x20 && c != '\n' || c == 0x7f {
					t.Fatalf("Visible(%q) = %q keeps control byte %#x", s, out, c)
				}
			}
			for _, r := range out {
				if hidden(r) || r == 0xfffd && !containsRune(s, 0xfffd) {
					t.Fatalf("Visible(%q) = %q keeps %U", s, out, r)
				}
			}
		}
	})
}

func containsRune(s string, r rune) bool {
	for _, x := range s {
		if x == r {
			return true
		}
	}
	return false
}

// TestRenderersEscape: every text renderer writes what documents and
// bundles say with its control characters escaped — and the same report
// without them unchanged (the control).
func TestRenderersEscape(t *testing.T) {
	const evil = "x\x1b]0;pwned\x07\x1b[2J\u202e"
	const shown = `x\x1b]0;pwned\x07\x1b[2J\u202e`
	render := map[string]func(s string) string{
		"check": func(s string) string {
			var b strings.Builder
			_ = CheckText(&b, []CheckedSBOM{{Name: "a" + s, Format: "cyclonedx", SpecVersion: "1.6" + s, Encoding: "json", Error: "bad " + s,
				Reports: []check.Report{{Profile: "ntia", Findings: []check.Finding{{ID: "r", Status: finding.StatusFail, Level: finding.LevelError,
					Component: "c" + s, Field: "name", Expected: "e", Found: "f" + s}}}}}}, false)
			return b.String()
		},
		"verify": func(s string) string {
			var b strings.Builder
			_ = VerifyText(&b, verify.Report{Artifacts: []verify.ArtifactReport{{Name: "n" + s, Digest: "sha256:00",
				Findings: []verify.Finding{{ID: "bundle", Status: verify.StatusFail, Message: "mediaType " + s, Expected: "e", Found: "f" + s}}}}}, false)
			return b.String()
		},
		"findings": func(s string) string {
			var b strings.Builder
			h := NewTextHandler(&b, false)
			_ = h.Finding(finding.Finding{ID: "GO-2024-0001", Status: finding.StatusFail, Subject: "bin" + s, PURL: "pkg:golang/m@v1" + s,
				Message: "summary " + s, Vulnerability: &finding.Vulnerability{ID: "GO-2024-0001", Severity: "high", FixedVersion: "v2" + s,
					VEX: "not_affected", Justification: "j" + s}})
			_ = h.Flush()
			return b.String()
		},
		"sbom table": func(s string) string {
			var b strings.Builder
			_ = SBOMTable(&b, &sbom.Document{Components: []sbom.Component{{ID: "c", Name: "n" + s, Version: "v" + s, Type: sbom.TypeLibrary, Licenses: sbom.Licenses{Declared: "MIT" + s}}}})
			return b.String()
		},
	}
	for name, fn := range render {
		out := fn(evil)
		if strings.ContainsAny(out, "\x1b\x07\u202e") || !strings.Contains(out, shown) {
			t.Errorf("%s: control characters reach the terminal:\n%q", name, out)
		}
		if plain := fn("x"); strings.Contains(plain, `\x`) || !strings.Contains(plain, "x") {
			t.Errorf("%s: a plain report is changed:\n%q", name, plain)
		}
	}
}
