package cli

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestVulnVEXRemovesExactlyOne is issue 12's acceptance through the
// command: vouch vuln over a real SBOM (proton-bridge v1.8.0, dozens of
// matches against the whole Go database) with an OpenVEX not_affected for
// one advisory, made by vouch vex create, reports the same findings but
// that one suppressed.
func TestVulnVEXRemovesExactlyOne(t *testing.T) {
	dir := t.TempDir()
	abs := func(p ...string) string {
		a, err := filepath.Abs(filepath.Join(p...))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	sbomPath := abs("..", "..", "pkg", "vex", "testdata", "sbom", "proton-bridge-v1.8.0.bom.json")
	db := abs("..", "..", "testdata", "osv")
	net := "pkg:golang/golang.org/x/net@v0.0.0-20210405180319-a5a99cb37ef4"
	vouchIn(t, dir, ExitOK, "vex", "create", "--product", "pkg:golang/github.com/ProtonMail/proton-bridge@v1.8.0",
		"--subcomponent", net, "--vuln", "CVE-2023-39325", "--status", "not_affected",
		"--justification", "vulnerable_code_not_in_execute_path", "-o", "bridge.openvex.json")
	type report struct {
		Findings []struct {
			ID            string `json:"id"`
			PURL          string `json:"purl"`
			Vulnerability struct {
				VEX string `json:"vex"`
			} `json:"vulnerability"`
		} `json:"findings"`
	}
	read := func(args ...string) report {
		out, _ := vouchIn(t, dir, ExitOK, append([]string{"vuln", sbomPath, "--db", db, "-o", "json", "-q"}, args...)...)
		var r report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return r
	}
	before, after := read(), read("--vex", "bridge.openvex.json")
	if len(before.Findings) < 10 || len(after.Findings) != len(before.Findings) {
		t.Fatalf("%d findings without VEX, %d with", len(before.Findings), len(after.Findings))
	}
	changed := 0
	for i, f := range after.Findings {
		b := before.Findings[i]
		if f.ID != b.ID || f.PURL != b.PURL {
			t.Fatalf("finding %d: %s %s, was %s %s", i, f.ID, f.PURL, b.ID, b.PURL)
		}
		if b.Vulnerability.VEX != "" {
			t.Errorf("%s decided without VEX", b.ID)
		}
		if f.Vulnerability.VEX != "" {
			changed++
			if f.ID != "GO-2023-2102" || f.PURL != net || f.Vulnerability.VEX != "not_affected" {
				t.Errorf("decided: %s in %s: %s", f.ID, f.PURL, f.Vulnerability.VEX)
			}
		}
	}
	if changed != 1 {
		t.Errorf("%d of %d findings decided, want 1", changed, len(after.Findings))
	}
}
