package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestVulnGoModuleScan: vouch vuln on vulnapp's source directory (a go.mod
// and its vendor/) at each --scan level, against the whole Go database.
// yaml.v2's GO-2022-0956 is "required" at the module level, "imported" at
// the package level and "called" at the symbol level, with the symbol
// called shown under it; x/net's GO-2023-1988 (x/net/html's text nodes,
// linked but its vulnerable function never called) stays "imported" at
// the symbol level: the level is govulncheck's answer, not the flag's.
func TestVulnGoModuleScan(t *testing.T) {
	dir := craWorkspace(t)
	for _, tc := range []struct {
		scan string
		want []string
	}{
		{"module", []string{"GO-2022-0956  pkg:golang/gopkg.in/yaml.v2@v2.2.2: Excessive resource consumption in gopkg.in/yaml.v2 [unknown, CVE-2022-3064 GHSA-6q6q-88xp-6f2r, fixed in v2.2.4, required]\n"}},
		{"package", []string{"GO-2022-0956  pkg:golang/gopkg.in/yaml.v2@v2.2.2: Excessive resource consumption in gopkg.in/yaml.v2 [unknown, CVE-2022-3064 GHSA-6q6q-88xp-6f2r, fixed in v2.2.4, imported]\n"}},
		{"symbol", []string{
			"GO-2022-0956  pkg:golang/gopkg.in/yaml.v2@v2.2.2: Excessive resource consumption in gopkg.in/yaml.v2 [unknown, CVE-2022-3064 GHSA-6q6q-88xp-6f2r, fixed in v2.2.4, called]\n        called: gopkg.in/yaml.v2.Unmarshal\n",
			"GO-2023-1988  pkg:golang/golang.org/x/net@v0.0.0-20210226172049-e18ecbb05110: Improper rendering of text nodes in golang.org/x/net/html [unknown, CVE-2023-3978 GHSA-2wrh-6pvc-2jm9, fixed in v0.13.0, imported]\n",
		}},
	} {
		t.Run(tc.scan, func(t *testing.T) {
			stdout, _ := vouchIn(t, dir, ExitOK, "vuln", "-q", "--db", filepath.Join("testdata", "osv"), "--scan", tc.scan, "src")
			for _, w := range tc.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("--scan %s: no %q in\n%s", tc.scan, w, stdout)
				}
			}
		})
	}
}
