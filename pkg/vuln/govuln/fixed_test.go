package govuln

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// TestFixedVersionsAgree: on the same binary, govulncheck's path
// (Analyze) and the OSV path (the binary's SBOM, as vouch sbom writes it,
// matched by vuln.DB) write each fix in one form, the component's own:
// "v0.3.7" for a module, "go1.26.9" for the standard library. Every
// (component, advisory) both report must agree, and the pairs must
// include modules and the standard library.
func TestFixedVersionsAgree(t *testing.T) {
	bin := builtPrograms(t)["imported"]
	db := openDB(t)
	viaGovuln, err := Analyze(context.Background(), db, bin)
	if err != nil {
		t.Fatal(err)
	}
	res, err := catalog.Run(context.Background(), []string{bin}, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := &sbom.Document{}
	for _, c := range res.Document.Components {
		if vuln.Supported(&c) {
			d.Components = append(d.Components, c)
		}
	}
	viaOSV, err := db.Match(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	fixes := func(ms []vuln.Match) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			out[m.Component.Name+" "+m.Vulnerability.ID] = m.Vulnerability.FixedVersion
		}
		return out
	}
	g, o := fixes(viaGovuln), fixes(viaOSV)
	modules, std := 0, 0
	for _, k := range slices.Sorted(maps.Keys(g)) {
		fo, ok := o[k]
		if !ok {
			continue
		}
		if g[k] != fo {
			t.Errorf("%s: govulncheck's path says fixed in %q, the OSV path %q", k, g[k], fo)
		}
		if strings.HasPrefix(k, "stdlib ") {
			std++
		} else {
			modules++
		}
	}
	t.Logf("%d module and %d standard library (component, advisory) pairs in both", modules, std)
	if modules == 0 || std == 0 {
		t.Errorf("the pairs both paths report need modules and the standard library: %d, %d", modules, std)
	}
}
